import { add, manualSeed, mul, randn, sub, sum, type Tensor, tensor, tidy, withBackend, zeros } from '@tapegrad/autograd';
import { float64Backend } from '@tapegrad/autograd/testing';
import { describe, expect, it } from 'vitest';
import { Linear } from '../src/layers/linear.js';
import { l1Penalty, l2Penalty, mseLoss } from '../src/losses.js';
import { Adam, AdamW } from '../src/optim/adam.js';
import { CosineAnnealingLR, LinearWarmup, StepLR } from '../src/optim/lr-scheduler.js';
import { SGD } from '../src/optim/sgd.js';

// Hand-computed steps run on the float64 reference backend, so the only differences from the
// expected arithmetic (done in JS doubles) are reassociations inside the fused update: a few
// roundings of 2^-53 relative on values of order 1. TOL allows 64 of them.
const TOL = 64 * 2 ** -53;
const f64 = <T>(fn: () => T): T => withBackend(float64Backend(), fn);
const vals = (t: Tensor): number[] => Array.from(t.toArray());

function expectNear(actual: number[], expected: number[], tol = TOL): void {
  expect(actual.length).toBe(expected.length);
  actual.forEach((a, i) => {
    const scale = Math.max(1, Math.abs(expected[i]!));
    if (!(Math.abs(a - expected[i]!) <= tol * scale)) throw new Error(`index ${i}: ${a} vs expected ${expected[i]} (tol ${tol * scale})`);
  });
}

/** The tiny problem: L(p) = ½·Σ(p − target)², so ∂L/∂p = p − target. Leaves p.grad set. */
const TARGET = [0, 1, -1];
function backwardQuad(p: Tensor, extra?: (p: Tensor) => Tensor): void {
  tidy(() => {
    const d = sub(p, tensor(TARGET, [3]));
    let loss = mul(sum(mul(d, d)), 0.5);
    if (extra) loss = add(loss, extra(p));
    loss.backward();
  });
}
const P0 = [1, -2, 3];
const grad = (p: number[]) => p.map((v, i) => v - TARGET[i]!);

