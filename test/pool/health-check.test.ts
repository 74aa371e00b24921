import { afterAll, beforeAll, describe, expect, test } from 'bun:test';
import { chmodSync, existsSync, mkdirSync, mkdtempSync, readFileSync, rmSync, statSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { Config } from '../../src/config/types.ts';
import { createPools } from '../../src/pool/build.ts';
import { checkMember, startHealthChecks } from '../../src/pool/health-check.ts';
import { persistPoolState } from '../../src/pool/state-file.ts';
import { DEFAULT_POOL_SETTINGS } from '../../src/pool/settings.ts';
import { parseArgs } from '../../src/cli/args.ts';
import { loadConfig } from '../../src/config/load.ts';
import { createApp } from '../../src/server/app.ts';
import { Logger } from '../../src/util/log.ts';
import { openaiErrorBody, startOpenAIMock } from '../helpers/mocks/openai-mock.ts';
import type { MockServer } from '../helpers/mocks/types.ts';
import { eventually } from '../helpers/stack.ts';

let mock: MockServer;
const dir = mkdtempSync(join(tmpdir(), 'aiproxy-hc-'));
beforeAll(async () => {
  mock = await startOpenAIMock({ key: 'sk-hc' });
});
afterAll(async () => {
  await mock.stop();
  rmSync(dir, { recursive: true, force: true });
});

function config(intervalMs: number): Config {
  const c = loadConfig({ flags: parseArgs([]).flags, env: {}, cwd: '/nonexistent' });
  return {
    ...c,
    modelProviders: ['openai-custom'],
    pools: { 'openai-custom': [{ name: 'm1', weight: 1, modelMap: {}, disabled: false, healthCheckModel: 'gpt-4o-mini', credentials: { apiKey: mock.key, baseUrl: mock.url } }] },
    pool: { ...DEFAULT_POOL_SETTINGS, cooldownMs: 50, healthCheckIntervalMs: intervalMs },
  };
}
const quiet = new Logger('error', () => {});

describe('active health checks', () => {
  test('a cooling member is checked with a cheap request once its cooldown is over, and recovers', async () => {
    const pools = createPools(config(60));
    const m = pools.get('openai-custom')!.members[0]!;
    m.record({ kind: 'server_error', status: 500, message: 'x' }, Date.now(), { ...DEFAULT_POOL_SETTINGS, errorThreshold: 1, cooldownMs: 50 });
    expect(m.state.health).toBe('cooling');
    mock.queue({ error: { status: 500, body: openaiErrorBody({ message: 'still down', type: 'server_error', param: null, code: null }) } });
    const stop = startHealthChecks({ pools, fetch, log: quiet, intervalMs: 60 });
    try {
      await eventually(() => mock.calls.length >= 1, 3000);
      expect(m.state.health).not.toBe('healthy'); // the first check failed
      await eventually(() => m.state.health === 'healthy', 5000);
      const check = mock.calls.at(-1)!;
      expect(check.body).toMatchObject({ model: 'gpt-4o-mini', messages: [{ role: 'user', content: 'ping' }] });
    } finally {
      stop();
    }
  });

  test('a stopped app checks no more (tests and embedders start and stop apps in one process)', async () => {
    const app = createApp(config(30), { log: quiet });
    app.listen({ hostname: '127.0.0.1', port: 0 });
    const m = app.context.pools.get('openai-custom')!.members[0]!;
    mock.queue({ error: { status: 500, body: openaiErrorBody({ message: 'down', type: 'server_error', param: null, code: null }) } });
    m.record({ kind: 'server_error', status: 500, message: 'x' }, Date.now(), { ...DEFAULT_POOL_SETTINGS, errorThreshold: 1, cooldownMs: 1 });
    const before = mock.calls.length;
    await eventually(() => mock.calls.length > before, 3000);
    await app.stop();
    // A check already sent may still land; none starts after it.
    await Bun.sleep(60);
    const stopped = mock.calls.length;
    m.record({ kind: 'server_error', status: 500, message: 'x' }, Date.now(), { ...DEFAULT_POOL_SETTINGS, errorThreshold: 1, cooldownMs: 1 });
    await Bun.sleep(200);
    expect(mock.calls.length).toBe(stopped);
  });

  test('the state file keeps member health across a restart, for the same account only', async () => {
    const file = join(dir, 'state.json');
    const first = createPools(config(0));
    first.get('openai-custom')!.members[0]!.record({ kind: 'rate_limited', status: 429, message: 'slow', retryAfterMs: 600_000 }, Date.now(), DEFAULT_POOL_SETTINGS);
    persistPoolState(file, first, quiet)(); // stop() saves
    await eventually(() => {
      try {
        return readFileSync(file, 'utf8').includes('cooling');
      } catch {
        return false;
      }
    });
    const second = createPools(config(0));
    const stop = persistPoolState(file, second, quiet);
    stop();
    expect(second.get('openai-custom')!.members[0]!.state.health).toBe('cooling');
    const changed = config(0);
    changed.pools['openai-custom']![0]!.credentials.apiKey = 'sk-another-account';
    const third = createPools(changed);
    persistPoolState(file, third, quiet);
    expect(third.get('openai-custom')!.members[0]!.state.health).toBe('healthy');
    expect(readFileSync(file, 'utf8')).not.toContain(mock.key);
  });

  test('the state file is its owner\'s alone even when a stray temporary file was left readable', async () => {
    const file = join(dir, 'state-stray.json');
    writeFileSync(`${file}.tmp`, 'left by someone else', { mode: 0o644 });
    chmodSync(`${file}.tmp`, 0o644); // whatever the umask
    const pools = createPools(config(0));
    pools.get('openai-custom')!.members[0]!.record({ kind: 'rate_limited', status: 429, message: 'slow', retryAfterMs: 600_000 }, Date.now(), DEFAULT_POOL_SETTINGS);
    persistPoolState(file, pools, quiet)(); // stop() saves
    await eventually(() => existsSync(file));
    expect(statSync(file).mode & 0o777).toBe(0o600);
  });

  test("the check asks for the upstream model a member's model_map names, not the alias", async () => {
    const c = config(0);
    c.pools['openai-custom']![0]!.healthCheckModel = 'smart';
    c.pools['openai-custom']![0]!.modelMap = { smart: 'gpt-4o' };
    const pools = createPools(c);
    const m = pools.get('openai-custom')!.members[0]!;
    m.record({ kind: 'server_error', status: 500, message: 'x' }, Date.now() - 1000, { ...DEFAULT_POOL_SETTINGS, errorThreshold: 1, cooldownMs: 1 });
    const before = mock.calls.length;
    await checkMember(m, pools.get('openai-custom')!, { fetch, log: quiet });
    expect(mock.calls.length).toBe(before + 1);
    expect(mock.calls.at(-1)!.body).toMatchObject({ model: 'gpt-4o' });
  });

  test('a state file that could not be written is written once it can be, and the failure is logged once', async () => {
    const sub = join(dir, 'not-yet');
    const file = join(sub, 'state.json');
    const lines: string[] = [];
    const pools = createPools(config(0));
    const save = persistPoolState(file, pools, new Logger('info', (l) => lines.push(l)));
    pools.get('openai-custom')!.members[0]!.record({ kind: 'rate_limited', status: 429, message: 'slow', retryAfterMs: 600_000 }, Date.now(), DEFAULT_POOL_SETTINGS);
    const failures = () => lines.filter((l) => l.includes('could not save pool state')).length;
    save(); // the folder is missing
    await eventually(() => failures() === 1);
    save(); // fails alike: nothing new to say
    await Bun.sleep(50);
    expect(failures()).toBe(1);
    mkdirSync(sub);
    save(); // the same state, not yet in the file: written now
    await eventually(() => existsSync(file));
    expect(readFileSync(file, 'utf8')).toContain('cooling');
  });

  // A reload stops the old configuration's saver, which saves once more, and starts the new one's: two
  // SIGHUPs in quick succession had two saves of the file at once, sharing its temporary file.
  test('saves of one file by the savers of successive reloads take turns: none fails, the file is whole', async () => {
    const file = join(dir, 'state-reloads.json');
    const lines: string[] = [];
    const log = new Logger('info', (l) => lines.push(l));
    let pools = createPools(config(0));
    for (let round = 0; round < 20; round++) {
      const retry = 600_000 + round;
      pools.get('openai-custom')!.members[0]!.record({ kind: 'rate_limited', status: 429, message: 'slow', retryAfterMs: retry }, 0, DEFAULT_POOL_SETTINGS);
      const first = persistPoolState(file, pools, log);
      pools = createPools(config(0), pools); // a reload: the member goes on
      const second = persistPoolState(file, pools, log);
      first();
      second();
      await eventually(() => {
        try {
          return (JSON.parse(readFileSync(file, 'utf8')) as Record<string, Record<string, { cooldownUntil: number }>>)['openai-custom']!.m1!.cooldownUntil === retry;
        } catch {
          return false;
        }
      });
    }
    expect(lines.filter((l) => l.includes('could not save pool state'))).toEqual([]);
  });

  test("a check reads only the answer's status, never its body (a hostile upstream could make it any size)", async () => {
    let sent = 0;
    const endless = Bun.serve({
      hostname: '127.0.0.1',
      port: 0,
      fetch: () =>
        new Response(
          new ReadableStream({
            pull(c) {
              sent += 65536;
              c.enqueue(new Uint8Array(65536));
              if (sent > 64 * 1024 * 1024) c.close();
            },
          }),
          { headers: { 'content-type': 'application/json' } },
        ),
    });
    try {
      const c = config(0);
      c.pools['openai-custom']![0]!.credentials.baseUrl = `http://127.0.0.1:${endless.port}/v1`;
      const pools = createPools(c);
      const m = pools.get('openai-custom')!.members[0]!;
      m.record({ kind: 'server_error', status: 500, message: 'x' }, Date.now() - 1000, { ...DEFAULT_POOL_SETTINGS, errorThreshold: 1, cooldownMs: 1 });
      const outcome = await checkMember(m, pools.get('openai-custom')!, { fetch, log: quiet });
      expect(outcome?.kind).toBe('success');
      expect(sent).toBeLessThan(16 * 1024 * 1024);
    } finally {
      endless.stop(true);
    }
  });

  test("a failed check's log line and lastError carry no key the upstream echoed, whole or starred out", async () => {
    const key = 'sk-hc-0123456789abcdefghij';
    // An upstream that echoes the key it was sent, whole and starred out as OpenAI does.
    const echo = Bun.serve({
      hostname: '127.0.0.1',
      port: 0,
      fetch: (req) => {
        const sent = (req.headers.get('authorization') ?? '').replace(/^Bearer /, '');
        const message = `Incorrect API key provided: ${sent.slice(0, 8)}**********${sent.slice(-4)} (sent: ${sent}).`;
        return Response.json(openaiErrorBody({ message, type: 'invalid_request_error', param: null, code: 'invalid_api_key' }), { status: 401 });
      },
    });
    try {
      const lines: string[] = [];
      const log = new Logger('info', (line) => lines.push(line));
      const c = config(0);
      c.pools['openai-custom']![0]!.credentials = { apiKey: key, baseUrl: `http://127.0.0.1:${echo.port}/v1` };
      const pools = createPools(c);
      const m = pools.get('openai-custom')!.members[0]!;
      m.record({ kind: 'server_error', status: 500, message: 'x' }, Date.now() - 1000, { ...DEFAULT_POOL_SETTINGS, errorThreshold: 1, cooldownMs: 1 });
      const outcome = await checkMember(m, pools.get('openai-custom')!, { fetch, log });
      expect(outcome?.kind).toBe('auth_failed');
      const line = lines.find((l) => l.includes('health check'))!;
      expect(line).toContain('Incorrect API key provided');
      for (const text of [line, m.state.lastError!.message]) {
        expect(text).not.toContain('***');
        expect(text).not.toContain(key);
      }
    } finally {
      echo.stop(true);
    }
  });

  test('a reload keeps the state of unchanged members', () => {
    const before = createPools(config(0));
    before.get('openai-custom')!.members[0]!.state.served = 41;
    const after = createPools(config(0), before);
    expect(after.get('openai-custom')!.members[0]!.state.served).toBe(41);
  });
});
