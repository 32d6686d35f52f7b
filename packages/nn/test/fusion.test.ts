import { execFileSync } from 'node:child_process';
import { fileURLToPath } from 'node:url';
import { add, crossEntropy, manualSeed, mul, observeOps, randn, relu, sub, sum, type Tensor, tensor, tidy } from '@tapegrad/autograd';
import { afterEach, describe, expect, it } from 'vitest';
import { fusionEnabled, setFusion, withFusion } from '../src/fusion.js';
import { BatchNorm1d, BatchNorm2d } from '../src/layers/batch-norm.js';
import { Conv2d } from '../src/layers/conv.js';
import { Linear } from '../src/layers/linear.js';
import { MaxPool2d } from '../src/layers/pool.js';
import { Residual } from '../src/layers/residual.js';
import { Sequential } from '../src/layers/sequential.js';
import { Flatten, ReLU } from '../src/layers/simple.js';
import type { Module } from '../src/module.js';

// Note [layer fusion] (src/fusion.ts): Sequential and Conv2d.forwardRelu run conv2dRelu where a
// Conv2d feeds a ReLU that nothing observes, and conv2dReluMaxPool where a MaxPool2d follows. On
// the float32 reference backend both are compositions of the unfused kernels (conv2d → relu →
// maxPool2d; backward reluBackward, maxPool2dBackward, sum), so fused and unfused values and
// gradients are equal bit for bit.

/** The case-study CNN as a Sequential: Conv(1,16,3)-ReLU-Conv(16,16,3)-ReLU-MaxPool(2)-Flatten-Linear(2304,10). */
function cnn(): Sequential {
  manualSeed(7);
  return new Sequential([new Conv2d(1, 16, 3), new ReLU(), new Conv2d(16, 16, 3), new ReLU(), new MaxPool2d(2), new Flatten(), new Linear(2304, 10)]);
}

/** The ops one forward applies (their names, in order). */
function opsOf(model: Module, x: Tensor): string[] {
  const ops: string[] = [];
  tidy(() => observeOps((e) => ops.push(e.op), () => model.forward(x)));
  return ops;
}

/** Logits, loss and every parameter's gradient and the input's after one forward and backward. */
function step(model: Module, x: Tensor, labels: Tensor): Map<string, Float32Array> {
  model.zeroGrad();
  const xg = x.detach();
  xg.requiresGrad = true;
  const out = new Map<string, Float32Array>();
  tidy(() => {
    const logits = model.forward(xg);
    out.set('logits', logits.toFloat32Array());
    const loss = crossEntropy(logits, labels);
    loss.backward();
    out.set('loss', loss.toFloat32Array());
  });
  for (const [name, p] of model.namedParameters()) out.set(`grad ${name}`, p.grad!.toFloat32Array());
  out.set('grad x', xg.grad!.toFloat32Array());
  xg.dispose();
  return out;
}