describe('SGD (torch.optim.SGD semantics)', () => {
  it('plain lr=0.1, p=[1,-2,3], L=½Σ(p−t)²: p ← p − lr·g; first step gives [0.9,-1.7,2.6]', () => {
    f64(() => {
      const p = tensor(P0, [3], { requiresGrad: true });
      const opt = new SGD([p], { lr: 0.1 });
      let e = [...P0];
      for (let t = 0; t < 3; t++) {
        backwardQuad(p);
        opt.step();
        opt.zeroGrad();
        const g = grad(e);
        e = e.map((v, i) => v - 0.1 * g[i]!);
        if (t === 0) expectNear(e, [0.9, -1.7, 2.6]); // g = [1, -3, 4]
        expectNear(vals(p), e);
      }
      expect(p.grad).toBeNull();
    });
  });

  it('momentum=0.9 lr=0.1, 3 steps: buf₁ = g₁ (no dampening on the first step), bufₜ = μ·buf + g, p ← p − lr·buf', () => {
    f64(() => {
      const p = tensor(P0, [3], { requiresGrad: true });
      const opt = new SGD([p], { lr: 0.1, momentum: 0.9 });
      let e = [...P0];
      let buf: number[] | null = null;
      for (let t = 0; t < 3; t++) {
        backwardQuad(p);
        opt.step();
        opt.zeroGrad();
        const g = grad(e);
        buf = buf ? buf.map((b, i) => 0.9 * b + g[i]!) : [...g];
        e = e.map((v, i) => v - 0.1 * buf![i]!);
        // step 2 by hand: p₁ = [0.9,-1.7,2.6], g₂ = [0.9,-2.7,3.6], buf₂ = 0.9·[1,-3,4] + g₂ = [1.8,-5.4,7.2]
        if (t === 1) expectNear(e, [0.9 - 0.18, -1.7 + 0.54, 2.6 - 0.72]);
        expectNear(vals(p), e);
      }
    });
  });

  it('nesterov momentum=0.9 lr=0.1, 3 steps: p ← p − lr·(g + μ·buf)', () => {
    f64(() => {
      const p = tensor(P0, [3], { requiresGrad: true });
      const opt = new SGD([p], { lr: 0.1, momentum: 0.9, nesterov: true });
      let e = [...P0];
      let buf: number[] | null = null;
      for (let t = 0; t < 3; t++) {
        backwardQuad(p);
        opt.step();
        opt.zeroGrad();
        const g = grad(e);
        buf = buf ? buf.map((b, i) => 0.9 * b + g[i]!) : [...g];
        e = e.map((v, i) => v - 0.1 * (g[i]! + 0.9 * buf![i]!));
        // step 1 by hand: buf₁ = g₁ = [1,-3,4], update = 1.9·g₁
        if (t === 0) expectNear(e, [1 - 0.19, -2 + 0.57, 3 - 0.76]);
        expectNear(vals(p), e);
      }
    });
  });

  it('weightDecay=0.5 lr=0.1, 2 steps: g ← g + wd·p; first step p = [1,-2,3] − 0.1·([1,-3,4] + [0.5,-1,1.5])', () => {
    f64(() => {
      const p = tensor(P0, [3], { requiresGrad: true });
      const opt = new SGD([p], { lr: 0.1, weightDecay: 0.5 });
      let e = [...P0];
      for (let t = 0; t < 2; t++) {
        backwardQuad(p);
        opt.step();
        opt.zeroGrad();
        const g = grad(e).map((gi, i) => gi + 0.5 * e[i]!);
        e = e.map((v, i) => v - 0.1 * g[i]!);
        if (t === 0) expectNear(e, [0.85, -1.6, 2.45]);
        expectNear(vals(p), e);
      }
    });
  });

  it('momentum=0.9 dampening=0.5 lr=0.1, 3 steps: buf₁ = g₁, then buf = μ·buf + (1−τ)·g', () => {
    f64(() => {
      const p = tensor(P0, [3], { requiresGrad: true });
      const opt = new SGD([p], { lr: 0.1, momentum: 0.9, dampening: 0.5 });
      let e = [...P0];
      let buf: number[] | null = null;
      for (let t = 0; t < 3; t++) {
        backwardQuad(p);
        opt.step();
        opt.zeroGrad();
        const g = grad(e);
        buf = buf ? buf.map((b, i) => 0.9 * b + 0.5 * g[i]!) : [...g];
        e = e.map((v, i) => v - 0.1 * buf![i]!);
        // The first step is undampened: the same as plain SGD.
        if (t === 0) expectNear(e, [0.9, -1.7, 2.6]);
        expectNear(vals(p), e);
      }
    });
  });

  it('nesterov with dampening ≠ 0 or momentum 0 is rejected', () => {
    const p = tensor(P0, [3], { requiresGrad: true });
    expect(() => new SGD([p], { lr: 0.1, momentum: 0.9, nesterov: true, dampening: 0.1 })).toThrow(/SGD: nesterov requires momentum > 0 and dampening 0/);
    expect(() => new SGD([p], { lr: 0.1, nesterov: true })).toThrow(/SGD: nesterov requires momentum > 0 and dampening 0/);
    expect(() => new SGD([p], { lr: -1 })).toThrow(/learning rate/);
  });

  it('param groups [{a, lr 0.1}, {b}] with default lr 0.01: each group uses its own lr; a parameter without grad is untouched', () => {
    f64(() => {
      const a = tensor([1, 2], [2], { requiresGrad: true });
      const b = tensor([3, 4], [2], { requiresGrad: true });
      const c = tensor([5], [1], { requiresGrad: true });
      const opt = new SGD([{ params: [a], lr: 0.1 }, { params: [b, c] }], { lr: 0.01 });
      expect(opt.paramGroups.map((g) => g.lr)).toEqual([0.1, 0.01]);
      a.grad = tensor([1, -1], [2]);
      b.grad = tensor([2, -2], [2]);
      opt.step();
      expectNear(vals(a), [1 - 0.1, 2 + 0.1]);
      expectNear(vals(b), [3 - 0.02, 4 + 0.02]);
      expect(vals(c)).toEqual([5]);
    });
  });
});

