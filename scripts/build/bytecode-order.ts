/**
 * The profile run behind the executables' bytecode layout (Bun's `--bytecode-order`): a binary built for
 * this machine is started against the benchmark's mock upstream, serves one request of each benchmark
 * scenario (passthrough and conversions, streamed and not, all three client protocols), and is stopped
 * with SIGTERM; on exit Bun writes which functions ran. Built with that file, every target's executable
 * keeps those functions together at the front of its bytecode, so a starting and serving aiproxy reads
 * fewer pages of itself (the compiled binary's idle RSS, 3 starts each: 52.8 → 49.8 MB for start-up
 * alone, and 1.2 MB less again after a first request when the requests are in the profile too).
 */
import { writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { startMockUpstream } from '../bench/mock-upstream.ts';
import { SCENARIOS } from '../bench/scenarios.ts';
import { aiproxyConfig } from '../bench/servers.ts';

/** The whole run, start-up to exit; it takes about a second. */
const RUN_LIMIT_MS = 30_000;

/** Runs `binary` once as described above and returns the order file it wrote into `dir`. */
export async function recordBytecodeOrder(binary: string, dir: string): Promise<string> {
  const upstream = startMockUpstream({ port: 0, chunks: 20, unaryBytes: 600, paceMs: 0 });
  const config = join(dir, 'profile.yaml');
  writeFileSync(config, aiproxyConfig(`http://127.0.0.1:${upstream.port}`, 'info'));
  const order = join(dir, 'aiproxy.order');
  const proc = Bun.spawn([binary, '--port', '0', '--config', config], {
    cwd: dir,
    // Nothing from the builder's environment (AIPROXY_*, provider keys) reaches the run.
    env: { PATH: process.env.PATH ?? '', HOME: dir, BUN_BYTECODE_ORDER_OUT: order },
    stdout: 'ignore',
    stderr: 'pipe',
  });
  const killer = setTimeout(() => proc.kill('SIGKILL'), RUN_LIMIT_MS);
  try {
    const origin = await listeningOrigin(proc.stderr);
    for (const s of SCENARIOS.filter((x) => x.target === 'aiproxy')) {
      const { method, path, headers, body } = s.request;
      const res = await fetch(origin + path, { method, headers, body });
      const text = await res.text();
      if (res.status !== 200 || !text.includes(s.expect)) throw new Error(`${s.name} answered ${res.status}: ${text.slice(0, 300)}`);
    }
    proc.kill('SIGTERM');
    const code = await proc.exited;
    if (code !== 0) throw new Error(`it exited with ${code} on SIGTERM`);
  } catch (e) {
    proc.kill('SIGKILL');
    throw new Error(`the bytecode-order profile run failed: ${(e as Error).message}`);
  } finally {
    clearTimeout(killer);
    upstream.stop(true);
  }
  if ((await Bun.file(order).exists()) === false || Bun.file(order).size === 0) {
    throw new Error('the bytecode-order profile run wrote no order file');
  }
  return order;
}

/** The origin in aiproxy's "listening on http://host:port" log line (it was started on port 0). */
async function listeningOrigin(stderr: ReadableStream<Uint8Array>): Promise<string> {
  const reader = stderr.getReader();
  const decoder = new TextDecoder();
  let text = '';
  for (;;) {
    const { done, value } = await reader.read();
    if (done) throw new Error(`it stopped before listening: ${text.slice(-500)}`);
    text += decoder.decode(value, { stream: true });
    const m = / listening on (http:\/\/\S+)/.exec(text);
    if (m) {
      // The rest of its log goes unread, but drained: a child writing into a full pipe would stall.
      void (async () => {
        while (!(await reader.read()).done);
      })().catch(() => {});
      return m[1]!;
    }
  }
}
