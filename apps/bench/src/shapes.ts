import type { Conv2dGeometry, ConvGeometry } from '@tapegrad/autograd';

/** The case-study CNN's layer shapes (batch 128), which the kernel suites measure. */
export const BATCH = 128;

function conv(name: string, n: number, c: number, h: number, w: number, o: number, k: number): { name: string; g: Conv2dGeometry } {
  return {
    name,
    g: { n, c, h, w, o, kh: k, kw: k, sh: 1, sw: 1, ph: 0, pw: 0, dh: 1, dw: 1, oh: h - k + 1, ow: w - k + 1 },
  };
}

export const CONV_LAYERS = [
  conv('conv1 x=[128,1,28,28] w=[16,1,3,3]', BATCH, 1, 28, 28, 16, 3),
  conv('conv2 x=[128,16,26,26] w=[16,16,3,3]', BATCH, 16, 26, 26, 16, 3),
];

export const POOL: { name: string; g: ConvGeometry } = {
  name: 'maxpool 2x2 x=[128,16,24,24]',
  g: { n: BATCH, c: 16, h: 24, w: 24, kh: 2, kw: 2, sh: 2, sw: 2, ph: 0, pw: 0, dh: 1, dw: 1, oh: 12, ow: 12 },
};

/** FLOPs of one conv pass (forward, backward-input and backward-weight all cost the same). */
export function convFlops(g: Conv2dGeometry): number {
  return 2 * g.n * g.o * g.oh * g.ow * g.c * g.kh * g.kw;
}

/** Parameter tensor sizes of the case-study models, in registration order. */
export const CNN_PARAM_SIZES = [16 * 1 * 9, 16, 16 * 16 * 9, 16, 10 * 2304, 10];
export const FNN_PARAM_SIZES = [128 * 784, 128, 10 * 128, 10];
/** The fc layer's weight, the largest tensor of the CNN. */
export const FC_WEIGHT_SIZE = 10 * 2304;
