import { readFileSync } from 'node:fs';
import { describe, expect, it } from 'vitest';
import {
  adaptiveAvgPool2d, bceWithLogits, conv1d, conv2d, crossEntropy, erf, layerNorm, logSoftmax, nllLoss, argmax, argmin, elu, gather, gelu, leakyRelu, min, norm, softplus, stack, tensor, withBackend, type Tensor,
} from '../src/index.js';
import { expectClose, float64Backend } from '../src/testing/index.js';

// Forward values and gradients pinned against PyTorch 1.13, computed in float64 by
// test/torch/ops-reference.py (run with /usr/bin/python3; the numbers below are its output).
// Each case runs on the float32 reference backend (tolerance: a few float32 ulps, 2⁻²³ relative per
// rounding step) and on the float64 one (tolerance: float64 rounding, except gelu whose erfc fit
// has relative error below 1.2e-7).

const X = [-30, -8, -3, -1.5, -0.5, -1e-3, 0, 1e-3, 0.25, 0.5, 1, 2.5, 4, 15, 30];
const REF = {
  gelu: [-0.0, -4.884981308350689e-15, -0.00404969409489031, -0.10021080190328704, -0.15426876936299344, -0.000499601057786089, 0.0, 0.000500398942213911, 0.14967658142073093, 0.34573123063700656, 0.841344746068543, 2.4844758366855597, 3.9998733150326675, 15.0, 30.0],
  gelu_tanh: [-0.0, -0.0, -0.0036373920817729943, -0.10042842301976707, -0.15428599017485606, -0.000499601057786418, 0.0, 0.000500398942213582, 0.149675350701685, 0.34571400982514394, 0.8411919906082768, 2.484915733910001, 3.9999297540518075, 15.0, 30.0],
  elu: [-0.9999999999999064, -0.9996645373720975, -0.950212931632136, -0.7768698398515702, -0.3934693402873666, -0.000999500166624978, 0.0, 0.001, 0.25, 0.5, 1.0, 2.5, 4.0, 15.0, 30.0],
  elu_a05: [-0.4999999999999532, -0.49983226868604874, -0.475106465816068, -0.3884349199257851, -0.1967346701436833, -0.000499750083312489, 0.0, 0.001, 0.25, 0.5, 1.0, 2.5, 4.0, 15.0, 30.0],
  leaky_relu: [-0.3, -0.08, -0.03, -0.015, -0.005, -1e-05, 0.0, 0.001, 0.25, 0.5, 1.0, 2.5, 4.0, 15.0, 30.0],
  leaky_relu_02: [-6.0, -1.6, -0.6000000000000001, -0.30000000000000004, -0.1, -0.0002, 0.0, 0.001, 0.25, 0.5, 1.0, 2.5, 4.0, 15.0, 30.0],
  softplus: [9.357622968839737e-14, 0.00033540637289576885, 0.04858735157374206, 0.2014132779827524, 0.4740769841801067, 0.6926473055599401, 0.6931471805599453, 0.6936473055599401, 0.8259394198788436, 0.9740769841801067, 1.3132616875182228, 2.5788897342925496, 4.0181499279178094, 15.000000305902274, 30.0],
  softplus_b2_t5: [4.37825538134826e-27, 5.626758419358841e-08, 0.0012378425688652247, 0.02429367578687103, 0.15663084375911143, 0.346073840279931, 0.34657359027997264, 0.347073840279931, 0.48703849209005334, 0.6566308437591114, 1.0634640055214863, 2.503357674244559, 4.0, 15.0, 30.0],
  erf: [-1.0, -1.0, -0.9999779095030014, -0.9661051464753108, -0.5204998778130465, -0.0011283787909692365, 0.0, 0.0011283787909692365, 0.27632639016823696, 0.5204998778130465, 0.8427007929497149, 0.999593047982555, 0.9999999845827421, 1.0, 1.0],
  gelu_grad: [-4.420938404635643e-195, -3.9807546004751306e-14, -0.01194564720418392, -0.1274691922299796, 0.13250487534383712, 0.4992021157051586, 0.5, 0.5007978842948414, 0.695373354883636, 0.8674951246561629, 1.0833154705876864, 1.037611085908145, 1.0005036496612265, 1.0, 1.0],
  elu_grad: [9.357622968840175e-14, 0.00033546262790251185, 0.049787068367863944, 0.22313016014842982, 0.6065306597126334, 0.999000499833375, 1.0, 1.0, 1.0, 1.0, 1.0, 1.0, 1.0, 1.0, 1.0],
  leaky_relu_grad: [0.01, 0.01, 0.01, 0.01, 0.01, 0.01, 0.01, 1.0, 1.0, 1.0, 1.0, 1.0, 1.0, 1.0, 1.0],
  erf_grad: [0.0, 1.8097067968559843e-28, 0.00013925305194674786, 0.11893028922362936, 0.8787825789354448, 1.1283780387169096, 1.1283791670955126, 1.1283780387169096, 1.0600141293761143, 0.8787825789354448, 0.4151074974205947, 0.00217828423035271, 1.2698234671866558e-07, 2.1686857763229878e-98, 0.0],
  softplus_grad: [9.3576229688393e-14, 0.00033535013046647816, 0.04742587317756679, 0.18242552380635632, 0.37754066879814546, 0.49975000002083336, 0.5, 0.5002499999791666, 0.5621765008857981, 0.6224593312018546, 0.7310585786300049, 0.9241418199787564, 0.9820137900379085, 0.9999996940977731, 1.0],
};

