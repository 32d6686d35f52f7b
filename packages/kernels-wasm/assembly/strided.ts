// Note [strided meta block]: kernels that walk broadcast or permuted operands take `metaPtr`, the
// byte address of i32 values written by the TS side: shape[ndim], then one stride array per
// operand (in ELEMENTS; 0 broadcasts an axis), then ndim i32 of scratch for the loop counters.
// The TS side collapses mergeable axes first, so the innermost axis is as long as possible.

// @ts-ignore: decorator
@inline export function metaAt(metaPtr: usize, array: i32, ndim: i32, d: i32): i32 {
  return load<i32>(metaPtr + (<usize>(array * ndim + d) << 2));
}

// @ts-ignore: decorator
@inline export function setMetaAt(metaPtr: usize, array: i32, ndim: i32, d: i32, value: i32): void {
  store<i32>(metaPtr + (<usize>(array * ndim + d) << 2), value);
}

/** Number of rows of the innermost axis: the product of all but the last extent. */
export function outerCount(metaPtr: usize, ndim: i32): i32 {
  let outer = 1;
  for (let d = 0; d < ndim - 1; d++) outer *= metaAt(metaPtr, 0, ndim, d);
  return outer;
}
