import { add, type Tensor, tidy } from '@tapegrad/autograd';
import { checkInput, checkInt, checkOptions } from '../check.js';
import { checkModule, keepClassName, Module } from '../module.js';
import { Conv2d } from './conv.js';

/**
 * A residual connection y = f(x) + shortcut(x). The shortcut is the identity, or — when f changes
 * the number of channels or the spatial size — a 1×1 convolution with the given stride
 * (`projection`), as in ResNet.
 * @example new Residual(new Sequential([new Conv2d(16, 16, 3, { padding: 1 }), new ReLU()]))
 * @example new Residual(body, { projection: new Conv2d(16, 32, 1, { stride: 2 }) })
 */
export class Residual extends Module {
  static {
    keepClassName(this, 'Residual');
  }
  readonly body: Module;
  readonly projection: Module | null;

  constructor(body: Module, opts: { projection?: Module } = {}) {
    super();
    checkModule('Residual', 'body', body);
    checkOptions('Residual', opts, ['projection']);
    if (opts.projection !== undefined) checkModule('Residual', 'projection', opts.projection);
    this.body = this.registerModule('body', body);
    this.projection = opts.projection ? this.registerModule('projection', opts.projection) : null;
  }

  /** A residual block whose shortcut is a 1×1 conv from inChannels to outChannels when they differ or stride > 1. */
  static withProjection(body: Module, inChannels: number, outChannels: number, stride = 1): Residual {
    checkModule('Residual.withProjection', 'body', body);
    checkInt('Residual.withProjection', 'inChannels', inChannels, 1);
    checkInt('Residual.withProjection', 'outChannels', outChannels, 1);
    checkInt('Residual.withProjection', 'stride', stride, 1);
    const needs = inChannels !== outChannels || stride !== 1;
    return new Residual(body, needs ? { projection: new Conv2d(inChannels, outChannels, 1, { stride, bias: false }) } : {});
  }

  forward(x: Tensor): Tensor {
    checkInput('Residual', x);
    return tidy(() => {
      const fx = this.body.forward(x);
      const sc = this.projection ? this.projection.forward(x) : x;
      if (fx.shape.join(',') !== sc.shape.join(',')) {
        throw new Error(`Residual: body output [${fx.shape.join(',')}] and shortcut [${sc.shape.join(',')}] differ; pass a projection (Residual.withProjection)`);
      }
      return add(fx, sc);
    });
  }
}