type Fn = (x: Tensor) => Tensor;
const F32 = { rtol: 8 * 2 ** -23, atol: 1e-37 };
const F64 = { rtol: 1e-12, atol: 1e-300 };
// gelu: the erfc fit's relative error (< 1.2e-7); and PyTorch's own 0.5x(1 + erf(x/√2)) cancels in
// the left tail (1 + erf is computed to 2⁻⁵³ absolute), so its values there are only good to
// |x|·2⁻⁵³ ≈ 1e-15 (at x = −8 PyTorch gives −4.885e-15, the exact value is −4.977e-15: ours).
const ERFC = { rtol: 4e-7, atol: 1e-15 };
// tanh-gelu in float32: 1 + tanh(·) cancels for negative x (PyTorch's float32 does the same), an
// absolute error up to 0.5·|x|·2⁻²³ ≈ 2e-7 at |x| = 3.
const TANH_CANCEL = { rtol: 8 * 2 ** -23, atol: 4e-7 };

function both(name: string, fn: Fn, want: number[], grad: number[] | null, f64tol = F64, f32tol = F32): void {
  for (const [label, run, tol] of [
    ['float32', <T>(f: () => T) => f(), f32tol],
    ['float64', <T>(f: () => T) => withBackend(float64Backend(), f), f64tol],
  ] as const) {
    it(`${name} x=[15] from -30 to 30 matches PyTorch 1.13 (${label})`, () => {
      run(() => {
        const x = tensor(X, [15], { requiresGrad: true });
        const y = fn(x);
        const t = label === 'float32' ? { rtol: Math.max(tol.rtol, f64tol.rtol), atol: Math.max(tol.atol, f64tol.atol) } : tol;
        expectClose(y, want, { ...t, label: `${name} forward` });
        if (grad) {
          y.sum().backward();
          expectClose(x.grad!, grad, { ...t, label: `${name} gradient` });
        }
      });
    });
  }
}

describe('activations against PyTorch 1.13', () => {
  both('gelu', gelu, REF.gelu, REF.gelu_grad, ERFC);
  both("gelu approximate='tanh'", (x) => gelu(x, { approximate: 'tanh' }), REF.gelu_tanh, null, F64, TANH_CANCEL);
  both('elu', elu, REF.elu, REF.elu_grad);
  both('elu alpha=0.5', (x) => elu(x, 0.5), REF.elu_a05, null);
  both('leakyRelu', leakyRelu, REF.leaky_relu, REF.leaky_relu_grad);
  both('leakyRelu negativeSlope=0.2', (x) => leakyRelu(x, 0.2), REF.leaky_relu_02, null);
  both('softplus', softplus, REF.softplus, REF.softplus_grad);
  both('softplus beta=2 threshold=5', (x) => softplus(x, { beta: 2, threshold: 5 }), REF.softplus_b2_t5, null);
});

