// The page's main thread: controls, progress, charts and drawing. Everything that computes runs in
// worker.ts; this file only sends requests and draws the answers, so the page stays responsive.
import uPlot from 'uplot';
import 'uplot/dist/uPlot.min.css';
import { DEFAULT_RECIPE, type TrainSettings } from '@tapegrad/lecture';
import { FASHION_MNIST_CLASSES } from '@tapegrad/nn';
import { latestOnly, WorkerClient } from './client.js';
import { CurveData } from './curves.js';
import { formatDuration, formatRate } from './format.js';
import { parseHook } from './hook.js';
import { CONTROL, type EpochPoint, type FromWorker, type Probabilities, type Progress, type RunDone, type RunName, type RunSpec } from './protocol.js';
import { downsampleTo28, range } from './render.js';
import { type AugmentationControls, defaultForm, type FormValues, settingsFromForm } from './settings.js';
import { $, divergingCanvas, el, figure, grayCanvas, numberList, paint, probabilityList } from './widgets.js';
import { grayRgba, divergingRgba } from './render.js';

type State = 'loading' | 'ready' | 'training' | 'done';
const RUN_LABEL: Record<RunName, string> = { cnn: 'CNN', fnn: 'FNN', 'cnn-rot': 'CNN + rotation aug.' };
const RUN_COLOR: Record<RunName, string> = { cnn: '#1f5fbf', fnn: '#e07b00', 'cnn-rot': '#2a9d3a' };
const RUNS: RunName[] = ['cnn', 'fnn', 'cnn-rot'];

let state: State = 'loading';
let trainCount = 60000;
let testPixels: Uint8Array = new Uint8Array(0);
let testLabels: Int32Array = new Int32Array(0);
let testUsed = 10000;
const available = new Set<RunName>();
const results = new Map<RunName, RunDone & { source: string }>();
const control = typeof SharedArrayBuffer !== 'undefined' && self.crossOriginIsolated ? new SharedArrayBuffer(4) : null;
const controlView = control ? new Int32Array(control) : null;

function setState(s: State): void {
  state = s;
  document.body.dataset.state = s;
  $('state-label').textContent = s;
  const training = s === 'training';
  $<HTMLButtonElement>('start').disabled = s === 'loading' || training;
  $<HTMLButtonElement>('pause').disabled = !training || controlView === null;
  $<HTMLButtonElement>('resume').disabled = true;
  $<HTMLButtonElement>('stop').disabled = !training;
  for (const r of ['cnn', 'fnn'] as const) {
    for (const id of [`download-${r}`, `download-onnx-${r}`]) $<HTMLButtonElement>(id).disabled = training || !available.has(r);
  }
}

function status(text: string, cls = ''): void {
  const s = $('status');
  s.textContent = text;
  s.className = cls;
}

// A bug anywhere on the page is shown, never swallowed (and the e2e test sees it at once).
function pageError(message: string): void {
  status(`Page error: ${message}`, 'error');
  document.body.dataset.error = message;
}
addEventListener('error', (e) => pageError(e.message));
addEventListener('unhandledrejection', (e) => pageError(String((e.reason as Error)?.message ?? e.reason)));

// ---------------------------------------------------------------- worker
const worker = new Worker(new URL('./worker.ts', import.meta.url), { type: 'module', name: 'tapegrad training' });
const client = new WorkerClient(worker, onMessage);
const isolated = self.crossOriginIsolated === true;
const threads = isolated ? Math.max(1, navigator.hardwareConcurrency || 1) : 1;
if (!isolated) {
  const note = $('isolation-note');
  note.hidden = false;
  note.textContent = 'This page is not cross-origin isolated (the server did not send Cross-Origin-Opener-Policy: same-origin and Cross-Origin-Embedder-Policy: require-corp), so SharedArrayBuffer is off: training runs on one thread, and Pause is not available. Serve it with npm run playground.';
}
client.send({ type: 'init', threads, dataUrl: new URL('data/fashion-mnist.bin', document.baseURI).href, control });

let hook: ReturnType<typeof parseHook> = { autostart: false };
try {
  hook = parseHook(location.search);
} catch (e) {
  status(`Test hook: ${(e as Error).message}`, 'error');
}

// ---------------------------------------------------------------- form
const form = $<HTMLFormElement>('controls');
const input = (name: string) => form.elements.namedItem(name) as HTMLInputElement;

