import { describe, expect, it } from 'vitest';
import { accuracy, argmaxRows, confusionMatrix, largestClassGap, perClassAccuracy } from '../src/metrics/index.js';

describe('metrics', () => {
  it('accuracy of 3 of 4 correct is 0.75; length mismatch throws', () => {
    expect(accuracy(Int32Array.of(0, 1, 2, 2), Int32Array.of(0, 1, 2, 1))).toBe(0.75);
    expect(accuracy(new Int32Array(0), new Int32Array(0))).toBeNaN();
    expect(() => accuracy(Int32Array.of(1), Int32Array.of(1, 2))).toThrow(/predicted has 1 entries but labels has 2/);
  });

  it('argmaxRows [3,3]: first max wins ties, NaN counts as largest', () => {
    const logits = Float32Array.of(0.1, 0.7, 0.2, 5, 5, 1, -1, NaN, 3);
    expect(Array.from(argmaxRows(logits, 3, 3))).toEqual([1, 0, 1]);
    expect(() => argmaxRows(logits, 2, 3)).toThrow(/9 values but \[rows=2, cols=3\] needs 6/);
  });

  it('confusionMatrix 3 classes on 6 hand-checked examples; per-class accuracy and gap', () => {
    const labels = Int32Array.of(0, 0, 1, 1, 2, 2);
    const pred = Int32Array.of(0, 0, 1, 2, 0, 0);
    const cm = confusionMatrix(pred, labels, 3);
    expect(cm).toEqual([
      [2, 0, 0],
      [0, 1, 1],
      [2, 0, 0],
    ]);
    const pc = perClassAccuracy(cm);
    expect(pc).toEqual([1, 0.5, 0]);
    expect(largestClassGap(pc)).toEqual({ best: 0, worst: 2, bestAccuracy: 1, worstAccuracy: 0, gap: 1 });
    expect(() => confusionMatrix(Int32Array.of(3), Int32Array.of(0), 3)).toThrow(/entry 0 has label 0, prediction 3, outside 0..2/);
  });

  it('a class without examples is NaN and ignored by largestClassGap', () => {
    const pc = perClassAccuracy(confusionMatrix([0, 1, 1], [0, 0, 1], 3));
    expect(pc[0]).toBe(0.5);
    expect(pc[1]).toBe(1);
    expect(pc[2]).toBeNaN();
    expect(largestClassGap(pc)).toMatchObject({ best: 1, worst: 0, gap: 0.5 });
    expect(() => largestClassGap([NaN])).toThrow(/no class has a defined accuracy/);
  });
});
