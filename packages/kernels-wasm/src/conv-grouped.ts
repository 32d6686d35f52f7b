/**
 * Grouped convolution for the WASM backend (Note [grouped convolution] in
 * packages/autograd/src/backend.ts): the kernels of assembly/conv/grouped.ts, im2col + GEMM per
 * (image, group), split across threads by image as the ungrouped ones in src/conv.ts are. They
 * take the geometry of one group (c = C/G) and reuse the ungrouped convs' scratch blocks, which
 * a group's share never outgrows for the same layer.
 */
import type { Conv2dGeometry } from '@tapegrad/autograd';
import type { KernelHost } from './dispatch.js';
import { BINARY } from './kernels.js';

/** Whether a conv has more than one group (then src/conv.ts hands it to this file). */
export function isGrouped(g: Conv2dGeometry): boolean {
  return (g.groups ?? 1) > 1;
}

/** The geometry block of one group: C/G input channels. */
function groupGeometryBlock(h: KernelHost, g: Conv2dGeometry, groups: number): number {
  return h.geometryBlock({ ...g, c: g.c / groups });
}

/** y = conv2d(x, w) (+ bias; 0: none) with g.groups groups. */
export function groupedConvForward(h: KernelHost, xPtr: number, wPtr: number, biasPtr: number, outPtr: number, g: Conv2dGeometry): void {
  const groups = g.groups!;
  const ckk = (g.c / groups) * g.kh * g.kw;
  const geom = groupGeometryBlock(h, g, groups);
  const packBytes = h.kernels.groupedConv2dPackBytes(g.o, groups, ckk);
  h.dispatch.runImages('groupedConv2d', g.n, (t, nBegin, nEnd) => [
    xPtr, wPtr, biasPtr, outPtr, g.o, groups, geom,
    h.dispatch.scratch('cols', ckk * g.oh * g.ow * 4, t), h.dispatch.scratch('packA', packBytes, t), nBegin, nEnd,
  ]);
}

/** dx of a grouped conv given dy, into dxPtr ([N, C, H, W]). */
export function groupedConvBackwardInput(h: KernelHost, dyPtr: number, wPtr: number, dxPtr: number, g: Conv2dGeometry): void {
  const groups = g.groups!;
  const ckk = (g.c / groups) * g.kh * g.kw;
  const geom = groupGeometryBlock(h, g, groups);
  const packBytes = h.kernels.groupedConv2dBackwardInputPackBytes(g.o, groups, ckk);
  h.dispatch.runImages('groupedConv2dBackwardInput', g.n, (t, nBegin, nEnd) => [
    dyPtr, wPtr, dxPtr, g.o, groups, geom,
    h.dispatch.scratch('cols', ckk * g.oh * g.ow * 4, t), h.dispatch.scratch('packA', packBytes, t), nBegin, nEnd,
  ]);
}

/**
 * dw of a grouped conv given dy, into dwPtr ([O, C/G, KH, KW]); with threads > 1 the per-thread
 * partials are added in thread order, as in convBackwardWeight (src/conv.ts).
 */
export function groupedConvBackwardWeight(h: KernelHost, dyPtr: number, xPtr: number, dwPtr: number, g: Conv2dGeometry): void {
  const { kernels, dispatch } = h;
  const groups = g.groups!;
  const ckk = (g.c / groups) * g.kh * g.kw;
  const dwSize = g.o * ckk;
  const geom = groupGeometryBlock(h, g, groups);
  const partials: number[] = [];
  const threads = dispatch.runImages('groupedConv2dBackwardWeight', g.n, (t, nBegin, nEnd) => {
    const dw = t === 0 ? dwPtr : dispatch.scratch('dw', dwSize * 4, t);
    partials.push(dw);
    return [dyPtr, xPtr, dw, g.o, groups, geom, dispatch.scratch('cols', ckk * g.oh * g.ow * 4, t), dispatch.scratch('packA', dwSize * 4, t), nBegin, nEnd];
  });
  for (let t = 1; t < threads; t++) kernels.binaryRow(BINARY.add, dwPtr, 1, partials[t]!, 1, dwPtr, dwSize);
}
