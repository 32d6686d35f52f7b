import { Tensor } from '@tapegrad/autograd';
import { describeValue } from './check.js';

// Tensors marked as parameters. A WeakSet rather than a subclass of Tensor: a Parameter is the very
// tensor it wraps (no second handle on the storage to dispose), and Tensor's constructor takes an
// engine-internal storage reference that nn cannot build.
const PARAMETERS = new WeakSet<Tensor>();

/** A tensor that a Module registers as trainable when it is assigned to one of its fields. */
export type Parameter = Tensor;

interface ParameterConstructor {
  /**
   * Marks `data` as a parameter (requiresGrad set to `requiresGrad`, default true) and returns
   * that same tensor, as torch.nn.Parameter; assigning it to a Module field registers it under
   * the field's name.
   * @example class Net extends Module { scale = new Parameter(ones([1])); ... }
   */
  new (data: Tensor, requiresGrad?: boolean): Parameter;
  /** `t instanceof Parameter` is true for tensors marked by `new Parameter(t)` or registered by a Module. */
  [Symbol.hasInstance](value: unknown): boolean;
}

function ParameterImpl(data: Tensor, requiresGrad = true): Tensor {
  if (!(data instanceof Tensor)) throw new TypeError(`Parameter: data must be a Tensor, got ${describeValue(data)}`);
  if (typeof requiresGrad !== 'boolean') throw new TypeError(`Parameter: requiresGrad must be a boolean, got ${describeValue(requiresGrad)}`);
  data.requiresGrad = requiresGrad;
  PARAMETERS.add(data);
  return data;
}
Object.defineProperty(ParameterImpl, Symbol.hasInstance, { value: (v: unknown) => v instanceof Tensor && PARAMETERS.has(v) });
Object.defineProperty(ParameterImpl, 'name', { value: 'Parameter' });

// NOTE: calling a function with `new` that returns an object yields that object, so
// `new Parameter(t) === t`.
export const Parameter = ParameterImpl as unknown as ParameterConstructor;

/** True when `t` is a tensor marked as a parameter. */
export function isParameter(t: unknown): t is Tensor {
  return t instanceof Tensor && PARAMETERS.has(t);
}

/** Marks a tensor as a parameter without changing requiresGrad (Module.registerParameter). */
export function markParameter(t: Tensor): void {
  PARAMETERS.add(t);
}
