import { add, mul, ones, relu, type Tensor, tensor, zeros } from '@tapegrad/autograd';
import { describe, expect, it } from 'vitest';
import '@tapegrad/autograd/testing'; // expect(...).toAllSatisfy
import {
  AdaptiveAvgPool2d,
  AvgPool2d,
  Dropout2d,
  ELU,
  GELU,
  LayerNorm,
  LeakyReLU,
  LogSoftmax,
  Softmax,
  Softplus,
  BatchNorm1d,
  BatchNorm2d,
  Conv1d,
  Conv2d,
  Dropout,
  Flatten,
  Identity,
  Linear,
  MaxPool2d,
  Module,
  ModuleList,
  Parameter,
  ReLU,
  Sequential,
  Sigmoid,
  Tanh,
  isParameter,
  summary,
} from '../src/index.js';

const vals = (t: Tensor): number[] => Array.from(t.toFloat32Array());

// The example, as written there.
class Net extends Module {
  conv1 = new Conv2d(1, 16, 3);
  scale = new Parameter(ones([1]));
  forward(x: Tensor) {
    return mul(relu(this.conv1.forward(x)), this.scale);
  }
}

describe('Module field registration (Note [field registration])', () => {
  it('Net { conv1 = Conv2d(1,16,3); scale = Parameter(ones([1])) }: namedParameters in declaration order conv1.weight, conv1.bias, scale', () => {
    const net = new Net();
    expect(net.namedParameters().map(([n, t]) => [n, t.shape])).toEqual([
      ['conv1.weight', [16, 1, 3, 3]],
      ['conv1.bias', [16]],
      ['scale', [1]],
    ]);
    expect(net.parameters()).toAllSatisfy((p) => p.requiresGrad);
    expect([...net.stateDict().keys()]).toEqual(['conv1.weight', 'conv1.bias', 'scale']);
    expect(net.namedChildren().map(([n]) => n)).toEqual(['conv1']);
    net.eval();
    expect(net.conv1.training).toBe(false);
    const y = net.forward(zeros([1, 1, 5, 5]));
    expect(y.shape).toEqual([1, 16, 3, 3]);
  });

  it('a field and a registerModule name for the same module keep the registered name (FashionCnn: drop -> "dropout")', () => {
    class M extends Module {
      readonly drop: Dropout;
      fc = this.registerModule('classifier', new Linear(2, 2));
      constructor() {
        super();
        this.drop = this.registerModule('dropout', new Dropout(0.1));
      }
      forward(x: Tensor) {
        return this.fc.forward(this.drop.forward(x));
      }
    }
    const m = new M();
    expect(m.namedModules().map(([n]) => n)).toEqual(['', 'classifier', 'dropout']);
    expect(m.namedParameters().map(([n]) => n)).toEqual(['classifier.weight', 'classifier.bias']);
  });

  it('reassigning a field replaces the registration in place; null removes it; a number on a registered field is a TypeError naming the field', () => {
    class M extends Module {
      a: Module | null = new Linear(2, 3);
      b = new Linear(3, 1);
      forward(x: Tensor) {
        return this.b.forward(this.a!.forward(x));
      }
    }
    const m = new M();
    m.a = new Linear(2, 4);
    expect(m.namedParameters().map(([n, t]) => `${n}:${t.shape}`)).toEqual(['a.weight:4,2', 'a.bias:4', 'b.weight:1,3', 'b.bias:1']);
    m.a = null;
    expect(m.namedParameters().map(([n]) => n)).toEqual(['b.weight', 'b.bias']);
    expect(() => ((m as unknown as { b: number }).b = 3)).toThrow(/M: cannot assign number 3 to field 'b', which holds a registered submodule/);
    // Plain values and plain tensors are not registered (buffers need registerBuffer, as in torch).
    (m as unknown as { t: Tensor }).t = zeros([2]);
    expect(m.stateDict().size).toBe(2);
  });

  it('a module reachable twice is listed once by namedModules, namedParameters and parameters (torch dedup)', () => {
    const shared = new Linear(2, 2);
    const s = new Sequential([shared, new ReLU(), shared]);
    expect(s.namedModules().map(([n]) => n)).toEqual(['', '0', '1']);
    expect(s.parameters()).toHaveLength(2);
    expect(vals(s.forward(tensor([1, 2], [1, 2])))).toHaveLength(2);
  });

  it('new Parameter(t) is t, marked (instanceof Parameter), requiresGrad set; bad arguments name the function', () => {
    const t = zeros([3]);
    const p = new Parameter(t);
    expect(p).toBe(t);
    expect(p instanceof Parameter).toBe(true);
    expect(isParameter(zeros([1]))).toBe(false);
    expect(p.requiresGrad).toBe(true);
    expect(new Parameter(zeros([1]), false).requiresGrad).toBe(false);
    expect(() => new Parameter([1, 2] as unknown as Tensor)).toThrow(/Parameter: data must be a Tensor, got array \[1, 2\]/);
    expect(new Linear(2, 2).weight instanceof Parameter).toBe(true);
  });
});

