import type { Shape } from '@tapegrad/autograd';

/** Row-major element strides of a dense shape. */
export function contiguousStrides(shape: Shape): number[] {
  const strides = new Array<number>(shape.length);
  let s = 1;
  for (let d = shape.length - 1; d >= 0; d--) {
    strides[d] = s;
    s *= shape[d]!;
  }
  return strides;
}

export function numel(shape: Shape): number {
  let n = 1;
  for (const e of shape) n *= e;
  return n;
}

/**
 * Element strides that read a dense `shape` as if broadcast to `outShape` (NumPy rules: shapes
 * aligned on the right, extent-1 axes and missing leading axes get stride 0).
 */
export function broadcastStrides(shape: Shape, outShape: Shape): number[] {
  const own = contiguousStrides(shape);
  const offset = outShape.length - shape.length;
  return outShape.map((_, d) => {
    const i = d - offset;
    return i < 0 || shape[i] === 1 ? 0 : own[i]!;
  });
}

/**
 * Drops extent-1 axes and merges neighbouring axes that every operand walks contiguously
 * (stride[d] == stride[d+1]·shape[d+1]), so kernels see the longest possible innermost rows.
 * Always returns at least one axis.
 */
export function collapseAxes(shape: Shape, strides: readonly (readonly number[])[]): { shape: number[]; strides: number[][] } {
  const outShape: number[] = [];
  const outStrides: number[][] = strides.map(() => []);
  for (let d = 0; d < shape.length; d++) {
    const extent = shape[d]!;
    if (extent === 1) continue;
    const last = outShape.length - 1;
    const mergeable = last >= 0 && strides.every((s, k) => outStrides[k]![last] === s[d]! * extent);
    if (mergeable) {
      outShape[last] = outShape[last]! * extent;
      strides.forEach((s, k) => { outStrides[k]![last] = s[d]!; });
    } else {
      outShape.push(extent);
      strides.forEach((s, k) => { outStrides[k]!.push(s[d]!); });
    }
  }
  if (outShape.length === 0) return { shape: [1], strides: strides.map(() => [0]) };
  return { shape: outShape, strides: outStrides };
}
