/**
 * Google's quotas are per model: a day's gemini-2.5-pro requests used up on one account leaves its
 * flash quota untouched. A pool must cool down only that model on that account, or flash requests
 * are refused for hours ("every account … is cooling down") once every account has spent its pro quota.
 */
import { afterAll, beforeAll, describe, expect, test } from 'bun:test';
import OpenAI from 'openai';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { geminiQuotaError, startGeminiMock, type GeminiMock } from '../helpers/mocks/gemini-mock.ts';
import { startProxy, type TestProxy } from '../helpers/proxy.ts';

const dir = mkdtempSync(join(tmpdir(), 'aiproxy-model-quota-'));
let a: GeminiMock;
let b: GeminiMock;
let proxy: TestProxy;

beforeAll(async () => {
  [a, b] = await Promise.all([startGeminiMock(), startGeminiMock()]);
  const member = (name: string, m: GeminiMock) => `    - {name: ${name}, api_key: ${m.key}, base_url: "${m.url}"}\n`;
  const file = join(dir, 'config.yaml');
  writeFileSync(file, `model_providers: [gemini-cli]\npool: {strategy: fill_first}\nprovider_pools:\n  gemini-cli:\n${member('a', a)}${member('b', b)}`);
  proxy = await startProxy(['--config', file]);
});
afterAll(async () => {
  await Promise.all([proxy.stop(), a.stop(), b.stop()]);
  rmSync(dir, { recursive: true, force: true });
});

const ask = (model: string) =>
  new OpenAI({ apiKey: proxy.key, baseURL: `${proxy.url}/v1`, maxRetries: 0 }).chat.completions.create({ model, messages: [{ role: 'user', content: 'hi' }] });

describe('a per-model quota cools down only that model', () => {
  test('pro spent on account a: pro goes to b, flash still to a; /pools shows the model cooling', async () => {
    a.queue({ error: geminiQuotaError('68940s', 'gemini-2.5-pro') });
    await ask('gemini-2.5-pro'); // a: 429 for pro → failover to b
    expect([a.calls.length, b.calls.length]).toEqual([1, 1]);
    await ask('gemini-2.5-pro'); // a's pro is cooling: b
    expect([a.calls.length, b.calls.length]).toEqual([1, 2]);
    await ask('gemini-2.5-flash'); // a is fine for flash (fill_first: a first)
    expect([a.calls.length, b.calls.length]).toEqual([2, 2]);
    expect(a.calls.at(-1)!.url).toContain('gemini-2.5-flash');

    const view = (await (await fetch(`${proxy.url}/pools`, { headers: { authorization: `Bearer ${proxy.key}` } })).json()) as {
      providers: Record<string, { members: Array<{ name: string; health: string; model_cooldowns_ms: Record<string, number> }> }>;
    };
    const ma = view.providers['gemini-cli']!.members.find((m) => m.name === 'a')!;
    expect(ma.health).toBe('healthy');
    expect(ma.model_cooldowns_ms['gemini-2.5-pro']).toBeGreaterThan(68_000_000);
  });

  test('Google naming the model otherwise (an alias, a models/ prefix) still cools the model that was asked', async () => {
    const before = [a.calls.length, b.calls.length];
    a.queue({ error: geminiQuotaError('600s', 'models/gemini-flash-lite-latest') });
    await ask('gemini-2.5-flash-lite'); // a: 429 → b
    await ask('gemini-2.5-flash-lite'); // a's flash-lite is cooling: b again
    expect([a.calls.length - before[0]!, b.calls.length - before[1]!]).toEqual([1, 2]);
  });

  test("a key's daily quota for a model rests that model until Google's midnight, not for RetryInfo's 36 s", async () => {
    // The Gemini API sends a spent day with a RetryInfo of seconds (diegosouzapw/OmniRoute#9504).
    const before = [a.calls.length, b.calls.length];
    a.queue({ error: geminiQuotaError('36s', 'gemini-2.5-flash', 'GenerateRequestsPerDayPerProjectPerModel-FreeTier') });
    await ask('gemini-2.5-flash'); // a: 429 → b
    expect([a.calls.length - before[0]!, b.calls.length - before[1]!]).toEqual([1, 1]);
    const view = (await (await fetch(`${proxy.url}/pools`, { headers: { authorization: `Bearer ${proxy.key}` } })).json()) as {
      providers: Record<string, { members: Array<{ name: string; model_cooldowns_ms: Record<string, number> }> }>;
    };
    const wait = view.providers['gemini-cli']!.members.find((m) => m.name === 'a')!.model_cooldowns_ms['gemini-2.5-flash']!;
    const at: Record<string, string> = {};
    const pacific = new Intl.DateTimeFormat('en-US', { timeZone: 'America/Los_Angeles', hourCycle: 'h23', hour: 'numeric', minute: 'numeric', second: 'numeric' });
    for (const p of pacific.formatToParts(Date.now())) at[p.type] = p.value;
    const toMidnight = 86_400 - (Number(at.hour) * 3600 + Number(at.minute) * 60 + Number(at.second));
    expect(Math.abs(wait / 1000 - toMidnight)).toBeLessThan(5);
  });

  test('a model named "constructor" is just a model', async () => {
    const err = (await ask('constructor').catch((e) => e)) as { status?: number };
    expect(err.status).not.toBe(500);
  });
});

