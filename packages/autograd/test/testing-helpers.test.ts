import { spawnSync } from 'node:child_process';
import { fileURLToPath } from 'node:url';
import { describe, expect, it } from 'vitest';
import { requires } from '../src/testing/index.js';

// The shared test helpers of @tapegrad/autograd/testing: the toAllSatisfy matcher and requires().
// With TAPEGRAD_REQUIRES_FIXTURE=1 this file is instead the fixture that the requires() test runs
// in a child vitest.
if (process.env.TAPEGRAD_REQUIRES_FIXTURE === '1') {
  requires('no widget at /nowhere').describe('needs a widget', () => {
    it('uses the widget', () => {});
  });
  requires('no gadget').it('needs a gadget', () => {});
  requires(null).it('has what it needs', () => {});
} else {
  describe('expect(values).toAllSatisfy(predicate)', () => {
    it('passes when every element does, for arrays, typed arrays and iterables', () => {
      expect([1, 2, 3]).toAllSatisfy((v) => v > 0);
      expect(new Float32Array([0.5, 1])).toAllSatisfy((v) => v <= 1);
      expect(new Set(['a', 'b'])).toAllSatisfy((v: string) => v.length === 1);
      expect([]).toAllSatisfy(() => false);
      expect([1, -1]).not.toAllSatisfy((v) => v > 0);
      expect([3, 4]).toAllSatisfy((v, i) => v === i + 3);
    });

    it('fails naming the first offending index and value, and how many fail', () => {
      expect(() => expect([1, 2, -3, 4, -5]).toAllSatisfy((v) => v > 0)).toThrow('expected all 5 elements to satisfy (v) => v > 0; element [2] = -3 does not (2 of 5 fail, at 2, 4)');
      expect(() => expect(new Float32Array([0, NaN])).toAllSatisfy(Number.isFinite, 'finite')).toThrow('expected all 2 elements to satisfy finite; element [1] = NaN does not (1 of 2 fail)');
      expect(() => expect([-0]).toAllSatisfy((v) => Object.is(v, 0), 'is +0')).toThrow('element [0] = -0 does not');
      expect(() => expect([{ name: 'fc.weight' }]).toAllSatisfy(() => false, 'never')).toThrow(/element \[0\] = Object \{\s+"name": "fc\.weight",\s+\} does not/);
      expect(() => expect([1, 2]).not.toAllSatisfy((v) => v > 0, 'positive')).toThrow('expected some of the 2 elements not to satisfy positive, but all do');
      expect(() => expect(5).toAllSatisfy(() => true)).toThrow('toAllSatisfy: expected an array, typed array or iterable, got number');
    });
  });

  describe('requires(missing)', () => {
    const run = (env: Record<string, string | undefined>) => {
      const vitest = fileURLToPath(new URL('../node_modules/vitest/vitest.mjs', import.meta.url));
      const r = spawnSync(process.execPath, [vitest, 'run', 'test/testing-helpers.test.ts', '--reporter', 'verbose'], {
        cwd: fileURLToPath(new URL('..', import.meta.url)), encoding: 'utf8', timeout: 120_000,
        env: { ...process.env, TAPEGRAD_REQUIRES_FIXTURE: '1', NO_COLOR: '1', FORCE_COLOR: '0', ...env },
      });
      return { status: r.status, out: r.stdout + r.stderr };
    };

    it('skips with the reason in the name; under CI=true the same tests fail naming what is missing', () => {
      const local = run({ CI: undefined });
      expect(local.status, local.out).toBe(0);
      expect(local.out).toContain('needs a widget (not run: no widget at /nowhere)');
      expect(local.out).toContain('needs a gadget (not run: no gadget)');
      expect(local.out).toMatch(/1 passed \| 2 skipped/);
      const ci = run({ CI: 'true' });
      expect(ci.status, ci.out).toBe(1);
      expect(ci.out).toContain('needs a widget: cannot run under CI=true: no widget at /nowhere');
      expect(ci.out).toContain('needs a gadget: cannot run under CI=true: no gadget');
      expect(ci.out).toMatch(/2 failed \| 1 passed/);
    }, 240_000);
  });
}