function fillForm(f: FormValues): void {
  for (const k of ['epochs', 'batchSize', 'lr', 'weightDecay', 'l1', 'dropout', 'earlyStopping', 'seed'] as const) input(k).value = f[k];
  (form.elements.namedItem('optimizer') as HTMLSelectElement).value = f.optimizer;
  input('batchNorm').checked = f.batchNorm;
  input('cosine').checked = f.cosine;
}

function readForm(): FormValues {
  const aug = (name: keyof AugmentationControls): number | null => (input(`aug-${name}`).checked ? Number(input(`aug-${name}-v`).value) : null);
  return {
    epochs: input('epochs').value, batchSize: input('batchSize').value, lr: input('lr').value, weightDecay: input('weightDecay').value, l1: input('l1').value,
    dropout: input('dropout').value, earlyStopping: input('earlyStopping').value, seed: input('seed').value,
    optimizer: (form.elements.namedItem('optimizer') as HTMLSelectElement).value, batchNorm: input('batchNorm').checked, cosine: input('cosine').checked,
    augment: { rotate: aug('rotate'), flip: input('aug-flip').checked, crop: aug('crop'), noise: aug('noise'), blur: aug('blur'), cutout: aug('cutout'), jitter: aug('jitter') },
  };
}

function limit(name: string, max: number): number {
  const raw = input(name).value;
  const v = Number(raw);
  if (!(Number.isInteger(v) && v >= 1 && v <= max)) throw new Error(`${name === 'trainLimit' ? 'training images' : 'test images'} must be an integer from 1 to ${max}, got "${raw}"`);
  return v;
}

fillForm(defaultForm());

function startTraining(runs: RunSpec[], trainLimit: number, testLimit: number): void {
  testUsed = testLimit;
  curves.loss.clear();
  curves.accuracy.clear();
  for (const r of runs) {
    results.delete(r.name);
    available.delete(r.name);
    document.getElementById(`result-${r.name}`)?.remove();
  }
  for (const id of ['test-accuracy-cnn', 'test-accuracy-fnn', 'images-per-second']) document.querySelector(`[data-testid="${id}"]`)!.textContent = '';
  redrawCurves();
  if (controlView) Atomics.store(controlView, 0, CONTROL.run);
  setState('training');
  status(`Training ${runs.map((r) => RUN_LABEL[r.name]).join(', then ')} on ${trainLimit.toLocaleString('en-US')} images (${threads} thread${threads > 1 ? 's' : ''}).`);
  client.send({ type: 'train', runs, trainLimit, testLimit });
}

$('start').addEventListener('click', () => {
  $('form-error').textContent = '';
  try {
    const settings = settingsFromForm(readForm());
    const runs: RunSpec[] = [];
    if (input('run-cnn').checked) runs.push({ name: 'cnn', settings });
    if (input('run-fnn').checked) runs.push({ name: 'fnn', settings: { ...settings, batchNorm: false } });
    if (input('run-cnn-rot').checked) {
      const deg = Number(input('rot-aug-deg').value);
      if (!(deg > 0 && deg <= 180)) throw new Error(`rotation augmentation must be in (0, 180] degrees, got "${input('rot-aug-deg').value}"`);
      runs.push({ name: 'cnn-rot', settings: { ...settings, augment: [settings.augment, `rotate:${deg}`].filter(Boolean).join(',') } });
    }
    if (runs.length === 0) throw new Error('pick at least one model');
    startTraining(runs, limit('trainLimit', trainCount), limit('testLimit', testPixels.length / 784));
  } catch (e) {
    $('form-error').textContent = (e as Error).message;
  }
});
$('pause').addEventListener('click', () => {
  if (!controlView) return;
  Atomics.store(controlView, 0, CONTROL.pause);
  $<HTMLButtonElement>('pause').disabled = true;
  $<HTMLButtonElement>('resume').disabled = false;
  status('Paused (the worker waits between two batches).');
});
$('resume').addEventListener('click', () => {
  if (!controlView) return;
  Atomics.store(controlView, 0, CONTROL.run);
  Atomics.notify(controlView, 0);
  $<HTMLButtonElement>('pause').disabled = false;
  $<HTMLButtonElement>('resume').disabled = true;
  status('Training.');
});
$('stop').addEventListener('click', () => {
  if (controlView) {
    Atomics.store(controlView, 0, CONTROL.stop);
    Atomics.notify(controlView, 0);
    status('Stopping after this batch…');
  } else {
    // Without shared memory the worker cannot be told mid-epoch: it is replaced (its models are lost).
    location.reload();
  }
});

