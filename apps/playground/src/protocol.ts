// Messages between the page (main.ts) and the training worker (worker.ts). Training and every
// analysis run in the worker; the page only draws what comes back.
import type {
  ClassicFiltersResult, ConfusionResult, Conv1dExample, FeatureMap, FirstLayerFilters, ModelKind, ParameterCounts, RotationResult, TopPatches, TrainSettings,
} from '@tapegrad/lecture';

/** A training run: `cnn`, `fnn` or `cnn-rot` (the CNN with rotation augmentation). */
export type RunName = 'cnn' | 'fnn' | 'cnn-rot';
export const RUN_KIND: Record<RunName, ModelKind> = { cnn: 'cnn', fnn: 'fnn', 'cnn-rot': 'cnn' };

export interface RunSpec {
  name: RunName;
  settings: TrainSettings;
}

/** Control word (Int32Array over a SharedArrayBuffer, when the page is isolated): the worker reads it between batches. */
export const CONTROL = { run: 0, pause: 1, stop: 2 } as const;

export type ToWorker =
  | { type: 'init'; threads: number; dataUrl: string; control: SharedArrayBuffer | null }
  | { type: 'train'; runs: RunSpec[]; trainLimit: number; testLimit: number }
  | { type: 'request'; id: number; request: Request };

export interface EpochPoint {
  epoch: number;
  trainLoss: number;
  trainAccuracy: number;
  testLoss: number;
  testAccuracy: number;
  seconds: number;
  imagesPerSecond: number;
}

export interface Progress {
  run: RunName;
  runIndex: number;
  runCount: number;
  /** 0-based epoch and batch. */
  epoch: number;
  epochs: number;
  batch: number;
  batches: number;
  /** Running means over this epoch so far. */
  loss: number;
  accuracy: number;
  images: number;
  imagesPerSecond: number;
  etaSeconds: number;
}

export interface RunDone {
  run: RunName;
  kind: ModelKind;
  testAccuracy: number;
  parameters: number;
  /** Time in the training epochs (test evaluation and pauses excluded), as `fashion train`'s trainSeconds. */
  seconds: number;
  /** Training images per second of the last full epoch (as `fashion train` reports it). */
  imagesPerSecond: number;
  epochs: number;
  stopped: boolean;
}

export type FromWorker =
  | { type: 'ready'; threads: number; build: string; isolated: boolean; warnings: string[]; trainCount: number; testPixels: Uint8Array; testLabels: Int32Array }
  | { type: 'progress'; progress: Progress }
  | { type: 'epoch'; run: RunName; point: EpochPoint }
  | { type: 'filters'; filters: FirstLayerFilters }
  | { type: 'run-done'; done: RunDone }
  | { type: 'train-done'; stopped: boolean; error?: string }
  | { type: 'fatal'; message: string }
  | { type: 'response'; id: number; result?: unknown; error?: string };

/** Probabilities of the ten classes from each available model. */
export type Probabilities = Partial<Record<RunName, number[]>>;

/** What the page can ask of the worker, and what comes back. */
export interface Requests {
  confusion: { args: { run: RunName }; result: { result: ConfusionResult; predictions: Int32Array } };
  filters: { args: Record<string, never>; result: FirstLayerFilters };
  topPatches: { args: { unit: number }; result: TopPatches };
  featureMaps: { args: { index: number }; result: FeatureMap[] };
  rotate: { args: { index: number; angle: number }; result: { image: Float32Array; probabilities: Probabilities } };
  rotationSweep: { args: Record<string, never>; result: RotationResult };
  fgsm: { args: { index: number; epsilon: number; run: RunName }; result: { original: Float32Array; sign: Float32Array; adversarial: Float32Array; clean: number[]; attacked: number[] } };
  fgsmSweep: { args: Record<string, never>; result: { epsilons: number[]; count: number; series: { name: string; accuracy: number[] }[] } };
  predict: { args: { image: Float32Array }; result: Probabilities };
  classic: { args: { index: number; kernel: number[] | null }; result: { original: Float32Array; outputs: Float32Array[]; custom: Float32Array | null; result: ClassicFiltersResult } };
  conv1d: { args: { signal: number[]; filter: number[] }; result: Conv1dExample };
  parameters: { args: Record<string, never>; result: ParameterCounts };
  exportWeights: { args: { run: RunName }; result: Uint8Array };
  /** The model as an ONNX file (toOnnx: eval mode, batch dimension dynamic). */
  exportOnnx: { args: { run: RunName }; result: Uint8Array };
  importWeights: { args: { bytes: Uint8Array; fileName: string }; result: { run: RunName; kind: ModelKind; testAccuracy: number; parameters: number } };
}
export type RequestName = keyof Requests;
export type Request = { [K in RequestName]: { op: K; args: Requests[K]['args'] } }[RequestName];
