/** The machine a run happened on, and the JSON file each run leaves in the results folder. */
import { mkdirSync, readFileSync } from 'node:fs';
import { availableParallelism, release, totalmem } from 'node:os';
import { join } from 'node:path';

export interface MachineInfo {
  date: string;
  cpu: string;
  cpus: number;
  memoryGb: number;
  kernel: string;
  bun: string;
  loadGenerator: string;
  placement: string;
  commit?: string;
}

function cpuModel(): string {
  try {
    return /^model name\s*:\s*(.+)$/m.exec(readFileSync('/proc/cpuinfo', 'utf8'))?.[1]?.trim() ?? 'unknown';
  } catch {
    return 'unknown';
  }
}

function text(cmd: string[]): string | undefined {
  try {
    const r = Bun.spawnSync(cmd, { stdout: 'pipe', stderr: 'pipe' });
    // wrk -v prints its version and exits 1.
    const out = `${r.stdout.toString()}${r.stderr.toString()}`.trim();
    return out ? out.split('\n')[0] : undefined;
  } catch {
    return undefined;
  }
}

export function machineInfo(loadGenerator: string, wrkPath: string | undefined, placement: string, repo: string): MachineInfo {
  const wrk = wrkPath ? text([wrkPath, '-v']) : undefined;
  return {
    date: new Date().toISOString(),
    cpu: cpuModel(),
    cpus: availableParallelism(),
    memoryGb: Math.round(totalmem() / 2 ** 30),
    kernel: release(),
    bun: Bun.version,
    loadGenerator: loadGenerator === 'wrk' && wrk ? wrk.replace(/\s*Copyright.*$/, '') : loadGenerator,
    placement,
    commit: text(['git', '-C', repo, 'rev-parse', '--short', 'HEAD']),
  };
}

/** Writes `<dir>/<kind>-<timestamp>.json` and returns its path. */
export async function writeResults(dir: string, kind: 'bench' | 'soak', data: unknown): Promise<string> {
  mkdirSync(dir, { recursive: true });
  const stamp = new Date().toISOString().replace(/[:.]/g, '-');
  const path = join(dir, `${kind}-${stamp}.json`);
  await Bun.write(path, `${JSON.stringify(data, null, 2)}\n`);
  return path;
}