// ---------------------------------------------------------------- curves
const curves = { loss: new CurveData(6), accuracy: new CurveData(6) };
function makeChart(target: string, title: string, xLabel: string, series: { label: string; stroke: string; dash?: number[] }[], yRange?: [number, number]): uPlot {
  return new uPlot(
    {
      title, width: 520, height: 260, legend: { live: false },
      scales: { x: { time: false }, ...(yRange ? { y: { range: yRange } } : {}) },
      axes: [{ label: xLabel }, {}],
      series: [{}, ...series.map((s) => ({ ...s, spanGaps: true, width: 1.5, points: { show: false } }))],
    },
    [[], ...series.map(() => [])],
    $(target),
  );
}
const curveSeries = RUNS.flatMap((r) => [
  { label: `${RUN_LABEL[r]} train`, stroke: RUN_COLOR[r], dash: [6, 4] },
  { label: `${RUN_LABEL[r]} test`, stroke: RUN_COLOR[r] },
]);
const lossChart = makeChart('chart-loss', 'Loss (train dashed, test solid)', 'epoch', curveSeries);
const accChart = makeChart('chart-accuracy', 'Accuracy (train dashed, test solid)', 'epoch', curveSeries);
let curvesDirty = false;
function redrawCurves(): void {
  if (curvesDirty) return;
  curvesDirty = true;
  requestAnimationFrame(() => {
    curvesDirty = false;
    lossChart.setData(curves.loss.aligned() as uPlot.AlignedData);
    accChart.setData(curves.accuracy.aligned() as uPlot.AlignedData);
  });
}

// ---------------------------------------------------------------- messages
function onMessage(m: FromWorker): void {
  switch (m.type) {
    case 'ready': {
      trainCount = m.trainCount;
      testPixels = m.testPixels;
      testLabels = m.testLabels;
      document.querySelector('[data-testid="threads"]')!.textContent = String(m.threads);
      $('build').textContent = m.build;
      input('trainLimit').value = String(hook.trainLimit ?? trainCount);
      input('testLimit').value = String(hook.testLimit ?? testLabels.length);
      testUsed = Math.min(hook.testLimit ?? testLabels.length, testLabels.length);
      for (const id of ['fmap-index', 'rot-index', 'fgsm-index', 'classic-index']) $<HTMLInputElement>(id).max = String(testLabels.length - 1);
      const warn = m.warnings.length ? ` Note: ${m.warnings.join(' ')}` : '';
      status(`Ready: ${trainCount.toLocaleString('en-US')} training and ${testLabels.length.toLocaleString('en-US')} test images, ${m.threads} kernel thread${m.threads > 1 ? 's' : ''}.${warn}`);
      setState('ready');
      refreshStatic();
      if (hook.autostart) {
        const settings: TrainSettings = { ...DEFAULT_RECIPE, epochs: hook.epochs ?? DEFAULT_RECIPE.epochs, seed: hook.seed ?? DEFAULT_RECIPE.seed };
        fillForm({ ...defaultForm(), epochs: String(settings.epochs), seed: String(settings.seed) });
        startTraining([{ name: 'cnn', settings }, { name: 'fnn', settings }], Math.min(hook.trainLimit ?? trainCount, trainCount), testUsed);
      }
      break;
    }
    case 'progress':
      showProgress(m.progress);
      break;
    case 'epoch':
      addEpoch(m.run, m.point);
      break;
    case 'filters':
      drawFilters(m.filters);
      break;
    case 'run-done':
      runDone(m.done);
      break;
    case 'train-done':
      if (m.error) status(m.error, 'error');
      else status(m.stopped ? 'Stopped. The models keep the weights they had; explore them below.' : 'Done. Explore the trained models below.');
      setState('done');
      refreshAll();
      break;
    case 'fatal':
      status(m.message, 'error');
      document.body.dataset.error = m.message;
      break;
  }
}

function showProgress(p: Progress): void {
  const within = (p.epoch * p.batches + p.batch + 1) / (p.epochs * p.batches);
  $('progress-bar').style.width = `${(100 * (p.runIndex + within)) / p.runCount}%`;
  $('progress-text').textContent =
    `${RUN_LABEL[p.run]} (${p.runIndex + 1}/${p.runCount}) · epoch ${p.epoch + 1}/${p.epochs} · batch ${p.batch + 1}/${p.batches} · ` +
    `loss ${p.loss.toFixed(4)} · accuracy ${p.accuracy.toFixed(4)} · ${formatRate(p.imagesPerSecond)} images/s · ETA ${formatDuration(p.etaSeconds)}`;
  const k = RUNS.indexOf(p.run) * 2;
  const x = p.epoch + (p.batch + 1) / p.batches;
  curves.loss.add(k, x, p.loss);
  curves.accuracy.add(k, x, p.accuracy);
  redrawCurves();
}

