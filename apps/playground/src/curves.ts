/** Points of the live curves, kept per series and turned into uPlot's aligned, x-sorted arrays. */
export class CurveData {
  private readonly points: { x: number; series: number; y: number }[] = [];

  constructor(readonly seriesCount: number) {}

  add(series: number, x: number, y: number): void {
    if (!(series >= 0 && series < this.seriesCount)) throw new RangeError(`CurveData: series ${series} of ${this.seriesCount}`);
    if (Number.isFinite(x) && Number.isFinite(y)) this.points.push({ x, series, y });
  }

  clear(): void {
    this.points.length = 0;
  }

  /** `[xs, ys_0, …, ys_{n-1}]`, xs ascending (ties kept in insertion order), null where a series has no point. */
  aligned(): [number[], ...(number | null)[][]] {
    const sorted = this.points.map((p, i) => ({ ...p, i })).sort((a, b) => a.x - b.x || a.i - b.i);
    const xs = sorted.map((p) => p.x);
    const ys = Array.from({ length: this.seriesCount }, () => new Array<number | null>(sorted.length).fill(null));
    sorted.forEach((p, k) => (ys[p.series]![k] = p.y));
    return [xs, ...ys];
  }
}
