import { writeFileSync } from 'node:fs';
import { PNG } from 'pngjs';
import { GLYPH_HEIGHT, rasterizeText, textWidth } from './font.js';

/** An 8-bit RGB raster, row-major, 3 bytes per pixel. */
export interface RgbImage {
  width: number;
  height: number;
  data: Uint8Array;
}

export type Rgb = readonly [r: number, g: number, b: number];

export const WHITE: Rgb = [255, 255, 255];
export const BLACK: Rgb = [0, 0, 0];
export const GREY: Rgb = [128, 128, 128];

export function createImage(width: number, height: number, background: Rgb = WHITE): RgbImage {
  if (!(Number.isInteger(width) && Number.isInteger(height) && width > 0 && height > 0)) {
    throw new RangeError(`createImage: width and height must be positive integers, got ${width}x${height}`);
  }
  const data = new Uint8Array(width * height * 3);
  for (let i = 0; i < width * height; i++) data.set(background, i * 3);
  return { width, height, data };
}

function setPixel(img: RgbImage, x: number, y: number, c: Rgb): void {
  if (x < 0 || y < 0 || x >= img.width || y >= img.height) return;
  img.data.set(c, (y * img.width + x) * 3);
}

function checkPlane(op: string, values: ArrayLike<number>, height: number, width: number): void {
  if (values.length !== height * width) throw new RangeError(`${op}: ${values.length} values do not fill ${height}x${width}`);
}

/**
 * A grayscale picture of a `[height, width]` plane: `min` maps to black, `max` to white (values
 * outside are clamped). Defaults: [0, 1], the range of the Fashion-MNIST pixels.
 * @example grayImage(images.subarray(0, 784), 28, 28)
 */
export function grayImage(values: ArrayLike<number>, height: number, width: number, opts: { min?: number; max?: number } = {}): RgbImage {
  checkPlane('grayImage', values, height, width);
  const lo = opts.min ?? 0;
  const hi = opts.max ?? 1;
  const span = hi > lo ? hi - lo : 1;
  const img = createImage(width, height);
  for (let i = 0; i < height * width; i++) {
    const v = Math.round(255 * Math.min(1, Math.max(0, (values[i]! - lo) / span)));
    img.data[i * 3] = img.data[i * 3 + 1] = img.data[i * 3 + 2] = v;
  }
  return img;
}

/**
 * A signed plane in a blue-white-red diverging map: -limit is blue, 0 white, +limit red.
 * `limit` defaults to the largest |value| (so a learned filter uses the whole range).
 */
export function divergingImage(values: ArrayLike<number>, height: number, width: number, opts: { limit?: number } = {}): RgbImage {
  checkPlane('divergingImage', values, height, width);
  let limit = opts.limit ?? 0;
  if (opts.limit === undefined) for (let i = 0; i < values.length; i++) limit = Math.max(limit, Math.abs(values[i]!));
  if (!(limit > 0)) limit = 1;
  const img = createImage(width, height);
  for (let i = 0; i < height * width; i++) {
    const t = Math.max(-1, Math.min(1, values[i]! / limit));
    const fade = Math.round(255 * (1 - Math.abs(t)));
    img.data.set(t >= 0 ? [255, fade, fade] : [fade, fade, 255], i * 3);
  }
  return img;
}

/** Sequential colour for t in [0, 1]: white through light blue to dark blue. */
export function sequentialColor(t: number): Rgb {
  const u = Math.max(0, Math.min(1, t));
  return [Math.round(255 - 247 * u), Math.round(255 - 207 * u), Math.round(255 - 148 * u)];
}

/** Nearest-neighbour upscaling by an integer factor (so single pixels stay visible as blocks). */
export function upscale(img: RgbImage, factor: number): RgbImage {
  if (!(Number.isInteger(factor) && factor >= 1)) throw new RangeError(`upscale: factor must be an integer >= 1, got ${factor}`);
  const out = createImage(img.width * factor, img.height * factor);
  for (let y = 0; y < out.height; y++) {
    const sy = Math.floor(y / factor);
    for (let x = 0; x < out.width; x++) {
      const s = (sy * img.width + Math.floor(x / factor)) * 3;
      out.data.set(img.data.subarray(s, s + 3), (y * out.width + x) * 3);
    }
  }
  return out;
}

/** Copies `src` into `dst` with its top-left corner at (x, y); parts outside `dst` are cut off. */
export function drawImage(dst: RgbImage, src: RgbImage, x: number, y: number): void {
  for (let j = 0; j < src.height; j++) {
    for (let i = 0; i < src.width; i++) {
      const s = (j * src.width + i) * 3;
      setPixel(dst, x + i, y + j, [src.data[s]!, src.data[s + 1]!, src.data[s + 2]!]);
    }
  }
}

