import { adaptiveAvgPool2d, avgPool2d, maxPool2d, type Pool2dOptions, type Tensor } from '@tapegrad/autograd';
import { checkInputShape, checkOptions, checkPair, fail } from '../check.js';
import { fusible } from '../fusion.js';
import { keepClassName, Module } from '../module.js';
import { pyTuple } from '../module-repr.js';

/** kernelSize ≥ 1, stride ≥ 1 (default: the kernel size), padding ≥ 0, dilation ≥ 1; each a number or [h, w]. */
function checkPoolGeometry(fn: string, kernelSize: unknown, opts: { stride?: unknown; padding?: unknown; dilation?: unknown }): void {
  checkPair(fn, 'kernelSize', kernelSize, 1);
  if (opts.stride !== undefined) checkPair(fn, 'stride', opts.stride, 1);
  if (opts.padding !== undefined) checkPair(fn, 'padding', opts.padding, 0);
  if (opts.dilation !== undefined) checkPair(fn, 'dilation', opts.dilation, 1);
}

const show = (v: number | readonly [number, number]) => (typeof v === 'number' ? String(v) : pyTuple(v));

/** Max pooling; stride defaults to the kernel size. @example new MaxPool2d(2) */
export class MaxPool2d extends Module {
  static {
    keepClassName(this, 'MaxPool2d');
  }
  readonly opts: Pool2dOptions;
  constructor(kernelSize: Pool2dOptions['kernelSize'], opts: Omit<Pool2dOptions, 'kernelSize'> = {}) {
    super();
    checkOptions('MaxPool2d', opts, ['stride', 'padding', 'dilation']);
    checkPoolGeometry('MaxPool2d', kernelSize, opts);
    this.opts = { kernelSize, ...opts };
  }
  forward(x: Tensor): Tensor {
    checkInputShape('MaxPool2d', x, (s) => s.length === 4, '[N, C, H, W]');
    return maxPool2d(x, this.opts);
  }
  /** Whether a fused op may stand in for this.forward (Note [layer fusion], fusion.ts). */
  canFuse(): boolean {
    return fusible(this, MaxPool2d);
  }
  override extraRepr(): string {
    const o = this.opts;
    return `kernel_size=${show(o.kernelSize)}, stride=${show(o.stride ?? o.kernelSize)}, padding=${show(o.padding ?? 0)}, dilation=${show(o.dilation ?? 1)}, ceil_mode=False`;
  }
}

/** Average pooling; stride defaults to the kernel size. */
export class AvgPool2d extends Module {
  static {
    keepClassName(this, 'AvgPool2d');
  }
  readonly opts: Pool2dOptions;
  constructor(kernelSize: Pool2dOptions['kernelSize'], opts: Omit<Pool2dOptions, 'kernelSize' | 'dilation'> = {}) {
    super();
    checkOptions('AvgPool2d', opts, ['stride', 'padding']);
    checkPoolGeometry('AvgPool2d', kernelSize, opts);
    this.opts = { kernelSize, ...opts };
  }
  forward(x: Tensor): Tensor {
    checkInputShape('AvgPool2d', x, (s) => s.length === 4, '[N, C, H, W]');
    return avgPool2d(x, this.opts);
  }
  override extraRepr(): string {
    const o = this.opts;
    return `kernel_size=${show(o.kernelSize)}, stride=${show(o.stride ?? o.kernelSize)}, padding=${show(o.padding ?? 0)}`;
  }
}

/** An output size for adaptive pooling: one number for both sides, or [OH, OW] where null keeps the input's size. */
export type AdaptiveOutputSize = number | readonly [number | null, number | null];

/**
 * Average pooling to a fixed output size, whatever the input's (torch.nn.AdaptiveAvgPool2d); bins
 * as PyTorch's. Input [N, C, H, W] or [C, H, W].
 * @example new AdaptiveAvgPool2d(1) // global average pooling: [N, C, H, W] -> [N, C, 1, 1]
 */
export class AdaptiveAvgPool2d extends Module {
  static {
    keepClassName(this, 'AdaptiveAvgPool2d');
  }
  readonly outputSize: AdaptiveOutputSize;
  constructor(outputSize: AdaptiveOutputSize) {
    super();
    const okSide = (v: unknown) => v === null || (typeof v === 'number' && Number.isInteger(v) && v >= 1);
    const ok = typeof outputSize === 'number' ? okSide(outputSize) : Array.isArray(outputSize) && outputSize.length === 2 && outputSize.every(okSide);
    if (!ok) fail('AdaptiveAvgPool2d', 'outputSize', 'a positive integer or a pair [OH, OW] of positive integers or null', outputSize);
    this.outputSize = typeof outputSize === 'number' ? outputSize : [outputSize[0], outputSize[1]];
  }
  forward(x: Tensor): Tensor {
    checkInputShape('AdaptiveAvgPool2d', x, (s) => s.length === 3 || s.length === 4, '[N, C, H, W] or [C, H, W]');
    return adaptiveAvgPool2d(x, this.outputSize);
  }
  override extraRepr(): string {
    const o = this.outputSize;
    return `output_size=${typeof o === 'number' ? o : pyTuple(o.map((v) => (v === null ? 'None' : v)))}`;
  }
}
