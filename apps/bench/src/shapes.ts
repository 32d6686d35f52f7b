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

export interface GemmCase {
  name: string;
  m: number;
  n: number;
  k: number;
  transA?: boolean;
  transB?: boolean;
}

/** Square GEMMs of the kernels suite (--quick drops 512). */
export function gemmSquares(quick: boolean): GemmCase[] {
  return (quick ? [64, 128, 256] : [64, 128, 256, 512]).map((s) => ({ name: `gemm ${s}x${s}x${s}`, m: s, n: s, k: s }));
}

/** 256³ with either operand transposed, the layouts the backward passes use (folded in from kernels-wasm's quick.mjs). */
export const GEMM_TRANSPOSED: GemmCase[] = [
  { name: 'gemm 256x256x256 tA', m: 256, n: 256, k: 256, transA: true },
  { name: 'gemm 256x256x256 tB', m: 256, n: 256, k: 256, transB: true },
];

/** The case-study fc layers: forward x·Wᵀ as Linear computes it, and its two backward GEMMs (dW = dyᵀ·x, dx = dy·W). */
export const GEMM_LAYERS: GemmCase[] = [
  { name: 'gemm fc(cnn) fwd 128x10x2304 tB', m: 128, n: 10, k: 2304, transB: true },
  { name: 'gemm fc(cnn) dW 10x2304x128 tA', m: 10, n: 2304, k: 128, transA: true },
  { name: 'gemm fc(cnn) dx 128x2304x10', m: 128, n: 2304, k: 10 },
  { name: 'gemm fc1(fnn) fwd 128x128x784 tB', m: 128, n: 128, k: 784, transB: true },
  { name: 'gemm fc1(fnn) dW 128x784x128 tA', m: 128, n: 784, k: 128, transA: true },
];

/** Every GEMM of the kernels suite, in table order. */
export function gemmCases(quick: boolean): GemmCase[] {
  return [...gemmSquares(quick), ...GEMM_TRANSPOSED, ...GEMM_LAYERS];
}
