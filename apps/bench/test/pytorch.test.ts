import { describe, expect, it } from 'vitest';
import { GLIBC_TUNABLES, type PytorchConfig, pytorchEnv, torchVersion } from '../src/pytorch.js';

const config: PytorchConfig = { python: '/usr/bin/python3', torch: '1.13.1', glibcTunables: GLIBC_TUNABLES, openblasDir: '/c/openblas-pthread', openblasSource: 'cache' };

describe('pytorchEnv', () => {
  it('CNN: OpenBLAS on one thread, OpenMP on the run\'s threads, glibc tunables, OpenBLAS first on LD_LIBRARY_PATH', () => {
    const env = pytorchEnv(config, 'cnn', 2);
    expect(env).toMatchObject({ OMP_NUM_THREADS: '2', OPENBLAS_NUM_THREADS: '1', GLIBC_TUNABLES });
    expect(env['LD_LIBRARY_PATH']!.split(':')[0]).toBe('/c/openblas-pthread');
  });

  it('FNN: OpenBLAS on the run\'s threads', () => {
    expect(pytorchEnv(config, 'fnn', 2)['OPENBLAS_NUM_THREADS']).toBe('2');
  });

  it('without OpenBLAS, LD_LIBRARY_PATH is left alone', () => {
    expect(pytorchEnv({ ...config, openblasDir: null, openblasSource: null }, 'cnn', 1)).not.toHaveProperty('LD_LIBRARY_PATH');
  });

  it('the tunables raise both malloc thresholds to 1 GiB', () => {
    expect(GLIBC_TUNABLES).toBe('glibc.malloc.mmap_threshold=1073741824:glibc.malloc.trim_threshold=1073741824');
  });
});

describe('torchVersion', () => {
  it('an interpreter that does not exist is reported missing, with its path', () => {
    const r = torchVersion('/nonexistent/python3');
    expect(r).toEqual({ missing: '/nonexistent/python3 does not exist' });
  });
});
