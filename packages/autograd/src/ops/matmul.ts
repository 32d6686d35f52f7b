import { getBackend, tidy } from '../engine.js';
import { broadcastShapes, fmt, shapesEqual, sizeOf } from '../shape.js';
import type { Tensor } from '../tensor.js';
import { record } from '../tape.js';
import { broadcastTo } from './broadcast-to.js';
import { reshape } from './reshape.js';
import { sum } from './sum.js';
import { checkBool } from '../check.js';
import { checkBackend, wrap } from './util.js';

/**
 * The batched GEMM primitive on rank-3 operands: a [Ba, m, k] (or [Ba, k, m] when transA),
 * b [Bb, k, n] (or [Bb, n, k] when transB), with Ba, Bb ∈ {B, 1} (1 broadcasts). Its vjp uses the
 * transpose flags, so no transpose is ever materialised.
 */
export function bmm(a: Tensor, b: Tensor, transA = false, transB = false): Tensor {
  checkBackend('bmm', a, b);
  checkBool('bmm', 'transA', transA);
  checkBool('bmm', 'transB', transB);
  if (a.ndim !== 3 || b.ndim !== 3) throw new Error(`bmm: both operands must have rank 3 ([batch, rows, cols]), got ${fmt(a.shape)} and ${fmt(b.shape)}`);
  const [ba, a1, a2] = a.shape as [number, number, number];
  const [bb, b1, b2] = b.shape as [number, number, number];
  const m = transA ? a2 : a1;
  const k = transA ? a1 : a2;
  const kb = transB ? b2 : b1;
  const n = transB ? b1 : b2;
  if (k !== kb) throw new Error(`bmm: inner dimensions differ (${k} vs ${kb}) for ${fmt(a.shape)}${transA ? 'ᵀ' : ''} · ${fmt(b.shape)}${transB ? 'ᵀ' : ''}`);
  if (ba !== bb && ba !== 1 && bb !== 1) throw new Error(`bmm: batch sizes ${ba} and ${bb} cannot broadcast for ${fmt(a.shape)} · ${fmt(b.shape)}`);
  const batch = Math.max(ba, bb);
  const out = wrap(
    getBackend().gemm(a.storage, b.storage, { batch, m, n, k, transA, transB, strideA: ba === 1 ? 0 : m * k, strideB: bb === 1 ? 0 : k * n }),
    [batch, m, n],
  );
  return record('matmul', out, [a, b], (g, [x, y], needs) => [
    needs[0] ? sumToBatch(transA ? bmm(y!, g, transB, true) : bmm(g, y!, false, !transB), ba) : null,
    needs[1] ? sumToBatch(transB ? bmm(g, x!, true, transA) : bmm(x!, g, !transA, false), bb) : null,
  ], [a, b], { transA, transB });
}

/** A gradient computed per batch entry, summed when the operand was broadcast (batch 1). */
function sumToBatch(g: Tensor, batch: number): Tensor {
  if (g.shape[0] === batch) return g;
  const s = sum(g, 0, { keepdim: true });
  g.dispose();
  return s;
}

/**
 * Matrix product with `torch.matmul` semantics: 1-D operands are promoted (and the added dim
 * removed), leading batch dims broadcast.
 * @example matmul(x, w) // [N, K] · [K, M] -> [N, M]; [B, N, K] · [K, M] -> [B, N, M]
 */
export function matmul(a: Tensor, b: Tensor): Tensor {
  checkBackend('matmul', a, b);
  if (a.ndim === 0 || b.ndim === 0) throw new Error(`matmul: both operands need at least one dimension, got ${fmt(a.shape)} and ${fmt(b.shape)}`);
  return tidy(() => {
    const a2 = a.ndim === 1 ? reshape(a, [1, a.shape[0]!]) : a;
    const b2 = b.ndim === 1 ? reshape(b, [b.shape[0]!, 1]) : b;
    const [m, k] = a2.shape.slice(-2) as [number, number];
    const [kb, n] = b2.shape.slice(-2) as [number, number];
    if (k !== kb) throw new Error(`matmul: cannot multiply ${fmt(a.shape)} by ${fmt(b.shape)}: inner dimensions differ (${k} vs ${kb})`);
    const batchA = a2.shape.slice(0, -2);
    const batchB = b2.shape.slice(0, -2);
    let batch: number[];
    try {
      batch = broadcastShapes('matmul', batchA, batchB);
    } catch {
      throw new Error(`matmul: cannot multiply ${fmt(a.shape)} by ${fmt(b.shape)}: batch dimensions ${fmt(batchA)} and ${fmt(batchB)} cannot be broadcast together`);
    }
    const B = sizeOf(batch);
    const as3 = (t: Tensor, tb: readonly number[], r: number, c: number): Tensor =>
      sizeOf(tb) === 1 ? reshape(t, [1, r, c]) : shapesEqual(tb, batch) ? reshape(t, [B, r, c]) : reshape(broadcastTo(t, [...batch, r, c]), [B, r, c]);
    const out = bmm(as3(a2, batchA, m, k), as3(b2, batchB, k, n));
    const shape = [...batch, m, n];
    if (a.ndim === 1) shape.splice(shape.length - 2, 1);
    if (b.ndim === 1) shape.splice(shape.length - 1, 1);
    return reshape(out, shape);
  });
}
