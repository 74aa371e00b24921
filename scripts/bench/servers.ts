/**
 * Starts the three kinds of server the benchmark talks to, each as its own (optionally pinned) process:
 * the mock upstream, the minimal forwarder, and aiproxy itself from src/index.ts with a generated config.
 */
import type { Subprocess } from 'bun';
import { join } from 'node:path';
import { spawnChild, stopChild } from './children.ts';
import { PROXY_KEY } from './scenarios.ts';

export interface ServerProcess {
  name: string;
  pid: number;
  origin: string;
  proc: Subprocess;
  stop(): Promise<void>;
}

const HERE = import.meta.dir;
export const REPO_ROOT = join(HERE, '..', '..');

/** A port the kernel just handed out; nothing else on loopback races us for it in practice. */
export function freePort(): number {
  const probe = Bun.serve({ hostname: '127.0.0.1', port: 0, fetch: () => new Response() });
  const port = probe.port!;
  probe.stop(true);
  return port;
}

/** Polls `origin/health` every 50 ms until it answers, at most `timeoutMs`. */
async function waitHealthy(name: string, origin: string, proc: Subprocess, timeoutMs = 15_000): Promise<void> {
  const end = Date.now() + timeoutMs;
  while (Date.now() < end) {
    if (proc.exitCode !== null) throw new Error(`${name} exited with ${proc.exitCode} during start-up`);
    try {
      const res = await fetch(`${origin}/health`);
      await res.arrayBuffer();
      if (res.ok) return;
    } catch {
      // not listening yet
    }
    await Bun.sleep(50);
  }
  throw new Error(`${name} did not answer ${origin}/health within ${timeoutMs} ms`);
}

async function startServer(name: string, cmd: string[], port: number, o: { cpus?: string; stderr?: string }): Promise<ServerProcess> {
  const proc = spawnChild(cmd, { cpus: o.cpus, stdout: 'ignore', stderr: o.stderr ?? 'inherit', cwd: REPO_ROOT });
  const origin = `http://127.0.0.1:${port}`;
  try {
    await waitHealthy(name, origin, proc);
  } catch (e) {
    await stopChild(proc);
    // The log file lives in a temp folder removed on exit, so its tail goes into the error.
    const tail = o.stderr ? (await Bun.file(o.stderr).text().catch(() => '')).slice(-2000) : '';
    throw new Error(`${(e as Error).message}${tail ? `\n${name} log:\n${tail}` : ''}`);
  }
  return { name, pid: proc.pid, origin, proc, stop: () => stopChild(proc) };
}

export interface MockOptions {
  chunks: number;
  unaryBytes: number;
  paceMs: number;
  cpus?: string;
}

export function startMockProcess(o: MockOptions): Promise<ServerProcess> {
  const port = freePort();
  const cmd = ['bun', join(HERE, 'mock-upstream.ts'), '--port', String(port), '--chunks', String(o.chunks)];
  cmd.push('--unary-bytes', String(o.unaryBytes), '--pace-ms', String(o.paceMs));
  return startServer('mock upstream', cmd, port, { cpus: o.cpus });
}

export function startForwarderProcess(upstream: string, cpus?: string): Promise<ServerProcess> {
  const port = freePort();
  // The forwarder relays /health to the mock, so the same readiness check works.
  return startServer('forwarder', ['bun', join(HERE, 'forwarder.ts'), '--port', String(port), '--upstream', upstream], port, { cpus });
}

export interface AiproxyOptions {
  /** The mock's origin; every provider points at it. */
  upstream: string;
  tmpDir: string;
  logLevel: string;
  cpus?: string;
  /** When set, aiproxy runs under `bun --cpu-prof` and writes its profile here on stop. */
  cpuProfDir?: string;
  /** A compiled aiproxy to run instead of the sources. */
  binary?: string;
}

/** config.yaml for aiproxy: all three providers on the mock. */
export function aiproxyConfig(upstream: string, logLevel: string): string {
  return [
    'host: 127.0.0.1',
    `api_key: ${PROXY_KEY}`,
    `log_level: ${logLevel}`,
    'model_providers: [openai-custom, claude-custom, gemini-cli]',
    'openai:',
    '  api_key: bench-upstream-key',
    `  base_url: ${upstream}/v1`,
    'claude:',
    '  api_key: bench-upstream-key',
    `  base_url: ${upstream}`,
    'gemini:',
    '  api_key: bench-upstream-key',
    `  base_url: ${upstream}`,
    '',
  ].join('\n');
}

let aiproxyCount = 0;

export async function startAiproxyProcess(o: AiproxyOptions): Promise<ServerProcess> {
  const n = ++aiproxyCount;
  const config = join(o.tmpDir, `aiproxy-${n}.yaml`);
  await Bun.write(config, aiproxyConfig(o.upstream, o.logLevel));
  const port = freePort();
  const flags = ['--port', String(port), '--config', config];
  // bun writes a CPU profile only on a normal exit, so profiling goes through an entry that exits on SIGTERM.
  const cmd = o.cpuProfDir
    ? ['bun', '--cpu-prof', '--cpu-prof-md', `--cpu-prof-dir=${o.cpuProfDir}`, join(HERE, 'profiled-entry.ts'), ...flags]
    : o.binary
      ? [o.binary, ...flags]
      : ['bun', 'run', join(REPO_ROOT, 'src', 'index.ts'), ...flags];
  // One log line per request is part of what a user runs, so it stays on; it goes to a file, not a pipe we must drain.
  return startServer('aiproxy', cmd, port, { cpus: o.cpus, stderr: join(o.tmpDir, `aiproxy-${n}.log`) });
}
