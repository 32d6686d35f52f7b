import type * as vegaLite from 'vega-lite';

/**
 * One picture of a grid: a row-major `[height, width]` plane of values and how to colour it.
 * - `'gray'`: `min` (default 0) black to `max` (default 1) white, clamped: the Fashion-MNIST pixels.
 * - `'signed'`: `-limit` blue, 0 white, `+limit` red, clamped; `limit` defaults to the largest
 *   |value| of the tile (so a learned filter uses the whole range).
 */
export interface Tile {
  values: ArrayLike<number>;
  height: number;
  width: number;
  color?: 'gray' | 'signed';
  min?: number;
  max?: number;
  limit?: number;
  /** Written under the tile. */
  caption?: string;
}

export interface ImageGridOptions {
  /** Tiles per row (default: all in one row). */
  columns?: number;
  /** Screen pixels per value (default 4), so single values stay visible as blocks. */
  scale?: number;
  /** A label left of each row of the grid (not together with captions). */
  rowLabels?: readonly string[];
  /** Across the top, in sentence case. */
  title?: string;
}

/** The diverging map's ends: RdBu's dark blue and dark red around white. */
export const SIGNED_RANGE = ['#2166ac', '#ffffff', '#b2182b'] as const;

function checkTile(t: Tile, k: number): void {
  if (t.values.length !== t.height * t.width) throw new RangeError(`imageGridSpec: tile ${k} has ${t.values.length} values, which do not fill ${t.height}x${t.width}`);
}

/**
 * A vega-lite spec drawing tiles in a grid, row-major, one rect per value: the colour maps are
 * vega scales (gray: black to white; signed: blue-white-red), captions and row labels are facet
 * headers. All tiles must have the same size.
 * @example await specToPng(imageGridSpec(filters.map((f) => ({ values: f, height: 3, width: 3, color: 'signed' })), { columns: 8, scale: 16 }))
 */
export function imageGridSpec(tiles: readonly Tile[], opts: ImageGridOptions = {}): vegaLite.TopLevelSpec {
  if (tiles.length === 0) throw new RangeError('imageGridSpec: no tiles');
  tiles.forEach(checkTile);
  const { height, width } = tiles[0]!;
  const odd = tiles.findIndex((t) => t.height !== height || t.width !== width);
  if (odd >= 0) throw new RangeError(`imageGridSpec: tile ${odd} is ${tiles[odd]!.height}x${tiles[odd]!.width} but tile 0 is ${height}x${width}; all tiles must have one size`);
  const scale = opts.scale ?? 4;
  if (!(Number.isInteger(scale) && scale >= 1)) throw new RangeError(`imageGridSpec: scale must be an integer >= 1, got ${scale}`);
  const columns = Math.max(1, Math.min(opts.columns ?? tiles.length, tiles.length));
  const captions = tiles.map((t) => t.caption ?? '');
  if (opts.rowLabels && captions.some((c) => c)) throw new RangeError('imageGridSpec: captions and rowLabels together are not supported (a grid has either)');
  const rows = Math.ceil(tiles.length / columns);
  if (opts.rowLabels && opts.rowLabels.length !== rows) throw new RangeError(`imageGridSpec: ${opts.rowLabels.length} row labels for ${rows} rows`);

  // One datum per value, already normalised: gray g in [0, 1], signed s in [-1, 1] (vega clamps).
  const values: { tile: number; gridRow: number; gridCol: number; row: number; col: number; g?: number; s?: number }[] = [];
  tiles.forEach((t, tile) => {
    const signed = t.color === 'signed';
    let lo = t.min ?? 0;
    let span = (t.max ?? 1) - lo;
    if (signed) {
      let limit = t.limit ?? 0;
      if (t.limit === undefined) for (let i = 0; i < t.values.length; i++) limit = Math.max(limit, Math.abs(t.values[i]!));
      lo = 0;
      span = limit;
    }
    if (!(span > 0)) span = 1;
    for (let i = 0; i < t.values.length; i++) {
      const v = (t.values[i]! - lo) / span;
      values.push({ tile, gridRow: Math.floor(tile / columns), gridCol: tile % columns, row: Math.floor(i / width), col: i % width, ...(signed ? { s: v } : { g: v }) });
    }
  });

  const flush = { paddingInner: 0, paddingOuter: 0 };
  const cell = {
    width: { step: scale },
    height: { step: scale },
    encoding: {
      x: { field: 'col', type: 'ordinal' as const, axis: null, scale: flush },
      y: { field: 'row', type: 'ordinal' as const, axis: null, scale: flush },
    },
    layer: [
      {
        transform: [{ filter: 'isValid(datum.g)' }],
        mark: { type: 'rect' as const, strokeWidth: 0 },
        encoding: { color: { field: 'g', type: 'quantitative' as const, legend: null, scale: { domain: [0, 1], range: ['#000000', '#ffffff'], interpolate: 'rgb' as const, clamp: true } } },
      },
      {
        transform: [{ filter: 'isValid(datum.s)' }],
        mark: { type: 'rect' as const, strokeWidth: 0 },
        encoding: { color: { field: 's', type: 'quantitative' as const, legend: null, scale: { domain: [-1, 0, 1], range: [...SIGNED_RANGE], interpolate: 'rgb' as const, clamp: true } } },
      },
    ],
    resolve: { scale: { color: 'independent' as const } },
  };
  const header = (labels: readonly string[]) => ({ title: null, labelExpr: `${JSON.stringify(labels)}[datum.value]`, labelFontSize: 11, labelPadding: 4 });
  const base = {
    $schema: 'https://vega.github.io/schema/vega-lite/v6.json',
    ...(opts.title ? { title: opts.title } : {}),
    data: { values },
    // A thin grey frame around each tile, as the lecture's pictures have.
    config: { view: { stroke: '#999999', strokeWidth: 1 } },
  };
  if (opts.rowLabels) {
    return {
      ...base,
      spacing: { row: 4, column: 4 },
      facet: {
        row: { field: 'gridRow', type: 'ordinal', header: { ...header(opts.rowLabels), labelAngle: 0, labelOrient: 'left', labelAlign: 'right' } },
        column: { field: 'gridCol', type: 'ordinal', header: { title: null, labels: false } },
      },
      spec: cell,
    } as vegaLite.TopLevelSpec;
  }
  return {
    ...base,
    columns,
    spacing: { row: 4, column: 6 },
    facet: { field: 'tile', type: 'ordinal', header: captions.some((c) => c) ? { ...header(captions), labelOrient: 'bottom' } : { title: null, labels: false } },
    spec: cell,
  } as vegaLite.TopLevelSpec;
}