function addEpoch(run: RunName, e: EpochPoint): void {
  const k = RUNS.indexOf(run) * 2 + 1;
  curves.loss.add(k, e.epoch, e.testLoss);
  curves.accuracy.add(k, e.epoch, e.testAccuracy);
  redrawCurves();
}

function runDone(d: RunDone, source = 'trained here'): void {
  results.set(d.run, { ...d, source });
  available.add(d.run);
  const tbody = document.querySelector('#results tbody')!;
  document.getElementById(`result-${d.run}`)?.remove();
  const row = el('tr', { id: `result-${d.run}` });
  const cells = [
    `${RUN_LABEL[d.run]}${d.stopped ? ' (stopped)' : ''} — ${source}`, d.testAccuracy.toFixed(4), d.parameters.toLocaleString('en-US'),
    String(d.epochs || '–'), d.seconds ? formatDuration(d.seconds) : '–', formatRate(d.imagesPerSecond),
  ];
  for (const c of cells) row.append(el('td', {}, c));
  tbody.append(row);
  if (d.run !== 'cnn-rot') document.querySelector(`[data-testid="test-accuracy-${d.run}"]`)!.textContent = String(d.testAccuracy);
  if (d.run === 'cnn' && Number.isFinite(d.imagesPerSecond)) document.querySelector('[data-testid="images-per-second"]')!.textContent = String(Math.round(d.imagesPerSecond));
}

// ---------------------------------------------------------------- look inside
function drawFilters(f: { filters: number[][]; limit: number; shape: number[] }): void {
  const box = $('filters');
  box.replaceChildren(...f.filters.map((k, i) => figure(divergingCanvas(k, f.shape[3]!, f.shape[2]!, f.limit), String(i))));
}

const ready = (run: RunName = 'cnn') => state !== 'training' && state !== 'loading' && available.has(run);
function needs(target: HTMLElement, run: RunName = 'cnn'): boolean {
  if (ready(run)) return true;
  target.replaceChildren(el('p', { class: 'note' }, state === 'training' ? 'Shown when training finishes.' : `Train the ${RUN_LABEL[run]} or load its weights first.`));
  return false;
}
function failed(target: HTMLElement, e: unknown): void {
  target.replaceChildren(el('p', { class: 'error' }, (e as Error).message));
}

const showPatches = latestOnly(async (unit: number) => {
  const box = $('patches');
  if (!needs(box)) return;
  try {
    const t = await client.request('topPatches', { unit });
    const u = t.units[0]!;
    box.replaceChildren(...u.hits.map((h) => figure(grayCanvas(h.pixels, t.size, t.size), `${h.activation.toFixed(2)} ${h.label}`)));
  } catch (e) { failed(box, e); }
});

const showFeatureMaps = latestOnly(async (index: number) => {
  const box = $('fmaps');
  if (!needs(box)) return;
  try {
    const maps = await client.request('featureMaps', { index });
    const rows = maps.map((m) => {
      const row = el('div', { class: 'fmap-layer' });
      row.append(el('div', {}, `${m.name} [${m.shape.join(', ')}]`));
      if (m.name === 'logits') {
        const e = Array.from(m.data, (v) => Math.exp(v - Math.max(...m.data)));
        const s = e.reduce((a, b) => a + b, 0);
        row.append(probabilityList('prediction', e.map((v) => v / s)));
      } else {
        const [c, h, w] = m.shape;
        for (let k = 0; k < c; k++) {
          const plane = m.data.subarray(k * h * w, (k + 1) * h * w);
          const r = range(plane);
          row.append(m.name.startsWith('conv') ? divergingCanvas(plane, w, h) : grayCanvas(plane, w, h, { min: 0, max: r.max || 1 }));
        }
      }
      return row;
    });
    const head = el('div', {}, `test image ${index}: ${FASHION_MNIST_CLASSES[testLabels[index]!]}`);
    head.prepend(grayCanvas(testImage(index), 28, 28, { cls: 'img' }));
    box.replaceChildren(head, ...rows);
  } catch (e) { failed(box, e); }
});

