// The training worker: the WASM backend (with its own kernel workers over a shared memory when the
// page is cross-origin isolated), the data, the models, training and every analysis. The page's
// main thread only draws, so it never stalls while an epoch runs.
import { setBackend } from '@tapegrad/autograd';
import { createWasmBackend } from '@tapegrad/kernels-wasm';
import {
  applyFilter, type Callback, EarlyStopping, evaluate, fit, type Module, rotate, toOnnx, TrainingError,
} from '@tapegrad/nn';
import {
  buildModel, classicFilters, confusionAnalysis, conv1dExample, type FashionCnn, featureMaps, fgsmImages, fgsmSweep, firstLayerFilters, gradientSign,
  IMAGE_SHAPE, modelFromSafetensors, modelToSafetensors, parameterCounts, predict, rotationSweep, setupTraining, softmaxRow, topActivatingPatches,
} from '@tapegrad/lecture';
import { decodeDataFile, type RawSplit, toImages } from './data.js';
import { etaSeconds, throttle } from './format.js';
import {
  CONTROL, type FromWorker, type Probabilities, type Request, type Requests, RUN_KIND, type RunDone, type RunName, type RunSpec, type ToWorker,
} from './protocol.js';

interface WorkerScope {
  postMessage(message: FromWorker, transfer?: Transferable[]): void;
  onmessage: ((e: MessageEvent<ToWorker>) => void) | null;
  crossOriginIsolated?: boolean;
}
const scope = self as unknown as WorkerScope;
const post = (m: FromWorker, transfer: Transferable[] = []) => scope.postMessage(m, transfer);

/** Test images the sweeps (rotation, FGSM, top patches) use: the first ones of the test set. */
const SWEEP_IMAGES = 1000;
const PROGRESS_MS = 100;
const FILTERS_MS = 400;

class StopTraining extends Error {}

let raw: { train: RawSplit; test: RawSplit } | null = null;
let control: Int32Array | null = null;
let test: { images: Float32Array; labels: Int32Array; count: number } | null = null;
const models = new Map<RunName, Module>();

function testSet(): { images: Float32Array; labels: Int32Array; count: number } {
  test ??= toImages(raw!.test);
  return test;
}

function model(run: RunName): Module {
  const m = models.get(run);
  if (!m) throw new Error(`no ${run.toUpperCase()} yet: train it or load its weights first`);
  return m;
}

function probabilities(m: Module, image: Float32Array): number[] {
  return softmaxRow(predict(m, image, new Int32Array(1)).logits);
}

function allProbabilities(image: Float32Array): Probabilities {
  const out: Probabilities = {};
  for (const [run, m] of models) out[run] = probabilities(m, image);
  return out;
}

function imageAt(index: number): Float32Array {
  const t = testSet();
  if (!(Number.isInteger(index) && index >= 0 && index < t.count)) throw new RangeError(`test image ${index} does not exist (0..${t.count - 1})`);
  return t.images.slice(index * 784, (index + 1) * 784);
}

function sweepSet(): { images: Float32Array; labels: Int32Array } {
  const t = testSet();
  const n = Math.min(SWEEP_IMAGES, t.count);
  return { images: t.images.subarray(0, n * 784), labels: t.labels.subarray(0, n) };
}

function named(runs: RunName[]): { name: string; model: Module }[] {
  return runs.filter((r) => models.has(r)).map((r) => ({ name: r, model: models.get(r)! }));
}

async function init(msg: Extract<ToWorker, { type: 'init' }>): Promise<void> {
  const warnings: string[] = [];
  const warn = console.warn;
  console.warn = (...args: unknown[]) => { warnings.push(args.join(' ')); warn(...args); };
  let backend;
  try {
    backend = await createWasmBackend({ threads: msg.threads });
  } finally {
    console.warn = warn;
  }
  setBackend(backend);
  control = msg.control ? new Int32Array(msg.control) : null;
  const response = await fetch(msg.dataUrl);
  if (!response.ok) throw new Error(`${msg.dataUrl}: HTTP ${response.status}; build the data with npm run playground (it reads /usr/share/datasets/fashion-mnist or --data-dir)`);
  raw = decodeDataFile(new Uint8Array(await response.arrayBuffer()), msg.dataUrl);
  post({
    type: 'ready', threads: backend.threads, build: backend.build, isolated: scope.crossOriginIsolated === true, warnings, trainCount: raw.train.count,
    testPixels: raw.test.pixels.slice(), testLabels: raw.test.labels.slice(),
  });
}

