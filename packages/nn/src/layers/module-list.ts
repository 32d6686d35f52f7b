import type { Tensor } from '@tapegrad/autograd';
import { checkInt, describeValue } from '../check.js';
import { keepClassName, Module } from '../module.js';

/**
 * Holds submodules in a list, registered as '0', '1', … (torch.nn.ModuleList): their parameters
 * belong to the owner, but the owner's forward decides how to call them. Not callable itself.
 * @example
 * class Mlp extends Module {
 *   blocks = new ModuleList([new Linear(4, 8), new Linear(8, 2)]);
 *   forward(x: Tensor) { for (const b of this.blocks) x = relu(b.forward(x)); return x; }
 * }
 */
export class ModuleList<M extends Module = Module> extends Module implements Iterable<M> {
  static {
    keepClassName(this, 'ModuleList');
  }
  private readonly items: M[] = [];

  constructor(modules: Iterable<M> = []) {
    super();
    if (modules === null || typeof (modules as Iterable<M>)[Symbol.iterator] !== 'function') {
      throw new TypeError(`ModuleList: modules must be an iterable of Modules, got ${describeValue(modules)}`);
    }
    for (const m of modules) this.append(m);
  }

  get length(): number {
    return this.items.length;
  }

  /** The module at index i (negative counts from the end). */
  at(i: number): M {
    checkInt('ModuleList.at', 'i', i, -Infinity);
    const j = i < 0 ? this.items.length + i : i;
    if (j < 0 || j >= this.items.length) throw new RangeError(`ModuleList.at: index ${i} out of range for ${this.items.length} modules`);
    return this.items[j]!;
  }

  append(m: M): this {
    if (!(m instanceof Module)) throw new TypeError(`ModuleList.append: m must be a Module, got ${describeValue(m)}`);
    this.registerModule(String(this.items.length), m);
    this.items.push(m);
    return this;
  }

  extend(ms: Iterable<M>): this {
    if (ms === null || typeof (ms as Iterable<M>)?.[Symbol.iterator] !== 'function') throw new TypeError(`ModuleList.extend: ms must be an iterable of Modules, got ${describeValue(ms)}`);
    for (const m of ms) this.append(m);
    return this;
  }

  [Symbol.iterator](): Iterator<M> {
    return this.items[Symbol.iterator]();
  }

  forward(..._inputs: Tensor[]): Tensor {
    throw new Error('ModuleList: a ModuleList has no forward; iterate it in the owner\'s forward (for (const m of list) x = m.forward(x))');
  }
}
