import { describe, expect, it } from 'vitest';
import { UsageError, parseBenchArgs, parseSuiteList, usage } from '../src/args.js';
import { SUITE_NAMES } from '../src/suites.js';

describe('parseBenchArgs', () => {
  it('no arguments: every suite in registry order, not quick, default output', () => {
    expect(parseBenchArgs([])).toEqual({ quick: false, out: null, suites: SUITE_NAMES, only: null, help: false, rounds: 2 });
  });

  it('--only e2e,kernels runs both in registry order and records the list', () => {
    const a = parseBenchArgs(['--only', 'e2e,kernels', '--quick', '--out=x.json']);
    expect(a.suites).toEqual(['kernels', 'e2e']);
    expect(a.only).toEqual(['kernels', 'e2e']);
    expect(a.quick).toBe(true);
    expect(a.out).toBe('x.json');
  });

  it('--only accepts spaces around names', () => {
    expect(parseBenchArgs(['--only=threads, e2e']).suites).toEqual(['threads', 'e2e']);
  });

  it('--skip-peers drops only the peers suite', () => {
    const a = parseBenchArgs(['--skip-peers']);
    expect(a.suites).toEqual(SUITE_NAMES.filter((n) => n !== 'peers'));
    expect(a.suites.length).toBe(SUITE_NAMES.length - 1);
  });

  it('--rounds: 2 alternating rounds by default, 1 with --quick, or as given', () => {
    expect(parseBenchArgs(['--quick']).rounds).toBe(1);
    expect(parseBenchArgs(['--rounds', '3']).rounds).toBe(3);
    expect(parseBenchArgs(['--quick', '--rounds=2']).rounds).toBe(2);
  });

  it('--rounds that is not a whole number from 1 to 10 is an error naming the option and the value', () => {
    for (const bad of ['0', '11', '1.5', 'two', '', '-1', '2e0']) {
      expect(() => parseBenchArgs([`--rounds=${bad}`]), bad).toThrow(new RegExp(`--rounds: a whole number from 1 to 10, got "${bad.replace('.', '\\.')}"`));
    }
  });

  it('an unknown option is an error naming it', () => {
    expect(() => parseBenchArgs(['--fast'])).toThrow(UsageError);
    expect(() => parseBenchArgs(['--fast'])).toThrow(/'--fast'/);
  });

  it('a positional argument is an error naming it', () => {
    expect(() => parseBenchArgs(['e2e'])).toThrow(/'e2e'/);
  });

  it('--only without a value, or --out empty, is an error naming the option', () => {
    expect(() => parseBenchArgs(['--only'])).toThrow(/--only/);
    expect(() => parseBenchArgs(['--out='])).toThrow(/--out: empty/);
  });

  it('a boolean option given a value is an error', () => {
    expect(() => parseBenchArgs(['--quick=yes'])).toThrow(/--quick/);
  });

  it('--skip-peers with --only is an error (the list says what runs)', () => {
    expect(() => parseBenchArgs(['--only', 'e2e', '--skip-peers'])).toThrow(/--skip-peers/);
  });

  it('--help and -h set help', () => {
    expect(parseBenchArgs(['--help']).help).toBe(true);
    expect(parseBenchArgs(['-h']).help).toBe(true);
  });
});

describe('parseSuiteList', () => {
  it('an unknown suite is an error naming it and listing the registry', () => {
    let message = '';
    try {
      parseSuiteList('e2e,bogus');
    } catch (e) {
      message = (e as Error).message;
    }
    expect(message).toMatch(/unknown suite "bogus"/);
    for (const name of SUITE_NAMES) expect(message).toContain(name);
  });

  it('empty items and repeats are errors', () => {
    expect(() => parseSuiteList('e2e,,kernels')).toThrow(/empty suite name/);
    expect(() => parseSuiteList('')).toThrow(/empty suite name/);
    expect(() => parseSuiteList('e2e,e2e')).toThrow(/listed twice/);
  });

  it('names are case-sensitive', () => {
    expect(() => parseSuiteList('E2E')).toThrow(/unknown suite "E2E"/);
  });
});

describe('usage', () => {
  it('lists every suite with its description', () => {
    const text = usage();
    for (const name of SUITE_NAMES) expect(text).toMatch(new RegExp(`^  ${name} +\\S`, 'm'));
  });
});
