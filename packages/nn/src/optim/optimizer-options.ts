import { describeValue } from '../check.js';

// Note [optimizer options]: one table of the hyper-parameters every optimizer knows, with the
// range each must lie in. The constructors check the options a user passes against it (as
// RangeError, a bad argument) and `Optimizer.loadState` checks a saved state against it (as
// DataError, bad data), so a checkpoint cannot load a group that the constructor would refuse:
// `lr: -1`, `eps: 0` (division by zero when a second moment is 0), `betas: "x"`.

type Rule = { ok: (v: unknown) => boolean; expected: string };

const finite = (ok: (x: number) => boolean, expected: string): Rule => ({
  ok: (v) => typeof v === 'number' && Number.isFinite(v) && ok(v),
  expected,
});
const bool: Rule = { ok: (v) => typeof v === 'boolean', expected: 'a boolean' };

export const OPTION_RULES: Readonly<Record<string, Rule>> = {
  lr: finite((x) => x >= 0, 'a finite learning rate ≥ 0'),
  momentum: finite((x) => x >= 0, 'a finite number ≥ 0'),
  dampening: finite((x) => x >= 0 && x <= 1, 'a number in [0, 1]'),
  weightDecay: finite((x) => x >= 0, 'a finite number ≥ 0'),
  l1: finite((x) => x >= 0, 'a finite number ≥ 0'),
  eps: finite((x) => x > 0, 'a finite number > 0'),
  alpha: finite((x) => x >= 0 && x <= 1, 'a number in [0, 1]'),
  betas: {
    ok: (v) => Array.isArray(v) && v.length === 2 && v.every((b) => typeof b === 'number' && b >= 0 && b < 1),
    expected: 'two numbers in [0, 1)',
  },
  nesterov: bool,
  amsgrad: bool,
  centered: bool,
};

/**
 * The problem with option `key` = `v`, or null when it is fine. An option without a rule must
 * have the type of `like` (the value the optimizer has now).
 */
export function optionProblem(field: string, key: string, v: unknown, like?: unknown): string | null {
  const rule = OPTION_RULES[key];
  if (rule) return rule.ok(v) ? null : `${field} must be ${rule.expected}, got ${describeValue(v)}`;
  if (like !== undefined && typeof v !== typeof like) return `${field} must be a ${typeof like}, got ${describeValue(v)}`;
  return null;
}
