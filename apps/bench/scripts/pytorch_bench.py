#!/usr/bin/python3
"""PyTorch side of tapegrad's bench (apps/bench/src/pytorch.ts runs it; not a test).

Same models and recipe as the bench's tapegrad runs, same data files:
  cnn     conv1 Conv2d(1->16, 3x3) -> ReLU -> conv2 Conv2d(16->16, 3x3) -> ReLU -> MaxPool 2x2
          -> Flatten -> Linear(2304 -> 10)                               (Fashion-MNIST, pixels / 255)
  fnn     Flatten -> Linear(784 -> 128) -> ReLU -> Linear(128 -> 10)      (Fashion-MNIST, pixels / 255)
  resnet  3->32 conv 3x3 + BN + ReLU, two residual blocks of two 32-channel 3x3 conv + BN, a
          stride-2 64-channel stage (with a 1x1 stride-2 projection), global average pool,
          Linear(64 -> 10)                                                 (random 32x32x3 data)
Cross-entropy on logits, Adam lr 1e-3, shuffled batches. Initialisation is PyTorch's own.

cnn / fnn: one epoch (or --warmup-count images) of warm-up, then the train loop of the next
--train-count images timed (only the loop: forward, backward, step; batches are slices of one tensor
made before timing), then inference over the test images in batches of 500 (torch.no_grad, eval).
resnet: --warmup-steps then --steps train steps timed on batch 64.

Prints one JSON object on the last line of stdout. Threads: torch.set_num_threads(--threads);
the caller sets OMP_NUM_THREADS, OPENBLAS_NUM_THREADS, GLIBC_TUNABLES, LD_LIBRARY_PATH.
"""
import argparse
import gzip
import json
import os
import struct
import sys
import time

import numpy as np
import torch
from torch import nn


def read_idx(path):
    with (gzip.open(path, 'rb') if path.endswith('.gz') else open(path, 'rb')) as f:
        data = f.read()
    magic, = struct.unpack('>I', data[:4])
    ndim = magic & 0xff
    dims = struct.unpack('>' + 'I' * ndim, data[4:4 + 4 * ndim])
    return np.frombuffer(data, dtype=np.uint8, offset=4 + 4 * ndim).reshape(dims)


def case_study(kind):
    if kind == 'cnn':
        return nn.Sequential(
            nn.Conv2d(1, 16, 3), nn.ReLU(), nn.Conv2d(16, 16, 3), nn.ReLU(), nn.MaxPool2d(2),
            nn.Flatten(), nn.Linear(16 * 12 * 12, 10))
    return nn.Sequential(nn.Flatten(), nn.Linear(784, 128), nn.ReLU(), nn.Linear(128, 10))


class Block(nn.Module):
    def __init__(self, cin, cout, stride):
        super().__init__()
        self.body = nn.Sequential(
            nn.Conv2d(cin, cout, 3, stride=stride, padding=1, bias=False), nn.BatchNorm2d(cout), nn.ReLU(),
            nn.Conv2d(cout, cout, 3, padding=1, bias=False), nn.BatchNorm2d(cout))
        self.projection = nn.Conv2d(cin, cout, 1, stride=stride, bias=False) if cin != cout or stride != 1 else None

    def forward(self, x):
        return torch.relu(self.body(x) + (x if self.projection is None else self.projection(x)))


def resnet():
    return nn.Sequential(
        nn.Conv2d(3, 32, 3, padding=1, bias=False), nn.BatchNorm2d(32), nn.ReLU(),
        Block(32, 32, 1), Block(32, 32, 1), Block(32, 64, 2),
        nn.AdaptiveAvgPool2d(1), nn.Flatten(), nn.Linear(64, 10))


def train_loop(model, opt, x, y, batch, order):
    loss_fn = nn.CrossEntropyLoss()
    total = 0.0
    steps = 0
    for start in range(0, len(order) - batch + 1, batch):
        idx = order[start:start + batch]
        opt.zero_grad(set_to_none=True)
        loss = loss_fn(model(x[idx]), y[idx])
        loss.backward()
        opt.step()
        total += loss.item()
        steps += 1
    return total / max(steps, 1), steps