describe('erf against PyTorch 1.13', () => {
  both('erf', erf, REF.erf, REF.erf_grad);
  // XE and torch.erf(XE): the 'erf_fine' entry of test/torch/ops-reference.py (the series' middle
  // range, its |x| = 6 cut-off where erf rounds to ±1, and tiny |x| where erf ≈ 2x/√π).
  const XE = [-6.5, -6, -5.9, -5, -3.5, -2, -1.2, -0.8, -0.3, -1e-8, 1e-8, 0.1, 0.6, 0.9, 1.7, 2.8, 4.5, 5.5, 5.95, 7];
  const ERF_FINE = [-1.0, -1.0, -0.9999999999999999, -0.9999999999984626, -0.9999992569016276, -0.9953222650189527, -0.9103139782296354, -0.7421009647076605, -0.3286267594591274, -1.1283791670955126e-08, 1.1283791670955126e-08, 0.1124629160182849, 0.6038560908479259, 0.7969082124228322, 0.9837904585907745, 0.9999249868053346, 0.9999999998033839, 0.9999999999999927, 1.0, 1.0];
  it('erf x=[20] from -6.5 to 7 matches torch.erf (float64 to 1e-14 relative; float32: x and erf(x) each rounded, 2⁻²³ relative)', () => {
    withBackend(float64Backend(), () => expectClose(erf(tensor(XE, [20])), ERF_FINE, { rtol: 1e-14, atol: 0, label: 'erf float64' }));
    expectClose(erf(tensor(XE, [20])), ERF_FINE, { rtol: 2 ** -23, atol: 0, label: 'erf float32' });
  });
  it("erf(-5.9) is above -1 in float64 and erf(±6) is ±1 exactly, as torch.erf", () => {
    withBackend(float64Backend(), () => {
      const y = erf(tensor([-5.9, 6, -6], [3])).toArray();
      expect([y[0]! > -1, y[1], y[2]]).toEqual([true, 1, -1]);
    });
  });
});

describe('reductions, indexing and joins against PyTorch 1.13', () => {
  const M = [1, -2, 3, 0.5, 4, 4, -1, 2, -3, 0, 2, 2];
  const m = () => tensor(M, [3, 4]);
  const vals = (t: Tensor) => Array.from(t.toArray());
  it('argmax M=[3,4] dim=1, dim=0, all (first index on ties)', () => {
    expect(vals(argmax(m(), 1))).toEqual([2, 0, 2]);
    expect(vals(argmax(m(), 0))).toEqual([1, 1, 0, 1]);
    const all = argmax(m());
    expect(all.shape).toEqual([]);
    expect(all.item()).toBe(4);
    expect(argmax(m(), 1, { keepdim: true }).shape).toEqual([3, 1]);
    expect(argmax(m(), 1).requiresGrad).toBe(false);
  });
  it('argmin M=[3,4] dim=1', () => {
    expect(vals(argmin(m(), 1))).toEqual([1, 2, 0]);
  });
  it('argmax x=[4] with NaN: the NaN is the maximum, as in PyTorch', () => {
    expect(argmax(tensor([1, NaN, 5, NaN], [4])).item()).toBe(1);
  });
  it('min M=[3,4] dim=1 (amin)', () => {
    expect(vals(min(m(), 1))).toEqual([-2, -1, -3]);
  });
  it('norm M=[3,4]: 2-norm, p=1 dim=1, p=Infinity dim=0, p=3 dim=1, p=0', () => {
    expectClose(norm(m()), [8.261355820929152], F32);
    expect(vals(norm(m(), 1, 1))).toEqual([6.5, 11, 7]);
    expect(vals(norm(m(), Infinity, 0))).toEqual([4, 4, 3, 2]);
    expectClose(norm(m(), 3, 1), [3.305744509228972, 5.155136735475772, 3.503398060386724], { rtol: 4 * 2 ** -23 * 4, atol: 0 });
    expect(norm(m(), 0).item()).toBe(11);
  });
  it('gather M=[3,4] dim=1 index=[3,2] and dim=0 index=[1,4]', () => {
    expect(vals(gather(m(), 1, tensor([3, 0, 1, 1, 0, 2], [3, 2])))).toEqual([0.5, 1, 4, 4, -3, 2]);
    const g0 = gather(m(), 0, tensor([2, 0, 1, 1], [1, 4]));
    expect(g0.shape).toEqual([1, 4]);
    expect(vals(g0)).toEqual([-3, -2, -1, 2]);
  });
  it('stack [M, 2M] dim=1 -> [3,2,4]', () => {
    const s = stack([m(), m().mul(2)], 1);
    expect(s.shape).toEqual([3, 2, 4]);
    expect(vals(s).slice(0, 8)).toEqual([1, -2, 3, 0.5, 2, -4, 6, 1]);
  });
});

// ---- losses, layer norm, adaptive pooling: test/torch/losses-reference.json, written by
// `/usr/bin/python3 test/torch/losses-reference.py > test/torch/losses-reference.json` (PyTorch 1.13,
// float64). Gradients are of y.sum() for losses, of Σ y·arange for layerNorm and pooling.
interface Ref { value: number | number[]; grad: number[]; shape?: number[] }
const LREF = JSON.parse(readFileSync(new URL('./torch/losses-reference.json', import.meta.url), 'utf8')) as Record<string, Ref>;
const LOGITS = [1, -2, 3, 0.5, 4, 4, -1, 2, -3, 0, 2, 2, 0.1, 0.2, 0.3, -0.4, 2, -1, 0, 1];
const T = [2, 0, 3, 1, -100];
const T2 = [2, 0, 3, 1, 1];
const W = [0.5, 2, 1, 3];
const Y = [1, 0, 0.5, 1, 0, 0, 1, 0.2, 1, 1, 0, 0, 0.3, 0.7, 1, 0, 0, 1, 1, 1];

