import { copyFileSync, mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { PNG } from 'pngjs';
import { afterAll, describe, expect, it } from 'vitest';
import type { ConfusionResult } from '@tapegrad/lecture';
import { confusionFigure } from '../src/analyze/images.js';
import { heatmapSpec } from '../src/render/heatmap.js';
import { imageGridSpec } from '../src/render/image-grid.js';
import { FONT_DIR, FONT_FILES, specToPng, specToSvg } from '../src/render/vega.js';

/** The fill of every rect vega drew for data, in draw order (row-major within a tile). */
const rectFills = (svg: string): string[] => [...svg.matchAll(/<path[^>]*fill="(rgb\([^"]*\))"/g)].map((m) => m[1]!);
const texts = (svg: string): string[] => [...svg.matchAll(/<text[^>]*>([^<]*)<\/text>/g)].map((m) => m[1]!);

describe('figures: vega-lite specs rendered by vega (SVG) and resvg (PNG) with DejaVu Sans', () => {
  const dirs: string[] = [];
  afterAll(() => dirs.forEach((d) => rmSync(d, { recursive: true, force: true })));

  it('image grid 2 tiles of [2,2]: gray maps 0 black, 1 white, 0.5 mid-grey, clamps 2; signed maps -limit, 0, +limit to blue, white, red', async () => {
    const svg = await specToSvg(imageGridSpec([
      { values: [0, 1, 0.5, 2], height: 2, width: 2, caption: 'Gray' },
      { values: [-1, 0, 1, 0.5], height: 2, width: 2, color: 'signed', limit: 1, caption: 'Signed' },
    ]));
    expect(rectFills(svg)).toEqual([
      'rgb(0, 0, 0)', 'rgb(255, 255, 255)', 'rgb(128, 128, 128)', 'rgb(255, 255, 255)',
      'rgb(33, 102, 172)', 'rgb(255, 255, 255)', 'rgb(178, 24, 43)', 'rgb(217, 140, 149)',
    ]);
    expect(texts(svg)).toEqual(['Gray', 'Signed']);
    expect(svg).toContain('font-family="DejaVu Sans, sans-serif"');
  });

  it('image grid: a signed tile without a limit uses its largest |value|; gray min/max rescale', async () => {
    const svg = await specToSvg(imageGridSpec([
      { values: [-4, 2], height: 1, width: 2, color: 'signed' },
      { values: [10, 20], height: 1, width: 2, min: 10, max: 20 },
    ]));
    // -4 / 4 = -1 (full blue); 2 / 4 = 0.5 between white and red; 10 -> black, 20 -> white.
    expect(rectFills(svg)).toEqual(['rgb(33, 102, 172)', 'rgb(217, 140, 149)', 'rgb(0, 0, 0)', 'rgb(255, 255, 255)']);
  });

  it('image grid with row labels: one label per grid row, left of it', async () => {
    const tiles = Array.from({ length: 6 }, (_, i) => ({ values: [i / 5], height: 1, width: 1 }));
    const svg = await specToSvg(imageGridSpec(tiles, { columns: 3, rowLabels: ['Unit 0', 'Unit 1'], title: 'Two rows' }));
    expect(texts(svg)).toEqual(['Unit 0', 'Unit 1', 'Two rows']);
    expect(rectFills(svg)).toHaveLength(6);
  });

  it('image grid: bad input is an error naming what was wrong', () => {
    expect(() => imageGridSpec([])).toThrow(/no tiles/);
    expect(() => imageGridSpec([{ values: [1, 2, 3], height: 2, width: 2 }])).toThrow(/tile 0 has 3 values, which do not fill 2x2/);
    expect(() => imageGridSpec([{ values: [1], height: 1, width: 1 }, { values: [1, 2], height: 1, width: 2 }])).toThrow(/tile 1 is 1x2 but tile 0 is 1x1/);
    expect(() => imageGridSpec([{ values: [1], height: 1, width: 1, caption: 'a' }], { rowLabels: ['r'] })).toThrow(/captions and rowLabels/);
    expect(() => imageGridSpec([{ values: [1], height: 1, width: 1 }], { rowLabels: ['r', 's'] })).toThrow(/2 row labels for 1 rows/);
    expect(() => imageGridSpec([{ values: [1], height: 1, width: 1 }], { scale: 1.5 })).toThrow(/scale must be an integer/);
  });

  it('heatmap [2,2]: colour is the share of the row, the count is written in the cell, white on dark cells', async () => {
    const svg = await specToSvg(heatmapSpec([[3, 1], [0, 0]], { rowLabels: ['a', 'b'], columnLabels: ['x', 'y'], title: 'Counts' }));
    // 3/4 -> 75% of the way from white to #08306b; 1/4 -> 25%; an empty row is white.
    expect(rectFills(svg)).toEqual(['rgb(70, 100, 144)', 'rgb(193, 203, 218)', 'rgb(255, 255, 255)', 'rgb(255, 255, 255)']);
    const cells = [...svg.matchAll(/<text[^>]*fill="(#[0-9a-f]+)"[^>]*>(\d+)<\/text>/g)].map((m) => [m[2], m[1]]);
    expect(cells).toEqual([['3', '#ffffff'], ['1', '#000000'], ['0', '#000000'], ['0', '#000000']]);
    expect(texts(svg)).toEqual(expect.arrayContaining(['a', 'b', 'x', 'y', 'Counts']));
    expect(() => heatmapSpec([[1, 2]], { rowLabels: ['a', 'b'], columnLabels: ['x', 'y'] })).toThrow(/2 row and 2 column labels for a 1x2 matrix/);
  });

  it('confusion matrix figure: class names as written, sentence-case titles', async () => {
    const matrix = Array.from({ length: 10 }, (_, t) => Array.from({ length: 10 }, (_, p) => (t === p ? 2 : 0)));
    const result = { count: 20, accuracy: 1, matrix } as ConfusionResult;
    const spec = confusionFigure(result, 'cnn');
    expect(spec.title).toBe('Confusion matrix of cnn: accuracy 100.0% on 20 test images');
    const svg = await specToSvg(spec);
    expect(texts(svg)).toEqual(expect.arrayContaining(['T-shirt/top', 'Ankle boot', 'True class', 'Predicted class']));
    expect(texts(svg).filter((t) => /[A-Z]{2}/.test(t) && t !== 'T-shirt/top')).toEqual([]);
  });

  it('PNG: DejaVu draws the text, the output is the same bytes every time, and a missing font file is an error naming it', async () => {
    const spec = imageGridSpec([{ values: [0, 1], height: 1, width: 2, caption: 'Original' }], { scale: 20, title: 'Sentence case title' });
    const a = await specToPng(spec);
    expect((await specToPng(spec)).equals(a)).toBe(true);
    const png = PNG.sync.read(a);
    expect(png.width).toBeGreaterThanOrEqual(40);
    // Without the title and caption text the image would be only the two 20x20 squares (400 dark pixels).
    let dark = 0;
    for (let i = 0; i < png.data.length; i += 4) if (png.data[i]! < 128) dark++;
    expect(dark).toBeGreaterThan(400 + 100);
    // The same figure rendered from a copy of the font directory is identical; from an empty one, an error.
    const copy = mkdtempSync(join(tmpdir(), 'fashion-fonts-'));
    dirs.push(copy);
    for (const f of FONT_FILES) copyFileSync(join(FONT_DIR, f), join(copy, f));
    expect((await specToPng(spec, { fontDir: copy })).equals(a)).toBe(true);
    const empty = mkdtempSync(join(tmpdir(), 'fashion-no-fonts-'));
    dirs.push(empty);
    await expect(specToPng(spec, { fontDir: empty })).rejects.toThrow(`${join(empty, 'DejaVuSans.ttf')}`);
    await expect(specToPng(spec, { fontDir: empty })).rejects.toThrow(/fonts-dejavu-core/);
  });
});
