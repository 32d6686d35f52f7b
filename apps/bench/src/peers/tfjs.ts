/**
 * TensorFlow.js 4.22 peers on the same work: the case-study CNN and FNN built with tfjs-layers
 * (NHWC; with one input channel the NCHW images are the same bytes), Adam (lr 1e-3), batch 128,
 * on the pure-JS `cpu` backend and on `tfjs-backend-wasm` (XNNPACK, forced to one thread so it
 * matches ours). Where a full epoch would take too long we time whole batches until a time budget
 * is spent and extrapolate to 60 000 images, and the result says so.
 * NOTE: tfjs-backend-wasm has no Conv2DBackpropFilter kernel, so it cannot train the CNN; we try,
 * and report the error it throws.
 */
import { createRequire } from 'node:module';
import { dirname } from 'node:path';
import { pathToFileURL } from 'node:url';
import * as tf from '@tensorflow/tfjs-core';
import '@tensorflow/tfjs-backend-cpu';
import * as tfwasm from '@tensorflow/tfjs-backend-wasm';
import * as tfl from '@tensorflow/tfjs-layers';
import { BATCH_SIZE, EPOCH_IMAGES, benchData } from '../data.js';
import type { E2eResult } from '../e2e.js';
import type { ModelKind } from '../models.js';

export type TfjsBackend = 'cpu' | 'wasm';

function buildTfjsModel(kind: ModelKind): tfl.Sequential {
  const model = tfl.sequential();
  if (kind === 'cnn') {
    model.add(tfl.layers.conv2d({ inputShape: [28, 28, 1], filters: 16, kernelSize: 3, activation: 'relu' }));
    model.add(tfl.layers.conv2d({ filters: 16, kernelSize: 3, activation: 'relu' }));
    model.add(tfl.layers.maxPooling2d({ poolSize: 2 }));
    model.add(tfl.layers.flatten());
    model.add(tfl.layers.dense({ units: 10 }));
  } else {
    model.add(tfl.layers.flatten({ inputShape: [28, 28, 1] }));
    model.add(tfl.layers.dense({ units: 128, activation: 'relu' }));
    model.add(tfl.layers.dense({ units: 10 }));
  }
  // Logits + softmax cross-entropy (mean over the batch), as crossEntropy does in tapegrad; layers
  // wants targets shaped like the output, so labels go in one-hot.
  model.compile({
    optimizer: tf.train.adam(1e-3),
    loss: (yTrue: tf.Tensor, yPred: tf.Tensor) => tf.losses.softmaxCrossEntropy(yTrue, yPred),
  });
  return model;
}

let wasmReady = false;

export async function useTfjsBackend(name: TfjsBackend): Promise<void> {
  // Production mode, as a deployed app would run: no debug checks, and no "install tfjs-node" banner.
  tf.env().set('PROD', true);
  if (name === 'wasm' && !wasmReady) {
    const dist = dirname(createRequire(import.meta.url).resolve('@tensorflow/tfjs-backend-wasm'));
    // One thread, like ours: the threaded build would also need a worker setup under Node.
    tf.env().set('WASM_HAS_MULTITHREAD_SUPPORT', false);
    tfwasm.setWasmPaths(`${pathToFileURL(dist).pathname}/`);
    wasmReady = true;
  }
  if (!(await tf.setBackend(name))) throw new Error(`tfjs: backend ${name} failed to initialise`);
  await tf.ready();
}

export interface PeerBudget {
  /** Seconds of training to time before extrapolating to an epoch. */
  trainSeconds: number;
  /** Seconds of inference to time (at least one batch of 500). */
  inferSeconds: number;
}

export async function runTfjs(backendName: TfjsBackend, kind: ModelKind, budget: PeerBudget, log: (line: string) => void): Promise<E2eResult> {
  await useTfjsBackend(backendName);
  const { train, test } = benchData();
  const label = `tfjs ${backendName} ${kind}`;
  const result: E2eResult = {
    framework: 'tfjs 4.22', backend: backendName, model: kind, threads: 1, epochSeconds: null, trainImagesTimed: 0,
    extrapolated: false, trainImagesPerSecond: null, msPerStep: null, inferenceImagesPerSecond: null, inferenceImagesTimed: 0,
  };
  const model = buildTfjsModel(kind);
  const batch = (images: Float32Array, labels: Int32Array, start: number, size: number): [tf.Tensor, tf.Tensor] => [
    tf.tensor4d(images.subarray(start * 784, (start + size) * 784), [size, 28, 28, 1]),
    tf.tidy(() => tf.oneHot(tf.tensor1d(labels.subarray(start, start + size), 'int32'), 10)),
  ];
  const batches = Math.floor(EPOCH_IMAGES / BATCH_SIZE);
  try {
    // Warm-up on 8 images (kernel compilation, weight init, optimizer slots); also where a missing
    // kernel throws. Small, because one batch of the CNN on the cpu backend takes about a minute.
    {
      const [x, y] = batch(train.images, train.labels, 0, 8);
      await model.trainOnBatch(x, y);
      tf.dispose([x, y]);
    }
    let seen = 0;
    const t0 = performance.now();
    let elapsed = 0;
    for (let b = 0; b < batches && (b < 1 || elapsed < budget.trainSeconds); b++) {
      const [x, y] = batch(train.images, train.labels, b * BATCH_SIZE, BATCH_SIZE);
      await model.trainOnBatch(x, y);
      tf.dispose([x, y]);
      seen += BATCH_SIZE;
      elapsed = (performance.now() - t0) / 1000;
    }
    result.trainImagesTimed = seen;
    result.trainImagesPerSecond = seen / elapsed;
    result.epochSeconds = EPOCH_IMAGES / result.trainImagesPerSecond;
    result.msPerStep = (1000 * BATCH_SIZE) / result.trainImagesPerSecond;
    result.extrapolated = seen < EPOCH_IMAGES - BATCH_SIZE;
    if (result.extrapolated) result.note = `timed ${seen / BATCH_SIZE} batches (${seen} images), extrapolated to 60 000`;
    log(`  ${label}: ${result.epochSeconds.toFixed(2)} s/epoch${result.extrapolated ? ` (extrapolated from ${seen} images)` : ''}`);
  } catch (e) {
    result.error = `training failed: ${(e as Error).message}`;
    log(`  ${label}: ${result.error}`);
  }
  try {
    const infer = (start: number, size: number): void => {
      const x = tf.tensor4d(test.images.subarray(start * 784, (start + size) * 784), [size, 28, 28, 1]);
      const y = model.predict(x) as tf.Tensor;
      y.dataSync();
      tf.dispose([x, y]);
    };
    infer(0, 500); // warm-up
    let seen = 0;
    const t0 = performance.now();
    let elapsed = 0;
    for (let start = 0; start < test.count && (seen === 0 || elapsed < budget.inferSeconds); start += 500) {
      infer(start, Math.min(500, test.count - start));
      seen += Math.min(500, test.count - start);
      elapsed = (performance.now() - t0) / 1000;
    }
    result.inferenceImagesTimed = seen;
    result.inferenceImagesPerSecond = seen / elapsed;
    log(`  ${label}: inference ${result.inferenceImagesPerSecond.toFixed(0)} images/s (${seen} test images timed)`);
  } catch (e) {
    const msg = `inference failed: ${(e as Error).message}`;
    result.error = result.error ? `${result.error}; ${msg}` : msg;
    log(`  ${label}: ${msg}`);
  }
  model.dispose();
  return result;
}
