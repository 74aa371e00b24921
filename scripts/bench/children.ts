/**
 * Every process the benchmark starts goes through here, so one exit path (normal end, error, Ctrl-C)
 * can stop them all. Processes are optionally pinned to CPUs with taskset, which execs in place: the pid
 * we hold is the pid whose /proc entries we read.
 */
import type { Subprocess } from 'bun';

const live = new Set<Subprocess>();

export interface SpawnOptions {
  /** taskset CPU list (`0`, `1`, `2-3`); undefined = not pinned. */
  cpus?: string;
  /** Defaults to childEnv(). */
  env?: Record<string, string | undefined>;
  /** Where the child's stdout goes; `pipe` when the caller reads it. */
  stdout?: 'pipe' | 'ignore' | 'inherit';
  /** A file for the child's stderr (kept for diagnosis), or ignore / inherit. */
  stderr?: string | 'ignore' | 'inherit';
  cwd?: string;
}

export function spawnChild(cmd: string[], o: SpawnOptions = {}): Subprocess {
  const argv = o.cpus === undefined ? cmd : ['taskset', '-c', o.cpus, ...cmd];
  const stderr = o.stderr === undefined || o.stderr === 'ignore' || o.stderr === 'inherit' ? (o.stderr ?? 'inherit') : Bun.file(o.stderr);
  const proc = Bun.spawn(argv, {
    stdin: 'ignore',
    stdout: o.stdout ?? 'ignore',
    stderr,
    env: o.env ?? childEnv(),
    cwd: o.cwd,
  });
  live.add(proc);
  void proc.exited.then(() => live.delete(proc));
  return proc;
}

/**
 * The environment for a child: ours, minus anything aiproxy would read as configuration (flags > env >
 * file) and the outbound proxy variables Bun applies silently to every fetch, loopback included.
 */
export function childEnv(): Record<string, string | undefined> {
  const env: Record<string, string | undefined> = {};
  const drop = /^(AIPROXY_|OPENAI_|CLAUDE_|GEMINI_|GOOGLE_CLOUD_PROJECT$|https?_proxy$|all_proxy$|no_proxy$)/i;
  for (const [k, v] of Object.entries(process.env)) if (!drop.test(k)) env[k] = v;
  return env;
}

/** SIGTERM, then SIGKILL if the child has not gone within `graceMs`. */
export async function stopChild(proc: Subprocess, graceMs = 10_000): Promise<void> {
  if (proc.exitCode !== null || proc.signalCode !== null) return;
  proc.kill('SIGTERM');
  const timer = setTimeout(() => proc.kill('SIGKILL'), graceMs);
  await proc.exited;
  clearTimeout(timer);
}

/** Synchronous, for exit handlers: nothing may outlive the benchmark. */
export function killAllChildren(): void {
  for (const proc of live) {
    try {
      proc.kill('SIGKILL');
    } catch {
      // already gone
    }
  }
  live.clear();
}

let installed = false;

/** Kills all children on exit, Ctrl-C, SIGTERM and crashes. */
export function installExitHandlers(): void {
  if (installed) return;
  installed = true;
  process.on('exit', killAllChildren);
  for (const sig of ['SIGINT', 'SIGTERM', 'SIGHUP'] as const) {
    process.on(sig, () => {
      killAllChildren();
      process.exit(sig === 'SIGINT' ? 130 : 143);
    });
  }
}
