import { existsSync } from 'node:fs';
import { join } from 'node:path';
import { Resvg } from '@resvg/resvg-js';
import * as vega from 'vega';
import type * as vegaLite from 'vega-lite';
import { compile } from 'vega-lite';

/**
 * Where the figures' font comes from: Debian's fonts-dejavu-core. The PNG renderer is given these
 * files and nothing else (no system font lookup), so a figure is the same bytes on every machine
 * that has them.
 */
export const FONT_DIR = '/usr/share/fonts/truetype/dejavu';
export const FONT_FAMILY = 'DejaVu Sans';
/** What the SVG asks for: DejaVu Sans, or the browser's sans-serif where the report is read without it. */
const FONT_STACK = `${FONT_FAMILY}, sans-serif`;
/** Regular for labels, bold for titles (vega's default title weight). */
export const FONT_FILES: readonly string[] = ['DejaVuSans.ttf', 'DejaVuSans-Bold.ttf'];

/** The one look of every figure: DejaVu Sans throughout, white background. */
export const FIGURE_CONFIG: vegaLite.Config = {
  font: FONT_STACK,
  background: 'white',
  title: { fontSize: 13, anchor: 'start', offset: 8 },
};

/**
 * A vega-lite spec compiled to vega and rendered to a standalone SVG string by vega's headless
 * View (renderer 'none': no canvas needed in Node; text widths are vega's estimate, so the layout
 * does not depend on what is installed). The spec's own `config` is merged over FIGURE_CONFIG.
 * @example await specToSvg({ data: { values: [{ a: 1 }] }, mark: 'point', encoding: { x: { field: 'a', type: 'quantitative' } } })
 */
export async function specToSvg(spec: vegaLite.TopLevelSpec): Promise<string> {
  const withConfig = { ...spec, config: { ...FIGURE_CONFIG, ...spec.config } } as vegaLite.TopLevelSpec;
  const view = new vega.View(vega.parse(compile(withConfig).spec), { renderer: 'none' });
  try {
    return await view.toSVG();
  } finally {
    view.finalize();
  }
}

/** The font files resvg loads; an error naming the missing file and its Debian package otherwise. */
export function fontFiles(dir: string = FONT_DIR): string[] {
  const files = FONT_FILES.map((f) => join(dir, f));
  const missing = files.filter((f) => !existsSync(f));
  if (missing.length) throw new Error(`figures: font file ${missing.join(', ')} not found (install Debian's fonts-dejavu-core: apt-get install fonts-dejavu-core)`);
  return files;
}

/**
 * SVG to PNG bytes through resvg, with the DejaVu font files given explicitly and system fonts off
 * (deterministic output).
 */
export function svgToPng(svg: string, opts: { fontDir?: string } = {}): Buffer {
  const resvg = new Resvg(svg, {
    font: { loadSystemFonts: false, fontFiles: fontFiles(opts.fontDir), defaultFontFamily: FONT_FAMILY, sansSerifFamily: FONT_FAMILY },
    background: 'white',
    fitTo: { mode: 'original' },
  });
  return resvg.render().asPng();
}

/**
 * A vega-lite spec as PNG bytes (specToSvg, then svgToPng).
 * @example writeFileSync('confusion.png', await specToPng(confusionSpec(result, 'cnn')))
 */
export async function specToPng(spec: vegaLite.TopLevelSpec, opts: { fontDir?: string } = {}): Promise<Buffer> {
  // Fonts first: a missing font fails before the (slower) layout.
  fontFiles(opts.fontDir);
  return svgToPng(await specToSvg(spec), opts);
}
