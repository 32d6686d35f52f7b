import type * as vegaLite from 'vega-lite';

export interface HeatmapOptions {
  rowLabels: readonly string[];
  columnLabels: readonly string[];
  /** Cell size in pixels (default 36). */
  cell?: number;
  /** Colour by each value divided by its row sum (default true: rows of a confusion matrix). */
  normalizeRows?: boolean;
  /** Write the value in each cell (default true). */
  showValues?: boolean;
  /** Axis titles in sentence case, e.g. 'True class' and 'Predicted class'. */
  rowTitle?: string;
  columnTitle?: string;
  title?: string;
}

/** The sequential map's ends: white to the dark blue of the 'blues' scheme. */
export const SEQUENTIAL_RANGE = ['#ffffff', '#08306b'] as const;

/**
 * A vega-lite spec of a labelled heatmap of a `[rows][cols]` matrix with the values written in
 * the cells: the picture the lecture shows for the confusion matrices. The colour is the value's
 * share of its row (or of the largest value), the text the value itself.
 * @example await specToPng(heatmapSpec(result.matrix, { rowLabels: names, columnLabels: names }))
 */
export function heatmapSpec(matrix: readonly (readonly number[])[], opts: HeatmapOptions): vegaLite.TopLevelSpec {
  const rows = matrix.length;
  const cols = matrix[0]?.length ?? 0;
  if (rows === 0 || cols === 0 || matrix.some((r) => r.length !== cols)) throw new RangeError('heatmapSpec: matrix must be a non-empty rectangle');
  if (opts.rowLabels.length !== rows || opts.columnLabels.length !== cols) {
    throw new RangeError(`heatmapSpec: ${opts.rowLabels.length} row and ${opts.columnLabels.length} column labels for a ${rows}x${cols} matrix`);
  }
  const normalize = opts.normalizeRows ?? true;
  let globalMax = 0;
  for (const row of matrix) for (const v of row) globalMax = Math.max(globalMax, v);
  // Cells are keyed by index, labelled through labelExpr, so repeated labels stay separate cells.
  const values = matrix.flatMap((row, r) => {
    const rowSum = row.reduce((a, b) => a + b, 0);
    return row.map((v, c) => ({
      r,
      c,
      value: v,
      text: Number.isInteger(v) ? String(v) : v.toFixed(2),
      share: normalize ? (rowSum > 0 ? v / rowSum : 0) : globalMax > 0 ? v / globalMax : 0,
    }));
  });
  const step = opts.cell ?? 36;
  const layer: object[] = [
    {
      mark: { type: 'rect', stroke: '#ffffff', strokeWidth: 0.5 },
      encoding: {
        color: {
          field: 'share',
          type: 'quantitative',
          title: normalize ? 'share of row' : 'share of max',
          scale: { domain: [0, 1], range: [...SEQUENTIAL_RANGE], interpolate: 'rgb' },
          legend: { format: '.0%', gradientLength: Math.min(200, rows * step) },
        },
      },
    },
  ];
  if (opts.showValues ?? true) {
    layer.push({
      mark: { type: 'text', fontSize: 11 },
      encoding: {
        text: { field: 'text', type: 'nominal' },
        color: { condition: { test: 'datum.share > 0.5', value: '#ffffff' }, value: '#000000' },
      },
    });
  }
  const labels = (l: readonly string[]) => `${JSON.stringify(l)}[datum.value]`;
  return {
    $schema: 'https://vega.github.io/schema/vega-lite/v6.json',
    ...(opts.title ? { title: opts.title } : {}),
    data: { values },
    width: { step },
    height: { step },
    encoding: {
      x: { field: 'c', type: 'ordinal', title: opts.columnTitle ?? null, axis: { orient: 'top', labelAngle: -45, labelAlign: 'left', labelExpr: labels(opts.columnLabels), ticks: false, domain: false } },
      y: { field: 'r', type: 'ordinal', title: opts.rowTitle ?? null, axis: { labelExpr: labels(opts.rowLabels), ticks: false, domain: false } },
    },
    layer,
  } as vegaLite.TopLevelSpec;
}
