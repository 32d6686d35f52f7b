import {
  argmax, argmin, div, dropout, dropout2d, elu, erf, gather, gelu, layerNorm, leakyRelu, manualSeed, mul, norm, softplus, tensor, type Tensor, tidy, unsqueeze,
} from '@tapegrad/autograd';
import { describe, expect, it } from 'vitest';
import {
  AdaptiveAvgPool2d, Conv2d, Dropout2d, ELU, Flatten, GELU, LayerNorm, LeakyReLU, Linear, LogSoftmax, Sequential, Softmax, Softplus,
} from '../../src/layers/index.js';
import { Module } from '../../src/module.js';
import { toOnnx } from '../../src/onnx/index.js';
import { onnx } from '../../src/onnx/proto.js';
import { hasPythonOnnx, maxAbsDiff, onnxCheck, ortRun, ourRun } from './helpers.js';

// Composite ops (Note [composite ops] in @tapegrad/autograd op-observer.ts) export as the ONNX
// node that has their attributes, or as their parts; either way onnxruntime-node must give
// tapegrad's values (≤ 1e-4: float32 values of size ≲ 10 after an 8-term linear layer).
const TOL = 1e-4;
const N = 64;
const F = 8;
/** Inputs from −12 to 12, so that both branches of every activation (and softplus' threshold) are hit. */
const X = Float32Array.from({ length: N * F }, (_, i) => Math.sin(i * 0.7) * 12 * ((i % 5) / 4));

class Head extends Module {
  readonly fc = this.registerModule('fc', new Linear(F, F));
  constructor(readonly f: (h: Tensor, m: Head) => Tensor) {
    super();
  }
  forward(x: Tensor): Tensor {
    return tidy(() => this.f(this.fc.forward(x), this));
  }
}

const opTypes = (bytes: Uint8Array) => onnx.ModelProto.decode(bytes).graph!.node!.map((n) => n.opType!);
const attrsOf = (bytes: Uint8Array, type: string) => {
  const node = onnx.ModelProto.decode(bytes).graph!.node!.find((n) => n.opType === type)!;
  return Object.fromEntries((node.attribute ?? []).map((a) => [a.name, a.f ?? Number(a.i)]));
};

async function check(model: Module, opts: { opset?: number; shape?: number[]; input?: Float32Array } = {}): Promise<Uint8Array> {
  const shape = opts.shape ?? [N, F];
  const input = opts.input ?? X;
  const bytes = toOnnx(model, { inputShape: [1, ...shape.slice(1)], opset: opts.opset });
  const ours = ourRun(model, input, shape);
  const theirs = await ortRun(bytes, input, shape);
  expect(theirs.length).toBe(ours.length);
  expect(maxAbsDiff(ours, theirs)).toBeLessThanOrEqual(TOL);
  if (hasPythonOnnx) expect(onnxCheck(bytes)).toBe('');
  return bytes;
}