describe('layer fusion: Conv2d → ReLU runs conv2dRelu, Conv2d → ReLU → MaxPool2d conv2dReluMaxPool (Note [layer fusion])', () => {
  afterEach(() => setFusion(true));
  manualSeed(11);
  const x = randn([4, 1, 28, 28]);
  const labels = tensor([3, 1, 4, 1], [4]);

  it('Sequential x=[4,1,28,28]: conv2dRelu then conv2dReluMaxPool (no maxPool2d op), conv2d + relu + maxPool2d with setFusion(false)', () => {
    const model = cnn();
    expect(fusionEnabled()).toBe(true);
    expect(opsOf(model, x).filter((o) => /conv|relu|pool/i.test(o))).toEqual(['conv2dRelu', 'conv2dReluMaxPool']);
    setFusion(false);
    expect(opsOf(model, x).filter((o) => /conv|relu|pool/i.test(o))).toEqual(['conv2d', 'relu', 'conv2d', 'relu', 'maxPool2d']);
  });

  it('Sequential x=[4,1,28,28]: fused and unfused logits, loss and gradients (parameters and input) equal bit for bit on the reference backend', () => {
    const model = cnn();
    const fused = step(model, x, labels);
    const unfused = withFusion(false, () => step(model, x, labels));
    expect([...fused.keys()]).toEqual(['logits', 'loss', 'grad 0.weight', 'grad 0.bias', 'grad 2.weight', 'grad 2.bias', 'grad 6.weight', 'grad 6.bias', 'grad x']);
    for (const [k, v] of fused) expect(v, k).toEqual(unfused.get(k));
    // Negative control: the comparison sees a slightly different input in the bias gradient.
    const shifted = add(x, 1e-3);
    expect(step(model, shifted, labels).get('grad 0.bias')).not.toEqual(fused.get('grad 0.bias'));
    shifted.dispose();
  });

  it('state dict keys, parameter names and the repr are those of the unfused model', () => {
    const model = cnn();
    const before = [...model.stateDict().keys()];
    opsOf(model, x);
    expect([...model.stateDict().keys()]).toEqual(before);
    expect(before).toEqual(['0.weight', '0.bias', '2.weight', '2.bias', '6.weight', '6.bias']);
    expect(String(model)).toContain('(1): ReLU()');
  });

  it('a forward hook on the conv sees its pre-ReLU output (negatives present): that pair runs unfused, the other stays fused', () => {
    const model = cnn();
    let seen: Float32Array | null = null;
    const remove = model.getSubmodule('2').registerForwardHook((_m, _x, y) => { seen = y.toFloat32Array(); });
    expect(opsOf(model, x).filter((o) => /conv|relu|pool/i.test(o))).toEqual(['conv2dRelu', 'conv2d', 'relu', 'maxPool2d']);
    expect(seen!.some((v) => v < 0)).toBe(true);
    remove();
    expect(opsOf(model, x).filter((o) => /conv|relu|pool/i.test(o))).toEqual(['conv2dRelu', 'conv2dReluMaxPool']);
  });

  it('a forward hook on the MaxPool2d sees its input (the ReLU output, full size): the pool runs alone, the conv and ReLU stay fused', () => {
    const model = cnn();
    let seen: number[] | null = null;
    const remove = model.getSubmodule('4').registerForwardHook((_m, input) => { seen = [...input.shape]; });
    expect(opsOf(model, x).filter((o) => /conv|relu|pool/i.test(o))).toEqual(['conv2dRelu', 'conv2dRelu', 'maxPool2d']);
    expect(seen).toEqual([4, 16, 24, 24]);
    remove();
    class MeanPool extends MaxPool2d {
      override forward(t: Tensor): Tensor { return mul(super.forward(t), 0.5); }
    }
    manualSeed(3);
    expect(opsOf(new Sequential([new Conv2d(1, 4, 3), new ReLU(), new MeanPool(2)]), x)).toEqual(['conv2dRelu', 'maxPool2d', 'mul']);
    expect(opsOf(new Sequential([new Conv2d(1, 4, 3), new MaxPool2d(2), new ReLU()]), x)).toEqual(['conv2d', 'maxPool2d', 'relu']);
  });

  it('Conv2d.forwardReluMaxPool: 2×2 windows, MaxPool2d(3, stride 2, padding 1) after a strided conv, no bias: equal to pool.forward(relu(forward(x))), values and gradients; a non-pool is an error', () => {
    manualSeed(5);
    const cases = [
      [new Conv2d(3, 5, 3, { padding: 1 }), new MaxPool2d(2), [2, 3, 10, 10]],
      [new Conv2d(3, 4, 3, { stride: 2, bias: false }), new MaxPool2d(3, { stride: 2, padding: 1 }), [2, 3, 13, 11]],
    ] as const;
    for (const [conv, pool, shape] of cases) {
      const input = randn([...shape]);
      const run = (f: () => Tensor) => {
        conv.zeroGrad();
        return tidy(() => {
          const y = f();
          sum(mul(y, y)).backward();
          return [y.toFloat32Array(), ...conv.parameters().map((p) => p.grad!.toFloat32Array())];
        });
      };
      expect(opsOf({ forward: (t: Tensor) => conv.forwardReluMaxPool(t, pool) } as unknown as Module, input)).toEqual(['conv2dReluMaxPool']);
      const fused = run(() => conv.forwardReluMaxPool(input, pool));
      expect(fused.length).toBe(conv.bias ? 3 : 2);
      expect(fused).toEqual(run(() => pool.forward(relu(conv.forward(input)))));
      expect(withFusion(false, () => opsOf({ forward: (t: Tensor) => conv.forwardReluMaxPool(t, pool) } as unknown as Module, input))).toEqual(['conv2d', 'relu', 'maxPool2d']);
    }
    expect(() => new Conv2d(1, 2, 3).forwardReluMaxPool(x, new ReLU() as unknown as MaxPool2d)).toThrow('Conv2d.forwardReluMaxPool: pool must be a MaxPool2d, got ReLU');
    expect(() => new Conv2d(2, 2, 3).forwardReluMaxPool(x, new MaxPool2d(2))).toThrow(/Conv2d.*\[N, 2, H, W\]/);
  });

  it('a pre-hook on the conv, a hook on the ReLU, a replaced forward: unfused, and the hook sees the ReLU input', () => {
    const model = cnn();
    const conv = model.getSubmodule('0');
    const remove = conv.registerForwardPreHook(() => undefined);
    expect(opsOf(model, x).slice(0, 2)).toEqual(['conv2d', 'relu']);
    remove();
    let reluInput: Float32Array | null = null;
    const removeRelu = model.getSubmodule('1').registerForwardHook((_m, input) => { reluInput = input.toFloat32Array(); });
    expect(opsOf(model, x).slice(0, 2)).toEqual(['conv2d', 'relu']);
    expect(reluInput!.some((v) => v < 0)).toBe(true);
    removeRelu();
    const inner = conv.forward;
    let calls = 0;
    conv.forward = (t: Tensor) => { calls++; return inner(t); };
    expect(opsOf(model, x).slice(0, 2)).toEqual(['conv2d', 'relu']);
    expect(calls).toBe(1);
    conv.forward = inner;
    expect(opsOf(model, x)[0]).toBe('conv2dRelu');
  });

  it('a Conv2d subclass with its own forward, or a ReLU subclass, runs as written (unfused)', () => {
    class ScaledConv extends Conv2d {
      override forward(t: Tensor): Tensor { return mul(super.forward(t), 2); }
    }
    class ShiftedRelu extends ReLU {
      override forward(t: Tensor): Tensor { return relu(sub(t, 0.1)); }
    }
    manualSeed(3);
    expect(opsOf(new Sequential([new ScaledConv(1, 4, 3), new ReLU()]), x)).toEqual(['conv2d', 'mul', 'relu']);
    expect(opsOf(new Sequential([new Conv2d(1, 4, 3), new ShiftedRelu()]), x)).toEqual(['conv2d', 'sub', 'relu']);
    // A subclass that keeps Conv2d's forward fuses.
    class NamedConv extends Conv2d {}
    expect(opsOf(new Sequential([new NamedConv(1, 4, 3), new ReLU()]), x)).toEqual(['conv2dRelu']);
  });

  it('only a Conv2d directly followed by a ReLU: Conv2d → BatchNorm2d → ReLU (the batch norm and ReLU fuse), a trailing Conv2d, ReLU → Conv2d are unfused; nested Sequentials fuse', () => {
    manualSeed(4);
    const model = new Sequential([
      new Conv2d(1, 4, 3, { padding: 1 }), new BatchNorm2d(4), new ReLU(),
      new Residual(new Sequential([new Conv2d(4, 4, 3, { padding: 1 }), new ReLU()])),
      new ReLU(), new Conv2d(4, 4, 3),
    ]);
    expect(opsOf(model, x).filter((o) => /conv|relu/i.test(o))).toEqual(['conv2d', 'batchNormRelu', 'conv2dRelu', 'relu', 'conv2d']);
  });

  it('Conv2d.forwardRelu x=[2,3,9,9] w=[5,3,3,3] s=2 p=1 d=2 groups=1, and groups=3 w=[6,1,3,3]: equal to relu(forward(x)), values and gradients', () => {
    for (const [conv, c] of [[new Conv2d(3, 5, 3, { stride: 2, padding: 1, dilation: 2 }), 3], [new Conv2d(3, 6, 3, { groups: 3, padding: 1, bias: false }), 3]] as const) {
      const input = randn([2, c, 9, 9]);
      const run = (f: () => Tensor) => {
        conv.zeroGrad();
        return tidy(() => {
          const y = f();
          sum(mul(y, y)).backward();
          return [y.toFloat32Array(), ...conv.parameters().map((p) => p.grad!.toFloat32Array())];
        });
      };
      expect(opsOf({ forward: (t: Tensor) => conv.forwardRelu(t) } as unknown as Module, input)).toEqual(['conv2dRelu']);
      expect(run(() => conv.forwardRelu(input))).toEqual(run(() => relu(conv.forward(input))));
    }
  });

  it('setFusion rejects a non-boolean; withFusion restores the setting after a throw', () => {
    expect(() => setFusion('no' as unknown as boolean)).toThrow("setFusion: on must be a boolean, got 'no'");
    expect(() => withFusion(false, () => { throw new Error('boom'); })).toThrow('boom');
    expect(fusionEnabled()).toBe(true);
  });

  it('TAPEGRAD_FUSION=0 turns fusion off at start-up, =1 or unset leaves it on, another value is an error naming it', () => {
    const dist = fileURLToPath(new URL('../dist/fusion.js', import.meta.url));
    const run = (value: string | undefined) => {
      const env = { ...process.env };
      delete env.TAPEGRAD_FUSION;
      if (value !== undefined) env.TAPEGRAD_FUSION = value;
      try {
        return execFileSync(process.execPath, ['--input-type=module', '-e', `import { fusionEnabled } from ${JSON.stringify(dist)}; console.log(fusionEnabled())`], { env, encoding: 'utf8', stdio: 'pipe' }).trim();
      } catch (e) {
        return String((e as { stderr: string }).stderr).split('\n').find((l) => l.startsWith('Error'));
      }
    };
    expect(run('0')).toBe('false');
    expect(run('1')).toBe('true');
    expect(run(undefined)).toBe('true');
    expect(run('off')).toBe("Error: TAPEGRAD_FUSION must be '0' (layers run unfused) or '1' (fused, the default), got 'off'");
  });
});

