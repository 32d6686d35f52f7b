import { manualSeed, setBackend } from '@tapegrad/autograd';
import { createWasmBackend } from '@tapegrad/kernels-wasm';
import { Adam, ArrayDataset, DataLoader, fit } from '@tapegrad/nn';
import { benchData } from './dist/data.js';
import { buildModel } from './dist/models.js';
const { train } = benchData();
const subset = (n) => new ArrayDataset(train.images.subarray(0, n * 784), train.labels.subarray(0, n), [1, 28, 28]);
for (let rep = 0; rep < 4; rep++) {
  const be = await createWasmBackend({ threads: 2 });
  setBackend(be); manualSeed(0);
  const model = buildModel('fnn');
  const optimizer = new Adam(model.parameters(), { lr: 1e-3 });
  fit(model, optimizer, { trainLoader: new DataLoader(subset(94 * 128), { batchSize: 128 }), epochs: 1 });
  const p = be.dispatch.pool; const [c0, s0] = [p.calls, p.stolen];
  const [logs] = fit(model, optimizer, { trainLoader: new DataLoader(subset(60000), { batchSize: 128, shuffle: true, seed: 1 }), epochs: 1 });
  console.log(`rep ${rep}: epoch ${logs.seconds.toFixed(3)} s; split ${p.calls - c0} of 938, stolen ${p.stolen - s0}, contended ${p.contended}`);
  model.dispose(); optimizer.dispose(); await be.dispose();
}
