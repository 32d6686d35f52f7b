// Reductions of x viewed as [outer, r, inner] over the middle axis into y [outer, inner].
// The TS side reduces a set of axes as a sequence of such passes. Pointers are byte addresses,
// counts ELEMENTS. Sums accumulate in f32x4 lanes (four partial sums per row when inner == 1).

export const RED_SUM: i32 = 0;
export const RED_MAX: i32 = 1;

export function reduce(op: i32, xPtr: usize, yPtr: usize, outer: i32, r: i32, inner: i32): void {
  const isMax = op == RED_MAX;
  const identity: f32 = isMax ? -Infinity : 0;
  const videntity = f32x4.splat(identity);
  if (inner == 1) {
    for (let o = 0; o < outer; o++) {
      const rowPtr = xPtr + (<usize>o * <usize>r << 2);
      // Four independent accumulators: one f32x4.add chain would wait on the add latency.
      let vacc0 = videntity, vacc1 = videntity, vacc2 = videntity, vacc3 = videntity;
      let i = 0;
      for (; i + 16 <= r; i += 16) {
        const p = rowPtr + (<usize>i << 2);
        const vx0 = v128.load(p), vx1 = v128.load(p, 16), vx2 = v128.load(p, 32), vx3 = v128.load(p, 48);
        if (isMax) {
          vacc0 = f32x4.max(vacc0, vx0); vacc1 = f32x4.max(vacc1, vx1); vacc2 = f32x4.max(vacc2, vx2); vacc3 = f32x4.max(vacc3, vx3);
        } else {
          vacc0 = f32x4.add(vacc0, vx0); vacc1 = f32x4.add(vacc1, vx1); vacc2 = f32x4.add(vacc2, vx2); vacc3 = f32x4.add(vacc3, vx3);
        }
      }
      let vacc = isMax ? f32x4.max(f32x4.max(vacc0, vacc1), f32x4.max(vacc2, vacc3)) : f32x4.add(f32x4.add(vacc0, vacc1), f32x4.add(vacc2, vacc3));
      for (; i + 4 <= r; i += 4) {
        const vx = v128.load(rowPtr + (<usize>i << 2));
        vacc = isMax ? f32x4.max(vacc, vx) : f32x4.add(vacc, vx);
      }
      let acc: f32;
      if (isMax) {
        acc = max(max(f32x4.extract_lane(vacc, 0), f32x4.extract_lane(vacc, 1)), max(f32x4.extract_lane(vacc, 2), f32x4.extract_lane(vacc, 3)));
        for (; i < r; i++) acc = max(acc, load<f32>(rowPtr + (<usize>i << 2)));
      } else {
        acc = (f32x4.extract_lane(vacc, 0) + f32x4.extract_lane(vacc, 1)) + (f32x4.extract_lane(vacc, 2) + f32x4.extract_lane(vacc, 3));
        for (; i < r; i++) acc += load<f32>(rowPtr + (<usize>i << 2));
      }
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
