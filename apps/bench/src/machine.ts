import { execFileSync } from 'node:child_process';
import { readFileSync } from 'node:fs';
import os from 'node:os';

export interface MachineInfo {
  /** CPU model: /proc/cpuinfo's "model name" (Linux), else what os.cpus() reports. */
  cpu: string;
  cores: number;
  /** 1-, 5- and 15-minute load averages when the run started: other processes share these cores. */
  loadAverage: [number, number, number];
  memoryGiB: number;
  node: string;
  v8: string;
  platform: string;
  commit: string | null;
  dirty: boolean | null;
}

/** The first "model name" of a /proc/cpuinfo text, or null (other architectures name it differently). */
export function cpuModelFromCpuinfo(text: string): string | null {
  const m = /^model name\s*:\s*(.+)$/m.exec(text);
  return m ? m[1]!.trim() : null;
}

function cpuModel(): string {
  try {
    const fromProc = cpuModelFromCpuinfo(readFileSync('/proc/cpuinfo', 'utf8'));
    if (fromProc) return fromProc;
  } catch {
    // not Linux
  }
  return os.cpus()[0]?.model.trim() ?? 'unknown';
}

export function loadAverage(): [number, number, number] {
  const [a = 0, b = 0, c = 0] = os.loadavg();
  return [+a.toFixed(2), +b.toFixed(2), +c.toFixed(2)];
}

/** The machine and the code a run measured; git failures (no repo, no git) give null. */
export function machineInfo(): MachineInfo {
  let commit: string | null = null;
  let dirty: boolean | null = null;
  try {
    commit = execFileSync('git', ['rev-parse', 'HEAD'], { encoding: 'utf8', stdio: ['ignore', 'pipe', 'ignore'] }).trim();
    dirty = execFileSync('git', ['status', '--porcelain'], { encoding: 'utf8', stdio: ['ignore', 'pipe', 'ignore'] }).trim() !== '';
  } catch {
    // not a git checkout
  }
  return {
    cpu: cpuModel(),
    cores: os.availableParallelism(),
    loadAverage: loadAverage(),
    memoryGiB: +(os.totalmem() / 2 ** 30).toFixed(1),
    node: process.version,
    v8: process.versions.v8,
    platform: `${process.platform}-${process.arch}`,
    commit,
    dirty,
  };
}
