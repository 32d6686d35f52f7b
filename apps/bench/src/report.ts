/** The terminal tables of a run; every figure is also in the JSON file. */
import { type Bar, caseStudyBars, resnetBars } from './bars.js';
import type { E2eResult } from './e2e.js';
import type { KernelResult } from './kernels.js';
import type { PeakResult } from './peak.js';
import { type PytorchResult, describeConfig } from './pytorch.js';
import { resnetTable } from './resnet.js';
import { roundCount } from './rounds.js';
import type { SuiteResults } from './suites.js';
import { CONV_LAYERS, convFlops } from './shapes.js';
import { fmt, ratio, renderTable } from '@tapegrad/term';

export function peakTable(peaks: PeakResult[]): string {
  const rows = peaks.map((p) => [`f32x4 ${p.variant} (this run)`, p.gflops === null ? `— (${p.note ?? 'n/a'})` : fmt(p.gflops, 1), fmt(p.meanGflops, 1)]);
  return renderTable('Register-only peak, one core (GFLOP/s; 8 flops per mul+add pair of f32x4)', ['loop', 'best sample', 'mean'], rows);
}

export function kernelTable(results: KernelResult[]): string {
  const names = [...new Set(results.map((r) => r.name))];
  const get = (name: string, backend: string): KernelResult | undefined => results.find((r) => r.name === name && r.backend === backend);
  const rows = names.map((name) => {
    const w = get(name, 'wasm');
    const r = results.find((x) => x.name === name && x.backend !== 'wasm');
    return [
      name,
      fmt(w?.ms, 3), fmt(w?.gflops, 1), w?.peakFraction == null ? '—' : `${(100 * w.peakFraction).toFixed(0)}%`,
      fmt(r?.ms, 2), fmt(r?.gflops, 2),
      ratio(r?.ms, w?.ms),
    ];
  });
  return renderTable(
    'Kernels, one thread (ms per call and GFLOP/s = 2·M·N·K / t from the mean; "peak": the fastest sample\'s GFLOP/s ÷ the fastest sample\n' +
      'of the peak above for the multiply-add the wasm build uses, relaxed_madd in the relaxed builds, mul+add in the plain ones;\n' +
      'ref = pure-TS reference backend, few samples).\n' +
      'Conv GFLOP/s count the direct convolution (2·N·O·OH·OW·C·KH·KW); 3×3 convs with C >= 8 run Winograd F(2×2, 3×3), whose GEMMs do\n' +
      '2.25× fewer multiply-adds, so their rate is an effective one and can pass the peak; the (im2col) rows are the same convs without it.',
    ['kernel', 'wasm ms', 'GFLOP/s', 'peak', 'ref ms', 'ref GFLOP/s', 'wasm speed-up'],
    rows,
  );
}

/**
 * Each case-study conv layer's passes added up, per backend (wasm, wasm im2col, ref): the conv
 * part of a training step. conv1's input needs no gradient, so its total leaves backward-input out.
 */
export function convTotalsTable(results: KernelResult[]): string {
  const rows: string[][] = [];
  for (const { name, g } of CONV_LAYERS) {
    const needsDx = g.c > 1; // conv1 reads the images, whose gradient nobody asks for
    const passes = needsDx ? ['forward', 'backward-input', 'backward-weight'] : ['forward', 'backward-weight'];
    const backends = [...new Set(results.map((r) => r.backend))];
    for (const [backend, suffix] of backends.flatMap((b) => [[b, ''], [b, ' (im2col)']] as const)) {
      const found = passes.map((p) => results.find((r) => r.backend === backend && r.name === `${name} ${p}${suffix}`));
      if (found.some((r) => r === undefined)) continue;
      const ms = found.reduce((t, r) => t + r!.ms, 0);
      rows.push([`${name}${suffix}`, backend, passes.join(' + '), fmt(ms, 3), fmt((passes.length * convFlops(g)) / (ms * 1e6), 1)]);
    }
  }
  return renderTable('Conv layers, the passes of one training step added up (mean ms per call; GFLOP/s of the direct convolution)', ['layer', 'backend', 'passes', 'ms', 'GFLOP/s'], rows);
}

