import { conv1d, noGrad, relu, tensor, tidy } from '@tapegrad/autograd';

/**
 * The lecture's 1D image. NOTE: the slide shows it as a picture that the lecture text does not
 * carry; this one is rebuilt from what the text does say: the first window gives
 * (-1)·0 + 1·0 + (-1)·1 = -1, a later window (-1)·0 + 1·1 + (-1)·0 = 1, and the filter detects
 * "low-high-low" at position 2 (counting from 1).
 */
export const LECTURE_SIGNAL: readonly number[] = [0, 0, 1, 0, 0, 1, 1];
/** The lecture's filter: does the input match low-high-low? */
export const LECTURE_FILTER: readonly number[] = [-1, 1, -1];

export interface Conv1dExample {
  signal: number[];
  filter: number[];
  /** No padding: length L - K + 1. */
  valid: { conv: number[]; relu: number[] };
  /** One zero on each side: same length as the signal. */
  padded: { conv: number[]; relu: number[] };
}

/** z_i = Σ_j w_j x_{i+j} with conv1d, then ReLU, without and with zero padding. */
export function conv1dExample(signal: readonly number[] = LECTURE_SIGNAL, filter: readonly number[] = LECTURE_FILTER): Conv1dExample {
  return noGrad(() =>
    tidy(() => {
      const x = tensor(signal, [1, 1, signal.length]);
      const w = tensor(filter, [1, 1, filter.length]);
      const run = (padding: number) => {
        const z = conv1d(x, w, null, { padding });
        // `+ 0` turns the -0 of (-1)·0 into 0, so the JSON and the table read as the lecture does.
        return { conv: Array.from(z.toFloat32Array(), (v) => v + 0), relu: Array.from(relu(z).toFloat32Array(), (v) => v + 0) };
      };
      return { signal: [...signal], filter: [...filter], valid: run(0), padded: run(Math.floor(filter.length / 2)) };
    }),
  );
}
