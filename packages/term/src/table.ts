/** How a column's cells are padded: text left, numbers right. */
export type Align = 'left' | 'right';

export interface TableOptions {
  /** A line above the header. */
  title?: string;
  /** One entry per column; default: the first column left, the others right (a label, then numbers). */
  align?: readonly Align[];
  /** Lines below the table (after an empty line), e.g. what the numbers are compared with. */
  footer?: readonly string[];
}

/**
 * A plain fixed-width table for the terminal: header, a dashed rule, the rows, columns two spaces
 * apart. A row shorter than the header gets empty cells.
 * @example formatTable(['kernel', 'ms'], [['gemm', '0.42']], { title: 'Kernels' })
 */
export function formatTable(header: readonly string[], rows: readonly (readonly string[])[], opts: TableOptions = {}): string {
  if (opts.align && opts.align.length !== header.length) throw new RangeError(`formatTable: ${opts.align.length} alignments for ${header.length} columns`);
  const long = rows.findIndex((r) => r.length > header.length);
  if (long >= 0) throw new RangeError(`formatTable: row ${long} has ${rows[long]!.length} cells but the header has ${header.length}`);
  const widths = header.map((h, i) => Math.max(h.length, ...rows.map((r) => (r[i] ?? '').length)));
  const align = (i: number): Align => opts.align?.[i] ?? (i === 0 ? 'left' : 'right');
  const line = (cells: readonly string[]): string => widths.map((w, i) => (align(i) === 'left' ? (cells[i] ?? '').padEnd(w) : (cells[i] ?? '').padStart(w))).join('  ');
  return [
    ...(opts.title !== undefined ? [opts.title] : []),
    line(header),
    widths.map((w) => '-'.repeat(w)).join('  '),
    ...rows.map(line),
    ...(opts.footer?.length ? ['', ...opts.footer] : []),
  ].join('\n');
}

/**
 * A titled table whose first column is a label and the others numbers (the bench's tables).
 * @example renderTable('Register-only peak', ['loop', 'GFLOP/s'], [['f32x4 fma', '31.2']])
 */
export function renderTable(title: string, header: readonly string[], rows: readonly (readonly string[])[]): string {
  return formatTable(header, rows, { title });
}

/** A number with `digits` decimals; "—" when it is missing or not finite. */
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
