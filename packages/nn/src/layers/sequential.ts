import { type Tensor, tidy } from '@tapegrad/autograd';
import { checkInput, describeValue } from '../check.js';
import { fusible } from '../fusion.js';
import { keepClassName, Module } from '../module.js';
import { BatchNorm1d, BatchNorm2d } from './batch-norm.js';
import { Conv2d } from './conv.js';
import { MaxPool2d } from './pool.js';
import { ReLU } from './simple.js';

/**
 * Applies modules in order. Children are named by index ('0', '1', …) as in torch.nn.Sequential,
 * or by the keys of an object. A Conv2d directly followed by a ReLU runs as one fused op
 * (Conv2d.forwardRelu) when neither is observed, and with a MaxPool2d after the ReLU the three
 * run as one (Conv2d.forwardReluMaxPool); a BatchNorm1d or BatchNorm2d followed by a ReLU runs as
 * batchNormRelu (BatchNorm2d.forwardRelu) (Note [layer fusion], fusion.ts).
 * @example new Sequential([new Conv2d(1, 16, 3), new ReLU(), new Flatten()])
 * @example new Sequential({ conv1: new Conv2d(1, 16, 3), relu1: new ReLU(), flatten: new Flatten() })
 */
export class Sequential extends Module {
  static {
    keepClassName(this, 'Sequential');
  }
  readonly layers: Module[];

  constructor(layers: readonly Module[] | Record<string, Module> = []) {
    super();
    if (typeof layers !== 'object' || layers === null) throw new TypeError(`Sequential: layers must be an array or an object of Modules, got ${describeValue(layers)}`);
    const entries = Array.isArray(layers) ? layers.map((m, i) => [String(i), m] as const) : Object.entries(layers);
    this.layers = entries.map(([name, m]) => {
      if (!(m instanceof Module)) throw new TypeError(`Sequential: layer '${name}' must be a Module, got ${describeValue(m)}`);
      return this.registerModule(name, m);
    });
  }

  /** Appends a layer under the next index. */
  append(m: Module): this {
    if (!(m instanceof Module)) throw new TypeError(`Sequential.append: m must be a Module, got ${describeValue(m)}`);
    this.layers.push(this.registerModule(String(this.layers.length), m));
    return this;
  }

  get length(): number {
    return this.layers.length;
  }

  forward(x: Tensor): Tensor {
    checkInput('Sequential', x);
    // Intermediate activations are freed here; the tape keeps what the backward needs.
    return tidy(() => {
      let h = x;
      const layers = this.layers;
      for (let i = 0; i < layers.length; i++) {
        const m = layers[i]!;
        const next = layers[i + 1];
        if (next !== undefined && fusesWithRelu(m, next)) {
          const after = layers[i + 2];
          if (after instanceof MaxPool2d && after.canFuse()) {
            h = m.forwardReluMaxPool(h, after);
            i += 2;
            continue;
          }
          h = m.forwardRelu(h);
          i++;
        } else if (next !== undefined && batchNormFusesWithRelu(m, next)) {
          h = m.forwardRelu(h);
          i++;
        } else {
          h = m.forward(h);
        }
      }
      return h;
    });
  }
}

/**
 * Conv2d then a plain ReLU that nothing observes (its hooks would expect the pre-ReLU input):
 * the pair Conv2d.forwardRelu computes (Note [layer fusion]).
 */
function fusesWithRelu(m: Module, next: Module): m is Conv2d {
  return m instanceof Conv2d && m.canFuse() && plainRelu(next);
}

/** A BatchNorm1d or BatchNorm2d then a plain ReLU: the pair BatchNorm2d.forwardRelu computes. */
function batchNormFusesWithRelu(m: Module, next: Module): m is BatchNorm1d | BatchNorm2d {
  return (m instanceof BatchNorm2d || m instanceof BatchNorm1d) && m.canFuse() && plainRelu(next);
}

/** A ReLU that nothing observes (its hooks would expect the pre-ReLU input) and whose forward is ReLU's. */
function plainRelu(next: Module): boolean {
  return next instanceof ReLU && fusible(next, ReLU);
}
