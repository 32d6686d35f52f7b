import { FASHION_MNIST_CLASSES } from '@tapegrad/nn';
import { argmax, divergingRgba, grayRgba } from './render.js';

export const $ = <T extends HTMLElement = HTMLElement>(id: string): T => {
  const el = document.getElementById(id);
  if (!el) throw new Error(`page: no element #${id}`);
  return el as T;
};

export function el<K extends keyof HTMLElementTagNameMap>(tag: K, attrs: Record<string, string> = {}, text?: string): HTMLElementTagNameMap[K] {
  const e = document.createElement(tag);
  for (const [k, v] of Object.entries(attrs)) e.setAttribute(k, v);
  if (text !== undefined) e.textContent = text;
  return e;
}

/** Paints RGBA pixels into a canvas of that size. */
export function paint(canvas: HTMLCanvasElement, rgba: Uint8ClampedArray, width: number, height: number): HTMLCanvasElement {
  canvas.width = width;
  canvas.height = height;
  canvas.getContext('2d')!.putImageData(new ImageData(rgba as Uint8ClampedArray<ArrayBuffer>, width, height), 0, 0);
  return canvas;
}

export function grayCanvas(values: ArrayLike<number>, width = 28, height = 28, opts: { min?: number; max?: number; cls?: string } = {}): HTMLCanvasElement {
  return paint(el('canvas', opts.cls ? { class: opts.cls } : {}), grayRgba(values, opts), width, height);
}

export function divergingCanvas(values: ArrayLike<number>, width: number, height: number, limit?: number): HTMLCanvasElement {
  return paint(el('canvas'), divergingRgba(values, limit), width, height);
}

export function figure(canvas: HTMLCanvasElement, caption: string): HTMLElement {
  const f = el('figure');
  f.append(canvas, el('figcaption', {}, caption));
  return f;
}

/** Class probabilities as labelled bars, the top class in bold; `testid` marks the top class's name. */
export function probabilityList(title: string, p: readonly number[], testid?: string): HTMLElement {
  const box = el('div', { class: 'probs' });
  const top = argmax(p);
  const head = el('div', {}, `${title}: `);
  head.append(el('b', testid ? { 'data-testid': testid } : {}, FASHION_MNIST_CLASSES[top]!), ` (${(100 * p[top]!).toFixed(1)} %)`);
  box.append(head);
  p.forEach((v, c) => {
    const row = el('div', c === top ? { class: 'top' } : {});
    row.append(el('span', { class: 'bar', style: `width:${Math.round(120 * v)}px` }), ` ${FASHION_MNIST_CLASSES[c]} ${(100 * v).toFixed(1)} %`);
    box.append(row);
  });
  return box;
}

export function numberList(raw: string, what: string): number[] {
  const parts = raw.split(/[\s,]+/).filter((s) => s.length > 0);
  const values = parts.map(Number);
  const bad = parts.findIndex((s, i) => !Number.isFinite(values[i]!) || s === '');
  if (parts.length === 0) throw new Error(`${what}: enter numbers separated by commas`);
  if (bad >= 0) throw new Error(`${what}: "${parts[bad]}" is not a number`);
  return values;
}