describe('Adam / AdamW', () => {
  const b1 = 0.9;
  const b2 = 0.999;
  const eps = 1e-8;

  /** The textbook Adam step (Kingma & Ba, as torch.optim.Adam). */
  function adamRef(p: number[], g: number[], m: number[], v: number[], t: number, lr: number): number[] {
    return p.map((pi, i) => {
      m[i] = b1 * m[i]! + (1 - b1) * g[i]!;
      v[i] = b2 * v[i]! + (1 - b2) * g[i]! * g[i]!;
      const mhat = m[i]! / (1 - b1 ** t);
      const vhat = v[i]! / (1 - b2 ** t);
      return pi - (lr * mhat) / (Math.sqrt(vhat) + eps);
    });
  }

  it('Adam lr=0.1 on p=[1,-2,3], 3 steps with bias correction; step 1 moves each p by ≈ lr·sign(g)', () => {
    f64(() => {
      const p = tensor(P0, [3], { requiresGrad: true });
      const opt = new Adam([p], { lr: 0.1 });
      let e = [...P0];
      const m = [0, 0, 0];
      const v = [0, 0, 0];
      for (let t = 1; t <= 3; t++) {
        backwardQuad(p);
        opt.step();
        opt.zeroGrad();
        e = adamRef(e, grad(e), m, v, t, 0.1);
        // Step 1: m̂ = g, v̂ = g², so Δp = −lr·g/(|g| + eps) = −0.1·sign(g)·(1 − eps/|g| + …).
        if (t === 1) expectNear(e, [1 - 0.1 / (1 + eps), -2 + (0.1 * 3) / (3 + eps), 3 - (0.1 * 4) / (4 + eps)]);
        expectNear(vals(p), e);
      }
    });
  });

  it('Adam weightDecay=0.1 (L2 added to g) vs AdamW weightDecay=0.1 (p ← p·(1 − lr·wd) first), lr=0.1, 2 steps: hand-checked and different', () => {
    f64(() => {
      const pa = tensor(P0, [3], { requiresGrad: true });
      const pw = tensor(P0, [3], { requiresGrad: true });
      const adam = new Adam([pa], { lr: 0.1, weightDecay: 0.1 });
      const adamw = new AdamW([pw], { lr: 0.1, weightDecay: 0.1 });
      let ea = [...P0];
      let ew = [...P0];
      const ma = [0, 0, 0], va = [0, 0, 0], mw = [0, 0, 0], vw = [0, 0, 0];
      for (let t = 1; t <= 2; t++) {
        backwardQuad(pa);
        backwardQuad(pw);
        adam.step();
        adamw.step();
        adam.zeroGrad();
        adamw.zeroGrad();
        const gA = grad(ea).map((g, i) => g + 0.1 * ea[i]!);
        ea = adamRef(ea, gA, ma, va, t, 0.1);
        const gW = grad(ew);
        ew = adamRef(ew.map((x) => x * (1 - 0.1 * 0.1)), gW, mw, vw, t, 0.1);
        expectNear(vals(pa), ea);
        expectNear(vals(pw), ew);
      }
      // Step 1 of AdamW by hand: p·0.99 − 0.1·sign(g) (g = [1,-3,4]): [0.89, -1.88, 2.87] up to eps terms.
      expect(Math.max(...vals(pa).map((x, i) => Math.abs(x - vals(pw)[i]!)))).toBeGreaterThan(1e-3);
    });
  });

  it('zero gradient, p=[1,-2,3], lr=0.1, wd=0.1: AdamW scales p by exactly (1 − lr·wd) = 0.99; Adam moves p by the Adam step ≈ −lr·sign(p)', () => {
    f64(() => {
      const pw = tensor(P0, [3], { requiresGrad: true });
      const pa = tensor(P0, [3], { requiresGrad: true });
      const adamw = new AdamW([pw], { lr: 0.1, weightDecay: 0.1 });
      const adam = new Adam([pa], { lr: 0.1, weightDecay: 0.1 });
      pw.grad = zeros([3]);
      pa.grad = zeros([3]);
      adamw.step();
      adam.step();
      // m = v = 0, so AdamW's Adam part is 0/(0 + eps) = 0: only the decay acts, one multiply per element.
      expect(vals(pw)).toEqual(P0.map((x) => x * (1 - 0.1 * 0.1)));
      // Adam: g = wd·p = [0.1,-0.2,0.3], first step Δp = −lr·g/(|g| + eps).
      expectNear(vals(pa), P0.map((x) => x - (0.1 * 0.1 * x) / (Math.abs(0.1 * x) + eps)));
    });
  });

  it('AdamW defaults to weightDecay 0.01, Adam to 0; betas (0.9, 0.999), eps 1e-8, lr 1e-3', () => {
    const p = tensor([1], [1], { requiresGrad: true });
    const w = new AdamW([p]).paramGroups[0]!;
    const a = new Adam([p]).paramGroups[0]!;
    expect([w.weightDecay, a.weightDecay, a.lr, a.eps, ...a.betas]).toEqual([0.01, 0, 1e-3, 1e-8, 0.9, 0.999]);
  });
});

