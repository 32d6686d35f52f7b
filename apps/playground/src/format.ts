/**
 * Seconds as the progress bar and the results table show them: 0.4 s, 42 s, 3 min 05 s, 1 h 02 min.
 * Below 10 s in tenths, so that a short run (an FNN epoch on a few thousand images) does not read
 * "0 s"; a positive time under 0.05 s is "< 0.1 s".
 */
export function formatDuration(seconds: number): string {
  if (!Number.isFinite(seconds) || seconds < 0) return '–';
  if (seconds === 0) return '0 s';
  if (seconds < 0.05) return '< 0.1 s';
  if (seconds < 9.95) return `${seconds.toFixed(1)} s`;
  const s = Math.round(seconds);
  if (s < 60) return `${s} s`;
  if (s < 3600) return `${Math.floor(s / 60)} min ${String(s % 60).padStart(2, '0')} s`;
  return `${Math.floor(s / 3600)} h ${String(Math.floor((s % 3600) / 60)).padStart(2, '0')} min`;
}

/** Images per second with thousands separators, rounded to 10 below 10 000 and to 100 above. */
export function formatRate(perSecond: number): string {
  if (!Number.isFinite(perSecond) || perSecond <= 0) return '–';
  const step = perSecond >= 10_000 ? 100 : 10;
  return (Math.round(perSecond / step) * step).toLocaleString('en-US');
}

/**
 * Seconds left of a run: the batches not yet done (this epoch's and the later epochs') at the
 * average time per batch so far in this run.
 */
export function etaSeconds(p: { epoch: number; epochs: number; batch: number; batches: number; elapsed: number }): number {
  const done = p.epoch * p.batches + p.batch + 1;
  const total = p.epochs * p.batches;
  if (done <= 0 || p.elapsed <= 0) return NaN;
  return (p.elapsed / done) * (total - done);
}

/**
 * A gate that lets a call through at most once every `ms` milliseconds (the first and, with
 * `force`, the last always pass): the worker posts progress through it.
 */
export function throttle(ms: number, now: () => number = () => performance.now()): (force?: boolean) => boolean {
  let last = -Infinity;
  return (force = false) => {
    const t = now();
    if (!force && t - last < ms) return false;
    last = t;
    return true;
  };
}
