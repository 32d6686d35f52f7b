import { fmt } from '../shape.js';
import { Tensor } from '../tensor.js';
import { checkNumber, checkOptions, fail } from '../check.js';

export interface CloseOptions {
  rtol?: number;
  atol?: number;
  /** Prefix of the failure message (what was compared). */
  label?: string;
}

/**
 * Throws unless |actual − expected| ≤ atol + rtol·|expected| elementwise (NaN matches NaN only).
 * The message names the first bad index and the largest error.
 */
export function expectClose(actual: Tensor | ArrayLike<number>, expected: Tensor | ArrayLike<number>, opts: CloseOptions = {}): void {
  for (const [arg, v] of [['actual', actual], ['expected', expected]] as const) {
    if (!(v instanceof Tensor) && !Array.isArray(v) && !(ArrayBuffer.isView(v) && !(v instanceof DataView))) fail('expectClose', arg, 'a Tensor, an array or a typed array', v);
  }
  checkOptions('expectClose', opts, ['rtol', 'atol', 'label']);
  for (const k of ['rtol', 'atol'] as const) if (opts[k] !== undefined) checkNumber('expectClose', k, opts[k], (v) => v >= 0, 'a non-negative number');
  if (opts.label !== undefined && typeof opts.label !== 'string') fail('expectClose', 'label', 'a string', opts.label);
  const rtol = opts.rtol ?? 1e-5;
  const atol = opts.atol ?? 1e-6;
  const label = opts.label ? `${opts.label}: ` : '';
  const a = actual instanceof Tensor ? actual.toArray() : actual;
  const e = expected instanceof Tensor ? expected.toArray() : expected;
  if (actual instanceof Tensor && expected instanceof Tensor && fmt(actual.shape) !== fmt(expected.shape)) {
    throw new Error(`${label}shape ${fmt(actual.shape)} differs from expected ${fmt(expected.shape)}`);
  }
  if (a.length !== e.length) throw new Error(`${label}length ${a.length} differs from expected ${e.length}`);
  let worst = -1;
  let worstErr = 0;
  let first = -1;
  for (let i = 0; i < a.length; i++) {
    const x = a[i]!;
    const y = e[i]!;
    const bothNaN = Number.isNaN(x) && Number.isNaN(y);
    const err = bothNaN ? 0 : x === y ? 0 : Math.abs(x - y);
    const ok = bothNaN || x === y || err <= atol + rtol * Math.abs(y);
    if (!ok) {
      if (first < 0) first = i;
      if (!(err <= worstErr)) {
        worstErr = err;
        worst = i;
      }
    }
  }
  if (first >= 0) {
    throw new Error(
      `${label}values differ (rtol ${rtol}, atol ${atol}): first at index ${first}: ${a[first]} vs expected ${e[first]}; ` +
        `largest error ${worstErr} at index ${worst}: ${a[worst]} vs ${e[worst]}`,
    );
  }
}
