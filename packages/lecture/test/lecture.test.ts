import { crossEntropy, tensor, tidy } from '@tapegrad/autograd';
import { Adam, AdamW, DataError, fit, SGD } from '@tapegrad/nn';
import { describe, expect, it } from 'vitest';
import '@tapegrad/autograd/testing'; // expect(...).toAllSatisfy
import {
  buildModel, DEFAULT_RECIPE, type FashionCnn, featureMaps, gradientSign, modelFromSafetensors, modelToSafetensors, optimizerName, setupTraining, type TrainSettings,
} from '../src/index.js';

/** Deterministic images in [0, 1] and labels 0..9 (not real data: these tests check plumbing). */
function fakeSet(n: number, seed = 1): { images: Float32Array; labels: Int32Array } {
  let s = seed >>> 0;
  const next = () => ((s = (Math.imul(s, 1664525) + 1013904223) >>> 0) / 2 ** 32);
  return { images: Float32Array.from({ length: n * 784 }, next), labels: Int32Array.from({ length: n }, (_, i) => i % 10) };
}

const settings = (over: Partial<TrainSettings> = {}): TrainSettings => ({ ...DEFAULT_RECIPE, epochs: 1, batchSize: 16, ...over });

describe('setupTraining', () => {
  it('the same seed gives the same initial weights and batch order; another seed does not', () => {
    const data = fakeSet(40);
    const a = setupTraining('cnn', settings(), data);
    const b = setupTraining('cnn', settings(), data);
    const c = setupTraining('cnn', settings({ seed: 1 }), data);
    const w = (m: { model: { stateDict(): Map<string, { toFloat32Array(): Float32Array }> } }) => m.model.stateDict().get('conv1.weight')!.toFloat32Array();
    expect(w(a)).toEqual(w(b));
    expect(w(a)).not.toEqual(w(c));
    const firstLabels = (s: ReturnType<typeof setupTraining>) => Array.from(s.loader[Symbol.iterator]().next().value!.images.subarray(0, 784));
    expect(firstLabels(a)).toEqual(firstLabels(b));
    for (const s of [a, b, c]) { s.model.dispose(); s.optimizer.dispose(); }
  });

  it('optimizer choice: Adam by default, AdamW with weight decay, SGD and momentum on request', () => {
    expect(optimizerName({ weightDecay: 0 })).toBe('adam');
    expect(optimizerName({ weightDecay: 1e-4 })).toBe('adamw');
    expect(optimizerName({ weightDecay: 1e-4, optimizer: 'adam' })).toBe('adam');
    const data = fakeSet(20);
    const kinds = [
      [settings(), Adam], [settings({ weightDecay: 1e-4 }), AdamW], [settings({ optimizer: 'sgd' }), SGD], [settings({ optimizer: 'momentum', l1: 1e-5 }), SGD],
    ] as const;
    for (const [s, cls] of kinds) {
      const r = setupTraining('fnn', s, data);
      expect(r.optimizer).toBeInstanceOf(cls);
      if (s.optimizer === 'momentum') expect(r.optimizer.paramGroups[0]).toMatchObject({ momentum: 0.9, l1: 1e-5 });
      r.model.dispose();
      r.optimizer.dispose();
    }
  });

  it('early stopping holds out a tenth of the training set; a bad augmentation spec is an error naming it', () => {
    const r = setupTraining('fnn', settings({ earlyStopping: 2 }), fakeSet(50));
    expect(r.validation!.labels.length).toBe(5);
    expect(r.loader.dataset.length).toBe(45);
    r.model.dispose();
    expect(() => setupTraining('cnn', settings({ augment: 'twirl' }), fakeSet(10))).toThrow(/unknown augmentation 'twirl'/);
    expect(() => setupTraining('fnn', settings({ batchNorm: true }), fakeSet(10))).toThrow(/batch norm is only offered for the CNN/);
  });
});

describe('featureMaps x=[1,28,28] through the case-study CNN', () => {
  it('shapes per layer; relu1 = max(conv1, 0); logits equal the model\'s forward', () => {
    const cnn = buildModel('cnn') as FashionCnn;
    const image = fakeSet(1).images;
    const maps = featureMaps(cnn, image);
    expect(maps.map((m) => [m.name, m.shape])).toEqual([
      ['conv1', [16, 26, 26]], ['relu1', [16, 26, 26]], ['conv2', [16, 24, 24]], ['relu2', [16, 24, 24]], ['pool', [16, 12, 12]], ['logits', [10, 1, 1]],
    ]);
    const [conv1, relu1] = maps;
    expect(Array.from(relu1!.data)).toEqual(Array.from(conv1!.data, (v) => Math.max(v, 0)));
    const logits = tidy(() => cnn.forward(tensor(image, [1, 1, 28, 28])).toFloat32Array());
    expect(maps[5]!.data).toEqual(logits);
    expect(() => featureMaps(cnn, new Float32Array(10))).toThrow(/784 values/);
    cnn.dispose();
  });
});