/** Runs fn on both reference backends and compares value and gradient with PyTorch's. */
function against(key: string, fn: (x: Tensor) => Tensor, input: { data: number[]; shape: number[] }, seed: 'sum' | 'arange', f32 = { rtol: 64 * 2 ** -23, atol: 64 * 2 ** -23 }): void {
  const ref = LREF[key]!;
  for (const [label, run, tol] of [
    ['float32', <R>(f: () => R) => f(), f32],
    ['float64', <R>(f: () => R) => withBackend(float64Backend(), f), { rtol: 1e-12, atol: 1e-12 }],
  ] as const) {
    it(`${key} x=${JSON.stringify(input.shape)} matches PyTorch 1.13 (${label})`, () => {
      run(() => {
        const x = tensor(input.data, input.shape, { requiresGrad: true });
        const y = fn(x);
        if (ref.shape) expect(y.shape).toEqual(ref.shape);
        expectClose(y, typeof ref.value === 'number' ? [ref.value] : ref.value.flat(), { ...tol, label: `${key} value` });
        const g = seed === 'sum' ? y.sum() : y.mul(tensor(Array.from({ length: y.size }, (_, i) => i), y.shape)).sum();
        g.backward();
        expectClose(x.grad!, ref.grad, { ...tol, label: `${key} gradient` });
      });
    });
  }
}

describe('crossEntropy with weight, ignoreIndex and labelSmoothing, nllLoss, bceWithLogits against PyTorch 1.13', () => {
  const L = { data: LOGITS, shape: [5, 4] };
  const w = () => tensor(W, [4]);
  for (const reduction of ['mean', 'sum', 'none'] as const) {
    against(`ce_w_ign_${reduction}`, (x) => crossEntropy(x, T, { weight: w(), reduction }), L, 'sum');
    against(`ce_ign_${reduction}`, (x) => crossEntropy(x, T, { reduction }), L, 'sum');
    against(`ce_w_${reduction}`, (x) => crossEntropy(x, T2, { weight: w(), reduction }), L, 'sum');
    against(`ce_w_ign_ls_${reduction}`, (x) => crossEntropy(x, T, { weight: w(), reduction, labelSmoothing: 0.2 }), L, 'sum');
    against(`ce_ign_ls_${reduction}`, (x) => crossEntropy(x, T, { reduction, labelSmoothing: 0.2 }), L, 'sum');
    against(`ce_ign1_${reduction}`, (x) => crossEntropy(x, T2, { reduction, ignoreIndex: 1 }), L, 'sum');
    against(`nll_w_ign_${reduction}`, (x) => nllLoss(logSoftmax(x, 1), T, { weight: w(), reduction }), L, 'sum');
    against(`nll_${reduction}`, (x) => nllLoss(x, tensor(T2, [5]), { reduction }), L, 'sum');
    against(`bce_${reduction}`, (x) => bceWithLogits(x.mul(10), tensor(Y, [5, 4]), { reduction }), L, 'sum');
    against(`bce_w_pw_${reduction}`, (x) => bceWithLogits(x, tensor(Y, [5, 4]), { weight: tensor([1, 2, 0.5, 1.5], [4]), posWeight: tensor([3, 1, 0.25, 2], [4]), reduction }), L, 'sum');
  }
  it('crossEntropy with every target ignored: mean is NaN (0/0), as in PyTorch; sum is 0', () => {
    expect(crossEntropy(tensor(LOGITS.slice(0, 8), [2, 4]), [-100, -100]).item()).toBeNaN();
    expect(crossEntropy(tensor(LOGITS.slice(0, 8), [2, 4]), [-100, -100], { reduction: 'sum' }).item()).toBe(0);
  });
  it('crossEntropy without weight or ignored targets keeps the fused kernel (one tape entry)', () => {
    const x = tensor(LOGITS, [5, 4], { requiresGrad: true });
    expect(crossEntropy(x, T2, { reduction: 'none' }).gradFn!.op).toBe('crossEntropy');
  });
});