/** Our WASM kernels next to the same kernels of tfjs cpu and tfjs wasm; ratio = ours ÷ peer in time. */
export function kernelPeerTable(ours: KernelResult[], peers: KernelResult[]): string {
  const names = [...new Set([...ours.filter((r) => r.backend === 'wasm'), ...peers].map((r) => r.name))];
  const find = (list: KernelResult[], name: string, backend: string): KernelResult | undefined => list.find((r) => r.name === name && r.backend === backend);
  const cell = (r: KernelResult | undefined): string => (r === undefined ? '—' : r.error !== undefined ? (r.error.startsWith('skipped') ? 'skipped' : 'error') : fmt(r.ms, 3));
  const rows = names.map((name) => {
    const w = find(ours, name, 'wasm');
    const cpu = find(peers, name, 'tfjs-cpu');
    const tw = find(peers, name, 'tfjs-wasm');
    return [name, fmt(w?.ms, 3), cell(cpu), cell(tw), fmt(tw?.gflops, 1), ratio(w?.ms, cpu?.error ? null : cpu?.ms), ratio(w?.ms, tw?.error ? null : tw?.ms)];
  });
  const notes = peers.filter((r) => r.error !== undefined).map((r) => `! ${r.backend} ${r.name}: ${r.error}`);
  return [renderTable(
    'Kernels side by side, ms per call, one thread; ratio = ours ÷ peer in time (below 1: ours faster)',
    ['kernel', 'tapegrad wasm', 'tfjs cpu', 'tfjs wasm', 'tfjs wasm GFLOP/s', 'vs tfjs cpu', 'vs tfjs wasm'],
    rows,
  ), ...notes].join('\n');
}

function epochCell(r: E2eResult | undefined): string {
  if (!r) return 'skipped';
  if (r.epochSeconds === null) return 'error (see below)';
  return `${fmt(r.epochSeconds, 2)}${r.extrapolated ? '*' : ''}`;
}

/** What the tables say about PyTorch when there are no PyTorch figures. */
function pytorchAbsence(pytorch: PytorchResult | undefined): string | null {
  if (pytorch === undefined) return 'PyTorch: not in this run (add the pytorch suite: --only e2e,pytorch)';
  if (!pytorch.ran) return pytorch.note ?? 'PyTorch was not run';
  return null;
}

/**
 * Training and inference of the case-study models: tapegrad against tfjs and PyTorch (run by the
 * bench in this run, never quoted). Ratios are ours ÷ peer: below 1 is faster for times, above 1
 * for images/s.
 */