describe('toOnnx: composite ops export with their attributes and run under onnxruntime', () => {
  it('elu(α=0.5) → Elu alpha 0.5', async () => {
    manualSeed(1);
    const bytes = await check(new Head((h) => elu(h, 0.5)));
    expect(opTypes(bytes)).toContain('Elu');
    expect(opTypes(bytes)).not.toContain('Where'); // the parts are not exported beside it
    expect(attrsOf(bytes, 'Elu').alpha).toBeCloseTo(0.5, 7);
  });

  it('leakyRelu(0.2) → LeakyRelu alpha 0.2', async () => {
    manualSeed(2);
    const bytes = await check(new Head((h) => leakyRelu(h, 0.2)));
    expect(opTypes(bytes)).toEqual(['Gemm', 'LeakyRelu', 'Identity']);
    expect(attrsOf(bytes, 'LeakyRelu').alpha).toBeCloseTo(0.2, 7);
  });

  it('softplus (β=1, threshold 20) → one Softplus; β=2, threshold 5 → Mul, Softplus, Div and the threshold as Greater/Where', async () => {
    manualSeed(3);
    const plain = await check(new Head((h) => softplus(h)));
    expect(opTypes(plain)).toEqual(['Gemm', 'Softplus', 'Identity']);
    const scaled = await check(new Head((h) => softplus(h, { beta: 2, threshold: 5 })));
    expect(opTypes(scaled)).toEqual(expect.arrayContaining(['Mul', 'Softplus', 'Div', 'Greater', 'Where']));
    const noThreshold = await check(new Head((h) => softplus(h, { beta: 0.5, threshold: Infinity })));
    expect(opTypes(noThreshold)).not.toContain('Where');
  });

  it('negative control: softplus with threshold 1 exported without its Where would differ (the check sees the threshold)', async () => {
    manualSeed(3);
    const m = new Head((h) => softplus(h, { threshold: 1 }));
    const plain = new Head((h) => softplus(h));
    plain.loadStateDict(Object.fromEntries(m.stateDict()));
    const bytes = toOnnx(plain, { inputShape: [1, F] });
    expect(maxAbsDiff(ourRun(m, X, [N, F]), await ortRun(bytes, X, [N, F]))).toBeGreaterThan(1e-2);
  });

  for (const opset of [13, 17]) {
    it(`gelu (exact) at opset ${opset} → x·(1 + Erf(x/√2))/2; gelu tanh → its Mul/Add/Tanh parts`, async () => {
      manualSeed(4);
      const exact = await check(new Head((h) => gelu(h)), { opset });
      expect(opTypes(exact)).toContain('Erf');
      const approx = await check(new Head((h) => gelu(h, { approximate: 'tanh' })), { opset });
      expect(opTypes(approx)).toContain('Tanh');
    });
  }

  it('norm(h, 2, 1, keepdim) → ReduceL2 axes [1]; h / ‖h‖ matches', async () => {
    manualSeed(5);
    const bytes = await check(new Head((h) => div(h, norm(h, 2, 1, { keepdim: true }))));
    expect(opTypes(bytes)).toContain('ReduceL2');
  });

  it('argmax(h, 1) → ArgMax + Cast (the same indices); gather(h, 1, argmax) → GatherElements (the row maxima)', async () => {
    manualSeed(6);
    const am = await check(new Head((h) => argmax(h, 1)));
    expect(opTypes(am)).toEqual(['Gemm', 'ArgMax', 'Cast', 'Identity']);
    const picked = await check(new Head((h) => gather(h, 1, unsqueeze(argmax(h, 1), 1))));
    expect(opTypes(picked)).toContain('GatherElements');
    expect(opTypes(picked)).not.toContain('Where'); // the one-hot parts are not exported
  });

  for (const opset of [13, 17]) {
    it(`layerNorm with weight and bias at opset ${opset} → ${opset >= 17 ? 'LayerNormalization' : 'its ReduceMean/Sub/Div parts'}`, async () => {
      manualSeed(7);
      const ln = new LayerNorm(F);
      // Weight and bias away from 1 and 0, so a wrong input order shows.
      for (const [k, t] of ln.stateDict()) t.backend.copyInPlace(t.storage, t.backend.fromArray(Float32Array.from({ length: F }, (_, i) => (k.endsWith('weight') ? 1 + i / 4 : i / 8 - 0.5))));
      const m = new Head((h, self) => layerNorm(h, [F], self.stateDict().get('ln.weight')!, self.stateDict().get('ln.bias')!));
      m.registerModule('ln', ln);
      const bytes = await check(m, { opset });
      expect(opTypes(bytes).includes('LayerNormalization')).toBe(opset >= 17);
      const noAffine = await check(new Head((h) => layerNorm(h, [F])), { opset });
      expect(opTypes(noAffine).includes('LayerNormalization')).toBe(opset >= 17);
    });
  }

  it('the activation and normalisation layers in a Sequential: LeakyReLU, GELU, ELU, Softplus, LayerNorm, Softmax, LogSoftmax', async () => {
    manualSeed(8);
    const model = new Sequential([
      new Linear(F, 16), new LeakyReLU(0.1), new Linear(16, 16), new GELU(), new ELU(0.7), new LayerNorm(16), new Softplus(1.5, 10), new Linear(16, 10),
      new Softmax(1), new LogSoftmax(1),
    ]);
    for (const opset of [13, 17]) {
      const bytes = await check(model, { opset });
      expect(opTypes(bytes)).toEqual(expect.arrayContaining(['LeakyRelu', 'Erf', 'Elu', 'Softplus', 'LogSoftmax']));
    }
  });

  it('a CNN with Dropout2d and AdaptiveAvgPool2d exports in eval mode (Dropout2d the identity)', async () => {
    manualSeed(9);
    const model = new Sequential([new Conv2d(1, 4, 3), new Dropout2d(0.3), new AdaptiveAvgPool2d(2), new Flatten(), new Linear(16, 10)]);
    const img = Float32Array.from({ length: 4 * 28 * 28 }, (_, i) => Math.cos(i) * 0.5 + 0.5);
    await check(model, { shape: [4, 1, 28, 28], input: img });
  });
});

