import { describe, expect, it } from 'vitest';
import { SUITES, SUITE_NAMES, isSuiteName } from '../src/suites.js';

describe('SUITES registry', () => {
  it('holds the suites the README documents, in run order', () => {
    expect(SUITE_NAMES.slice(0, 4)).toEqual(['kernels', 'threads', 'e2e', 'peers']);
  });

  it('every suite has a one-line description and a run function', () => {
    for (const name of SUITE_NAMES) {
      const s = SUITES[name];
      expect(typeof s.run, name).toBe('function');
      expect(s.describe.length, name).toBeGreaterThan(10);
      expect(s.describe, name).not.toContain('\n');
    }
  });

  it('suite names are lower-case words, usable in a comma list', () => {
    for (const name of SUITE_NAMES) expect(name).toMatch(/^[a-z][a-z0-9-]*$/);
  });

  it('isSuiteName knows the registry and nothing inherited from Object', () => {
    expect(isSuiteName('e2e')).toBe(true);
    expect(isSuiteName('toString')).toBe(false);
    expect(isSuiteName('constructor')).toBe(false);
  });
});
