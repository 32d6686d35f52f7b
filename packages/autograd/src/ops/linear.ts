import { getBackend } from '../engine.js';
import { fmt, sizeOf } from '../shape.js';
import type { Tensor } from '../tensor.js';
import { record } from '../tape.js';
import { checkBackend, wrap } from './util.js';

/**
 * y = x · wᵀ + b, with x [..., in], w [out, in] (the `torch.nn.Linear` layout), b [out].
 * One GEMM with the bias fused; the vjp is two GEMMs with transpose flags and a row sum.
 * @example linear(x, w, b) // [128, 784] · [10, 784]ᵀ + [10] -> [128, 10]
 */
export function linear(x: Tensor, w: Tensor, b?: Tensor | null): Tensor {
  const inputs = b !== undefined && b !== null ? [x, w, b] : [x, w];
  checkBackend('linear', ...inputs);
  if (w.ndim !== 2) throw new Error(`linear: weight must be [out, in], got ${fmt(w.shape)}`);
  const [out, inF] = w.shape as [number, number];
  if (x.ndim < 1 || x.shape[x.ndim - 1] !== inF) {
    throw new Error(`linear: input has ${x.shape[x.ndim - 1] ?? 0} features but weight expects ${inF} (x=${fmt(x.shape)}, w=${fmt(w.shape)})`);
  }
  if (b && (b.ndim !== 1 || b.shape[0] !== out)) throw new Error(`linear: bias must be [${out}], got ${fmt(b.shape)} (w=${fmt(w.shape)})`);
  const rows = sizeOf(x.shape) / inF;
  const be = getBackend();
  const y = wrap(
    be.gemm(x.storage, w.storage, { batch: 1, m: rows, n: out, k: inF, transA: false, transB: true, strideA: 0, strideB: 0, bias: b?.storage }),
    [...x.shape.slice(0, -1), out],
  );
  return record('linear', y, inputs, (g, [xs, ws], needs) => {
    const bk = getBackend();
    return [
      // dx = g · w
      needs[0] ? wrap(bk.gemm(g.storage, ws!.storage, { batch: 1, m: rows, n: inF, k: out, transA: false, transB: false, strideA: 0, strideB: 0 }), xs!.shape) : null,
      // dw = gᵀ · x
      needs[1] ? wrap(bk.gemm(g.storage, xs!.storage, { batch: 1, m: out, n: inF, k: rows, transA: true, transB: false, strideA: 0, strideB: 0 }), ws!.shape) : null,
      needs[2] ? wrap(bk.sum(g.storage, [rows, out], [0]), [out]) : null,
    ];
  }, [x, w]);
}
