/** One row of the lecture's comparison. */
export interface SummaryRow {
  name: string;
  model: string;
  recipe: string;
  testAccuracy: number;
  parameters: number;
  trainSeconds: number;
}

function duration(s: number): string {
  if (s < 60) return `${s.toFixed(1)} s`;
  return `${Math.floor(s / 60)} min ${Math.round(s % 60)} s`;
}

/** The lecture's table: test accuracy, parameter count and training time side by side. */
export function formatTable(rows: readonly SummaryRow[]): string {
  const header = ['run', 'model', 'recipe', 'test accuracy', 'parameters', 'training time'];
  const body = rows.map((r) => [r.name, r.model, r.recipe, r.testAccuracy.toFixed(4), r.parameters.toLocaleString('en-US'), duration(r.trainSeconds)]);
  const widths = header.map((h, i) => Math.max(h.length, ...body.map((row) => row[i]!.length)));
  const line = (cells: string[]) => cells.map((c, i) => (i >= 3 ? c.padStart(widths[i]!) : c.padEnd(widths[i]!))).join('  ');
  return [line(header), widths.map((w) => '-'.repeat(w)).join('  '), ...body.map(line), '', 'lecture: CNN 0.91, fully connected 0.87 test accuracy'].join('\n');
}
