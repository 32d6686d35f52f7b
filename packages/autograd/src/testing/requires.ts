import { describe, it } from 'vitest';
import { describeArg } from '../check.js';

/**
 * A test's prerequisite (data files, a browser, a built page): `missing` says what is absent, or is
 * null when everything is there. Without it the tests are skipped, with the reason in their name;
 * under `CI=true`, where the prerequisites are installed on purpose, they fail with that reason
 * instead, so a CI machine that lost its data cannot stay green by skipping.
 * @example requires(fashionMnistMissing()).describe('training on real images', () => { ... })
 */
export interface Requirement {
  readonly missing: string | null;
  describe(name: string, fn: () => void): void;
  it(name: string, fn: () => unknown, timeout?: number): void;
}

function inCi(): boolean {
  return (globalThis as { process?: { env?: Record<string, string | undefined> } }).process?.env?.CI === 'true';
}

export function requires(missing: string | null | undefined): Requirement {
  if (missing !== null && missing !== undefined && typeof missing !== 'string') {
    throw new TypeError(`requires: missing must be a string saying what is absent, or null/undefined, got ${describeArg(missing)}`);
  }
  const why = missing || null;
  const fail = (name: string) => () => {
    throw new Error(`${name}: cannot run under CI=true: ${why}`);
  };
  return {
    missing: why,
    describe(name, fn) {
      if (!why) describe(name, fn);
      else if (inCi()) describe(name, () => it(`its prerequisite is present (${why})`, fail(name)));
      else describe.skip(`${name} (not run: ${why})`, fn);
    },
    it(name, fn, timeout) {
      if (!why) it(name, fn, timeout);
      else if (inCi()) it(name, fail(name));
      else it.skip(`${name} (not run: ${why})`, fn, timeout);
    },
  };
}