$('patch-unit').addEventListener('input', () => showPatches(clampIndex('patch-unit', 15)));
$('fmap-index').addEventListener('input', () => showFeatureMaps(clampIndex('fmap-index', testLabels.length - 1)));

function clampIndex(id: string, max: number): number {
  const v = Math.round(Number($<HTMLInputElement>(id).value));
  return Number.isFinite(v) ? Math.max(0, Math.min(max, v)) : 0;
}
function testImage(index: number): Float32Array {
  return Float32Array.from(testPixels.subarray(index * 784, (index + 1) * 784), (v) => v / 255);
}

// ---------------------------------------------------------------- where it fails
const confusions = new Map<RunName, { matrix: number[][]; predictions: Int32Array }>();
async function showConfusion(run: 'cnn' | 'fnn'): Promise<void> {
  const box = $(`confusion-${run}`);
  if (!needs(box, run)) return;
  try {
    const { result: r, predictions } = await client.request('confusion', { run });
    confusions.set(run, { matrix: r.matrix, predictions });
    const table = el('table', { class: 'confusion' });
    const head = el('tr');
    head.append(el('th', {}, 'true \\ predicted'), ...FASHION_MNIST_CLASSES.map((c) => el('th', {}, c.slice(0, 7))));
    table.append(el('caption', {}, `${RUN_LABEL[run]}: accuracy ${r.accuracy.toFixed(4)} on ${r.count} test images`), head);
    r.matrix.forEach((rowCounts, t) => {
      const row = el('tr');
      row.append(el('th', {}, `${FASHION_MNIST_CLASSES[t]} ${(100 * r.perClassAccuracy[t]!).toFixed(0)}%`));
      const total = rowCounts.reduce((a, b) => a + b, 0) || 1;
      rowCounts.forEach((n, p) => {
        const f = n / total;
        const cell = el('td', { 'data-testid': `confusion-${run}-${t}-${p}`, title: `${n} ${FASHION_MNIST_CLASSES[t]} predicted as ${FASHION_MNIST_CLASSES[p]}`, style: `background: rgba(${t === p ? '31,95,191' : '200,40,40'},${Math.min(1, f * (t === p ? 1 : 4)).toFixed(3)})` }, String(n));
        cell.addEventListener('click', () => showCell(run, t, p));
        row.append(cell);
      });
      table.append(row);
    });
    const gap = el('p', {}, `Largest gap: ${r.gap.best} ${(100 * r.gap.bestAccuracy).toFixed(1)} % vs ${r.gap.worst} ${(100 * r.gap.worstAccuracy).toFixed(1)} %; most frequent confusion: ${r.topConfusion.trueClass} → ${r.topConfusion.predictedClass} (${r.topConfusion.count}).`);
    box.replaceChildren(table, gap);
  } catch (e) { failed(box, e); }
}

function showCell(run: RunName, t: number, p: number): void {
  const c = confusions.get(run)!;
  const idx: number[] = [];
  for (let i = 0; i < c.predictions.length; i++) if (testLabels[i] === t && c.predictions[i] === p) idx.push(i);
  const box = $('cell-images');
  box.replaceChildren(el('p', {}, `${RUN_LABEL[run]}: ${idx.length} test images of ${FASHION_MNIST_CLASSES[t]} predicted as ${FASHION_MNIST_CLASSES[p]}${idx.length > 60 ? ' (first 60)' : ''}`));
  for (const i of idx.slice(0, 60)) {
    const cv = grayCanvas(testImage(i));
    cv.title = `test image ${i}`;
    box.append(cv);
  }
}

function showProbabilities(target: HTMLElement, probs: Probabilities, prefix: string): void {
  target.replaceChildren(...RUNS.filter((r) => probs[r]).map((r) => probabilityList(RUN_LABEL[r], probs[r]!, `${prefix}-${r}`)));
}

const showRotation = latestOnly(async ({ index, angle }: { index: number; angle: number }) => {
  const box = $('rot-probs');
  if (!needs(box, available.has('cnn') ? 'cnn' : 'fnn')) return;
  try {
    const r = await client.request('rotate', { index, angle });
    paint($<HTMLCanvasElement>('rot-image'), grayRgba(r.image), 28, 28);
    showProbabilities(box, r.probabilities, 'rotation-top');
    box.prepend(el('p', {}, `test image ${index} (${FASHION_MNIST_CLASSES[testLabels[index]!]}) turned ${angle}°`));
    box.dataset.angle = String(angle);
  } catch (e) { failed(box, e); }
});
const rotationArgs = () => ({ index: clampIndex('rot-index', testUsed - 1), angle: Number($<HTMLInputElement>('rot-angle').value) });
$('rot-angle').addEventListener('input', () => {
  $('rot-angle-label').textContent = `${$<HTMLInputElement>('rot-angle').value}°`;
  showRotation(rotationArgs());
});
$('rot-index').addEventListener('input', () => showRotation(rotationArgs()));

