import * as autograd from '@tapegrad/autograd';
import { existsSync, readdirSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import ts from 'typescript';
import { REPO, section } from './readme-blocks.js';
import { describe, expect, it } from 'vitest';

const root = REPO;

describe('README', () => {
  it('the Examples table links every examples/NN-*.ts, in order, each with a lecture slide that is in the lecture', () => {
    const rows = section('## Examples (`examples/`)').split('\n').filter((l) => /^\| \[\d\d-/.test(l));
    const files = readdirSync(join(root, 'examples')).filter((f) => /^\d\d-.*\.ts$/.test(f)).sort();
    expect(rows.map((r) => r.match(/\(examples\/([^)]+)\)/)![1])).toEqual(files);
    // shared/ lies beside the clone (CI, /work/main) or beside the worktrees' folder (/work/wt/NAME).
    const candidates = [join(root, '..', 'shared'), join(root, '..', '..', 'shared')].map((d) => join(d, 'seed', 'lecture-cnns.txt'));
    const path = candidates.find((p) => existsSync(p));
    if (!path) throw new Error(`the lecture text is in none of ${candidates.join(', ')}`);
    const lecture = readFileSync(path, 'utf8').replace(/\*/g, '');
    for (const r of rows) {
      const slides = [...r.split('|')[2]!.matchAll(/"([^"]+)"/g)].map((m) => m[1]!.replace(/^Regularization: /, ''));
      expect(slides.length, r).toBeGreaterThan(0);
      // Each quoted slide title appears in the lecture text (case-insensitively).
      for (const s of slides) expect(lecture.toLowerCase(), `${s} (row ${r.slice(0, 30)})`).toContain(s.toLowerCase());
    }
  });

  it('the "#### Tensors" block runs as written: x.add(1).mul(2).relu().sum(1, {keepdim}) = [[12], [12]]', () => {
    const m = /```ts\n([\s\S]*?)```/.exec(section('#### Tensors'))!;
    const js = ts.transpileModule(`${m[1]}\nreturn { x, y };`, { compilerOptions: { target: ts.ScriptTarget.ES2022 } }).outputText;
    autograd.setBackend(autograd.createRefBackend());
    const { x, y } = new Function('tensor', js)(autograd.tensor) as { x: autograd.Tensor; y: autograd.Tensor };
    expect(y.shape).toEqual([2, 1]);
    expect(Array.from(y.toFloat32Array())).toEqual([12, 12]); // relu(2·(x+1)) = [4,0,8], [0,12,0]
    y.sum().backward();
    expect(Array.from(x.grad!.toFloat32Array())).toEqual([2, 0, 2, 0, 2, 0]);
  });
});
