import { tensor } from '@tapegrad/autograd';
import { expectClose } from '@tapegrad/autograd/testing';
import { readFileSync } from 'node:fs';
import { expect } from 'vitest';
import type { Module } from '../src/index.js';

/**
 * One layer case printed by a test/torch/*_reference.py script (torch 1.13, float32): the input,
 * PyTorch's output, input gradient and parameters (values and gradients), and its repr if printed.
 */
export interface TorchLayerCase {
  repr?: string;
  shape: number[];
  x: number[];
  y_shape: number[];
  y: number[];
  dx: number[];
  params: Record<string, { shape: number[]; value: number[]; grad: number[] }>;
}

/** Reads test/torch/NAME.json. */
export function readTorchCases(name: string): Record<string, TorchLayerCase> {
  return JSON.parse(readFileSync(new URL(`./torch/${name}.json`, import.meta.url), 'utf8')) as Record<string, TorchLayerCase>;
}

/**
 * Loads PyTorch's parameters into `m` (whose parameter names and shapes must be PyTorch's), runs
 * the case's x, backpropagates Σ y·g with g_i = cos(0.3 i) as the scripts do, and compares the repr
 * (where the case has one), y, dx and every parameter's gradient with PyTorch's.
 */
export function checkTorchLayer(c: TorchLayerCase, name: string, m: Module, tol: { rtol: number; atol: number }): void {
  if (c.repr !== undefined) expect(m.toString()).toBe(c.repr);
  expect(m.namedParameters().map(([n, p]) => [n, [...p.shape]])).toEqual(Object.entries(c.params).map(([n, p]) => [n, p.shape]));
  m.loadStateDict(Object.fromEntries(Object.entries(c.params).map(([n, p]) => [n, { shape: p.shape, data: p.value }])));
  const x = tensor(c.x, c.shape, { requiresGrad: true });
  const y = m.forward(x);
  expect([...y.shape]).toEqual(c.y_shape);
  expectClose(y, c.y, { ...tol, label: `${name} forward` });
  y.backward(tensor(Array.from({ length: y.size }, (_, i) => Math.cos(0.3 * i)), y.shape));
  expectClose(x.grad!, c.dx, { ...tol, label: `${name} dx` });
  for (const [n, p] of m.namedParameters()) expectClose(p.grad!, c.params[n]!.grad, { ...tol, label: `${name} d${n}` });
}
