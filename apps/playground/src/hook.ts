/**
 * The page's test hook: `?autostart=1&epochs=E&trainLimit=N&testLimit=M&seed=S` starts training
 * the CNN and the FNN with the default recipe as soon as the data is loaded. Every parameter is
 * optional; a value that is not what it should be is an error shown on the page (never ignored).
 */
export interface HookParams {
  autostart: boolean;
  epochs?: number;
  trainLimit?: number;
  testLimit?: number;
  seed?: number;
}

const KNOWN = ['autostart', 'epochs', 'trainLimit', 'testLimit', 'seed'];

/** @throws Error naming the parameter and its value. */
export function parseHook(search: string): HookParams {
  const q = new URLSearchParams(search);
  for (const key of q.keys()) if (!KNOWN.includes(key)) throw new Error(`unknown URL parameter "${key}" (known: ${KNOWN.join(', ')})`);
  const int = (key: string, min: number): number | undefined => {
    const raw = q.get(key);
    if (raw === null) return undefined;
    const v = Number(raw);
    if (raw.trim() === '' || !Number.isInteger(v) || v < min) throw new Error(`URL parameter ${key}=${raw} must be an integer ≥ ${min}`);
    return v;
  };
  const auto = q.get('autostart');
  if (auto !== null && auto !== '0' && auto !== '1') throw new Error(`URL parameter autostart=${auto} must be 0 or 1`);
  return { autostart: auto === '1', epochs: int('epochs', 1), trainLimit: int('trainLimit', 1), testLimit: int('testLimit', 1), seed: int('seed', 0) };
}