function train(runs: RunSpec[], trainLimit: number, testLimit: number): void {
  const trainSet = toImages(raw!.train, trainLimit);
  test = toImages(raw!.test, testLimit);
  const t = test;
  let stopped = false;
  try {
    runs.forEach((spec, runIndex) => {
      if (stopped) return;
      const kind = RUN_KIND[spec.name];
      models.get(spec.name)?.dispose();
      models.delete(spec.name);
      const s = spec.settings;
      const { model: m, optimizer, scheduler, loader, validation, lossFn } = setupTraining(kind, s, trainSet);
      models.set(spec.name, m);
      const gate = throttle(PROGRESS_MS);
      const filterGate = throttle(FILTERS_MS);
      let epochStart = 0;
      let pausedInEpoch = 0;
      let runStart = performance.now();
      let pausedInRun = 0;
      let loss = 0;
      let correct = 0;
      let seen = 0;
      let lastRate = NaN;
      let trainSeconds = 0;
      const progress: Callback = {
        onEpochBegin() {
          epochStart = performance.now();
          pausedInEpoch = 0;
          loss = correct = seen = 0;
        },
        onBatchEnd(b) {
          loss += b.loss * b.size;
          correct += b.accuracy * b.size;
          seen += b.size;
          const last = b.batch === b.batches - 1;
          if (control) {
            let c = Atomics.load(control, 0);
            if (c === CONTROL.pause) {
              const p0 = performance.now();
              while ((c = Atomics.load(control, 0)) === CONTROL.pause) Atomics.wait(control, 0, CONTROL.pause, 1000);
              pausedInEpoch += performance.now() - p0;
              pausedInRun += performance.now() - p0;
            }
            if (c === CONTROL.stop) throw new StopTraining('stopped');
          }
          if (gate(last)) {
            const now = performance.now();
            const rate = seen / ((now - epochStart - pausedInEpoch) / 1000);
            post({
              type: 'progress',
              progress: {
                run: spec.name, runIndex, runCount: runs.length, epoch: b.epoch, epochs: s.epochs, batch: b.batch, batches: b.batches,
                loss: loss / seen, accuracy: correct / seen, images: seen, imagesPerSecond: rate,
                etaSeconds: etaSeconds({ epoch: b.epoch, epochs: s.epochs, batch: b.batch, batches: b.batches, elapsed: (now - runStart - pausedInRun) / 1000 }),
              },
            });
          }
          if (kind === 'cnn' && spec.name === 'cnn' && filterGate(last)) post({ type: 'filters', filters: firstLayerFilters(m as FashionCnn) });
        },
        onEpochEnd(logs) {
          const r = evaluate(m, t.images, t.labels, IMAGE_SHAPE);
          trainSeconds += logs.seconds - pausedInEpoch / 1000;
          lastRate = seen / (logs.seconds - pausedInEpoch / 1000);
          post({
            type: 'epoch', run: spec.name,
            point: { epoch: logs.epoch, trainLoss: logs.trainLoss, trainAccuracy: logs.trainAccuracy, testLoss: r.loss, testAccuracy: r.accuracy, seconds: logs.seconds, imagesPerSecond: lastRate },
          });
        },
      };
      const callbacks: Callback[] = [progress];
      if (s.earlyStopping > 0) callbacks.push(new EarlyStopping({ monitor: 'valAccuracy', patience: s.earlyStopping, restoreBestWeights: true }));
      runStart = performance.now();
      let history: { length: number } | undefined;
      try {
        history = fit(m, optimizer, { trainLoader: loader, epochs: s.epochs, validation, callbacks, scheduler, lossFn });
      } catch (e) {
        if (!(e instanceof StopTraining)) throw e;
        stopped = true;
        trainSeconds += (performance.now() - epochStart - pausedInEpoch) / 1000;
      } finally {
        optimizer.dispose();
      }
      const final = evaluate(m, t.images, t.labels, IMAGE_SHAPE);
      const done: RunDone = {
        run: spec.name, kind, testAccuracy: final.accuracy, parameters: m.parameterCount(),
        seconds: trainSeconds, imagesPerSecond: lastRate, epochs: history?.length ?? 0, stopped,
      };
      if (kind === 'cnn' && spec.name === 'cnn') post({ type: 'filters', filters: firstLayerFilters(m as FashionCnn) });
      post({ type: 'run-done', done });
    });
    post({ type: 'train-done', stopped });
  } catch (e) {
    const message = e instanceof TrainingError ? e.message : `training failed: ${(e as Error).message}`;
    post({ type: 'train-done', stopped: true, error: message });
  } finally {
    if (control) Atomics.store(control, 0, CONTROL.run);
  }
}