let rotationChart: uPlot | null = null;
let fgsmChart: uPlot | null = null;
function sweepChart(target: string, title: string, xLabel: string, xs: number[], series: { name: string; accuracy: number[] }[]): uPlot {
  $(target).replaceChildren();
  const chart = makeChart(target, title, xLabel, series.map((s) => ({ label: RUN_LABEL[s.name as RunName] ?? s.name, stroke: RUN_COLOR[s.name as RunName] ?? '#666' })), [0, 1]);
  chart.setData([xs, ...series.map((s) => s.accuracy)] as uPlot.AlignedData);
  $(target).dataset.done = '1';
  return chart;
}
$('rot-sweep').addEventListener('click', async () => {
  const box = $('chart-rotation');
  if (!needs(box, available.has('cnn') ? 'cnn' : 'fnn')) return;
  box.textContent = 'Rotating 1000 test images 13 times…';
  try {
    const r = await client.request('rotationSweep', {});
    rotationChart?.destroy();
    rotationChart = sweepChart('chart-rotation', `Accuracy vs rotation (${r.count} test images)`, 'degrees', r.angles, r.series);
  } catch (e) { failed(box, e); }
});

// ---------------------------------------------------------------- FGSM
const showFgsm = latestOnly(async ({ index, epsilon, run }: { index: number; epsilon: number; run: RunName }) => {
  const box = $('fgsm-probs');
  if (!needs(box, run)) return;
  try {
    const r = await client.request('fgsm', { index, epsilon, run });
    paint($<HTMLCanvasElement>('fgsm-original'), grayRgba(r.original), 28, 28);
    paint($<HTMLCanvasElement>('fgsm-sign'), divergingRgba(r.sign, 1), 28, 28);
    paint($<HTMLCanvasElement>('fgsm-adversarial'), grayRgba(r.adversarial), 28, 28);
    box.replaceChildren(
      el('p', {}, `${RUN_LABEL[run]} on test image ${index} (${FASHION_MNIST_CLASSES[testLabels[index]!]}), ε = ${epsilon}`),
      probabilityList('original', r.clean, 'fgsm-top-clean'),
      probabilityList('adversarial', r.attacked, 'fgsm-top-adversarial'),
    );
    const label = testLabels[index]!;
    box.dataset.trueClean = String(r.clean[label]);
    box.dataset.trueAdversarial = String(r.attacked[label]);
    box.dataset.epsilon = String(epsilon);
  } catch (e) { failed(box, e); }
});
const fgsmArgs = () => ({ index: clampIndex('fgsm-index', testUsed - 1), epsilon: Number($<HTMLInputElement>('fgsm-eps').value), run: $<HTMLSelectElement>('fgsm-run').value as RunName });
for (const id of ['fgsm-eps', 'fgsm-index', 'fgsm-run']) {
  $(id).addEventListener('input', () => {
    $('fgsm-eps-label').textContent = $<HTMLInputElement>('fgsm-eps').value;
    showFgsm(fgsmArgs());
  });
}
$('fgsm-sweep').addEventListener('click', async () => {
  const box = $('chart-fgsm');
  if (!needs(box, available.has('cnn') ? 'cnn' : 'fnn')) return;
  box.textContent = 'Attacking 1000 test images at 6 values of ε…';
  try {
    const r = await client.request('fgsmSweep', {});
    fgsmChart?.destroy();
    fgsmChart = sweepChart('chart-fgsm', `Accuracy vs ε (${r.count} test images, each model attacked with its own gradients)`, 'ε', r.epsilons, r.series);
  } catch (e) { failed(box, e); }
});