describe('penalties on the loss vs options on the optimizer', () => {
  const P = [0.5, -1.5, 2];

  for (const [name, make] of [
    ['SGD lr=0.1 momentum=0.9', (ps: Tensor[], l1: number) => new SGD(ps, { lr: 0.1, momentum: 0.9, l1 })],
    ['Adam lr=0.05', (ps: Tensor[], l1: number) => new Adam(ps, { lr: 0.05, l1 })],
  ] as const) {
    it(`${name}: l1=0.3 on the optimizer equals l1Penalty(params, 0.3) added to the loss, 3 steps`, () => {
      f64(() => {
        const a = tensor(P, [3], { requiresGrad: true });
        const b = tensor(P, [3], { requiresGrad: true });
        const oa = make([a], 0.3);
        const ob = make([b], 0);
        for (let t = 0; t < 3; t++) {
          backwardQuad(a);
          backwardQuad(b, (p) => l1Penalty([p], 0.3));
          oa.step();
          ob.step();
          oa.zeroGrad();
          ob.zeroGrad();
        }
        expectNear(vals(a), vals(b));
        // And the penalty did something: without it the parameters differ.
        const c = tensor(P, [3], { requiresGrad: true });
        const oc = make([c], 0);
        for (let t = 0; t < 3; t++) {
          backwardQuad(c);
          oc.step();
          oc.zeroGrad();
        }
        expect(Math.max(...vals(c).map((v, i) => Math.abs(v - vals(a)[i]!)))).toBeGreaterThan(1e-6);
      });
    });
  }

  it('l1Penalty([p, q], λ) = λ·Σ|p|; l2Penalty = (λ/2)·Σp²', () => {
    f64(() => {
      const p = tensor([1, -2], [2]);
      const q = tensor([3], [1]);
      expectNear([l1Penalty([p, q], 0.5).item()], [0.5 * 6]);
      expectNear([l2Penalty([p, q], 0.5).item()], [0.25 * 14]);
    });
  });

  it('SGD lr=0.1 momentum=0.5 weightDecay=0.2 equals SGD without decay on loss + l2Penalty(params, 0.2), 3 steps', () => {
    f64(() => {
      const a = tensor(P, [3], { requiresGrad: true });
      const b = tensor(P, [3], { requiresGrad: true });
      const oa = new SGD([a], { lr: 0.1, momentum: 0.5, weightDecay: 0.2 });
      const ob = new SGD([b], { lr: 0.1, momentum: 0.5 });
      for (let t = 0; t < 3; t++) {
        backwardQuad(a);
        backwardQuad(b, (p) => l2Penalty([p], 0.2));
        oa.step();
        ob.step();
        oa.zeroGrad();
        ob.zeroGrad();
      }
      expectNear(vals(a), vals(b));
    });
  });
});

