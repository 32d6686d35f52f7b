import type { FashionCnn } from './models.js';

export interface FirstLayerFilters {
  /** `conv1.weight` shape, [16, 1, 3, 3]. */
  shape: number[];
  /** One row-major 3x3 kernel per output channel. */
  filters: number[][];
  /** Largest |weight|: the colour scale's limit (shared by all filters so they compare). */
  limit: number;
}

/** The learned 3x3 kernels of conv1, read from the module (no copy of the model code). */
export function firstLayerFilters(cnn: FashionCnn): FirstLayerFilters {
  const w = cnn.conv1.weight;
  const [o, c, kh, kw] = w.shape as [number, number, number, number];
  const data = w.toFloat32Array();
  const per = c * kh * kw;
  const filters = Array.from({ length: o }, (_, i) => Array.from(data.subarray(i * per, (i + 1) * per)));
  let limit = 0;
  for (const v of data) limit = Math.max(limit, Math.abs(v));
  return { shape: [o, c, kh, kw], filters, limit };
}