describe('gradientSign (FGSM) through grad()', () => {
  /** The signs as FGSM computed them before grad(): parameters frozen, backward(), x.grad. */
  function signsViaBackward(model: ReturnType<typeof buildModel>, images: Float32Array, labels: Int32Array): Float32Array {
    const params = model.parameters();
    model.eval();
    params.forEach((p) => (p.requiresGrad = false));
    try {
      return tidy(() => {
        const x = tensor(images, [labels.length, 1, 28, 28], { requiresGrad: true });
        crossEntropy(model.forward(x), labels, { reduction: 'sum' }).backward();
        return Float32Array.from(x.grad!.toFloat32Array(), Math.sign);
      });
    } finally {
      params.forEach((p) => (p.requiresGrad = true));
      model.train();
    }
  }

  for (const [kind, opts] of [['cnn', {}], ['cnn', { batchNorm: true }], ['fnn', { dropout: 0.5 }]] as const) {
    it(`${kind} ${JSON.stringify(opts)}, 12 images in batches of 5: the same signs as backward() with frozen parameters; no .grad written, requiresGrad and train mode kept`, () => {
      // Two training steps so that the weights and batch-norm statistics are not the initial ones.
      const r = setupTraining(kind, settings({ batchSize: 32, ...opts }), fakeSet(64, 3));
      fit(r.model, r.optimizer, { trainLoader: r.loader, epochs: 1 });
      const model = r.model;
      model.zeroGrad();
      const { images, labels } = fakeSet(12, 5);
      const signs = gradientSign(model, images, labels, 5);
      expect(model.training).toBe(true);
      expect(model.parameters()).toAllSatisfy((p) => p.requiresGrad && p.grad === null);
      expect(signs.some((v) => v !== 0)).toBe(true);
      expect(signs).toEqual(signsViaBackward(model, images, labels));
      model.dispose();
    });
  }
});

describe('modelFromSafetensors', () => {
  it('round trip: a trained FNN written and read back predicts the same logits; the CNN with batch norm is recognised', () => {
    const data = fakeSet(32);
    const r = setupTraining('fnn', settings(), data);
    fit(r.model, r.optimizer, { trainLoader: r.loader, epochs: 1 });
    const bytes = modelToSafetensors(r.model, 'fnn');
    const back = modelFromSafetensors(bytes, 'fnn.safetensors');
    expect(back.kind).toBe('fnn');
    expect(back.metadata.model).toBe('fnn');
    const out = (m: typeof r.model) => tidy(() => m.eval().forward(tensor(data.images.subarray(0, 784 * 4), [4, 1, 28, 28])).toFloat32Array());
    expect(out(back.model)).toEqual(out(r.model));
    const bn = buildModel('cnn', { batchNorm: true });
    const loaded = modelFromSafetensors(modelToSafetensors(bn, 'cnn'), 'bn.safetensors', 'cnn');
    expect((loaded.model as FashionCnn).bn1).not.toBeNull();
  });

  it('bad files get a DataError naming the file and the problem', () => {
    const notSafetensors = new TextEncoder().encode('\u0089PNG this is not a weights file');
    expect(() => modelFromSafetensors(notSafetensors, 'cat.png')).toThrow(DataError);
    expect(() => modelFromSafetensors(notSafetensors, 'cat.png')).toThrow(/cat\.png: invalid safetensors file/);
    const fnn = modelToSafetensors(buildModel('fnn'), 'fnn');
    expect(() => modelFromSafetensors(fnn, 'fnn.safetensors', 'cnn')).toThrow(/fnn\.safetensors: expected weights of the CNN .* but the file holds weights of the fully connected network/);
    const cnn = buildModel('cnn');
    const state = cnn.stateDict();
    state.delete('fc.bias');
    const partial = modelToSafetensors({ stateDict: () => state, stateDictDtypes: () => cnn.stateDictDtypes() } as unknown as typeof cnn, 'cnn');
    expect(() => modelFromSafetensors(partial, 'partial.safetensors')).toThrow(/partial\.safetensors.*missing keys: fc\.bias/);
  });
});
