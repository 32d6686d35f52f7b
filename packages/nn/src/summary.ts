import { noGrad, type Tensor, tidy, zeros } from '@tapegrad/autograd';
import { fail } from './check.js';
import { Module, type RemovableHandle } from './module.js';

interface Row {
  name: string;
  type: string;
  depth: number;
  shape: string;
  params: number;
  hasChildren: boolean;
}

/**
 * A table of the model's layers in call order, with each call's output shape and the number of
 * the layer's own parameters (a container's own count, usually '--'), then the totals — as
 * Keras's `model.summary()` and torchinfo's `summary(model, input_size)`. The model runs once on
 * zeros of `inputShape` (batch dim included) in eval mode without a tape; its training flag and
 * weights are left as they were.
 * @example console.log(summary(model, [1, 1, 28, 28]));
 */
export function summary(model: Module, inputShape: readonly number[]): string {
  if (!(model instanceof Module)) fail('summary', 'model', 'a Module', model);
  if (!Array.isArray(inputShape) || inputShape.length === 0 || !inputShape.every((d) => Number.isInteger(d) && d > 0)) {
    fail('summary', 'inputShape', 'an array of positive integers (batch dim included)', inputShape);
  }
  const rows: Row[] = [];
  const names = new Map(model.namedModules().map(([n, m]) => [m, n] as const));
  const handles: RemovableHandle[] = [];
  const open: Row[] = [];
  for (const [name, m] of model.namedModules()) {
    handles.push(
      m.registerForwardPreHook(() => {
        const own = m.namedParameters().filter(([n]) => !n.includes('.')).reduce((a, [, p]) => a + p.size, 0);
        const row: Row = { name: names.get(m) ?? name, type: m.constructor.name, depth: name ? name.split('.').length : 0, shape: '?', params: own, hasChildren: m.children().length > 0 };
        rows.push(row);
        open.push(row);
      }),
      m.registerForwardHook((_m, _x, y) => {
        open.pop()!.shape = `[${y.shape.join(', ')}]`;
      }),
    );
  }
  const wasTraining = model.training;
  try {
    model.eval();
    noGrad(() => tidy(() => void model.forward(zeros(inputShape) as Tensor)));
  } finally {
    for (const h of handles) h.remove();
    model.train(wasTraining);
  }
  const layer = (r: Row) => (r.depth === 0 ? r.type : `${'  '.repeat(r.depth)}${r.name.split('.').pop()} (${r.type})`);
  const count = (r: Row) => (r.params === 0 && r.hasChildren ? '--' : r.params.toLocaleString('en-US'));
  const cells = rows.map((r) => [layer(r), r.shape, count(r)] as const);
  const head = ['Layer (type)', 'Output shape', 'Param #'] as const;
  const w0 = Math.max(head[0].length, ...cells.map((c) => c[0].length)) + 2;
  const w1 = Math.max(head[1].length, ...cells.map((c) => c[1].length)) + 2;
  const w2 = Math.max(head[2].length, ...cells.map((c) => c[2].length));
  const line = (c: readonly [string, string, string]) => c[0].padEnd(w0) + c[1].padEnd(w1) + c[2].padStart(w2);
  const rule = '='.repeat(w0 + w1 + w2);
  const params = model.parameters();
  const total = params.reduce((a, p) => a + p.size, 0);
  const trainable = params.filter((p) => p.requiresGrad).reduce((a, p) => a + p.size, 0);
  return [
    line(head),
    rule,
    ...cells.map(line),
    rule,
    `Total params: ${total.toLocaleString('en-US')}`,
    `Trainable params: ${trainable.toLocaleString('en-US')}`,
    `Non-trainable params: ${(total - trainable).toLocaleString('en-US')}`,
  ].join('\n');
}
