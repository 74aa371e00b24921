/**
 * Measures start-up to a listening socket: from spawn until the "listening on" log line, which is written
 * right after the listener is bound. `bun run scripts/startup-time.ts [runs] [-- command...]`; the default
 * command is dist/aiproxy-linux-amd64. Each run uses port 0 and an empty working directory.
 */
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';

const argv = Bun.argv.slice(2);
const dash = argv.indexOf('--');
const runs = Math.min(200, Math.max(1, Number(argv[0] && argv[0] !== '--' ? argv[0] : 20) || 20));
const cmd = dash >= 0 ? argv.slice(dash + 1) : [join(import.meta.dir, '../dist/aiproxy-linux-amd64')];

async function once(cwd: string): Promise<number> {
  const started = performance.now();
  const proc = Bun.spawn([...cmd, '--host', '127.0.0.1', '--port', '0', '--api-key', 'startup-time'], {
    cwd,
    env: { PATH: process.env.PATH ?? '' },
    stderr: 'pipe',
    stdout: 'ignore',
  });
  const decoder = new TextDecoder();
  let text = '';
  let took = -1;
  for await (const chunk of proc.stderr) {
    text += decoder.decode(chunk, { stream: true });
    if (text.includes('listening on')) {
      took = performance.now() - started;
      break;
    }
  }
  proc.kill('SIGKILL');
  await proc.exited;
  if (took < 0) throw new Error(`never listened:\n${text}`);
  return took;
}

const cwd = mkdtempSync(join(tmpdir(), 'aiproxy-startup-'));
try {
  await once(cwd); // warm the page cache; not counted
  const times: number[] = [];
  for (let i = 0; i < runs; i++) times.push(await once(cwd));
  times.sort((a, b) => a - b);
  const mean = times.reduce((a, b) => a + b, 0) / times.length;
  const pct = (p: number): number => times[Math.min(times.length - 1, Math.floor(p * times.length))]!;
  console.log(
    `${cmd.join(' ')}: ${runs} runs, mean ${mean.toFixed(1)} ms, median ${pct(0.5).toFixed(1)} ms, ` +
      `min ${times[0]!.toFixed(1)} ms, p90 ${pct(0.9).toFixed(1)} ms`,
  );
} finally {
  rmSync(cwd, { recursive: true, force: true });
}
