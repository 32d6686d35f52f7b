import type { AdamParams, SgdParams } from '../backend.js';
import type { FloatArray } from './storage.js';

/** torch.optim.SGD's update, one parameter. */
export function sgdInto(p: FloatArray, g: FloatArray, buf: FloatArray | null, o: SgdParams): void {
  for (let i = 0; i < p.length; i++) {
    let d = g[i]! + o.weightDecay * p[i]!;
    if (o.momentum !== 0 && buf) {
      buf[i] = o.firstStep ? d : o.momentum * buf[i]! + (1 - o.dampening) * d;
      d = o.nesterov ? d + o.momentum * buf[i]! : buf[i]!;
    }
    p[i] = p[i]! - o.lr * d;
  }
}

/** torch.optim.Adam / AdamW's update, one parameter. */
export function adamInto(p: FloatArray, g: FloatArray, m: FloatArray, v: FloatArray, o: AdamParams): void {
  const bc1 = 1 - o.beta1 ** o.step;
  const bc2 = 1 - o.beta2 ** o.step;
  const stepSize = o.lr / bc1;
  const sqrtBc2 = Math.sqrt(bc2);
  for (let i = 0; i < p.length; i++) {
    let gi = g[i]!;
    if (o.decoupled) p[i] = p[i]! * (1 - o.lr * o.weightDecay);
    else gi += o.weightDecay * p[i]!;
    m[i] = o.beta1 * m[i]! + (1 - o.beta1) * gi;
    v[i] = o.beta2 * v[i]! + (1 - o.beta2) * gi * gi;
    p[i] = p[i]! - stepSize * m[i]! / (Math.sqrt(v[i]!) / sqrtBc2 + o.eps);
  }
}