describe('state() / loadState()', () => {
  // Float32 reference backend (the training default): state buffers are float32, so a resumed run
  // must match the uninterrupted one bit for bit.
  const bits = (t: Tensor) => Array.from(new Uint32Array(t.toFloat32Array().buffer));

  for (const [name, make] of [
    ['Adam lr=0.01', (ps: Tensor[]) => new Adam(ps, { lr: 0.01 })],
    ['AdamW lr=0.01 wd=0.1', (ps: Tensor[]) => new AdamW(ps, { lr: 0.01, weightDecay: 0.1 })],
    ['SGD lr=0.05 momentum=0.9 dampening=0.3', (ps: Tensor[]) => new SGD(ps, { lr: 0.05, momentum: 0.9, dampening: 0.3 })],
  ] as const) {
    it(`${name} on Linear(4,3), x=[8,4]: 3 steps, copy weights + loadState(state()) into a fresh pair, 3 more steps each: identical bits`, () => {
      manualSeed(7);
      const x = randn([8, 4]);
      const y = randn([8, 3]);
      const stepOn = (m: Linear, o: { step(): void; zeroGrad(): void }) => {
        tidy(() => mseLoss(m.forward(x), y).backward());
        o.step();
        o.zeroGrad();
      };
      const a = new Linear(4, 3);
      const oa = make(a.parameters());
      for (let t = 0; t < 3; t++) stepOn(a, oa);
      const b = new Linear(4, 3);
      b.loadStateDict(a.stateDict());
      const ob = make(b.parameters());
      ob.loadState(oa.state());
      // A control pair that gets the weights but not the optimizer state.
      const c = new Linear(4, 3);
      c.loadStateDict(a.stateDict());
      const oc = make(c.parameters());
      for (let t = 0; t < 3; t++) {
        stepOn(a, oa);
        stepOn(b, ob);
        stepOn(c, oc);
      }
      expect(bits(b.weight)).toEqual(bits(a.weight));
      expect(bits(b.bias!)).toEqual(bits(a.bias!));
      expect(ob.state().params.map((p) => p.step)).toEqual([6, 6]);
      expect(bits(c.weight)).not.toEqual(bits(a.weight));
    });
  }

  it('loadState with a different number of parameters is an error naming both counts', () => {
    const a = new Linear(2, 2);
    const st = new SGD(a.parameters(), { lr: 0.1 }).state();
    expect(() => new SGD([a.weight], { lr: 0.1 }).loadState(st)).toThrow(/state has 1 groups \/ 2 parameters, optimizer has 1 \/ 1/);
  });
});

describe('learning-rate schedules', () => {
  const optWith = (lrs: number[]) => new SGD(lrs.map((lr) => ({ params: [tensor([0], [1], { requiresGrad: true })], lr })), { lr: 1 });
  const run = (s: { step(): void; getLastLr(): number[] }, n: number) => {
    const out = [s.getLastLr()];
    for (let i = 0; i < n; i++) {
      s.step();
      out.push(s.getLastLr());
    }
    return out;
  };
  const near = (a: number[][], e: number[][]) => a.forEach((row, i) => expectNear(row, e[i]!, 4 * 2 ** -53));

  it('StepLR(stepSize=2, gamma=0.5), lrs [0.1, 1]: t=0..5 → 0.1·[1,1,.5,.5,.25,.25] and 1·[…]', () => {
    const s = new StepLR(optWith([0.1, 1]), 2, 0.5);
    near(run(s, 5), [1, 1, 0.5, 0.5, 0.25, 0.25].map((f) => [0.1 * f, f]));
  });

  it('CosineAnnealingLR(tMax=4, etaMin=0.01), lr 0.1: t=0..4 → 0.01 + 0.09·(1 + cos(πt/4))/2', () => {
    const s = new CosineAnnealingLR(optWith([0.1]), 4, 0.01);
    // t=0: 0.1; t=1: 0.01 + 0.045·(1 + √2/2); t=2: 0.055; t=3: 0.01 + 0.045·(1 − √2/2); t=4: 0.01
    near(run(s, 4), [[0.1], [0.01 + 0.045 * (1 + Math.SQRT1_2)], [0.055], [0.01 + 0.045 * (1 - Math.SQRT1_2)], [0.01]]);
  });

  it('LinearWarmup(warmupSteps=3, startFactor=0.25), lr 0.1: t=0..4 → 0.025, 0.05, 0.075, 0.1, 0.1', () => {
    const s = new LinearWarmup(optWith([0.1]), 3, 0.25);
    near(run(s, 4), [[0.025], [0.05], [0.075], [0.1], [0.1]]);
  });

  it('the schedule sets the lr the optimizer uses, and state()/loadState() resumes it', () => {
    const opt = optWith([0.1]);
    const s = new StepLR(opt, 1, 0.5);
    s.step();
    s.step();
    expect(opt.paramGroups[0]!.lr).toBeCloseTo(0.025, 15);
    const opt2 = optWith([0.1]);
    const s2 = new StepLR(opt2, 1, 0.5);
    s2.loadState(s.state());
    expect(opt2.paramGroups[0]!.lr).toBe(opt.paramGroups[0]!.lr);
    s2.step();
    expect(opt2.paramGroups[0]!.lr).toBeCloseTo(0.0125, 15);
  });
});
