import type { Module } from './module.js';

/**
 * PyTorch's `Module.__repr__`: `Name(extra)` for a leaf, and for a container one line per child,
 * `(name): repr`, indented by two spaces, with the extra_repr lines first.
 */
export function moduleRepr(m: Module): string {
  const extra = m.extraRepr();
  const extraLines = extra ? extra.split('\n') : [];
  const childLines = m.namedChildren().map(([name, c]) => `(${name}): ${addIndent(moduleRepr(c), 2)}`);
  const lines = [...extraLines, ...childLines];
  let s = `${m.constructor.name}(`;
  if (lines.length) s += extraLines.length === 1 && !childLines.length ? extraLines[0] : `\n  ${lines.join('\n  ')}\n`;
  return `${s})`;
}

function addIndent(s: string, n: number): string {
  const lines = s.split('\n');
  if (lines.length === 1) return s;
  const pad = ' '.repeat(n);
  return [lines[0], ...lines.slice(1).map((l) => pad + l)].join('\n');
}

/** A number as Python's repr of a float prints it: 1.0, 0.1, 1e-05, 1e+16. */
export function pyFloat(x: number): string {
  if (Number.isNaN(x)) return 'nan';
  if (!Number.isFinite(x)) return x > 0 ? 'inf' : '-inf';
  const [mant, expStr] = x.toExponential().split('e') as [string, string];
  const exp = Number(expStr);
  if (exp < -4 || exp >= 16) return `${mant}e${exp < 0 ? '-' : '+'}${String(Math.abs(exp)).padStart(2, '0')}`;
  const s = String(x);
  return Number.isInteger(x) ? `${s}.0` : s;
}

/** A Python bool: True / False. */
export const pyBool = (b: boolean): string => (b ? 'True' : 'False');

/** A tuple as Python prints it: (3, 3), (5,). */
export const pyTuple = (xs: readonly (number | string)[]): string => (xs.length === 1 ? `(${xs[0]},)` : `(${xs.join(', ')})`);

/** A number as Python prints the int or float a user would pass: 20, 0.5 (Softplus(beta=1, threshold=20)). */
export const pyNumber = (x: number): string => (Number.isInteger(x) ? String(x) : pyFloat(x));
