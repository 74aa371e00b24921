import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';

/** The proxy as a user runs it: a separate process, configured by a file, stopped by signals. */
export interface CliProcess {
  url: string;
  /** Everything the process wrote to stderr (its log) so far. */
  log(): string;
  /** Resolves with the first log line matching `pattern` written after `fromOffset` (default: any). */
  waitForLog(pattern: RegExp, timeoutMs?: number, fromOffset?: number): Promise<string>;
  signal(sig: NodeJS.Signals): void;
  /** The exit code. */
  exited: Promise<number>;
  /** Kills the process if it still runs and removes its directory. */
  cleanup(): Promise<void>;
}

export const ROOT = join(import.meta.dir, '../..');
/** `bun run src/index.ts`, as a developer starts it. */
export const SOURCE_CMD = [process.execPath, 'run', join(ROOT, 'src/index.ts')];

/** A temporary working directory; the process starts there so nothing from the repo leaks in. */
export function tempDir(prefix: string): string {
  return mkdtempSync(join(tmpdir(), prefix));
}

export function writeFile(dir: string, name: string, text: string): string {
  const p = join(dir, name);
  writeFileSync(p, text);
  return p;
}

/**
 * Starts `cmd args` in `cwd` with a clean environment (no proxy or key variables from the machine) and
 * waits for its "listening on" line. The port comes from that line, so configs can use port 0.
 */
export async function startCli(cmd: string[], args: string[], cwd: string, timeoutMs = 10_000): Promise<CliProcess> {
  const proc = Bun.spawn([...cmd, ...args], {
    cwd,
    env: { PATH: process.env.PATH ?? '/usr/bin:/bin', HOME: cwd },
    stdin: 'ignore',
    stdout: 'pipe',
    stderr: 'pipe',
  });
  let text = '';
  const waiters = new Set<() => void>();
  const pump = (async () => {
    const decoder = new TextDecoder();
    for await (const chunk of proc.stderr) {
      text += decoder.decode(chunk, { stream: true });
      for (const w of waiters) w();
    }
  })();

  const waitForLog = (pattern: RegExp, ms = 5000, fromOffset = 0): Promise<string> =>
    new Promise((resolve, reject) => {
      const check = (): void => {
        const line = text.slice(fromOffset).split('\n').find((l) => pattern.test(l));
        if (line === undefined) return;
        waiters.delete(check);
        clearTimeout(timer);
        resolve(line);
      };
      const timer = setTimeout(() => {
        waiters.delete(check);
        reject(new Error(`no log line matching ${pattern} within ${ms} ms; log so far:\n${text}`));
      }, ms);
      waiters.add(check);
      check();
    });

  const exited = proc.exited;
  const listening = waitForLog(/listening on http:\/\//, timeoutMs);
  // A process that dies at start-up should fail the test with its message, not a timeout.
  const early = exited.then((code) => {
    throw new Error(`exited with ${code} before listening:\n${text}`);
  });
  const line = await Promise.race([listening, early]);
  early.catch(() => {});
  const url = /listening on (http:\/\/\S+)/.exec(line)![1]!;

  return {
    url,
    log: () => text,
    waitForLog,
    signal: (sig) => proc.kill(sig),
    exited,
    async cleanup() {
      if (proc.exitCode === null) proc.kill('SIGKILL');
      await exited;
      await pump.catch(() => {});
      rmSync(cwd, { recursive: true, force: true });
    },
  };
}

/** A streaming response read as it arrives. */
export interface StreamRead {
  status: number;
  contentType: string;
  /** Resolves once the first body bytes arrived. */
  firstBytes: Promise<void>;
  /** The whole body once the server ended it. */
  body: Promise<string>;
}

export async function readStream(res: Response): Promise<StreamRead> {
  let first!: () => void;
  const firstBytes = new Promise<void>((resolve) => {
    first = resolve;
  });
  const body = (async () => {
    const decoder = new TextDecoder();
    let out = '';
    if (!res.body) return out;
    for await (const chunk of res.body) {
      out += decoder.decode(chunk, { stream: true });
      first();
    }
    return out + decoder.decode();
  })();
  return { status: res.status, contentType: res.headers.get('content-type') ?? '', firstBytes, body };
}

/** POSTs JSON to the proxy with its key. */
export function post(url: string, key: string, body: unknown, headers: Record<string, string> = {}): Promise<Response> {
  return fetch(url, {
    method: 'POST',
    headers: { authorization: `Bearer ${key}`, 'content-type': 'application/json', ...headers },
    body: JSON.stringify(body),
  });
}
