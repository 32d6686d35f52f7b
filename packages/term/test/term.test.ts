import { describe, expect, it } from 'vitest';
import { fmt, formatDuration, formatTable, ratio, renderTable } from '../src/index.js';

describe('formatTable', () => {
  it('pads every column to its widest cell, label left and numbers right by default, two spaces apart', () => {
    expect(formatTable(['kernel', 'ms'], [['gemm', '0.42'], ['im2col', '12.5']])).toBe(
      ['kernel    ms', '------  ----', 'gemm    0.42', 'im2col  12.5'].join('\n'),
    );
  });

  it('title above, footer below an empty line, alignment per column, short rows get empty cells', () => {
    const t = formatTable(['run', 'model', 'acc'], [['a', 'cnn', '0.9'], ['bb']], { title: 'T', align: ['left', 'left', 'right'], footer: ['note'] });
    expect(t).toBe(['T', 'run  model  acc', '---  -----  ---', 'a    cnn    0.9', `bb${' '.repeat(13)}`, '', 'note'].join('\n'));
  });

  it('renderTable(title, header, rows) is the titled default layout', () => {
    expect(renderTable('Peak', ['loop', 'GFLOP/s'], [['fma', '31.2']])).toBe(formatTable(['loop', 'GFLOP/s'], [['fma', '31.2']], { title: 'Peak' }));
    expect(renderTable('Peak', ['loop', 'GFLOP/s'], [['fma', '31.2']]).split('\n')).toEqual(['Peak', 'loop  GFLOP/s', '----  -------', 'fma      31.2']);
  });

  it('bad input is an error naming the row or the column count', () => {
    expect(() => formatTable(['a'], [['1', '2']])).toThrow('formatTable: row 0 has 2 cells but the header has 1');
    expect(() => formatTable(['a', 'b'], [], { align: ['left'] })).toThrow('formatTable: 1 alignments for 2 columns');
  });
});

describe('cells', () => {
  it('fmt: fixed decimals, "—" for missing or non-finite', () => {
    expect([fmt(1.005, 1), fmt(2), fmt(null), fmt(undefined), fmt(Number.NaN), fmt(Infinity)]).toEqual(['1.0', '2.00', '—', '—', '—', '—']);
  });

  it('ratio: two decimals from 0.1 on, two significant digits below, "—" when either side is missing or zero', () => {
    expect([ratio(1, 2), ratio(3, 1), ratio(1, 40), ratio(1, 0), ratio(null, 1), ratio(1, undefined)]).toEqual(['0.50×', '3.00×', '0.025×', '—', '—', '—']);
  });

  it('formatDuration: tenths of a second under a minute, whole minutes and seconds after', () => {
    expect([0, 3.54, 59.9, 60, 61.4, 245.2, 3600].map(formatDuration)).toEqual(['0.0 s', '3.5 s', '59.9 s', '1 min 0 s', '1 min 1 s', '4 min 5 s', '60 min 0 s']);
    // Rounded before the split: never "1 min 60 s".
    expect(formatDuration(119.6)).toBe('2 min 0 s');
    expect([null, undefined, Number.NaN].map(formatDuration)).toEqual(['—', '—', '—']);
  });
});
