/** Plain fixed-width tables for the terminal. */
export function renderTable(title: string, header: string[], rows: string[][]): string {
  const widths = header.map((h, i) => Math.max(h.length, ...rows.map((r) => (r[i] ?? '').length)));
  const line = (cells: string[]): string => cells.map((c, i) => (i === 0 ? c.padEnd(widths[i]!) : c.padStart(widths[i]!))).join('  ');
  return [title, line(header), widths.map((w) => '-'.repeat(w)).join('  '), ...rows.map(line)].join('\n');
}

export function fmt(x: number | null | undefined, digits = 2): string {
  if (x === null || x === undefined || !Number.isFinite(x)) return '—';
  return x.toFixed(digits);
}

/** ours ÷ theirs, as "0.42×"; "—" when either is missing. */
export function ratio(ours: number | null | undefined, theirs: number | null | undefined): string {
  if (ours == null || theirs == null || !Number.isFinite(ours) || !Number.isFinite(theirs) || theirs === 0) return '—';
  const r = ours / theirs;
  return `${r >= 0.1 ? r.toFixed(2) : r.toPrecision(2)}×`;
}
