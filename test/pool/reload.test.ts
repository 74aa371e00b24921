/**
 * A config reload (SIGHUP) builds new pools; a member whose name and credentials did not change must
 * go on as the same account: its health, its requests in flight, its half-open probe.
 */
import { afterAll, afterEach, beforeAll, describe, expect, test } from 'bun:test';
import { existsSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { openaiErrorBody, startOpenAIMock } from '../helpers/mocks/openai-mock.ts';
import type { MockServer } from '../helpers/mocks/types.ts';
import { startProxy, type TestProxy } from '../helpers/proxy.ts';
import { eventually } from '../helpers/stack.ts';

const dir = mkdtempSync(join(tmpdir(), 'aiproxy-pool-reload-'));
let a: MockServer;
let b: MockServer;
let proxy: TestProxy | undefined;

beforeAll(async () => {
  [a, b] = await Promise.all([startOpenAIMock({ key: 'sk-reload-a-0000' }), startOpenAIMock({ key: 'sk-reload-b-1111' })]);
});
afterEach(async () => {
  await proxy?.stop();
  proxy = undefined;
  a.reset();
  b.reset();
});
afterAll(async () => {
  await Promise.all([a.stop(), b.stop()]);
  rmSync(dir, { recursive: true, force: true });
});

const member = (name: string, m: MockServer, extra = '') => `    - {name: ${name}, api_key: ${m.key}, base_url: "${m.url}"${extra}}\n`;

async function start(yaml: string): Promise<TestProxy> {
  const file = join(dir, `c-${Math.random().toString(36).slice(2)}.yaml`);
  writeFileSync(file, yaml);
  proxy = await startProxy(['--config', file]);
  return proxy;
}
const chat = (p: TestProxy, headers: Record<string, string> = {}) =>
  fetch(`${p.url}/v1/chat/completions`, {
    method: 'POST',
    headers: { authorization: `Bearer ${p.key}`, 'content-type': 'application/json', ...headers },
    body: JSON.stringify({ model: 'gpt-4o', messages: [{ role: 'user', content: 'hi' }] }),
  });
/** A reload as SIGHUP applies it: a new context from the configuration (here the same one). */
const reload = (p: TestProxy) => p.app.reload({ ...p.config });

describe('a reload keeps an unchanged member going as the same account', () => {
  test('its requests in flight still count against max_concurrency', async () => {
    a.queue({ headerDelayMs: 700 });
    const p = await start(`provider_pools:\n  openai-custom:\n${member('a', a, ', max_concurrency: 1')}`);
    const slow = chat(p);
    try {
      await a.waitForCalls(1, 2000);
      reload(p);
      expect((await chat(p)).status).toBe(429);
      expect(a.calls.length).toBe(1);
    } finally {
      expect((await slow).status).toBe(200);
    }
  });

  test('the half-open probe stays the only request let through', async () => {
    a.queue(
      { error: { status: 429, body: openaiErrorBody({ message: 'Rate limit reached', type: 'requests', param: null, code: 'rate_limit_exceeded' }), headers: { 'retry-after': '1' } } },
      { headerDelayMs: 700 },
    );
    const p = await start(`pool: {strategy: fill_first}\nprovider_pools:\n  openai-custom:\n${member('a', a)}${member('b', b)}`);
    expect((await chat(p)).status).toBe(200); // a 429 → b
    await Bun.sleep(1100);
    const probe = chat(p); // a's cooldown is over: this one is its probe
    try {
      await a.waitForCalls(2, 2000);
      reload(p);
      expect((await chat(p)).status).toBe(200);
      expect(a.calls.length).toBe(2); // not a second request to a while its probe is out
      expect(b.calls.length).toBe(2);
    } finally {
      expect((await probe).status).toBe(200);
    }
  });

  test('a session stays on its member', async () => {
    const p = await start(`pool: {affinity: true}\nprovider_pools:\n  openai-custom:\n${member('a', a)}${member('b', b)}`);
    expect((await chat(p)).status).toBe(200); // a; the session then starts on b
    expect((await chat(p, { 'x-session-id': 'conv-1' })).status).toBe(200);
    expect(b.calls.length).toBe(1);
    reload(p);
    for (let i = 0; i < 3; i++) expect((await chat(p, { 'x-session-id': 'conv-1' })).status).toBe(200);
    expect([a.calls.length, b.calls.length]).toEqual([1, 4]);
  });

  // Started afresh, the rotation sent the first request after every reload to the first member: with a
  // request or two between a config tool's SIGHUPs, b (or a third member) was never served.
  for (const strategy of ['round_robin', 'weighted'] as const) {
    test(`${strategy}: the rotation goes on where it was, not back at the first member`, async () => {
      const p = await start(`pool: {strategy: ${strategy}}\nprovider_pools:\n  openai-custom:\n${member('a', a)}${member('b', b)}`);
      for (let i = 0; i < 3; i++) {
        expect((await chat(p)).status).toBe(200);
        reload(p);
      }
      expect([a.calls.length, b.calls.length]).toEqual([2, 1]);
    });
  }

  test('with a state file, a reload does not roll the member back to what the file last saw', async () => {
    const stateFile = join(dir, `state-${Math.random().toString(36).slice(2)}.json`);
    const yaml = `pool: {strategy: fill_first, state_file: "${stateFile}"}\nprovider_pools:\n  openai-custom:\n${member('a', a)}${member('b', b)}`;
    // A previous run left the file, with every member healthy.
    const first = await start(yaml);
    reload(first); // the old tasks' stop saves
    await eventually(() => existsSync(stateFile), 2000);
    await first.stop();
    a.queue({ error: { status: 429, body: openaiErrorBody({ message: 'Rate limit reached', type: 'requests', param: null, code: 'rate_limit_exceeded' }), headers: { 'retry-after': '600' } } });
    const p = await start(yaml);
    expect((await chat(p)).status).toBe(200); // a 429 → b; a cools down for 10 minutes
    reload(p); // within the save interval: the file still says a is healthy
    expect((await chat(p)).status).toBe(200);
    expect(a.calls.length).toBe(1);
    expect(b.calls.length).toBe(2);
  });
});
