import type { Backend, Conv2dGeometry, ConvGeometry, Shape, Storage } from '../backend.js';
import type { FloatArray } from './storage.js';

/** See Note [im2col layout] in backend.ts. */
export function im2colInto(x: FloatArray, g: ConvGeometry, cols: FloatArray): void {
  const { n, c, h, w, kh, kw, sh, sw, ph, pw, dh, dw, oh, ow } = g;
  const p = oh * ow;
  const rows = c * kh * kw;
  for (let ni = 0; ni < n; ni++) {
    for (let ci = 0; ci < c; ci++) {
      for (let i = 0; i < kh; i++) {
        for (let j = 0; j < kw; j++) {
          const row = (ci * kh + i) * kw + j;
          const base = (ni * rows + row) * p;
          for (let oy = 0; oy < oh; oy++) {
            const y = oy * sh - ph + i * dh;
            for (let ox = 0; ox < ow; ox++) {
              const xx = ox * sw - pw + j * dw;
              cols[base + oy * ow + ox] = y >= 0 && y < h && xx >= 0 && xx < w ? x[((ni * c + ci) * h + y) * w + xx]! : 0;
            }
          }
        }
      }
    }
  }
}

/** The adjoint of im2colInto: out (zeroed by the caller) += scatter(cols). */
export function col2imInto(cols: FloatArray, g: ConvGeometry, out: FloatArray): void {
  const { n, c, h, w, kh, kw, sh, sw, ph, pw, dh, dw, oh, ow } = g;
  const p = oh * ow;
  const rows = c * kh * kw;
  for (let ni = 0; ni < n; ni++) {
    for (let ci = 0; ci < c; ci++) {
      for (let i = 0; i < kh; i++) {
        for (let j = 0; j < kw; j++) {
          const row = (ci * kh + i) * kw + j;
          const base = (ni * rows + row) * p;
          for (let oy = 0; oy < oh; oy++) {
            const y = oy * sh - ph + i * dh;
            if (y < 0 || y >= h) continue;
            for (let ox = 0; ox < ow; ox++) {
              const xx = ox * sw - pw + j * dw;
              if (xx >= 0 && xx < w) out[((ni * c + ci) * h + y) * w + xx]! += cols[base + oy * ow + ox]!;
            }
          }
        }
      }
    }
  }
}

// ---- grouped convolution (Note [grouped convolution] in backend.ts) ----
// Each group is an ordinary convolution on channel slices: the reference kernels slice the
// operands with `slice`, run the ungrouped kernel per group and join the results with `concat`,
// so that a grouped conv is right whenever slice, concat and the ungrouped conv are.

/** Whether a geometry has more than one group. */
export function isGrouped(g: Conv2dGeometry): boolean {
  return (g.groups ?? 1) > 1;
}

/** The geometry of one group: C/G input and O/G output channels, ungrouped. */
export function groupGeometry(g: Conv2dGeometry): Conv2dGeometry {
  const groups = g.groups ?? 1;
  return { ...g, c: g.c / groups, o: g.o / groups, groups: 1 };
}

/** Group i's slice along `axis` of x (shape), the axis split into `groups` equal parts. */
function part(be: Backend, x: Storage, shape: Shape, axis: number, i: number, groups: number): Storage {
  const size = shape[axis]! / groups;
  return be.slice(x, shape, shape.map((_, a) => (a === axis ? i * size : 0)), shape.map((s, a) => (a === axis ? size : s)));
}

/** Runs `f(i)` for every group and concatenates its results (each of shape `partShape`) along `axis`. */
function joinGroups(be: Backend, groups: number, partShape: Shape, axis: number, f: (i: number) => Storage): Storage {
  const parts = Array.from({ length: groups }, (_, i) => f(i));
  const out = be.concat(parts, parts.map(() => partShape), axis);
  for (const p of parts) be.free(p);
  return out;
}

/** Runs `f` on slices, freeing the slices afterwards. */
function withParts<T>(be: Backend, slices: Array<Storage | null>, f: (...s: Array<Storage | null>) => T): T {
  const r = f(...slices);
  for (const s of slices) if (s) be.free(s);
  return r;
}

export function groupedConv2d(be: Backend, x: Storage, w: Storage, bias: Storage | null, g: Conv2dGeometry): Storage {
  const groups = g.groups!;
  const gg = groupGeometry(g);
  const xShape = [g.n, g.c, g.h, g.w];
  const wShape = [g.o, gg.c, g.kh, g.kw];
  return joinGroups(be, groups, [g.n, gg.o, g.oh, g.ow], 1, (i) => withParts(
    be, [part(be, x, xShape, 1, i, groups), part(be, w, wShape, 0, i, groups), bias ? part(be, bias, [g.o], 0, i, groups) : null],
    (xi, wi, bi) => be.conv2d(xi!, wi!, bi, gg),
  ));
}

export function groupedConv2dBackwardInput(be: Backend, dy: Storage, w: Storage, g: Conv2dGeometry): Storage {
  const groups = g.groups!;
  const gg = groupGeometry(g);
  const dyShape = [g.n, g.o, g.oh, g.ow];
  const wShape = [g.o, gg.c, g.kh, g.kw];
  return joinGroups(be, groups, [g.n, gg.c, g.h, g.w], 1, (i) => withParts(
    be, [part(be, dy, dyShape, 1, i, groups), part(be, w, wShape, 0, i, groups)],
    (dyi, wi) => be.conv2dBackwardInput(dyi!, wi!, gg),
  ));
}

export function groupedConv2dBackwardWeight(be: Backend, dy: Storage, x: Storage, g: Conv2dGeometry): Storage {
  const groups = g.groups!;
  const gg = groupGeometry(g);
  const dyShape = [g.n, g.o, g.oh, g.ow];
  const xShape = [g.n, g.c, g.h, g.w];
  return joinGroups(be, groups, [gg.o, gg.c, g.kh, g.kw], 0, (i) => withParts(
    be, [part(be, dy, dyShape, 1, i, groups), part(be, x, xShape, 1, i, groups)],
    (dyi, xi) => be.conv2dBackwardWeight(dyi!, xi!, gg),
  ));
}
