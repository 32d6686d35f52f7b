/**
 * A duration in seconds as people read it: "12.3 s" under a minute, "4 min 5 s" from one minute
 * on; "—" when it is missing or not finite.
 * NOTE: from a minute on, the seconds are rounded before splitting, so 119.6 s is "2 min 0 s",
 * never "1 min 60 s".
 * @example formatDuration(245.2) // '4 min 5 s'
 */
export function formatDuration(seconds: number | null | undefined): string {
  if (typeof seconds !== 'number' || !Number.isFinite(seconds)) return '—';
  if (seconds < 60) return `${seconds.toFixed(1)} s`;
  const whole = Math.round(seconds);
  return `${Math.floor(whole / 60)} min ${whole % 60} s`;
}
