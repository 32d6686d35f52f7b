import type * as vegaLite from 'vega-lite';
import { specToSvg } from './vega.js';

/** One line of a chart. */
export interface Series {
  name: string;
  points: readonly { x: number; y: number }[];
  /** Draw dashed (e.g. the training curve next to the solid test curve). */
  dashed?: boolean;
}

export interface LineChartOptions {
  title: string;
  xTitle: string;
  yTitle: string;
  /** Fixed y range (e.g. [0, 1] for accuracies); default: fitted to the data. */
  yDomain?: readonly [number, number];
  /** Ticks only at the x values present (epochs, angles), not in between. */
  xTicks?: readonly number[];
  width?: number;
  height?: number;
}

/**
 * A line chart with a point per value and a legend, rendered to a standalone SVG string by
 * vega-lite -> vega with the headless 'none' renderer (specToSvg: no canvas needed in Node).
 * @example await lineChartSvg([{ name: 'cnn', points: [{ x: 0, y: 0.9 }, { x: 15, y: 0.7 }] }], { title: 'Rotation', xTitle: 'angle', yTitle: 'accuracy' })
 */
export async function lineChartSvg(series: readonly Series[], opts: LineChartOptions): Promise<string> {
  const values = series.flatMap((s) => s.points.filter((p) => Number.isFinite(p.y)).map((p) => ({ series: s.name, x: p.x, y: p.y, dashed: s.dashed ? 'dashed' : 'solid' })));
  const names = series.map((s) => s.name);
  const spec: vegaLite.TopLevelSpec = {
    $schema: 'https://vega.github.io/schema/vega-lite/v6.json',
    title: opts.title,
    width: opts.width ?? 420,
    height: opts.height ?? 240,
    data: { values },
    mark: { type: 'line', point: true },
    encoding: {
      x: { field: 'x', type: 'quantitative', title: opts.xTitle, ...(opts.xTicks ? { axis: { values: [...opts.xTicks] } } : {}) },
      y: {
        field: 'y',
        type: 'quantitative',
        title: opts.yTitle,
        scale: opts.yDomain ? { domain: [...opts.yDomain] } : { zero: false },
      },
      color: { field: 'series', type: 'nominal', title: null, sort: names },
      strokeDash: { field: 'dashed', type: 'nominal', legend: null, scale: { domain: ['solid', 'dashed'], range: [[1, 0], [5, 3]] } },
    },
  };
  return specToSvg(spec);
}