describe('Module API', () => {
  it('forward(x, y) with two inputs; pre-hook replaces inputs; forward hook sees (module, x, y, inputs); handle.remove() detaches', () => {
    class Pair extends Module {
      forward(x: Tensor, y: Tensor) {
        return add(x, y);
      }
    }
    const m = new Pair();
    const seen: number[][] = [];
    const pre = m.registerForwardPreHook((_m, inputs) => [inputs[0]!, mul(inputs[1]!, 10)]);
    const post = m.registerForwardHook((mod, x, out, inputs) => {
      expect(mod).toBe(m);
      seen.push([...vals(x), ...vals(inputs[1]!), ...vals(out)]);
    });
    expect(vals(m.forward(tensor([1], [1]), tensor([2], [1])))).toEqual([21]);
    expect(seen).toEqual([[1, 20, 21]]);
    pre.remove();
    expect(vals(m.forward(tensor([1], [1]), tensor([2], [1])))).toEqual([3]);
    post();
    m.forward(tensor([1], [1]), tensor([2], [1]));
    expect(seen).toHaveLength(2);
  });

  it('requiresGrad_(false) freezes every parameter; apply visits children before parents; children() and modules()', () => {
    const inner = new Sequential([new Linear(2, 2)]);
    const m = new Sequential({ body: inner, act: new ReLU() });
    expect(m.requiresGrad_(false)).toBe(m);
    expect(m.parameters().map((p) => p.requiresGrad)).toEqual([false, false]);
    m.requiresGrad_();
    expect(m.parameters()).toAllSatisfy((p) => p.requiresGrad);
    const order: string[] = [];
    m.apply((x) => order.push(x.constructor.name));
    expect(order).toEqual(['Linear', 'Sequential', 'ReLU', 'Sequential']);
    expect(m.children()).toEqual([inner, m.getSubmodule('act')]);
    expect(m.modules()).toHaveLength(4);
    expect(() => m.requiresGrad_(0 as unknown as boolean)).toThrow(/requiresGrad_: requiresGrad must be a boolean, got number 0/);
    expect(() => m.apply(null as unknown as () => void)).toThrow(/apply: fn must be a function, got null/);
  });

  it('Sequential takes an array (keys 0, 1, …) or an object; append; bad layers name the key', () => {
    const s = new Sequential([new Linear(3, 2), new ReLU()]);
    expect(s.namedModules().map(([n]) => n)).toEqual(['', '0', '1']);
    s.append(new Sigmoid());
    expect(s.length).toBe(3);
    expect(s.namedParameters().map(([n]) => n)).toEqual(['0.weight', '0.bias']);
    expect(() => new Sequential([new ReLU(), 3 as unknown as Module])).toThrow(/Sequential: layer '1' must be a Module, got number 3/);
  });

  it('ModuleList registers 0, 1, …; at(-1); iterable; not callable; Identity returns its input', () => {
    class Mlp extends Module {
      blocks = new ModuleList([new Linear(4, 8), new Linear(8, 2)]);
      id = new Identity();
      forward(x: Tensor) {
        for (const b of this.blocks) x = b.forward(x);
        return this.id.forward(x);
      }
    }
    const m = new Mlp();
    expect(m.namedParameters().map(([n]) => n)).toEqual(['blocks.0.weight', 'blocks.0.bias', 'blocks.1.weight', 'blocks.1.bias']);
    expect(m.blocks.at(-1)).toBe(m.blocks.at(1));
    expect(m.forward(zeros([3, 4])).shape).toEqual([3, 2]);
    expect(() => m.blocks.forward(zeros([1]))).toThrow(/ModuleList: a ModuleList has no forward/);
    expect(() => m.blocks.at(2)).toThrow(/ModuleList.at: index 2 out of range for 2 modules/);
    const x = zeros([2]);
    expect(new Identity().forward(x)).toBe(x);
  });
});

