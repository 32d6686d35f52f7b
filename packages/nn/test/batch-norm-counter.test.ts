import { manualSeed, randn } from '@tapegrad/autograd';
import { describe, expect, it } from 'vitest';
import { BatchNorm2d, Conv2d, decodeCheckpoint, decodeSafetensors, encodeCheckpoint, encodeSafetensors, loadSafetensorsInto, moduleToSafetensors, Sequential, SGD } from '../src/index.js';

// num_batches_tracked through every writer and reader of state dicts besides the module file
// (tested against PyTorch's bytes in safetensors-torch.test.ts): checkpoints, and files from
// before the counter existed.
const build = () => new Sequential([new Conv2d(1, 2, 3), new BatchNorm2d(2)]);
const count = (m: Sequential) => (m.getSubmodule('1') as BatchNorm2d).numBatchesTracked.item();

describe('BatchNorm num_batches_tracked in files', () => {
  it('a checkpoint stores model.1.num_batches_tracked as I64 and restores it (5 training forwards)', () => {
    manualSeed(0);
    const m = build();
    for (let i = 0; i < 5; i++) m.forward(randn([2, 1, 4, 4]));
    const opt = new SGD(m.parameters(), { lr: 0.1 });
    const bytes = encodeCheckpoint(m, opt, { epoch: 1 });
    const t = decodeSafetensors(bytes, 'ckpt.safetensors').tensors['model.1.num_batches_tracked']!;
    expect([t.dtype, t.shape, Array.from(t.data)]).toEqual(['I64', [], [5]]);
    const fresh = build();
    decodeCheckpoint(bytes, 'ckpt.safetensors', fresh, new SGD(fresh.parameters(), { lr: 0.1 }));
    expect(count(fresh)).toBe(5);
  });

  it('a weights file or checkpoint written before the counter existed (no num_batches_tracked) loads, with the counter at 0', () => {
    manualSeed(1);
    const m = build();
    m.forward(randn([2, 1, 4, 4]));
    // Re-encode without the counter, as tapegrad wrote files before it kept one.
    const { tensors, metadata } = decodeSafetensors(moduleToSafetensors(m), 'm.safetensors');
    delete tensors['1.num_batches_tracked'];
    const older = encodeSafetensors(tensors, metadata);
    const fresh = build();
    fresh.forward(randn([2, 1, 4, 4])); // counter 1, to see it reset
    loadSafetensorsInto(fresh, older, 'older.safetensors');
    expect(count(fresh)).toBe(0);
    expect(Array.from(fresh.stateDict().get('1.running_mean')!.toFloat32Array())).toEqual(Array.from(m.stateDict().get('1.running_mean')!.toFloat32Array()));

    const opt = new SGD(m.parameters(), { lr: 0.1 });
    const ck = decodeSafetensors(encodeCheckpoint(m, opt, { epoch: 1 }), 'c.safetensors');
    delete ck.tensors['model.1.num_batches_tracked'];
    const olderCkpt = encodeSafetensors(ck.tensors, ck.metadata);
    const fresh2 = build();
    decodeCheckpoint(olderCkpt, 'older-ckpt.safetensors', fresh2, new SGD(fresh2.parameters(), { lr: 0.1 }));
    expect(count(fresh2)).toBe(0);
  });
});
