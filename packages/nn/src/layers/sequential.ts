import { type Tensor, tidy } from '@tapegrad/autograd';
import { Module } from '../module.js';

/**
 * Applies modules in order. Children are named by index ('0', '1', …) as in torch.nn.Sequential,
 * or by the keys of an object.
 * @example new Sequential({ conv1: new Conv2d(1, 16, 3), relu1: new ReLU(), flatten: new Flatten() })
 */
export class Sequential extends Module {
  readonly layers: Module[];

  constructor(layers: Module[] | Record<string, Module>) {
    super();
    const entries = Array.isArray(layers) ? layers.map((m, i) => [String(i), m] as const) : Object.entries(layers);
    this.layers = entries.map(([name, m]) => this.registerModule(name, m));
  }

  forward(x: Tensor): Tensor {
    // Intermediate activations are freed here; the tape keeps what the backward needs.
    return tidy(() => this.layers.reduce((h, m) => m.forward(h), x));
  }
}