// ---------------------------------------------------------------- your own input
const draw = $<HTMLCanvasElement>('draw');
const pen = draw.getContext('2d', { willReadFrequently: true })!;
function clearDrawing(): void {
  pen.fillStyle = '#000';
  pen.fillRect(0, 0, draw.width, draw.height);
}
clearDrawing();
const predictDrawing = latestOnly(async () => {
  const small = downsampleTo28(pen.getImageData(0, 0, draw.width, draw.height).data, draw.width, draw.height);
  paint($<HTMLCanvasElement>('draw-small'), grayRgba(small), 28, 28);
  const box = $('draw-probs');
  if (!needs(box, available.has('cnn') ? 'cnn' : 'fnn')) return;
  try {
    showProbabilities(box, await client.request('predict', { image: small }), 'draw-top');
  } catch (e) { failed(box, e); }
});
let drawing = false;
let last: { x: number; y: number } | null = null;
draw.addEventListener('pointerdown', (e) => { drawing = true; last = null; draw.setPointerCapture(e.pointerId); stroke(e); });
draw.addEventListener('pointermove', (e) => { if (drawing) stroke(e); });
draw.addEventListener('pointerup', () => { drawing = false; predictDrawing(undefined); });
function stroke(e: PointerEvent): void {
  const r = draw.getBoundingClientRect();
  const p = { x: ((e.clientX - r.left) * draw.width) / r.width, y: ((e.clientY - r.top) * draw.height) / r.height };
  pen.strokeStyle = '#fff';
  pen.lineWidth = 22;
  pen.lineCap = 'round';
  pen.beginPath();
  pen.moveTo((last ?? p).x, (last ?? p).y);
  pen.lineTo(p.x, p.y);
  pen.stroke();
  last = p;
  predictDrawing(undefined);
}
$('draw-clear').addEventListener('click', () => { clearDrawing(); predictDrawing(undefined); });
draw.addEventListener('dragover', (e) => e.preventDefault());
draw.addEventListener('drop', async (e) => {
  e.preventDefault();
  const file = e.dataTransfer?.files[0];
  $('draw-error').textContent = '';
  if (!file) return;
  try {
    const bitmap = await createImageBitmap(file).catch(() => { throw new Error(`${file.name} is not an image this browser can decode (drop a PNG)`); });
    clearDrawing();
    pen.drawImage(bitmap, 0, 0, draw.width, draw.height);
    predictDrawing(undefined);
  } catch (err) {
    $('draw-error').textContent = (err as Error).message;
  }
});

// ---------------------------------------------------------------- the lecture's small examples
const showConv1d = latestOnly(async () => {
  const box = $('c1d');
  try {
    const signal = numberList($<HTMLInputElement>('c1d-signal').value, 'signal');
    const filter = numberList($<HTMLInputElement>('c1d-filter').value, 'filter');
    const r = await client.request('conv1d', { signal, filter });
    const table = el('table');
    const rows: [string, number[]][] = [
      ['signal x', r.signal], ['filter w', r.filter], ['z = w ∗ x (no padding)', r.valid.conv], ['ReLU(z)', r.valid.relu],
      ['z with one zero of padding each side', r.padded.conv], ['ReLU(z), padded', r.padded.relu],
    ];
    for (const [name, values] of rows) {
      const tr = el('tr');
      tr.append(el('th', {}, name), ...values.map((v) => el('td', {}, String(v))));
      table.append(tr);
    }
    box.replaceChildren(table);
  } catch (e) { failed(box, e); }
});
for (const id of ['c1d-signal', 'c1d-filter']) $(id).addEventListener('input', () => showConv1d(undefined));

const showClassic = latestOnly(async () => {
  const box = $('classic');
  try {
    const raw = $<HTMLInputElement>('classic-kernel').value;
    const kernel = numberList(raw, 'your kernel');
    if (kernel.length !== 9) throw new Error(`your kernel: needs 9 numbers (3×3, row by row), got ${kernel.length}`);
    const index = clampIndex('classic-index', testLabels.length - 1);
    const r = await client.request('classic', { index, kernel });
    const tiles = [figure(grayCanvas(r.original), `test image ${index}`)];
    r.result.filters.forEach((f, k) => tiles.push(figure(f.name === 'sharpen' ? grayCanvas(r.outputs[k]!) : divergingCanvas(r.outputs[k]!, 28, 28), f.name)));
    if (r.custom) {
      const { min, max } = range(r.custom);
      tiles.push(figure(min < 0 ? divergingCanvas(r.custom, 28, 28) : grayCanvas(r.custom, 28, 28, { min: 0, max: Math.max(1, max) }), 'your kernel'));
    }
    box.replaceChildren(...tiles);
  } catch (e) { failed(box, e); }
});
for (const id of ['classic-kernel', 'classic-index']) $(id).addEventListener('input', () => showClassic(undefined));

