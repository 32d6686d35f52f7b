import { formatDuration, formatTable } from '@tapegrad/term';

/** One row of the lecture's comparison: what `train` writes to `summary.json` and `metrics.json`. */
export interface SummaryRow {
  name: string;
  model: string;
  recipe: string;
  testAccuracy: number;
  parameters: number;
  trainSeconds: number;
}

/** The lecture's table for the terminal: test accuracy, parameter count and training time side by side. */
export function formatSummaryTable(rows: readonly SummaryRow[]): string {
  const header = ['run', 'model', 'recipe', 'test accuracy', 'parameters', 'training time'];
  const body = rows.map((r) => [r.name, r.model, r.recipe, r.testAccuracy.toFixed(4), r.parameters.toLocaleString('en-US'), formatDuration(r.trainSeconds)]);
  return formatTable(header, body, {
    align: ['left', 'left', 'left', 'right', 'right', 'right'],
    footer: ['lecture: CNN 0.91, fully connected 0.87 test accuracy'],
  });
}