describe('layerNorm and adaptiveAvgPool2d against PyTorch 1.13', () => {
  const X = { data: [0.5, -1, 2, 3, 0, -2, 1, 1.5, -0.5, 0.25, -3, 4], shape: [2, 2, 3] };
  against('ln_last', (x) => layerNorm(x, [3], tensor([1.5, -0.5, 2], [3]), tensor([0.1, 0.2, -0.3], [3])), X, 'arange');
  against('ln_last2', (x) => layerNorm(x, [2, 3], null, null, 1e-3), X, 'arange');
  const P = { data: Array.from({ length: 140 }, (_, i) => Math.sin(i)), shape: [2, 2, 7, 5] };
  against('aap_3x2', (x) => adaptiveAvgPool2d(x, [3, 2]), P, 'arange');
  against('aap_1', (x) => adaptiveAvgPool2d(x, 1), P, 'arange');
  against('aap_7x5', (x) => adaptiveAvgPool2d(x, [7, 5]), P, 'arange');
  against('aap_none_4', (x) => adaptiveAvgPool2d(x, [null, 4]), P, 'arange');
});

// ---- grouped and depthwise convolution: test/torch/conv-groups-reference.json, written by
// `/usr/bin/python3 test/torch/conv-groups-reference.py > test/torch/conv-groups-reference.json`
// (PyTorch 1.13, float64; inputs and dy from torch.manual_seed(0) are in the file). Gradients are
// of Σ y·dy. Float32 tolerance: inputs rounded to float32 and sums of `terms` products of normal
// data (|x·w| up to ~16), each rounding off by ≤ 2⁻²⁴ relative: 16·terms·2⁻²³.
interface ConvRef {
  dim: 1 | 2;
  options: { stride?: number | [number, number]; padding?: number | [number, number]; dilation?: number | [number, number]; groups: number };
  x: { shape: number[]; data: number[] }; w: { shape: number[]; data: number[] }; b: number[] | null;
  y: { shape: number[]; data: number[] }; dy: number[]; dx: number[]; dw: number[]; db: number[] | null;
}
const CREF = JSON.parse(readFileSync(new URL('./torch/conv-groups-reference.json', import.meta.url), 'utf8')) as Record<string, ConvRef>;

describe('grouped and depthwise conv2d / conv1d against PyTorch 1.13', () => {
  for (const [name, c] of Object.entries(CREF)) {
    const k = c.w.shape.slice(2).reduce((a, b) => a * b, 1);
    const groups = c.options.groups;
    const spatial = c.y.shape.slice(2).reduce((a, b) => a * b, 1);
    const f32 = (terms: number) => ({ rtol: 16 * terms * 2 ** -23, atol: 16 * terms * 2 ** -23 });
    for (const [label, run, f64] of [
      ['float32', <R>(f: () => R) => f(), false],
      ['float64', <R>(f: () => R) => withBackend(float64Backend(), f), true],
    ] as const) {
      it(`${name} matches PyTorch 1.13 forward and gradients (${label})`, () => {
        run(() => {
          const tol = (terms: number) => (f64 ? { rtol: 1e-12, atol: 1e-12 } : f32(terms));
          const x = tensor(c.x.data, c.x.shape, { requiresGrad: true });
          const w = tensor(c.w.data, c.w.shape, { requiresGrad: true });
          const b = c.b ? tensor(c.b, [c.b.length], { requiresGrad: true }) : null;
          const y = c.dim === 2
            ? conv2d(x, w, b, c.options)
            : conv1d(x, w, b, c.options as { stride?: number; padding?: number; dilation?: number; groups: number });
          expect(y.shape).toEqual(c.y.shape);
          expectClose(y, c.y.data, { ...tol(c.w.shape[1]! * k), label: `${name} y` });
          y.mul(tensor(c.dy, c.y.shape)).sum().backward();
          expectClose(x.grad!, c.dx, { ...tol((c.w.shape[0]! / groups) * k), label: `${name} dx` });
          expectClose(w.grad!, c.dw, { ...tol(c.x.shape[0]! * spatial), label: `${name} dw` });
          if (b) expectClose(b.grad!, c.db!, { ...tol(c.x.shape[0]! * spatial), label: `${name} db` });
        });
      });
    }
  }
  it('the PyTorch file holds depthwise, depthwise ×2 and conv1d cases (the loop above is not empty)', () => {
    const names = Object.keys(CREF);
    expect(names).toContainEqual(expect.stringContaining('(depthwise)'));
    expect(names).toContainEqual(expect.stringContaining('multiplier 2'));
    expect(names.filter((n) => n.startsWith('conv1d')).length).toBeGreaterThan(0);
  });
});