export function fillRect(img: RgbImage, x: number, y: number, w: number, h: number, color: Rgb): void {
  for (let j = y; j < y + h; j++) for (let i = x; i < x + w; i++) setPixel(img, i, j, color);
}

/** A one-pixel rectangle outline of `thickness` drawn just outside the box (x, y, w, h). */
export function strokeRect(img: RgbImage, x: number, y: number, w: number, h: number, color: Rgb, thickness = 1): void {
  for (let t = 1; t <= thickness; t++) {
    fillRect(img, x - t, y - t, w + 2 * t, 1, color);
    fillRect(img, x - t, y + h + t - 1, w + 2 * t, 1, color);
    fillRect(img, x - t, y - t, 1, h + 2 * t, color);
    fillRect(img, x + w + t - 1, y - t, 1, h + 2 * t, color);
  }
}

/** Draws `text` (5x7 font, see font.ts) with its top-left corner at (x, y). */
export function drawText(img: RgbImage, text: string, x: number, y: number, opts: { color?: Rgb; scale?: number } = {}): void {
  const color = opts.color ?? BLACK;
  rasterizeText(text, x, y, opts.scale ?? 1, (px, py) => setPixel(img, px, py, color));
}

export interface GridOptions {
  /** Tiles per row (default: all in one row). */
  columns?: number;
  /** Pixels between tiles and around the grid (default 2). */
  gap?: number;
  /** Border drawn around every tile (default grey); null for none. */
  border?: Rgb | null;
  background?: Rgb;
  /** A caption under each tile (same order as the tiles). */
  captions?: readonly string[];
  /** A label left of each row. */
  rowLabels?: readonly string[];
  /** A title across the top. */
  title?: string;
}

/**
 * Lays tiles of possibly different sizes out in a grid, row-major, each cell as large as the
 * largest tile; captions and labels use the 5x7 font.
 * @example imageGrid(filters.map((f) => upscale(divergingImage(f, 3, 3), 12)), { columns: 8 })
 */
export function imageGrid(tiles: readonly RgbImage[], opts: GridOptions = {}): RgbImage {
  if (tiles.length === 0) throw new RangeError('imageGrid: no tiles');
  const columns = Math.max(1, Math.min(opts.columns ?? tiles.length, tiles.length));
  const rows = Math.ceil(tiles.length / columns);
  const gap = opts.gap ?? 2;
  const border = opts.border === undefined ? GREY : opts.border;
  const pad = border ? 1 : 0;
  const captionHeight = opts.captions?.some((c) => c) ? GLYPH_HEIGHT + 4 : 0;
  const labelWidth = opts.rowLabels?.length ? Math.max(...opts.rowLabels.map((l) => textWidth(l))) + 6 : 0;
  const titleHeight = opts.title ? GLYPH_HEIGHT + 6 : 0;
  const cellW = Math.max(...tiles.map((t) => t.width), ...(opts.captions ?? []).map((c) => textWidth(c) + 6 - 2 * pad)) + 2 * pad;
  const cellH = Math.max(...tiles.map((t) => t.height)) + 2 * pad + captionHeight;
  const width = Math.max(labelWidth + gap + columns * (cellW + gap), opts.title ? textWidth(opts.title) + 2 * gap : 0);
  const height = titleHeight + gap + rows * (cellH + gap);
  const img = createImage(width, height, opts.background ?? WHITE);
  if (opts.title) drawText(img, opts.title, gap, gap + 1);
  tiles.forEach((tile, k) => {
    const r = Math.floor(k / columns);
    const c = k % columns;
    const x = labelWidth + gap + c * (cellW + gap);
    const y = titleHeight + gap + r * (cellH + gap);
    const tx = x + Math.floor((cellW - tile.width) / 2);
    drawImage(img, tile, tx, y + pad);
    if (border) strokeRect(img, tx, y + pad, tile.width, tile.height, border);
    const caption = opts.captions?.[k];
    if (caption) drawText(img, caption, x + Math.floor((cellW - textWidth(caption)) / 2), y + cellH - GLYPH_HEIGHT - 1);
  });
  opts.rowLabels?.forEach((label, r) => {
    const y = titleHeight + gap + r * (cellH + gap) + Math.floor((cellH - captionHeight - GLYPH_HEIGHT) / 2);
    drawText(img, label, gap, y);
  });
  return img;
}

export interface HeatmapOptions {
  rowLabels: readonly string[];
  columnLabels: readonly string[];
  /** Cell size in pixels (default 36). */
  cell?: number;
  /** Colour by each value divided by its row sum (default true: rows of a confusion matrix). */
  normalizeRows?: boolean;
  /** Write the value in each cell (default true). */
  showValues?: boolean;
  /** Axis titles, e.g. 'TRUE CLASS' and 'PREDICTED CLASS'. */
  rowTitle?: string;
  columnTitle?: string;
  title?: string;
}