describe('layer fusion: BatchNorm2d / BatchNorm1d → ReLU runs batchNormRelu (Note [layer fusion])', () => {
  afterEach(() => setFusion(true));
  manualSeed(12);
  const x = randn([4, 3, 10, 10]);
  const labels = tensor([3, 1, 4, 1], [4]);
  /** A ResNet-style stem and head: Conv → BN → ReLU → Conv → BN → ReLU → Flatten → Linear. */
  const model = () => {
    manualSeed(8);
    return new Sequential([
      new Conv2d(3, 4, 3, { padding: 1, bias: false }), new BatchNorm2d(4), new ReLU(),
      new Conv2d(4, 4, 3, { stride: 2, bias: false }), new BatchNorm2d(4), new ReLU(), new Flatten(), new Linear(64, 10),
    ]);
  };
  const stats = (m: Module) => [...m.stateDict()].filter(([k]) => /running/.test(k)).map(([k, v]) => [k, v.toFloat32Array()] as const);

  it('Sequential: batchNormRelu twice, batchNorm + relu with setFusion(false)', () => {
    const m = model();
    expect(opsOf(m, x).filter((o) => /norm|relu/i.test(o))).toEqual(['batchNormRelu', 'batchNormRelu']);
    setFusion(false);
    expect(opsOf(m, x).filter((o) => /norm|relu/i.test(o))).toEqual(['batchNorm', 'relu', 'batchNorm', 'relu']);
  });

  it('training and eval: fused and unfused logits, loss, gradients and running statistics equal bit for bit on the reference backend', () => {
    for (const training of [true, false]) {
      const [a, b] = [model(), model()];
      a.train(training);
      b.train(training);
      const fused = step(a, x, labels);
      const unfused = withFusion(false, () => step(b, x, labels));
      expect([...fused.keys()]).toContain('grad 1.weight');
      for (const [k, v] of fused) expect(v, `${k} training=${training}`).toEqual(unfused.get(k));
      expect(stats(a)).toEqual(stats(b));
      // The ReLU's mask is in the gradient: the first batch norm's bias gradient is not the
      // unmasked one (negative control on the same model).
      const c = model();
      c.train(training);
      const plain = withFusion(false, () => {
        c.zeroGrad();
        tidy(() => {
          const h = (c.layers[1] as BatchNorm2d).forward((c.layers[0] as Conv2d).forward(x));
          const rest = new Sequential(c.layers.slice(3));
          crossEntropy(rest.forward(h), labels).backward();
        });
        return (c.layers[1] as BatchNorm2d).bias!.grad!.toFloat32Array();
      });
      expect(plain).not.toEqual(fused.get('grad 1.bias'));
    }
  });

  it('a hook on the batch norm or the ReLU, or a batch norm subclass with its own forward, runs unfused; BatchNorm1d on [N, C] fuses', () => {
    const m = model();
    let seen: Float32Array | null = null;
    const remove = m.getSubmodule('1').registerForwardHook((_m, _x, y) => { seen = y.toFloat32Array(); });
    expect(opsOf(m, x).filter((o) => /norm|relu/i.test(o))).toEqual(['batchNorm', 'relu', 'batchNormRelu']);
    expect(seen!.some((v) => v < 0)).toBe(true);
    remove();
    const removeRelu = m.getSubmodule('5').registerForwardPreHook(() => undefined);
    expect(opsOf(m, x).filter((o) => /norm|relu/i.test(o))).toEqual(['batchNormRelu', 'batchNorm', 'relu']);
    removeRelu();
    class ScaledBn extends BatchNorm2d {
      override forward(t: Tensor): Tensor { return mul(super.forward(t), 2); }
    }
    expect(opsOf(new Sequential([new ScaledBn(3), new ReLU()]), x)).toEqual(['batchNorm', 'mul', 'relu']);
    const flat = randn([6, 5]);
    expect(opsOf(new Sequential([new Linear(5, 4), new BatchNorm1d(4), new ReLU()]), flat)).toEqual(['linear', 'batchNormRelu']);
    const bn = new BatchNorm2d(3);
    const run = (f: () => Tensor) => { bn.zeroGrad(); return tidy(() => { const y = f(); sum(mul(y, y)).backward(); return [y.toFloat32Array(), bn.weight!.grad!.toFloat32Array()]; }); };
    expect(run(() => bn.forwardRelu(x))).toEqual(run(() => relu(bn.forward(x))));
  });
});
