import { expect } from 'vitest';

// Note [toAllSatisfy]: `expect(values.every(p)).toBe(true)` fails with "expected false to be
// true", which says nothing about which value broke the rule. `expect(values).toAllSatisfy(p)`
// reports the first offending index and value, and how many fail. Registered when
// '@tapegrad/autograd/testing' is imported.

type Predicate = (value: any, index: number) => boolean; // eslint-disable-line @typescript-eslint/no-explicit-any
/** The element type of what `expect` received (an array, typed array or iterable). */
type ElementOf<T> = T extends ArrayLike<infer E> ? E : T extends Iterable<infer E> ? E : any; // eslint-disable-line @typescript-eslint/no-explicit-any

function show(v: unknown, stringify: (v: unknown, depth?: number) => string): string {
  const s = typeof v === 'number' ? (Object.is(v, -0) ? '-0' : String(v)) : stringify(v, 2);
  return s.length > 200 ? `${s.slice(0, 200)}…` : s;
}

export const matchers = {
  /** Every element of an array, typed array or iterable satisfies `predicate(value, index)`. */
  toAllSatisfy(this: { utils: { stringify(v: unknown, depth?: number): string }; isNot: boolean }, received: unknown, predicate: Predicate, description?: string) {
    if (typeof predicate !== 'function') throw new TypeError(`toAllSatisfy: expected a predicate function, got ${typeof predicate}`);
    if (received === null || received === undefined || (typeof received !== 'object' && typeof received !== 'string')) {
      throw new TypeError(`toAllSatisfy: expected an array, typed array or iterable, got ${received === null ? 'null' : typeof received}`);
    }
    const items = Array.from(received as ArrayLike<unknown>);
    const bad: number[] = [];
    items.forEach((v, i) => {
      if (!predicate(v, i)) bad.push(i);
    });
    const what = description ?? String(predicate);
    const first = bad[0]!;
    return {
      pass: bad.length === 0,
      message: () => bad.length === 0
        ? `expected some of the ${items.length} elements not to satisfy ${what}, but all do`
        : `expected all ${items.length} elements to satisfy ${what}; element [${first}] = ${show(items[first], this.utils.stringify)} does not `
          + `(${bad.length} of ${items.length} fail${bad.length > 1 ? `, at ${bad.slice(0, 8).join(', ')}${bad.length > 8 ? ', …' : ''}` : ''})`,
    };
  },
};

expect.extend(matchers);

declare module 'vitest' {
  interface Assertion<T = any> { // eslint-disable-line @typescript-eslint/no-explicit-any
    /** See Note [toAllSatisfy]: the first offending index and value on failure. */
    toAllSatisfy(predicate: (value: ElementOf<T>, index: number) => boolean, description?: string): void;
  }
  interface AsymmetricMatchersContaining {
    toAllSatisfy(predicate: Predicate, description?: string): void;
  }
}