describe('toOnnx: dropout that forces training mode is an error naming the op and the module path', () => {
  it('dropout(x, p, true) / dropout2d(x, p, true) in a custom forward are refused; dropout(x, p, this.training) exports as the identity', async () => {
    class Forced extends Module {
      constructor(readonly f: (h: Tensor, m: Forced) => Tensor) {
        super();
      }
      forward(h: Tensor): Tensor {
        return this.f(h, this);
      }
    }
    const wrap = (f: (h: Tensor, m: Forced) => Tensor) => new Sequential({ body: new Sequential([new Linear(F, F), new Forced(f)]) });
    expect(() => toOnnx(wrap((h) => dropout(h, 0.5, true)), { inputShape: [1, F] }))
      .toThrow(/toOnnx: op dropout \(in module 'body\.1'\): dropout\(x, 0\.5, true\) forces training mode, whose random mask has no deterministic inference graph/);
    const conv = new Sequential({ body: new Sequential([new Conv2d(1, 2, 3), new Forced((h) => dropout2d(h, 0.25, true))]) });
    expect(() => toOnnx(conv, { inputShape: [1, 1, 6, 6] })).toThrow(/toOnnx: op dropout2d \(in module 'body\.1'\): dropout2d\(x, 0\.25, true\) forces training mode/);
    manualSeed(10);
    const ok = wrap((h, m) => dropout(h, 0.5, m.training));
    const bytes = await check(ok);
    expect(opTypes(bytes)).not.toContain('Mul');
  });
});

describe('fromOnnx reads the composites back: export → import → export', () => {
  for (const opset of [13, 17]) {
    it(`LeakyReLU, ELU, LayerNorm, Softplus and ReduceL2 at opset ${opset}: the imported model gives the same values and re-exports the same graph`, async () => {
      const { fromOnnx } = await import('../../src/onnx/index.js');
      manualSeed(11);
      class Normed extends Module {
        readonly body = this.registerModule('body', new Sequential([new Linear(F, 16), new LeakyReLU(0.1), new ELU(0.7), new LayerNorm(16), new Softplus(), new Linear(16, 10)]));
        forward(x: Tensor): Tensor {
          return tidy(() => {
            const y = this.body.forward(x);
            return div(y, norm(y, 2, 1, { keepdim: true }));
          });
        }
      }
      const normed = new Normed();
      const bytes = toOnnx(normed, { inputShape: [1, F], opset });
      const back = fromOnnx(bytes);
      expect(maxAbsDiff(ourRun(back, X, [N, F]), ourRun(normed, X, [N, F]))).toBeLessThanOrEqual(TOL);
      expect(opTypes(toOnnx(back, { inputShape: [1, F], opset }))).toEqual(opTypes(bytes));
      expect([...back.stateDict().keys()].sort()).toEqual([...normed.stateDict().keys()].sort());
      expect(opTypes(bytes)).toEqual(expect.arrayContaining(['LeakyRelu', 'Elu', 'Softplus', 'ReduceL2', ...(opset >= 17 ? ['LayerNormalization'] : [])]));
    });
  }
});

