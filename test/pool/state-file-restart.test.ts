/**
 * pool.state_file across a restart: what the file says of an account (its cooldown, a model's quota,
 * a refused key) comes back for that account only; a file it cannot use, or a place it cannot write,
 * never stops aiproxy; and the file holds no key.
 */
import { afterAll, afterEach, beforeAll, describe, expect, test } from 'bun:test';
import { existsSync, mkdirSync, mkdtempSync, readFileSync, rmSync, statSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { startOpenAIMock } from '../helpers/mocks/openai-mock.ts';
import type { MockServer } from '../helpers/mocks/types.ts';
import { startProxy, type TestProxy } from '../helpers/proxy.ts';
import { eventually } from '../helpers/stack.ts';

const dir = mkdtempSync(join(tmpdir(), 'aiproxy-state-restart-'));
let a: MockServer;
let a2: MockServer;
let b: MockServer;
let proxy: TestProxy | undefined;

beforeAll(async () => {
  [a, a2, b] = await Promise.all([
    startOpenAIMock({ key: 'sk-restart-a-0000' }),
    startOpenAIMock({ key: 'sk-restart-a2-2222' }),
    startOpenAIMock({ key: 'sk-restart-b-1111' }),
  ]);
});
afterEach(async () => {
  await proxy?.stop();
  proxy = undefined;
  for (const m of [a, a2, b]) m.reset();
});
afterAll(async () => {
  await Promise.all([a, a2, b].map((m) => m.stop()));
  rmSync(dir, { recursive: true, force: true });
});

const unique = () => Math.random().toString(36).slice(2);
const yaml = (stateFile: string, first = a) =>
  `pool: {strategy: fill_first, state_file: "${stateFile}"}\nprovider_pools:\n  openai-custom:\n` +
  `    - {name: a, api_key: ${first.key}, base_url: "${first.url}"}\n    - {name: b, api_key: ${b.key}, base_url: "${b.url}"}\n`;
async function start(config: string): Promise<TestProxy> {
  const file = join(dir, `c-${unique()}.yaml`);
  writeFileSync(file, config);
  proxy = await startProxy(['--config', file]);
  return proxy;
}
async function stop(): Promise<void> {
  await proxy?.stop();
  proxy = undefined;
}
const chat = (p: TestProxy) =>
  fetch(`${p.url}/v1/chat/completions`, {
    method: 'POST',
    headers: { authorization: `Bearer ${p.key}`, 'content-type': 'application/json' },
    body: JSON.stringify({ model: 'gpt-4o', messages: [{ role: 'user', content: 'hi' }] }),
  });
type Saved = Record<string, Record<string, Record<string, unknown>>>;
type View = Array<{ name: string; health: string; model_cooldowns_ms: Record<string, number> }>;
async function members(p: TestProxy): Promise<View> {
  const res = await fetch(`${p.url}/pools`, { headers: { authorization: `Bearer ${p.key}` } });
  return ((await res.json()) as { providers: Record<string, { members: View }> }).providers['openai-custom']!.members;
}

/** A state file as a run of `config` leaves it, then changed by `edit`. */
async function savedBy(config: string, stateFile: string, edit: (s: Saved) => void): Promise<void> {
  await start(config);
  await stop(); // the stop saves
  await eventually(() => existsSync(stateFile), 2000);
  const saved = JSON.parse(readFileSync(stateFile, 'utf8')) as Saved;
  edit(saved);
  writeFileSync(stateFile, JSON.stringify(saved));
}

describe('pool state file across a restart', () => {
  test("a model's quota and a refused key come back for the same accounts, and not for a re-keyed one", async () => {
    const stateFile = join(dir, `state-${unique()}.json`);
    const until = Date.now() + 600_000;
    await savedBy(yaml(stateFile), stateFile, (s) => {
      Object.assign(s['openai-custom']!.a!, { modelCooldowns: { 'gpt-4o': until } });
      Object.assign(s['openai-custom']!.b!, { health: 'unhealthy', cooldownUntil: until, strikes: 1 });
    });
    const p = await start(yaml(stateFile));
    const view = await members(p);
    expect(view.map((m) => m.health)).toEqual(['healthy', 'unhealthy']);
    expect(view[0]!.model_cooldowns_ms['gpt-4o']).toBeGreaterThan(500_000);
    expect((await chat(p)).status).toBe(429);
    expect(a.calls.length + b.calls.length).toBe(0);
    await stop();

    // a now has another key: what the file says of the old one is not its own.
    const q = await start(yaml(stateFile, a2));
    expect((await chat(q)).status).toBe(200);
    expect(a2.calls.length).toBe(1);
    expect((await members(q)).map((m) => m.health)).toEqual(['healthy', 'unhealthy']);
  });

  test('the file holds no key and only its owner may read it', async () => {
    const stateFile = join(dir, `state-${unique()}.json`);
    await start(yaml(stateFile));
    expect((await chat(proxy!)).status).toBe(200);
    await stop();
    await eventually(() => existsSync(stateFile), 2000);
    const text = readFileSync(stateFile, 'utf8');
    for (const m of [a, b]) {
      expect(text).not.toContain(m.key);
      expect(text).not.toContain(m.key.slice(-8));
    }
    expect(statSync(stateFile).mode & 0o777).toBe(0o600);
  });

  test('a file of an older format is ignored, and start-up goes on', async () => {
    const stateFile = join(dir, `state-${unique()}.json`);
    // No fingerprint: nothing says these entries are the same accounts.
    writeFileSync(stateFile, JSON.stringify({ 'openai-custom': { a: { health: 'unhealthy', cooldownUntil: Date.now() + 600_000 }, b: { isHealthy: false } } }));
    const p = await start(yaml(stateFile));
    expect((await members(p)).map((m) => m.health)).toEqual(['healthy', 'healthy']);
    expect((await chat(p)).status).toBe(200);
  });

  test('a state file in a directory that does not exist, or that is a directory, is a warning', async () => {
    const aDirectory = join(dir, `d-${unique()}`);
    mkdirSync(aDirectory);
    for (const stateFile of [join(dir, `missing-${unique()}`, 'state.json'), aDirectory]) {
      const p = await start(yaml(stateFile));
      expect((await chat(p)).status).toBe(200);
      const logs = p.logs;
      await stop();
      await eventually(() => logs.some((l) => l.includes('could not save pool state')), 2000);
      expect(logs.join('\n')).not.toContain(a.key);
    }
  });
});
