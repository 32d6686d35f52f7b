/**
 * The speed issue's bars, each a pass/miss from figures of one run: tapegrad against PyTorch run
 * by the bench itself (pytorch.ts). A bar with a figure missing (PyTorch not run, a suite left
 * out) has pass null and is shown as "not run", never as a pass.
 */
import type { E2eResult } from './e2e.js';
import type { ResnetResult } from './resnet.js';

export interface Bar {
  name: string;
  /** What "ratio" means and the limit: ours ÷ theirs ≤ limit for times, ≥ limit for rates. */
  kind: 'time' | 'rate';
  limit: number;
  ours: number | null;
  theirs: number | null;
  /** ours ÷ theirs. */
  ratio: number | null;
  pass: boolean | null;
  /** Units and which runs, e.g. "s/epoch, tapegrad 2 thr vs PyTorch 2 thr". */
  detail: string;
}

export function makeBar(name: string, kind: Bar['kind'], limit: number, ours: number | null | undefined, theirs: number | null | undefined, detail: string): Bar {
  const ok = ours != null && theirs != null && Number.isFinite(ours) && Number.isFinite(theirs) && theirs > 0;
  const ratio = ok ? ours / theirs : null;
  const pass = ratio === null ? null : kind === 'time' ? ratio <= limit : ratio >= limit;
  return { name, kind, limit, ours: ok ? ours : null, theirs: ok ? theirs : null, ratio, pass, detail };
}

/** tapegrad's run on the most threads (all cores), or undefined. */
function allCores(runs: E2eResult[], model: string): E2eResult | undefined {
  return runs.filter((r) => r.model === model && r.epochSeconds !== null).sort((a, b) => b.threads - a.threads)[0];
}

/** The case-study bars from the e2e suite (tapegrad) and the pytorch suite's runs. */
export function caseStudyBars(ours: E2eResult[], pytorch: E2eResult[]): Bar[] {
  const pt = (model: string, threads: number): E2eResult | undefined => pytorch.find((r) => r.model === model && r.threads === threads && !r.error);
  const one = (model: string): E2eResult | undefined => ours.find((r) => r.model === model && r.threads === 1);
  const cnnAll = allCores(ours, 'cnn');
  const fnnAll = allCores(ours, 'fnn');
  return [
    makeBar('CNN epoch, all cores', 'time', 0.6, cnnAll?.epochSeconds, pt('cnn', 2)?.epochSeconds, `s/epoch, tapegrad ${cnnAll?.threads ?? '?'} thr vs PyTorch 2 thr`),
    makeBar('CNN epoch, 1 thread', 'time', 0.75, one('cnn')?.epochSeconds, pt('cnn', 1)?.epochSeconds, 's/epoch, 1 thr vs 1 thr'),
    makeBar('FNN epoch, all cores', 'time', 1, fnnAll?.epochSeconds, pt('fnn', 1)?.epochSeconds, `s/epoch, tapegrad ${fnnAll?.threads ?? '?'} thr vs PyTorch 1 thr`),
    makeBar('FNN inference', 'rate', 1, one('fnn')?.inferenceImagesPerSecond, pt('fnn', 1)?.inferenceImagesPerSecond, 'images/s, 1 thr vs 1 thr'),
    makeBar('CNN inference', 'rate', 1.5, one('cnn')?.inferenceImagesPerSecond, pt('cnn', 1)?.inferenceImagesPerSecond, 'images/s, 1 thr vs 1 thr'),
  ];
}

/** The second-network bar: the resnet suite's median train step on all cores against PyTorch's on 2 threads. */
export function resnetBars(r: ResnetResult): Bar[] {
  const ours = r.tapegrad.filter((t) => t.msPerStep !== null).sort((a, b) => b.threads - a.threads)[0];
  const theirs = r.pytorch.runs.find((t) => t.threads === 2 && t.msPerStep !== null);
  return [makeBar('ResNet train step, all cores', 'time', 1, ours?.msPerStep, theirs?.msPerStep, `ms/step (median), tapegrad ${ours?.threads ?? '?'} thr vs PyTorch 2 thr`)];
}
