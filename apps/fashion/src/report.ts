import { existsSync, readdirSync, readFileSync, statSync } from 'node:fs';
import { dirname, join, resolve } from 'node:path';
import { FASHION_MNIST_CLASSES, writeFileAtomic } from '@tapegrad/nn/node';
import type { AnalysisResult } from './analyze.js';
import { CliError } from './errors.js';
import { checkOutDir, createOutDir } from './out-dir.js';
import { lineChartSvg, type Series } from './render/charts.js';

export interface ReportOptions {
  /** The runs directory written by `train` (and `analyze` into `<runs>/analysis`). */
  runs: string;
  /** Output HTML file; default `<runs>/report.html`. */
  out?: string;
  log?: (s: string) => void;
}

interface SummaryRow { name: string; model: string; recipe: string; testAccuracy: number; parameters: number; trainSeconds: number }
interface EpochRow { epoch: number; trainLoss: number; trainAccuracy: number; testAccuracy: number; seconds: number; imagesPerSecond?: number }
interface Metrics extends SummaryRow { epochs: EpochRow[] }

const esc = (s: unknown): string => String(s).replace(/[&<>"']/g, (c) => `&#${c.charCodeAt(0)};`);
const pct = (v: number | null | undefined, digits = 1): string => (typeof v === 'number' && Number.isFinite(v) ? `${(100 * v).toFixed(digits)}%` : '—');
const int = (v: number | null | undefined): string => (typeof v === 'number' && Number.isFinite(v) ? v.toLocaleString('en-US') : '—');
const dur = (s: number | null | undefined): string =>
  typeof s !== 'number' || !Number.isFinite(s) ? '—' : s < 60 ? `${s.toFixed(1)} s` : `${Math.floor(s / 60)} min ${Math.round(s % 60)} s`;
const notRun = (what: string, how: string): string => `<p class="missing">Not run: ${esc(what)}. ${esc(how)}</p>`;

/** The runs directory must exist: an empty report of a mistyped path would look like a result. */
function checkRunsDir(runs: string): void {
  let st;
  try {
    st = statSync(runs);
  } catch (e) {
    const code = (e as NodeJS.ErrnoException).code;
    throw new CliError(code === 'ENOENT' ? `--runs ${runs}: no such directory (run the train command first, or point --runs at its --out)` : `--runs ${runs}: cannot read it (${code})`);
  }
  if (!st.isDirectory()) throw new CliError(`--runs ${runs} is a file, not a runs directory`);
}

/** Reads JSON, or records why not (missing file: null without a note). */
function readJson<T>(path: string, problems: string[]): T | null {
  if (!existsSync(path)) return null;
  try {
    return JSON.parse(readFileSync(path, 'utf8')) as T;
  } catch (e) {
    problems.push(`${path}: ${(e as Error).message}`);
    return null;
  }
}

/** Cells that read as numbers (counts, percentages, angles, durations) are right-aligned. */
const NUMERIC = /^[-+]?[\d.,]+(%|°| s| min [\d]+ s)?$|^—$/;

function table(header: readonly string[], rows: readonly (readonly string[])[]): string {
  const th = header.map((h) => `<th>${esc(h)}</th>`).join('');
  const body = rows.map((r) => `<tr>${r.map((c) => `<td${NUMERIC.test(c) ? ' class="num"' : ''}>${c}</td>`).join('')}</tr>`).join('\n');
  return `<table><thead><tr>${th}</tr></thead><tbody>\n${body}\n</tbody></table>`;
}

function section(id: string, title: string, explanation: string, body: string): string {
  return `<section id="${id}"><h2>${esc(title)}</h2><p class="why">${explanation}</p>\n${body}\n</section>`;
}

/** Every `<runs>/<name>/metrics.json`, sorted by name. */
function readMetrics(runs: string, problems: string[]): Metrics[] {
  if (!existsSync(runs)) return [];
  const out: Metrics[] = [];
  for (const name of readdirSync(runs).sort()) {
    const dir = join(runs, name);
    if (!statSync(dir).isDirectory()) continue;
    const m = readJson<Metrics>(join(dir, 'metrics.json'), problems);
    if (m) out.push({ ...m, name: m.name ?? name, epochs: Array.isArray(m.epochs) ? m.epochs : [] });
  }
  return out;
}

async function trainingSection(metrics: readonly Metrics[]): Promise<string> {
  const why = 'Loss and accuracy after every epoch: training accuracy (dashed) running ahead of test accuracy (solid) is overfitting, which the improved recipes (batch norm, dropout, augmentation, early stopping) are meant to reduce.';
  const withEpochs = metrics.filter((m) => m.epochs.length > 0);
  if (withEpochs.length === 0) return section('training', 'Training curves', why, notRun('no metrics.json with epochs', 'Run the train command first.'));
  const epochs = [...new Set(withEpochs.flatMap((m) => m.epochs.map((e) => e.epoch)))].sort((a, b) => a - b);
  const loss: Series[] = withEpochs.map((m) => ({ name: m.name, points: m.epochs.map((e) => ({ x: e.epoch, y: e.trainLoss })) }));
  const acc: Series[] = withEpochs.flatMap((m) => [
    { name: `${m.name} test`, points: m.epochs.map((e) => ({ x: e.epoch, y: e.testAccuracy })) },
    { name: `${m.name} train`, points: m.epochs.map((e) => ({ x: e.epoch, y: e.trainAccuracy })), dashed: true },
  ]);
  const xTicks = epochs.length <= 30 ? epochs : undefined;
  const charts = [
    await lineChartSvg(loss, { title: 'Training loss per epoch', xTitle: 'epoch', yTitle: 'mean cross-entropy', xTicks }),
    await lineChartSvg(acc, { title: 'Accuracy per epoch', xTitle: 'epoch', yTitle: 'accuracy', xTicks }),
  ];
  return section('training', 'Training curves', why, `<div class="row">${charts.map((c) => `<figure class="chart">${c}</figure>`).join('')}</div>`);
}

function tableSection(summary: SummaryRow[] | null, metrics: readonly Metrics[]): string {
  const why = 'The lecture compares a small CNN with a fully connected network on Fashion-MNIST: the CNN reaches about 0.91 test accuracy against 0.87, with far fewer parameters per layer thanks to weight sharing.';
  const rows = summary?.length ? summary : metrics.map((m) => ({ name: m.name, model: m.model, recipe: m.recipe, testAccuracy: m.testAccuracy, parameters: m.parameters, trainSeconds: m.trainSeconds }));
  if (rows.length === 0) return section('table', 'Results', why, notRun('no trained runs (summary.json / metrics.json)', 'Run the train command first.'));
  const body = rows.map((r) => [esc(r.name), esc(r.model), esc(r.recipe), pct(r.testAccuracy, 2), int(r.parameters), dur(r.trainSeconds)]);
  body.push(['<em>lecture</em>', 'cnn / fnn', 'Adam, 10 epochs, batch 128', '91% / 87%', '—', '—']);
  return section('table', 'Results', why, table(['run', 'model', 'recipe', 'test accuracy', 'parameters', 'training time'], body));
}

/** Base64 data URI of a PNG in the analysis directory, or null when it is not there. */
function pngUri(dir: string, file: string | null | undefined): string | null {
  if (!file) return null;
  const path = join(dir, file);
  if (!existsSync(path)) return null;
  return `data:image/png;base64,${readFileSync(path).toString('base64')}`;
}

function img(dir: string, file: string | null | undefined, alt: string): string {
  const uri = pngUri(dir, file);
  return uri ? `<figure><img src="${uri}" alt="${esc(alt)}"><figcaption>${esc(alt)}</figcaption></figure>` : notRun(`${alt} (${file ?? 'no file'})`, 'Run the analyze command.');
}

async function analysisSections(a: AnalysisResult, dir: string): Promise<string[]> {
  const out: string[] = [];
  const p = a.parameters;
  out.push(section('parameters', 'Parameter arithmetic',
    'Weight sharing: a convolution layer has one small filter per output channel, whatever the image size, while a fully connected layer needs a weight per input pixel per unit. Counted from real modules:',
    table(['module', 'formula', 'lecture', 'counted'], p.lecture.map((l) => [esc(l.module), esc(l.formula), int(l.expected), int(l.parameters)])) +
      table(['model', 'parameters', 'tensors'], p.models.map((m) => [esc(m.name), int(m.parameters), esc(m.tensors.map((t) => `${t.name} [${t.shape.join(',')}]`).join(', '))]))));

  const c = a.confusion;
  const classes = c.cnn.perClassAccuracy.map((_, i) => i);
  const names = FASHION_MNIST_CLASSES;
  const gapLine = (name: string, r: AnalysisResult['confusion']['cnn']) =>
    `<li>${esc(name)}: accuracy ${pct(r.accuracy)}; best class ${esc(r.gap.best)} (${pct(r.gap.bestAccuracy)}), worst ${esc(r.gap.worst)} (${pct(r.gap.worstAccuracy)}), largest gap ${pct(r.gap.gap)}; most frequent confusion: ${esc(r.topConfusion.trueClass)} taken for ${esc(r.topConfusion.predictedClass)} (${r.topConfusion.count}×).</li>`;
  out.push(section('confusion', 'Confusion matrices and per-class accuracy',
    `Rows are the true class, columns the prediction, over ${int(a.inputs.confusionImages)} test images. Errors can be very different for different classes (the lecture's "largest gap"); the colour is the fraction of each true class, the number the count.`,
    `<div class="row">${img(dir, a.files.confusionCnn, `${a.models.cnn} confusion matrix`)}${a.files.confusionFnn ? img(dir, a.files.confusionFnn, `${a.models.fnn} confusion matrix`) : notRun('FNN confusion matrix', 'Pass the FNN weights to analyze.')}</div>` +
      `<ul>${gapLine(a.models.cnn, c.cnn)}${c.fnn ? gapLine(a.models.fnn ?? 'fnn', c.fnn) : ''}</ul>` +
      table(['class', a.models.cnn, ...(c.fnn ? [a.models.fnn ?? 'fnn'] : [])], classes.map((i) => [esc(names[i] ?? i), pct(c.cnn.perClassAccuracy[i]), ...(c.fnn ? [pct(c.fnn.perClassAccuracy[i])] : [])]))));

  out.push(section('filters', 'Learned first-layer filters',
    `The ${a.firstLayerFilters.shape[0]} kernels of conv1 (${a.firstLayerFilters.shape.join('×')}), red positive and blue negative on one shared scale (|w| ≤ ${a.firstLayerFilters.limit.toFixed(3)}). As in the lecture, the first layer tends to learn small edge and contrast detectors.`,
    img(dir, a.files.firstLayerFilters, 'conv1 filters')));

  out.push(section('patches', 'What second-layer units respond to',
    `For each conv2 unit, the ${a.topPatches.size}×${a.topPatches.size} input patches (its receptive field) that activate it most over ${int(a.topPatches.imagesSearched)} test images, one patch per image, captured with a forward hook on conv2. Patches in a row share a pattern (an edge orientation, a corner, a texture): units are pattern detectors.`,
    img(dir, a.files.topPatches, 'top-activating patches per conv2 unit') +
      table(['unit', 'top activations', 'classes of the top patches'], a.topPatches.units.map((u) => [String(u.unit), esc(u.hits.map((h) => h.activation.toFixed(2)).join(', ')), esc(u.hits.map((h) => h.label).join(', '))]))));

  const r = a.rotation;
  const rotChart = await lineChartSvg(r.series.map((s) => ({ name: s.name, points: r.angles.map((x, i) => ({ x, y: s.accuracy[i]! })) })), { title: 'Accuracy vs rotation of the test images', xTitle: 'rotation (degrees)', yTitle: 'accuracy', yDomain: [0, 1], xTicks: r.angles });
  out.push(section('rotation', 'Input rotations',
    `Accuracy on ${int(r.count)} test images rotated by each angle. Convolutions share weights across positions, not orientations, so CNNs can fail when the input is rotated; training with rotated images (data augmentation) is the lecture's remedy${a.models.rotation ? ` (${esc(a.models.rotation)})` : ' (no rotation-augmented model was given)'}.`,
    `<div class="row"><figure class="chart">${rotChart}</figure>${img(dir, a.files.rotationExample, 'one test image rotated, with the prediction')}</div>` +
      table(['angle', ...r.series.map((s) => s.name)], r.angles.map((x, i) => [`${x}°`, ...r.series.map((s) => pct(s.accuracy[i]))]))));

  const f = a.fgsm;
  const fChart = await lineChartSvg(f.series.map((s) => ({ name: s.name, points: f.epsilons.map((x, i) => ({ x, y: s.accuracy[i]! })) })), { title: 'Accuracy under FGSM', xTitle: 'ε (pixels in [0, 1])', yTitle: 'accuracy', yDomain: [0, 1] });
  out.push(section('fgsm', 'Adversarial examples (FGSM)',
    `x<sub>adv</sub> = clamp(x + ε·sign(∇<sub>x</sub>J(θ, x, y)), 0, 1): every pixel moves by ε in the direction that increases the loss most (Goodfellow et al. 2014). Tiny, structured changes flip confident predictions, a sign that the network does not use the features a person would. ${int(f.count)} test images; each model is attacked through its own gradient.`,
    `<div class="row"><figure class="chart">${fChart}</figure>${img(dir, a.files.fgsmExamples, 'original / perturbation / adversarial, with predicted class and confidence')}</div>` +
      table(['ε', ...f.series.map((s) => s.name)], f.epsilons.map((e, i) => [String(e), ...f.series.map((s) => pct(s.accuracy[i]))])) +
      table(['image', 'true class', 'ε', 'clean prediction', 'adversarial prediction'], f.examples.map((e) => [String(e.image), esc(e.label), String(e.epsilon), `${esc(e.clean.predicted)} (${pct(e.clean.confidence)})`, `${esc(e.adversarial.predicted)} (${pct(e.adversarial.confidence)})`]))));

  const cf = a.classicFilters;
  out.push(section('classic', 'Classic filters',
    `Hand-made 3×3 kernels applied to test image ${cf.image} (${esc(cf.label)}): sharpen, edge detect and the Sobel gradients (signed outputs in red/blue). A convolution layer learns kernels like these instead of having them designed.`,
    img(dir, a.files.classicFilters, 'original, sharpen, edge detect, Sobel x, Sobel y') +
      table(['filter', 'kernel (row-major)', 'output range'], cf.filters.map((k) => [esc(k.name), esc(`[${k.kernel.map((v) => +v.toFixed(3)).join(', ')}]`), `${k.min.toFixed(2)} … ${k.max.toFixed(2)}`]))));

  const d = a.conv1d;
  const cells = (v: readonly number[]) => v.map((x) => `<td class="num">${x}</td>`).join('');
  const half = '<td></td>'.repeat(Math.floor(d.filter.length / 2));
  const padCells = (v: readonly number[]) => `${half}${cells(v)}${half}`;
  out.push(section('conv1d', 'The 1D convolution example',
    `z<sub>i</sub> = Σ<sub>j</sub> w<sub>j</sub> x<sub>i+j</sub> with filter [${d.filter.join(', ')}] ("how well does the input match low-high-low?"), computed with conv1d, then ReLU. Without padding the output is shorter than the image (${d.valid.conv.length} vs ${d.signal.length}); one zero on each side keeps the length. Outputs sit under the centre of their window.`,
    `<table class="conv1d"><tbody>
<tr><th>1D image</th>${cells(d.signal)}</tr>
<tr><th>after convolution</th>${padCells(d.valid.conv)}</tr>
<tr><th>after ReLU</th>${padCells(d.valid.relu)}</tr>
<tr><th>with zero padding: convolution</th>${cells(d.padded.conv)}</tr>
<tr><th>with zero padding: ReLU</th>${cells(d.padded.relu)}</tr>
</tbody></table>`));
  return out;
}

const STYLE = `body{font:15px/1.45 system-ui,sans-serif;max-width:1180px;margin:2em auto;padding:0 1em;color:#222}
h1{margin-bottom:.2em}h2{margin-top:2em;border-bottom:1px solid #ddd}
table{border-collapse:collapse;margin:.8em 0}td,th{border:1px solid #ccc;padding:3px 8px;text-align:left}
td.num{text-align:right;font-variant-numeric:tabular-nums}.why{color:#444}.missing{color:#a33;font-style:italic}
figure{margin:.5em 1em .5em 0;display:inline-block;vertical-align:top}figcaption{font-size:13px;color:#555}
img{max-width:100%}.row{display:flex;flex-wrap:wrap;align-items:flex-start}
table.conv1d td{min-width:2em}`;

/**
 * Gathers summary.json, every metrics.json and the analysis (analysis.json + PNGs) of a runs
 * directory into ONE self-contained HTML page: PNGs as base64 data URIs, charts as inline SVG.
 * Anything missing is shown as "not run" instead of failing. Returns the path written.
 * @example await runReport({ runs: 'runs' }) // -> 'runs/report.html'
 */
export async function runReport(opts: ReportOptions): Promise<string> {
  const log = opts.log ?? (() => {});
  const out = opts.out ?? join(opts.runs, 'report.html');
  checkRunsDir(opts.runs);
  createOutDir(checkOutDir(dirname(resolve(out)), '--out'), '--out');
  if (existsSync(out) && statSync(out).isDirectory()) throw new CliError(`--out ${out} is a directory; give the HTML file's name`);
  const problems: string[] = [];
  const summary = readJson<{ rows: SummaryRow[] }>(join(opts.runs, 'summary.json'), problems);
  const metrics = readMetrics(opts.runs, problems);
  const analysisDir = join(opts.runs, 'analysis');
  const analysis = readJson<AnalysisResult>(join(analysisDir, 'analysis.json'), problems);

  // A malformed file spoils only its own section.
  const guard = async (what: string, fn: () => string | Promise<string>): Promise<string> => {
    try {
      return await fn();
    } catch (e) {
      problems.push(`${what}: ${(e as Error).message}`);
      return section(what.replace(/\W+/g, '-'), what, '', notRun(`${what} (its input is malformed)`, 'Re-run the command that writes it.'));
    }
  };
  const sections = [
    await guard('Results', () => tableSection(Array.isArray(summary?.rows) ? summary.rows : null, metrics)),
    await guard('Training curves', () => trainingSection(metrics)),
  ];
  if (analysis) {
    try {
      sections.push(...(await analysisSections(analysis, analysisDir)));
    } catch (e) {
      problems.push(`${join(analysisDir, 'analysis.json')}: ${(e as Error).message}`);
      sections.push(section('analysis', 'Analyses', '', notRun('the analyses (analysis.json is incomplete or from another version)', 'Run the analyze command again.')));
    }
  } else {
    sections.push(section('analysis', 'Analyses', 'Confusion matrices, learned filters, top-activating patches, rotation and FGSM robustness, parameter arithmetic, classic filters and the 1D example.', notRun(`no ${join(analysisDir, 'analysis.json')}`, 'Run the analyze command with --out <runs>/analysis.')));
  }
  const note = problems.length ? `<p class="missing">Could not read: ${problems.map(esc).join('; ')}</p>` : '';
  const meta = analysis ? `Analyses computed ${esc(analysis.createdAt)} on the ${esc(analysis.backend)} backend in ${dur(analysis.seconds)}.` : '';
  const html = `<!doctype html>
<html lang="en"><head><meta charset="utf-8"><title>tapegrad: Fashion-MNIST CNN vs FNN</title><style>${STYLE}</style></head>
<body><h1>Fashion-MNIST: CNN vs fully connected</h1>
<p>The case study of the lecture “Deep Learning for Images: Convolutional Neural Networks”, reproduced with tapegrad. ${meta}</p>
${note}
${sections.join('\n')}
</body></html>
`;
  writeFileAtomic(out, new TextEncoder().encode(html));
  log(`report: wrote ${out} (${(html.length / 1024).toFixed(0)} KiB)`);
  return out;
}