/**
 * A labelled heatmap of a `[rows][cols]` matrix with the values written in the cells: the
 * picture the lecture shows for the confusion matrices. Column labels are written vertically.
 */
export function heatmap(matrix: readonly (readonly number[])[], opts: HeatmapOptions): RgbImage {
  const rows = matrix.length;
  const cols = matrix[0]?.length ?? 0;
  if (rows === 0 || cols === 0 || matrix.some((r) => r.length !== cols)) throw new RangeError(`heatmap: matrix must be a non-empty rectangle`);
  if (opts.rowLabels.length !== rows || opts.columnLabels.length !== cols) {
    throw new RangeError(`heatmap: ${opts.rowLabels.length} row and ${opts.columnLabels.length} column labels for a ${rows}x${cols} matrix`);
  }
  const cell = opts.cell ?? 36;
  const normalize = opts.normalizeRows ?? true;
  const gap = 6;
  const titleH = opts.title ? GLYPH_HEIGHT + 8 : 0;
  const rowTitleW = opts.rowTitle ? GLYPH_HEIGHT + 8 : 0;
  const labelW = Math.max(...opts.rowLabels.map((l) => textWidth(l))) + gap;
  // Column labels run top to bottom, one character per line, so long class names fit narrow cells.
  const colLabelH = Math.max(...opts.columnLabels.map((l) => l.length)) * (GLYPH_HEIGHT + 1) + gap;
  const colTitleH = opts.columnTitle ? GLYPH_HEIGHT + 6 : 0;
  const x0 = gap + rowTitleW + labelW;
  const y0 = gap + titleH + colTitleH + colLabelH;
  const width = x0 + cols * cell + gap;
  const height = y0 + rows * cell + gap;
  const img = createImage(width, height);
  if (opts.title) drawText(img, opts.title, gap, gap);
  if (opts.columnTitle) drawText(img, opts.columnTitle, x0 + Math.floor((cols * cell - textWidth(opts.columnTitle)) / 2), gap + titleH);
  if (opts.rowTitle) {
    // Vertical, one character per line.
    const t = opts.rowTitle;
    const top = y0 + Math.max(0, Math.floor((rows * cell - t.length * (GLYPH_HEIGHT + 1)) / 2));
    [...t].forEach((ch, i) => drawText(img, ch, gap, top + i * (GLYPH_HEIGHT + 1)));
  }
  opts.columnLabels.forEach((label, c) => {
    const x = x0 + c * cell + Math.floor((cell - 5) / 2);
    [...label].forEach((ch, i) => drawText(img, ch, x, gap + titleH + colTitleH + i * (GLYPH_HEIGHT + 1)));
  });
  let globalMax = 0;
  for (const row of matrix) for (const v of row) globalMax = Math.max(globalMax, v);
  for (let r = 0; r < rows; r++) {
    drawText(img, opts.rowLabels[r]!, x0 - gap - textWidth(opts.rowLabels[r]!), y0 + r * cell + Math.floor((cell - GLYPH_HEIGHT) / 2));
    const rowSum = matrix[r]!.reduce((a, b) => a + b, 0);
    for (let c = 0; c < cols; c++) {
      const v = matrix[r]![c]!;
      const t = normalize ? (rowSum > 0 ? v / rowSum : 0) : globalMax > 0 ? v / globalMax : 0;
      fillRect(img, x0 + c * cell, y0 + r * cell, cell, cell, sequentialColor(t));
      if (opts.showValues ?? true) {
        const s = Number.isInteger(v) ? String(v) : v.toFixed(2);
        const color = t > 0.5 ? WHITE : BLACK;
        drawText(img, s, x0 + c * cell + Math.floor((cell - textWidth(s)) / 2), y0 + r * cell + Math.floor((cell - GLYPH_HEIGHT) / 2), { color });
      }
    }
  }
  strokeRect(img, x0, y0, cols * cell, rows * cell, GREY);
  return img;
}

/** PNG bytes of an image (8-bit RGB, no alpha). */
export function encodePng(img: RgbImage): Buffer {
  const png = new PNG({ width: img.width, height: img.height, colorType: 2, inputColorType: 2, inputHasAlpha: false });
  return PNG.sync.write(Object.assign(png, { data: Buffer.from(img.data.buffer, img.data.byteOffset, img.data.byteLength) }), {
    colorType: 2,
    inputColorType: 2,
    inputHasAlpha: false,
  });
}

export function writePng(path: string, img: RgbImage): void {
  writeFileSync(path, encodePng(img));
}
