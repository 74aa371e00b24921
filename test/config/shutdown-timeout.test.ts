import { afterAll, describe, expect, test } from 'bun:test';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { parseArgs } from '../../src/cli/args.ts';
import { loadConfig } from '../../src/config/load.ts';

const dir = mkdtempSync(join(tmpdir(), 'aiproxy-shutdown-config-'));
afterAll(() => rmSync(dir, { recursive: true, force: true }));

const load = (argv: string[], env: Record<string, string> = {}) =>
  loadConfig({ flags: parseArgs(argv).flags, env, cwd: join(dir, 'nowhere') });

function file(text: string): string {
  const p = join(dir, `c${Math.random().toString(36).slice(2)}.yaml`);
  writeFileSync(p, text);
  return p;
}

describe('shutdown_timeout_ms', () => {
  test('defaults to 30 s', () => {
    expect(load([]).shutdownTimeoutMs).toBe(30_000);
  });

  test('flag beats env beats file', () => {
    const cfg = file('shutdown_timeout_ms: 1000\n');
    expect(load(['--config', cfg]).shutdownTimeoutMs).toBe(1000);
    expect(load(['--config', cfg], { AIPROXY_SHUTDOWN_TIMEOUT_MS: '2000' }).shutdownTimeoutMs).toBe(2000);
    expect(load(['--config', cfg, '--shutdown-timeout-ms', '3000'], { AIPROXY_SHUTDOWN_TIMEOUT_MS: '2000' }).shutdownTimeoutMs).toBe(3000);
    expect(load(['--config', file('shutdown_timeout_ms: "4500"\n')]).shutdownTimeoutMs).toBe(4500);
    expect(load(['--shutdown-timeout-ms=0']).shutdownTimeoutMs).toBe(0);
  });

  test('a value that is not whole milliseconds stops start-up naming its source', () => {
    expect(() => load(['--shutdown-timeout-ms', '5s'])).toThrow('--shutdown-timeout-ms: "5s" is not a number of milliseconds');
    expect(() => load([], { AIPROXY_SHUTDOWN_TIMEOUT_MS: '-1' })).toThrow('AIPROXY_SHUTDOWN_TIMEOUT_MS: "-1" is not a number of milliseconds');
    expect(() => load(['--config', file('shutdown_timeout_ms: 1.5\n')])).toThrow('shutdown_timeout_ms');
    expect(() => load(['--shutdown-timeout-ms', '86400001'])).toThrow('(0-86400000)');
  });
});