describe('Module.toString() is PyTorch 1.13 repr (strings printed by test/torch/repr.py)', () => {
  it('each layer', () => {
    const cases: Array<[Module, string]> = [
      [new Conv2d(1, 16, 3, { padding: 1 }), 'Conv2d(1, 16, kernel_size=(3, 3), stride=(1, 1), padding=(1, 1))'],
      [new Conv2d(4, 6, [3, 5], { stride: 2, padding: [1, 2], dilation: 2, bias: false }), 'Conv2d(4, 6, kernel_size=(3, 5), stride=(2, 2), padding=(1, 2), dilation=(2, 2), bias=False)'],
      [new Conv1d(3, 4, 5), 'Conv1d(3, 4, kernel_size=(5,), stride=(1,))'],
      [new Linear(3, 4), 'Linear(in_features=3, out_features=4, bias=True)'],
      [new Linear(3, 4, { bias: false }), 'Linear(in_features=3, out_features=4, bias=False)'],
      [new MaxPool2d(2), 'MaxPool2d(kernel_size=2, stride=2, padding=0, dilation=1, ceil_mode=False)'],
      [new MaxPool2d(3, { stride: 2, padding: 1 }), 'MaxPool2d(kernel_size=3, stride=2, padding=1, dilation=1, ceil_mode=False)'],
      [new AvgPool2d(2), 'AvgPool2d(kernel_size=2, stride=2, padding=0)'],
      [new AvgPool2d(3, { stride: 1, padding: 1 }), 'AvgPool2d(kernel_size=3, stride=1, padding=1)'],
      [new ReLU(), 'ReLU()'],
      [new Sigmoid(), 'Sigmoid()'],
      [new Tanh(), 'Tanh()'],
      [new Flatten(), 'Flatten(start_dim=1, end_dim=-1)'],
      [new Dropout(), 'Dropout(p=0.5, inplace=False)'],
      [new Dropout(0.25), 'Dropout(p=0.25, inplace=False)'],
      [new BatchNorm1d(8), 'BatchNorm1d(8, eps=1e-05, momentum=0.1, affine=True, track_running_stats=True)'],
      [new Identity(), 'Identity()'],
      [new LeakyReLU(), 'LeakyReLU(negative_slope=0.01)'],
      [new LeakyReLU(0.2), 'LeakyReLU(negative_slope=0.2)'],
      [new GELU(), "GELU(approximate='none')"],
      [new GELU('tanh'), "GELU(approximate='tanh')"],
      [new ELU(), 'ELU(alpha=1.0)'],
      [new ELU(0.5), 'ELU(alpha=0.5)'],
      [new Softplus(), 'Softplus(beta=1, threshold=20)'],
      [new Softplus(2, 10), 'Softplus(beta=2, threshold=10)'],
      [new Softmax(1), 'Softmax(dim=1)'],
      [new LogSoftmax(1), 'LogSoftmax(dim=1)'],
      [new LayerNorm(8), 'LayerNorm((8,), eps=1e-05, elementwise_affine=True)'],
      [new LayerNorm([4, 4], { eps: 1e-6, elementwiseAffine: false }), 'LayerNorm((4, 4), eps=1e-06, elementwise_affine=False)'],
      [new AdaptiveAvgPool2d(1), 'AdaptiveAvgPool2d(output_size=1)'],
      [new AdaptiveAvgPool2d([2, 3]), 'AdaptiveAvgPool2d(output_size=(2, 3))'],
      [new AdaptiveAvgPool2d([null, 7]), 'AdaptiveAvgPool2d(output_size=(None, 7))'],
      [new Dropout2d(), 'Dropout2d(p=0.5, inplace=False)'],
      [new Dropout2d(0.1), 'Dropout2d(p=0.1, inplace=False)'],
      [new Sequential(), 'Sequential()'],
      [new ModuleList(), 'ModuleList()'],
    ];
    for (const [m, s] of cases) expect(m.toString()).toBe(s);
    expect(String(new BatchNorm2d(16, { eps: 1e-3, affine: false }))).toBe('BatchNorm2d(16, eps=0.001, momentum=0.1, affine=False, track_running_stats=True)');
    expect(String(new BatchNorm2d(16, { eps: 1e-3, momentum: null, affine: false }))).toBe('BatchNorm2d(16, eps=0.001, momentum=None, affine=False, track_running_stats=True)');
  });

  it('containers indent their children', () => {
    expect(String(new Net())).toBe('Net(\n  (conv1): Conv2d(1, 16, kernel_size=(3, 3), stride=(1, 1))\n)');
    expect(String(new Sequential([new Linear(2, 2), new ReLU()]))).toBe('Sequential(\n  (0): Linear(in_features=2, out_features=2, bias=True)\n  (1): ReLU()\n)');
    expect(String(new ModuleList([new Linear(2, 2), new ReLU()]))).toBe('ModuleList(\n  (0): Linear(in_features=2, out_features=2, bias=True)\n  (1): ReLU()\n)');
    expect(String(new Sequential({ conv1: new Conv2d(1, 16, 3), act: new Sequential([new ReLU()]) }))).toBe(
      'Sequential(\n  (conv1): Conv2d(1, 16, kernel_size=(3, 3), stride=(1, 1))\n  (act): Sequential(\n    (0): ReLU()\n  )\n)',
    );
  });
});

