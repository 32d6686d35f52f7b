// Reductions of x viewed as [outer, r, inner] over the middle axis into y [outer, inner].
// The TS side reduces a set of axes as a sequence of such passes. Pointers are byte addresses,
// counts ELEMENTS. Sums accumulate in f32x4 lanes (four partial sums per row when inner == 1).

export const RED_SUM: i32 = 0;
export const RED_MAX: i32 = 1;

/**
 * Σ of the s floats at ptr in `reduce`'s order over a contiguous axis: four f32x4 accumulators
 * over blocks of 16 (one add chain would wait on the add latency), combined pairwise, then blocks
 * of 4, then the lanes pairwise, then the scalar tail. reluBackwardBias (elementwise.ts) sums its
 * rows in this order too, so the fused bias gradients (pool.ts) equal the unfused ones bit for bit;
 * batch norm's per-row sums use it as well (batch-norm.ts).
 */
// @ts-ignore: decorator
@inline export function rowSum(ptr: usize, s: i32): f32 {
  const vzero = f32x4.splat(0);
  let vacc0 = vzero, vacc1 = vzero, vacc2 = vzero, vacc3 = vzero;
  let i = 0;
  for (; i + 16 <= s; i += 16) {
    const p = ptr + (<usize>i << 2);
    vacc0 = f32x4.add(vacc0, v128.load(p));
    vacc1 = f32x4.add(vacc1, v128.load(p, 16));
    vacc2 = f32x4.add(vacc2, v128.load(p, 32));
    vacc3 = f32x4.add(vacc3, v128.load(p, 48));
  }
  let vacc = f32x4.add(f32x4.add(vacc0, vacc1), f32x4.add(vacc2, vacc3));
  for (; i + 4 <= s; i += 4) vacc = f32x4.add(vacc, v128.load(ptr + (<usize>i << 2)));
  let acc: f32 = (f32x4.extract_lane(vacc, 0) + f32x4.extract_lane(vacc, 1)) + (f32x4.extract_lane(vacc, 2) + f32x4.extract_lane(vacc, 3));
  for (; i < s; i++) acc += load<f32>(ptr + (<usize>i << 2));
  return acc;
}

export function reduce(op: i32, xPtr: usize, yPtr: usize, outer: i32, r: i32, inner: i32): void {
  const isMax = op == RED_MAX;
  const identity: f32 = isMax ? -Infinity : 0;
  const videntity = f32x4.splat(identity);
  if (inner == 1) {
    for (let o = 0; o < outer; o++) {
      const rowPtr = xPtr + (<usize>o * <usize>r << 2);
      if (!isMax) {
        store<f32>(yPtr + (<usize>o << 2), rowSum(rowPtr, r));
        continue;
      }
      // Four independent accumulators, as rowSum.
      let vacc0 = videntity, vacc1 = videntity, vacc2 = videntity, vacc3 = videntity;
      let i = 0;
      for (; i + 16 <= r; i += 16) {
        const p = rowPtr + (<usize>i << 2);
        vacc0 = f32x4.max(vacc0, v128.load(p)); vacc1 = f32x4.max(vacc1, v128.load(p, 16));
        vacc2 = f32x4.max(vacc2, v128.load(p, 32)); vacc3 = f32x4.max(vacc3, v128.load(p, 48));
      }
      let vacc = f32x4.max(f32x4.max(vacc0, vacc1), f32x4.max(vacc2, vacc3));
      for (; i + 4 <= r; i += 4) vacc = f32x4.max(vacc, v128.load(rowPtr + (<usize>i << 2)));
      let acc = max(max(f32x4.extract_lane(vacc, 0), f32x4.extract_lane(vacc, 1)), max(f32x4.extract_lane(vacc, 2), f32x4.extract_lane(vacc, 3)));
      for (; i < r; i++) acc = max(acc, load<f32>(rowPtr + (<usize>i << 2)));
      store<f32>(yPtr + (<usize>o << 2), acc);
    }
    return;
  }
  for (let o = 0; o < outer; o++) {
    const outRowPtr = yPtr + (<usize>o * <usize>inner << 2);
    const inBlockPtr = xPtr + (<usize>o * <usize>r * <usize>inner << 2);
    let j = 0;
    for (; j + 4 <= inner; j += 4) {
      let vacc = videntity;
      let p = inBlockPtr + (<usize>j << 2);
      for (let i = 0; i < r; i++) {
        const vx = v128.load(p);
        vacc = isMax ? f32x4.max(vacc, vx) : f32x4.add(vacc, vx);
        p += <usize>inner << 2;
      }
      v128.store(outRowPtr + (<usize>j << 2), vacc);
    }
    for (; j < inner; j++) {
      let acc = identity;
      let p = inBlockPtr + (<usize>j << 2);
      for (let i = 0; i < r; i++) {
        const x = load<f32>(p);
        acc = isMax ? max(acc, x) : acc + x;
        p += <usize>inner << 2;
      }
      store<f32>(outRowPtr + (<usize>j << 2), acc);
    }
  }
}
