import { Conv2d, Linear, type Module } from '@tapegrad/nn';

export interface ParameterCounts {
  /** The lecture's arithmetic, from real modules. */
  lecture: { module: string; formula: string; expected: number; parameters: number }[];
  /** The case-study models, total and per named parameter. */
  models: { name: string; parameters: number; tensors: { name: string; shape: number[]; size: number }[] }[];
}

/**
 * "5x5 filters -> 26 parameters per filter (with bias), 20 filters: 520 per layer, independent of
 * the input size; fully connected 28x28 inputs, 30 hidden units: 28·28·30 + 30 = 23 550", computed
 * by building the layers and counting their parameters, next to the two case-study models.
 */
export function parameterCounts(models: readonly { name: string; model: Module }[]): ParameterCounts {
  const conv = new Conv2d(1, 20, 5);
  const fc = new Linear(28 * 28, 30);
  const lecture = [
    { module: 'Conv2d(1, 20, 5)', formula: '20 · (5·5·1 + 1)', expected: 520, parameters: conv.parameterCount() },
    { module: 'Linear(784, 30)', formula: '28·28·30 + 30', expected: 23_550, parameters: fc.parameterCount() },
  ];
  conv.dispose();
  fc.dispose();
  return {
    lecture,
    models: models.map(({ name, model }) => ({
      name,
      parameters: model.parameterCount(),
      tensors: model.namedParameters().map(([n, t]) => ({ name: n, shape: [...t.shape], size: t.size })),
    })),
  };
}
