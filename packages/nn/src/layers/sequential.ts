import { type Tensor, tidy } from '@tapegrad/autograd';
import { checkInput, describeValue } from '../check.js';
import { keepClassName, Module } from '../module.js';

/**
 * Applies modules in order. Children are named by index ('0', '1', …) as in torch.nn.Sequential,
 * or by the keys of an object.
 * @example new Sequential([new Conv2d(1, 16, 3), new ReLU(), new Flatten()])
 * @example new Sequential({ conv1: new Conv2d(1, 16, 3), relu1: new ReLU(), flatten: new Flatten() })
 */
export class Sequential extends Module {
  static {
    keepClassName(this, 'Sequential');
  }
  readonly layers: Module[];

  constructor(layers: readonly Module[] | Record<string, Module> = []) {
    super();
    if (typeof layers !== 'object' || layers === null) throw new TypeError(`Sequential: layers must be an array or an object of Modules, got ${describeValue(layers)}`);
    const entries = Array.isArray(layers) ? layers.map((m, i) => [String(i), m] as const) : Object.entries(layers);
    this.layers = entries.map(([name, m]) => {
      if (!(m instanceof Module)) throw new TypeError(`Sequential: layer '${name}' must be a Module, got ${describeValue(m)}`);
      return this.registerModule(name, m);
    });
  }

  /** Appends a layer under the next index. */
  append(m: Module): this {
    if (!(m instanceof Module)) throw new TypeError(`Sequential.append: m must be a Module, got ${describeValue(m)}`);
    this.layers.push(this.registerModule(String(this.layers.length), m));
    return this;
  }

  get length(): number {
    return this.layers.length;
  }

  forward(x: Tensor): Tensor {
    checkInput('Sequential', x);
    // Intermediate activations are freed here; the tape keeps what the backward needs.
    return tidy(() => this.layers.reduce((h, m) => m.forward(h), x));
  }
}
