import type { DType, Storage } from '../backend.js';

export type FloatArray = Float32Array | Float64Array;

/** Reference-backend storage: a plain typed array. */
export class RefStorage implements Storage {
  constructor(readonly data: FloatArray) {}
  get size(): number {
    return this.data.length;
  }
}

export function arrayType(dtype: DType): Float32ArrayConstructor | Float64ArrayConstructor {
  return dtype === 'float64' ? Float64Array : Float32Array;
}

/** The typed array behind a storage; throws on a storage from another backend. */
export function dataOf(s: Storage): FloatArray {
  if (!(s instanceof RefStorage)) throw new Error('reference backend: received a storage from another backend');
  return s.data;
}