export function e2eTable(ours: E2eResult[], peers: E2eResult[], pytorch?: PytorchResult): string {
  const peer = (backend: string, model: string): E2eResult | undefined => peers.find((p) => p.backend === backend && p.model === model);
  const pt = (model: string, threads: number): E2eResult | undefined => pytorch?.runs.find((r) => r.model === model && r.threads === threads);
  const lines: string[] = [];
  const rounds = roundCount([...ours, ...(pytorch?.runs ?? [])]);
  const best = rounds > 1 ? `; ours and PyTorch's: the best of ${rounds} alternating rounds` : '';
  const trainRows: string[][] = [];
  const inferRows: string[][] = [];
  for (const model of ['cnn', 'fnn'] as const) {
    const o = ours.find((r) => r.model === model && r.threads === 1);
    const all = ours.find((r) => r.model === model && r.threads > 1);
    const cpu = peer('cpu', model);
    const wasm = peer('wasm', model);
    const pt1 = pt(model, 1);
    const pt2 = pt(model, 2);
    trainRows.push([
      model, epochCell(o), fmt(o?.msPerStep, 1), all ? `${epochCell(all)} (${all.threads} thr)` : o ? '1 core only' : 'skipped', epochCell(cpu), epochCell(wasm),
      epochCell(pt1), epochCell(pt2),
      ratio(o?.epochSeconds, cpu?.epochSeconds), ratio(o?.epochSeconds, wasm?.epochSeconds),
      ratio(o?.epochSeconds, pt1?.epochSeconds), ratio((all ?? o)?.epochSeconds, pt2?.epochSeconds),
    ]);
    inferRows.push([
      model, fmt(o?.inferenceImagesPerSecond, 0), fmt(cpu?.inferenceImagesPerSecond, 0), fmt(wasm?.inferenceImagesPerSecond, 0), fmt(pt1?.inferenceImagesPerSecond, 0),
      ratio(o?.inferenceImagesPerSecond, cpu?.inferenceImagesPerSecond), ratio(o?.inferenceImagesPerSecond, wasm?.inferenceImagesPerSecond),
      ratio(o?.inferenceImagesPerSecond, pt1?.inferenceImagesPerSecond),
    ]);
  }
  lines.push(renderTable(
    `Training, seconds per 60 000-image epoch (batch 128, Adam)${best}; ratio = ours ÷ peer (below 1: ours faster)`,
    ['model', 'tapegrad 1 thr', 'ms/step', 'all cores', 'tfjs cpu', 'tfjs wasm', 'PyTorch 1 thr', 'PyTorch 2 thr', 'vs tfjs cpu', 'vs tfjs wasm', '1 thr vs PyTorch 1', 'all vs PyTorch 2'],
    trainRows,
  ));
  lines.push('');
  lines.push(renderTable(
    `Inference, test images per second, one thread${best}; ratio = ours ÷ peer (above 1: ours faster)`,
    ['model', 'tapegrad', 'tfjs cpu', 'tfjs wasm', 'PyTorch 1 thr', 'vs tfjs cpu', 'vs tfjs wasm', 'vs PyTorch'],
    inferRows,
  ));
  const absent = pytorchAbsence(pytorch);
  if (absent) lines.push(absent);
  else if (pytorch?.config) lines.push(`PyTorch: ${describeConfig(pytorch.config)}; OPENBLAS_NUM_THREADS=1 for the CNN.`);
  const notes = [...ours, ...peers, ...(pytorch?.runs ?? [])].flatMap((r) => {
    const who = `${r.framework} ${r.backend} ${r.model}${r.framework.startsWith('PyTorch') ? ` ${r.threads} thr` : ''}`;
    const out: string[] = [];
    if (r.extrapolated) out.push(`* ${who}: timed ${r.trainImagesTimed} images, extrapolated to 60 000`);
    if (r.inferenceImagesTimed && r.inferenceImagesTimed < 10_000) out.push(`  ${who}: inference timed on ${r.inferenceImagesTimed} of the 10 000 test images`);
    if (r.error) out.push(`! ${who}: ${r.error}`);
    return out;
  });
  if (notes.length) lines.push(...notes);
  return lines.join('\n');
}

/** The issue's bars as pass / miss; "not run" where a figure is missing. */
export function barsTable(bars: Bar[], rounds = 1): string {
  const rows = bars.map((b) => [
    b.name, `${b.kind === 'time' ? '≤' : '≥'} ${b.limit}×`, b.kind === 'time' ? fmt(b.ours, 2) : fmt(b.ours, 0), b.kind === 'time' ? fmt(b.theirs, 2) : fmt(b.theirs, 0),
    ratio(b.ours, b.theirs), b.pass === null ? 'not run' : b.pass ? 'pass' : 'MISS', b.detail,
  ]);
  const title = `Bars (issue 13): tapegrad ÷ PyTorch in this run${rounds > 1 ? `, each side the best of ${rounds} alternating rounds` : ''}`;
  return renderTable(title, ['bar', 'target', 'tapegrad', 'PyTorch', 'ratio', 'result', 'figures'], rows);
}

/** Every bar the suites that ran can decide. */
export function allBars(results: SuiteResults): Bar[] {
  const bars: Bar[] = [];
  if (results.e2e || results.pytorch) bars.push(...caseStudyBars(results.e2e ?? [], results.pytorch?.runs ?? []));
  if (results.resnet) bars.push(...resnetBars(results.resnet));
  return bars;
}

/** The tables that compare suites, drawn once every suite has run; '' when none applies. */
export function summaryTables(results: SuiteResults): string {
  const parts: string[] = [];
  if (results.peers && results.kernels) parts.push(kernelPeerTable(results.kernels.kernels, results.peers.kernels));
  if (results.e2e || results.peers || results.pytorch) parts.push(e2eTable(results.e2e ?? [], results.peers?.e2e ?? [], results.pytorch));
  if (results.resnet) parts.push(resnetTable(results.resnet));
  const bars = allBars(results);
  const rounds = Math.max(results.resnet?.rounds ?? 1, roundCount(results.e2e ?? []));
  if (bars.length) parts.push(barsTable(bars, rounds));
  return parts.join('\n\n');
}
