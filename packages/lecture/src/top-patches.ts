import { FASHION_MNIST_CLASSES } from '@tapegrad/nn';
import type { Tensor } from '@tapegrad/autograd';
import type { FashionCnn } from './models.js';
import { predict } from './predict.js';

export interface PatchHit {
  /** Pre-activation output of the conv2 unit (before batch norm / ReLU). */
  activation: number;
  /** Test-set index of the image. */
  image: number;
  label: string;
  /** Top-left corner of the receptive field in input pixels. */
  row: number;
  col: number;
  /** The receptive-field patch, row-major `size x size`, pixel values in [0, 1]. */
  pixels: number[];
}

export interface TopPatches {
  /** Side of a conv2 unit's receptive field in input pixels (5 for two 3x3 convolutions). */
  size: number;
  imagesSearched: number;
  units: { unit: number; hits: PatchHit[] }[];
}

/**
 * Receptive-field side and stride of conv2's output in input pixels. Stride 1 and no padding are
 * checked rather than assumed, so a changed model fails here instead of drawing wrong patches.
 */
function receptiveField(cnn: FashionCnn): number {
  const is = (v: unknown, want: number): boolean => v === undefined || v === want || (Array.isArray(v) && v.every((d) => d === want));
  for (const [name, conv] of [['conv1', cnn.conv1], ['conv2', cnn.conv2]] as const) {
    const o = conv.opts as { stride?: unknown; padding?: unknown; dilation?: unknown };
    if (!is(o.stride, 1) || !is(o.padding, 0) || !is(o.dilation, 1)) {
      throw new Error(`topActivatingPatches: ${name} must have stride 1, no padding and no dilation for the receptive-field arithmetic`);
    }
  }
  const k1 = cnn.conv1.weight.shape[2]!;
  const k2 = cnn.conv2.weight.shape[2]!;
  return k1 + k2 - 1;
}

/**
 * For each chosen conv2 output channel, the test-image patches that drive it hardest: the lecture's
 * "find patches that activate a neuron". Activations are captured by a forward hook on `conv2`
 * while the unchanged model classifies the images; each image contributes its best position once,
 * so the top K are K different images.
 * @example topActivatingPatches(cnn, images, labels, { units: [0, 1, 2, 3], top: 8 })
 */
export function topActivatingPatches(
  cnn: FashionCnn,
  images: Float32Array,
  labels: Int32Array,
  opts: { units?: readonly number[]; top?: number } = {},
): TopPatches {
  const size = receptiveField(cnn);
  const channels = cnn.conv2.weight.shape[0]!;
  const units = opts.units ?? Array.from({ length: channels }, (_, i) => i);
  for (const u of units) if (!(Number.isInteger(u) && u >= 0 && u < channels)) throw new RangeError(`topActivatingPatches: unit ${u} is not a conv2 channel (0..${channels - 1})`);
  const top = opts.top ?? 8;
  const best = units.map(() => [] as { activation: number; image: number; row: number; col: number }[]);
  let seen = 0;
  const remove = cnn.conv2.registerForwardHook((_m, _x, y: Tensor) => {
    const [n, , oh, ow] = y.shape as [number, number, number, number];
    const data = y.toFloat32Array();
    for (let i = 0; i < n; i++) {
      units.forEach((u, k) => {
        const off = (i * channels + u) * oh * ow;
        let arg = 0;
        for (let p = 1; p < oh * ow; p++) if (data[off + p]! > data[off + arg]!) arg = p;
        const list = best[k]!;
        const v = data[off + arg]!;
        if (list.length < top || v > list[list.length - 1]!.activation) {
          list.push({ activation: v, image: seen + i, row: Math.floor(arg / ow), col: arg % ow });
          list.sort((a, b) => b.activation - a.activation);
          if (list.length > top) list.pop();
        }
      });
    }
    seen += n;
  });
  try {
    predict(cnn, images, labels);
  } finally {
    remove();
  }
  return {
    size,
    imagesSearched: labels.length,
    units: units.map((unit, k) => ({
      unit,
      hits: best[k]!.map((h) => {
        const pixels: number[] = [];
        for (let r = 0; r < size; r++) for (let c = 0; c < size; c++) pixels.push(images[h.image * 784 + (h.row + r) * 28 + h.col + c]!);
        return { ...h, label: FASHION_MNIST_CLASSES[labels[h.image]!]!, pixels };
      }),
    })),
  };
}