type Handlers = { [K in keyof Requests]: (args: Requests[K]['args']) => Requests[K]['result'] };

const handlers: Handlers = {
  confusion: ({ run }) => {
    const t = testSet();
    const m = model(run);
    const result = confusionAnalysis(m, t.images, t.labels);
    return { result, predictions: predict(m, t.images, t.labels).predictions };
  },
  filters: () => firstLayerFilters(model('cnn') as FashionCnn),
  topPatches: ({ unit }) => {
    const s = sweepSet();
    return topActivatingPatches(model('cnn') as FashionCnn, s.images, s.labels, { units: [unit], top: 8 });
  },
  featureMaps: ({ index }) => featureMaps(model('cnn') as FashionCnn, imageAt(index)),
  rotate: ({ index, angle }) => {
    const image = rotate(imageAt(index), IMAGE_SHAPE, angle);
    return { image, probabilities: allProbabilities(image) };
  },
  rotationSweep: () => {
    const s = sweepSet();
    const runs = named(['cnn', 'fnn', 'cnn-rot']);
    if (runs.length === 0) throw new Error('no model yet: train one or load weights first');
    return rotationSweep(runs, s.images, s.labels);
  },
  fgsm: ({ index, epsilon, run }) => {
    if (!(epsilon >= 0 && epsilon <= 1)) throw new RangeError(`ε must be in [0, 1], got ${epsilon}`);
    const m = model(run);
    const original = imageAt(index);
    const label = Int32Array.of(testSet().labels[index]!);
    const sign = gradientSign(m, original, label);
    const adversarial = fgsmImages(original, sign, epsilon);
    return { original, sign, adversarial, clean: probabilities(m, original), attacked: probabilities(m, adversarial) };
  },
  fgsmSweep: () => {
    const s = sweepSet();
    const runs = named(['cnn', 'fnn']);
    if (runs.length === 0) throw new Error('no model yet: train one or load weights first');
    const { epsilons, count, series } = fgsmSweep(runs, s.images, s.labels);
    return { epsilons, count, series };
  },
  predict: ({ image }) => {
    if (image.length !== 784) throw new RangeError(`expected a 28x28 image, got ${image.length} values`);
    return allProbabilities(image);
  },
  classic: ({ index, kernel }) => {
    const t = testSet();
    const c = classicFilters(t.images, t.labels, index);
    return { ...c, custom: kernel ? applyFilter(c.original, 28, 28, kernel) : null };
  },
  conv1d: ({ signal, filter }) => {
    if (signal.length < filter.length) throw new RangeError(`the signal (${signal.length} values) must be at least as long as the filter (${filter.length})`);
    return conv1dExample(signal, filter);
  },
  parameters: () => {
    const fresh: Module[] = [];
    const get = (run: RunName) => models.get(run) ?? (fresh[fresh.length] = buildModel(RUN_KIND[run]));
    const r = parameterCounts([{ name: 'cnn', model: get('cnn') }, { name: 'fnn', model: get('fnn') }]);
    fresh.forEach((m) => m.dispose());
    return r;
  },
  exportWeights: ({ run }) => modelToSafetensors(model(run), RUN_KIND[run], { source: 'tapegrad playground', run }),
  // The graph name as `fashion export` writes it.
  exportOnnx: ({ run }) => toOnnx(model(run), { inputShape: [1, ...IMAGE_SHAPE], graphName: `fashion-${RUN_KIND[run]}` }),
  importWeights: ({ bytes, fileName }) => {
    const { kind, model: m } = modelFromSafetensors(bytes, fileName);
    const t = testSet();
    const testAccuracy = evaluate(m, t.images, t.labels, IMAGE_SHAPE).accuracy;
    models.get(kind)?.dispose();
    models.set(kind, m);
    return { run: kind, kind, testAccuracy, parameters: m.parameterCount() };
  },
};

function answer(id: number, request: Request): void {
  try {
    if (!raw) throw new Error('the data is not loaded yet');
    const result = (handlers[request.op] as (a: unknown) => unknown)(request.args);
    const transfer: Transferable[] = result instanceof Uint8Array ? [result.buffer] : [];
    post({ type: 'response', id, result }, transfer);
  } catch (e) {
    post({ type: 'response', id, error: (e as Error).message });
  }
}

scope.onmessage = (e) => {
  const msg = e.data;
  if (msg.type === 'init') init(msg).catch((err: Error) => post({ type: 'fatal', message: err.message }));
  else if (msg.type === 'train') train(msg.runs, msg.trainLimit, msg.testLimit);
  else if (msg.type === 'request') answer(msg.id, msg.request);
};