async function showParameters(): Promise<void> {
  const box = $('params');
  try {
    const r = await client.request('parameters', {});
    const table = el('table');
    const head = el('tr');
    head.append(el('th', {}, 'module'), el('th', {}, 'formula'), el('th', {}, 'lecture'), el('th', {}, 'counted'));
    table.append(head);
    for (const l of r.lecture) {
      const tr = el('tr');
      tr.append(el('td', {}, l.module), el('td', {}, l.formula), el('td', {}, l.expected.toLocaleString('en-US')), el('td', {}, l.parameters.toLocaleString('en-US')));
      table.append(tr);
    }
    for (const m of r.models) {
      const tr = el('tr');
      tr.append(el('td', {}, m.name.toUpperCase()), el('td', {}, m.tensors.map((t) => `${t.name} [${t.shape.join('×')}]`).join(' + ')), el('td', {}, ''), el('td', {}, m.parameters.toLocaleString('en-US')));
      table.append(tr);
    }
    box.replaceChildren(table, el('p', { class: 'note' }, 'A convolution\'s parameters do not depend on the image size; a fully connected layer\'s grow with it.'));
  } catch (e) { failed(box, e); }
}

// ---------------------------------------------------------------- weights in and out
for (const run of ['cnn', 'fnn'] as const) {
  for (const [id, op, file] of [[`download-${run}`, 'exportWeights', `${run}.safetensors`], [`download-onnx-${run}`, 'exportOnnx', `${run}.onnx`]] as const) {
    $(id).addEventListener('click', async () => {
      try {
        const bytes = await client.request(op, { run });
        const a = el('a', { href: URL.createObjectURL(new Blob([bytes as Uint8Array<ArrayBuffer>], { type: 'application/octet-stream' })), download: file });
        document.body.append(a);
        a.click();
        a.remove();
        weightsMessage(`Downloaded ${file} (${bytes.length.toLocaleString('en-US')} bytes).`);
      } catch (e) { weightsMessage((e as Error).message, true); }
    });
  }
}
function weightsMessage(text: string, error = false): void {
  const p = $('weights-message');
  p.textContent = text;
  p.className = error ? 'error' : '';
}
async function loadWeightsFile(file: File): Promise<void> {
  if (state === 'training' || state === 'loading') return weightsMessage(`${file.name}: wait until ${state === 'loading' ? 'the data is loaded' : 'training finishes'} to load weights.`, true);
  try {
    const bytes = new Uint8Array(await file.arrayBuffer());
    const r = await client.request('importWeights', { bytes, fileName: file.name }, [bytes.buffer]);
    runDone({ run: r.run, kind: r.kind, testAccuracy: r.testAccuracy, parameters: r.parameters, seconds: 0, imagesPerSecond: NaN, epochs: 0, stopped: false }, `loaded from ${file.name}`);
    weightsMessage(`Loaded ${file.name}: the ${r.run.toUpperCase()}, test accuracy ${r.testAccuracy.toFixed(4)} on ${testUsed} test images.`);
    setState(state);
    refreshAll();
  } catch (e) {
    weightsMessage(`Could not load ${file.name}: ${(e as Error).message}`, true);
  }
}
$<HTMLInputElement>('upload').addEventListener('change', (e) => {
  const f = (e.target as HTMLInputElement).files?.[0];
  if (f) void loadWeightsFile(f);
  (e.target as HTMLInputElement).value = '';
});
const drop = $('drop');
drop.addEventListener('dragover', (e) => { e.preventDefault(); drop.classList.add('over'); });
drop.addEventListener('dragleave', () => drop.classList.remove('over'));
drop.addEventListener('drop', (e) => {
  e.preventDefault();
  drop.classList.remove('over');
  const f = e.dataTransfer?.files[0];
  if (f) void loadWeightsFile(f);
});

// ---------------------------------------------------------------- refresh
function refreshStatic(): void {
  showConv1d(undefined);
  showClassic(undefined);
  void showParameters();
}
function refreshAll(): void {
  refreshStatic();
  if (available.has('cnn')) void client.request('filters', {}).then(drawFilters, () => {});
  void showConfusion('cnn');
  void showConfusion('fnn');
  showPatches(clampIndex('patch-unit', 15));
  showFeatureMaps(clampIndex('fmap-index', testLabels.length - 1));
  showRotation(rotationArgs());
  showFgsm(fgsmArgs());
  predictDrawing(undefined);
}