def run_case_study(a):
    xtr = torch.from_numpy(read_idx(a.train_images_file).astype(np.float32) / 255.0).reshape(-1, 1, 28, 28)
    ytr = torch.from_numpy(read_idx(a.train_labels_file).astype(np.int64))
    xte = torch.from_numpy(read_idx(a.test_images_file).astype(np.float32) / 255.0).reshape(-1, 1, 28, 28)
    yte = torch.from_numpy(read_idx(a.test_labels_file).astype(np.int64))
    model = case_study(a.model)
    opt = torch.optim.Adam(model.parameters(), lr=1e-3)
    g = torch.Generator().manual_seed(1)
    model.train()
    warm = torch.randperm(len(ytr), generator=g)[:a.warmup_count]
    train_loop(model, opt, xtr, ytr, a.batch, warm)
    order = torch.randperm(len(ytr), generator=g)[:a.train_count]
    t0 = time.perf_counter()
    loss, steps = train_loop(model, opt, xtr, ytr, a.batch, order)
    seconds = time.perf_counter() - t0
    model.eval()
    with torch.no_grad():
        model(xte[:500])  # warm-up
        t0 = time.perf_counter()
        correct = 0
        for start in range(0, len(yte), 500):
            correct += (model(xte[start:start + 500]).argmax(1) == yte[start:start + 500]).sum().item()
        infer_seconds = time.perf_counter() - t0
    return {
        'trainImagesTimed': steps * a.batch, 'trainSeconds': seconds, 'trainLoss': loss,
        'inferenceImagesTimed': len(yte), 'inferenceSeconds': infer_seconds, 'accuracy': correct / len(yte),
    }


def run_resnet(a):
    torch.manual_seed(0)
    model = resnet()
    opt = torch.optim.Adam(model.parameters(), lr=1e-3)
    loss_fn = nn.CrossEntropyLoss()
    x = torch.rand(a.batch, 3, 32, 32) * 2 - 1
    y = torch.randint(0, 10, (a.batch,))
    model.train()

    def step():
        opt.zero_grad(set_to_none=True)
        loss = loss_fn(model(x), y)
        loss.backward()
        opt.step()
        return loss.item()

    for _ in range(a.warmup_steps):
        step()
    times = []
    for _ in range(a.steps):
        t0 = time.perf_counter()
        step()
        times.append(time.perf_counter() - t0)
    return {'steps': a.steps, 'stepSeconds': times}


def loaded_blas():
    """The BLAS library this process mapped (OpenBLAS from LD_LIBRARY_PATH, or the reference one)."""
    try:
        with open('/proc/self/maps') as f:
            paths = {line.split()[-1] for line in f if 'blas' in line and '/' in line}
    except OSError:
        return None
    return sorted(paths)


def main():
    p = argparse.ArgumentParser(description=__doc__.split('\n')[0])
    p.add_argument('--model', choices=['cnn', 'fnn', 'resnet'], required=True)
    p.add_argument('--threads', type=int, required=True)
    p.add_argument('--batch', type=int, default=128)
    p.add_argument('--train-count', type=int, default=60000, help='training images timed')
    p.add_argument('--warmup-count', type=int, default=60000, help='training images of warm-up')
    p.add_argument('--steps', type=int, default=20)
    p.add_argument('--warmup-steps', type=int, default=5)
    for name in ('train-images-file', 'train-labels-file', 'test-images-file', 'test-labels-file'):
        p.add_argument('--' + name)
    a = p.parse_args()
    torch.set_num_threads(a.threads)
    torch.set_num_interop_threads(1)
    if a.model == 'resnet':
        out = run_resnet(a)
    else:
        for name in ('train_images_file', 'train_labels_file', 'test_images_file', 'test_labels_file'):
            if getattr(a, name) is None:
                p.error('--%s is required for --model %s' % (name.replace('_', '-'), a.model))
        out = run_case_study(a)
    params = sum(t.numel() for t in (resnet() if a.model == 'resnet' else case_study(a.model)).parameters())
    print(json.dumps({'torch': torch.__version__, 'threads': torch.get_num_threads(), 'params': params, 'blas': loaded_blas(), **out}))


if __name__ == '__main__':
    main()
