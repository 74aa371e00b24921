/**
 * A token count is asked of whoever would answer the request: an available member of the provider it
 * routes to, else along the fallbacks (with their model_map), as a generate request fails over; the
 * local estimate when that is an upstream without a counter.
 */
import { afterAll, afterEach, beforeAll, describe, expect, test } from 'bun:test';
import Anthropic from '@anthropic-ai/sdk';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { anthropicErrorBody, startAnthropicMock } from '../helpers/mocks/anthropic-mock.ts';
import { startOpenAIMock } from '../helpers/mocks/openai-mock.ts';
import type { MockServer } from '../helpers/mocks/types.ts';
import { startProxy, type TestProxy } from '../helpers/proxy.ts';

const dir = mkdtempSync(join(tmpdir(), 'aiproxy-count-'));
const CLAUDE_ONLY = 'claude-only-key-0123456789';
let openai: MockServer;
let claude: MockServer;
let proxy: TestProxy | undefined;

beforeAll(async () => {
  [openai, claude] = await Promise.all([startOpenAIMock({ key: 'sk-count-openai-0000' }), startAnthropicMock({ key: 'sk-ant-count-1111' })]);
});
afterEach(async () => {
  await proxy?.stop();
  proxy = undefined;
  openai.reset();
  claude.reset();
});
afterAll(async () => {
  await Promise.all([openai.stop(), claude.stop()]);
  rmSync(dir, { recursive: true, force: true });
});

async function start(lines: string[]): Promise<TestProxy> {
  const file = join(dir, `c-${Math.random().toString(36).slice(2)}.yaml`);
  writeFileSync(file, lines.join('\n'));
  proxy = await startProxy(['--config', file]);
  return proxy;
}

/** claude-custom's one member (its key as given), falling back to openai-custom, which maps the Claude model to gpt-4o. */
const claudeFallingBackToOpenAI = (claudeKey: string) => [
  'model_providers: [claude-custom, openai-custom]',
  'provider_pools:',
  '  claude-custom:',
  `    - {name: c1, api_key: ${claudeKey}, base_url: "${claude.url}"}`,
  '  openai-custom:',
  `    - {name: o1, api_key: ${openai.key}, base_url: "${openai.url}", model_map: {claude-sonnet-4-6: gpt-4o}}`,
  'fallbacks:',
  '  claude-custom: [openai-custom]',
  'api_keys:',
  `  - {name: claude-only, key: ${CLAUDE_ONLY}, allowed_providers: [claude-custom]}`,
];

const anthropic = (p: TestProxy, key = p.key) => new Anthropic({ apiKey: key, baseURL: p.url, maxRetries: 0 });
const ask = (p: TestProxy, model = 'claude-sonnet-4-6') =>
  anthropic(p).messages.create({ model, max_tokens: 16, messages: [{ role: 'user', content: 'hi' }] });
const count = (p: TestProxy, key?: string, model = 'claude-sonnet-4-6') =>
  anthropic(p, key).messages.countTokens({ model, messages: [{ role: 'user', content: 'hi' }] });
const counted = (m: MockServer) => m.calls.filter((c) => c.url.includes('count_tokens')).map((c) => (c.body as { model: string }).model);
const members = (p: TestProxy) => [...p.app.context.pools.values()].flatMap((pool) => pool.members);

describe('count_tokens follows the pool', () => {
  test('a member that refused its key is not asked: the fallback that answers has no counter, so the estimate', async () => {
    const p = await start(claudeFallingBackToOpenAI('sk-ant-revoked-9999'));
    expect((await ask(p)).model).toBe('gpt-4o');
    expect(p.app.context.pools.get('claude-custom')!.members[0]!.state.health).toBe('unhealthy');
    const res = await count(p);
    expect(res.input_tokens).toBeGreaterThan(0);
    expect(counted(claude)).toEqual([]);
    expect(claude.calls).toHaveLength(1);
  });

  test('nor one cooling down after a 429; counting takes no slot and no probe', async () => {
    claude.queue({ error: { status: 429, body: anthropicErrorBody('rate_limit_error', 'Number of request tokens has exceeded your per-minute rate limit'), headers: { 'retry-after': '600' } } });
    const p = await start(claudeFallingBackToOpenAI(claude.key));
    expect((await ask(p)).model).toBe('gpt-4o');
    expect((await count(p)).input_tokens).toBeGreaterThan(0);
    expect(counted(claude)).toEqual([]);
    for (const m of members(p)) {
      expect(m.inflight).toBe(0);
      expect(m.probing).toBe(false);
    }
  });

  test('a fallback that has a counter counts, for the model its model_map sends', async () => {
    const p = await start([
      'model_providers: [openai-custom, claude-custom]',
      'provider_pools:',
      '  openai-custom:',
      `    - {name: o1, api_key: sk-revoked-0000, base_url: "${openai.url}"}`,
      '  claude-custom:',
      `    - {name: c1, api_key: ${claude.key}, base_url: "${claude.url}", model_map: {gpt-4o: claude-sonnet-4-5-20250929}}`,
      'fallbacks:',
      '  openai-custom: [claude-custom]',
    ]);
    expect((await ask(p, 'gpt-4o')).content[0]).toMatchObject({ text: 'mock(anthropic) heard: hi' });
    const res = await count(p, undefined, 'gpt-4o');
    expect(res.input_tokens).toBeGreaterThan(0);
    expect(counted(claude)).toEqual(['claude-sonnet-4-5-20250929']);
    // The broken member was asked once, by the request that found it out.
    expect(openai.calls.filter((c) => c.method === 'POST')).toHaveLength(1);
  });

  test('a key limited to the provider is not counted by a fallback it may not use: the cooling member is still asked', async () => {
    claude.queue({ error: { status: 429, body: anthropicErrorBody('rate_limit_error', 'rate limited'), headers: { 'retry-after': '600' } } });
    const p = await start(claudeFallingBackToOpenAI(claude.key));
    await ask(p);
    expect((await count(p, CLAUDE_ONLY)).input_tokens).toBeGreaterThan(0);
    expect(counted(claude)).toEqual(['claude-sonnet-4-6']);
    // The member's cooldown stands: a count is no probe.
    expect(p.app.context.pools.get('claude-custom')!.members[0]!.state.health).toBe('cooling');
  });

  test('with every member healthy, the provider the model routes to counts, as before', async () => {
    const p = await start(claudeFallingBackToOpenAI(claude.key));
    expect((await count(p)).input_tokens).toBeGreaterThan(0);
    expect(counted(claude)).toEqual(['claude-sonnet-4-6']);
  });
});

describe('count_tokens in the request log', () => {
  test('a count the upstream refused is logged as a warning with its reason, as a refused generate is', async () => {
    // A key Anthropic refuses: its count_tokens answers 401 authentication_error.
    const p = await start(['model_providers: [claude-custom]', 'claude:', '  api_key: sk-ant-wrong-0000', `  base_url: "${claude.url}"`]);
    expect(await count(p).then(() => 200, (e: { status?: number }) => e.status)).toBe(401);
    const line = p.logs.find((l) => l.includes('path=/v1/messages/count_tokens'))!;
    expect(line).toContain('WARN');
    expect(line).toContain('error="invalid x-api-key"');
  });
});