describe('summary(model, inputShape)', () => {
  it('case-study CNN on [2, 1, 28, 28]: rows in call order with output shapes and own parameter counts, totals; training flag restored', () => {
    const model = new Sequential({
      conv1: new Conv2d(1, 16, 3), relu1: new ReLU(),
      conv2: new Conv2d(16, 16, 3), relu2: new ReLU(),
      pool: new MaxPool2d(2), flatten: new Flatten(), fc: new Linear(16 * 12 * 12, 10),
    });
    model.train();
    const text = summary(model, [2, 1, 28, 28]);
    expect(model.training).toBe(true);
    const rows = text.split('\n').map((l) => l.trim().split(/\s{2,}/));
    expect(rows[0]).toEqual(['Layer (type)', 'Output shape', 'Param #']);
    expect(rows.slice(2, 10)).toEqual([
      ['Sequential', '[2, 10]', '--'],
      ['conv1 (Conv2d)', '[2, 16, 26, 26]', '160'],
      ['relu1 (ReLU)', '[2, 16, 26, 26]', '0'],
      ['conv2 (Conv2d)', '[2, 16, 24, 24]', '2,320'],
      ['relu2 (ReLU)', '[2, 16, 24, 24]', '0'],
      ['pool (MaxPool2d)', '[2, 16, 12, 12]', '0'],
      ['flatten (Flatten)', '[2, 2304]', '0'],
      ['fc (Linear)', '[2, 10]', '23,050'],
    ]);
    expect(text).toContain('Total params: 25,530');
    model.getSubmodule('fc').requiresGrad_(false);
    expect(summary(model, [1, 1, 28, 28])).toContain('Trainable params: 2,480\nNon-trainable params: 23,050');
    expect(() => summary(model, [1, 0, 28] as number[])).toThrow(/summary: inputShape must be an array of positive integers \(batch dim included\), got array \[1, 0, 28\]/);
  });
});
