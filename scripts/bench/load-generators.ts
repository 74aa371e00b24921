/**
 * The two load generators behind one interface: wrk (Debian's, installed when missing and possible) and
 * the Bun client. Both run as pinned child processes and report a LoadResult.
 */
import { join } from 'node:path';
import { spawnChild } from './children.ts';
import type { LoadGenerator, LoadResult, LoadSpec } from './load-types.ts';
import { parseWrkOutput, wrkScript } from './wrk-script.ts';

const LOAD_CLIENT = join(import.meta.dir, 'load-client.ts');

/** Seconds a run may overrun its duration before it counts as hung. */
const OVERRUN_S = 30;

async function runToEnd(cmd: string[], cpus: string | undefined, timeoutS: number): Promise<string> {
  const proc = spawnChild(cmd, { cpus, stdout: 'pipe', stderr: 'inherit' });
  const timer = setTimeout(() => proc.kill('SIGKILL'), timeoutS * 1000);
  const stdout = await new Response(proc.stdout as ReadableStream<Uint8Array>).text();
  const code = await proc.exited;
  clearTimeout(timer);
  if (code !== 0) throw new Error(`${cmd[0]} exited with ${code}:\n${stdout.slice(0, 2000)}`);
  return stdout;
}

let scriptCount = 0;

export function wrkGenerator(wrkPath: string, tmpDir: string, cpus?: string): LoadGenerator {
  return {
    name: 'wrk',
    async run(spec: LoadSpec): Promise<LoadResult> {
      const script = join(tmpDir, `wrk-${++scriptCount}.lua`);
      await Bun.write(script, wrkScript(spec.requests));
      // wrk takes whole seconds; one thread, as the load generator owns one core.
      const seconds = Math.max(1, Math.round(spec.durationS));
      const out = await runToEnd(
        [wrkPath, '-t1', `-c${spec.connections}`, `-d${seconds}s`, '--timeout', '10s', '-s', script, spec.origin + spec.requests[0]!.path],
        cpus,
        seconds + OVERRUN_S,
      );
      const w = parseWrkOutput(out);
      const durationS = w.duration_us / 1e6;
      const e = w.errors;
      return {
        generator: 'wrk',
        requests: w.requests,
        errors: e.connect + e.read + e.write + e.status + e.timeout,
        durationS,
        rps: w.requests / durationS,
        latencyUs: w.latency_us,
      };
    },
  };
}

export function bunGenerator(tmpDir: string, cpus?: string): LoadGenerator {
  return {
    name: 'bun',
    async run(spec: LoadSpec): Promise<LoadResult> {
      const file = join(tmpDir, `load-${++scriptCount}.json`);
      await Bun.write(file, JSON.stringify(spec));
      const out = await runToEnd(['bun', LOAD_CLIENT, file], cpus, spec.durationS + OVERRUN_S);
      return JSON.parse(out.trim().split('\n').pop()!) as LoadResult;
    },
  };
}

/**
 * wrk's path, installing Debian's package when it is missing and we are root with apt-get. Returns
 * undefined when it cannot be had; the caller falls back to the Bun client.
 */
export function ensureWrk(install: boolean, log: (line: string) => void): string | undefined {
  const found = Bun.which('wrk');
  if (found || !install) return found ?? undefined;
  if (process.getuid?.() !== 0 || !Bun.which('apt-get')) {
    log('wrk is missing and cannot be installed here (needs root and apt-get): using the Bun client');
    return undefined;
  }
  log('wrk is missing: apt-get update && apt-get install -y wrk');
  for (const cmd of [['apt-get', 'update'], ['apt-get', 'install', '-y', 'wrk']]) {
    const r = Bun.spawnSync(cmd, { stdout: 'inherit', stderr: 'inherit', env: { ...process.env, DEBIAN_FRONTEND: 'noninteractive' } });
    if (r.exitCode !== 0) {
      log(`${cmd.join(' ')} failed: using the Bun client`);
      return undefined;
    }
  }
  return Bun.which('wrk') ?? undefined;
}