describe('fromOnnx reads Erf, ArgMax/ArgMin and GatherElements back: export → import → export', () => {
  /** Exports, imports and re-exports `model`: same values as the original (and as onnxruntime, in check), same op types again. */
  async function roundTrip(model: Module, opset = 13): Promise<string[]> {
    const { fromOnnx } = await import('../../src/onnx/index.js');
    const bytes = await check(model, { opset });
    const back = fromOnnx(bytes);
    expect(maxAbsDiff(ourRun(back, X, [N, F]), ourRun(model, X, [N, F]))).toBeLessThanOrEqual(TOL);
    const again = toOnnx(back, { inputShape: [1, F], opset });
    expect(opTypes(again)).toEqual(opTypes(bytes));
    expect(maxAbsDiff(await ortRun(again, X, [N, F]), ourRun(model, X, [N, F]))).toBeLessThanOrEqual(TOL);
    return opTypes(bytes);
  }

  for (const opset of [13, 17]) {
    it(`GELU (exact) in a Sequential at opset ${opset}: its Erf is read back`, async () => {
      manualSeed(12);
      const types = await roundTrip(new Sequential([new Linear(F, 16), new GELU(), new Linear(16, 10)]), opset);
      expect(types).toContain('Erf');
    });
  }

  it('erf(h) on its own → Erf', async () => {
    manualSeed(13);
    expect(await roundTrip(new Head((h) => erf(h)))).toEqual(['Gemm', 'Erf', 'Identity']);
  });

  it('argmax(h, 1), argmax(h, 1, keepdim), argmin(h, 0) → ArgMax / ArgMin + Cast: the same indices after the round trip', async () => {
    manualSeed(14);
    expect(await roundTrip(new Head((h) => argmax(h, 1)))).toEqual(['Gemm', 'ArgMax', 'Cast', 'Identity']);
    expect(await roundTrip(new Head((h) => argmax(h, 1, { keepdim: true })))).toContain('ArgMax');
    expect(await roundTrip(new Head((h) => argmin(h, 0)))).toContain('ArgMin');
  });

  it('gather(h, 1, argmax) (computed indices through Cast) and gather with constant indices → GatherElements', async () => {
    manualSeed(15);
    const picked = await roundTrip(new Head((h) => gather(h, 1, unsqueeze(argmax(h, 1), 1))));
    expect(picked).toEqual(expect.arrayContaining(['ArgMax', 'Cast', 'GatherElements']));
    // Constant indices [1, 3] along dim 1: columns 7, 0, 3 of the first row (a Constant, then Cast and GatherElements).
    const cols = await roundTrip(new Head((h) => mul(gather(h, 1, tensor([7, 0, 3], [1, 3])), 2)));
    expect(cols).toEqual(expect.arrayContaining(['Constant', 'Cast', 'GatherElements']));
  });

  it('negative control: the round-trip comparison sees a wrong index (ArgMin read where ArgMax was written differs by ≥ 1)', async () => {
    const { fromOnnx } = await import('../../src/onnx/index.js');
    manualSeed(14);
    const m = new Head((h) => argmax(h, 1));
    const other = new Head((h) => argmin(h, 1));
    other.loadStateDict(Object.fromEntries(m.stateDict()));
    const back = fromOnnx(toOnnx(other, { inputShape: [1, F] }));
    expect(maxAbsDiff(ourRun(back, X, [N, F]), ourRun(m, X, [N, F]))).toBeGreaterThanOrEqual(1);
  });
});
