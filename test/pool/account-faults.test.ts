/**
 * Failures that belong to the account, not the request: a key Google refuses with a 400, an
 * Anthropic account out of credit (402, or its "credit balance is too low" 400). A pool must step
 * around such a member within the request and rest it, as after a 401; and a failure is recorded
 * with the status the client got.
 */
import { afterAll, afterEach, beforeAll, describe, expect, test } from 'bun:test';
import OpenAI from 'openai';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { anthropicErrorBody, startAnthropicMock } from '../helpers/mocks/anthropic-mock.ts';
import { startGeminiMock, type GeminiMock } from '../helpers/mocks/gemini-mock.ts';
import { openaiErrorBody, startOpenAIMock } from '../helpers/mocks/openai-mock.ts';
import type { MockReply, MockServer } from '../helpers/mocks/types.ts';
import { startProxy, type TestProxy } from '../helpers/proxy.ts';

const dir = mkdtempSync(join(tmpdir(), 'aiproxy-account-faults-'));
let broke: MockServer;
let rich: MockServer;
let gemini: GeminiMock;
let spent: MockServer;
let funded: MockServer;
let proxy: TestProxy | undefined;

beforeAll(async () => {
  [broke, rich, gemini, spent, funded] = await Promise.all([
    startAnthropicMock({ key: 'sk-ant-broke-0000' }),
    startAnthropicMock({ key: 'sk-ant-rich-1111' }),
    startGeminiMock({ key: 'AIzaSyGOOD-member-key-000000000000000' }),
    startOpenAIMock({ key: 'sk-spent-0000' }),
    startOpenAIMock({ key: 'sk-funded-1111' }),
  ]);
});
afterEach(async () => {
  await proxy?.stop();
  proxy = undefined;
  for (const m of [broke, rich, gemini, spent, funded]) m.reset();
});
afterAll(async () => {
  await Promise.all([broke.stop(), rich.stop(), gemini.stop(), spent.stop(), funded.stop()]);
  rmSync(dir, { recursive: true, force: true });
});

async function start(yaml: string): Promise<TestProxy> {
  const file = join(dir, `c-${Math.random().toString(36).slice(2)}.yaml`);
  writeFileSync(file, yaml);
  proxy = await startProxy(['--config', file]);
  return proxy;
}
const ask = (p: TestProxy, model: string) =>
  new OpenAI({ apiKey: p.key, baseURL: `${p.url}/v1`, maxRetries: 0 }).chat.completions.create({ model, messages: [{ role: 'user', content: 'hi' }] });

/** The HTTP status the SDK call ended with. */
const statusOf = (call: Promise<unknown>): Promise<number> => call.then(() => 200, (e: { status?: number }) => e.status ?? 0);

async function memberHealth(p: TestProxy, provider: string): Promise<Record<string, string>> {
  const pools = (await (await fetch(`${p.url}/pools`, { headers: { authorization: `Bearer ${p.key}` } })).json()) as {
    providers: Record<string, { members: Array<{ name: string; health: string }> }>;
  };
  return Object.fromEntries(pools.providers[provider]!.members.map((m) => [m.name, m.health]));
}

const claudePool = () =>
  'model_providers: [claude-custom]\npool: {strategy: fill_first}\nprovider_pools:\n  claude-custom:\n' +
  `    - {name: broke, api_key: ${broke.key}, base_url: "${broke.url}"}\n` +
  `    - {name: rich, api_key: ${rich.key}, base_url: "${rich.url}"}\n`;

const noCredit: Record<string, MockReply> = {
  '402 billing_error': { error: { status: 402, body: anthropicErrorBody('billing_error', 'Your account has run out of credit.') } },
  '400 credit balance': {
    error: {
      status: 400,
      body: anthropicErrorBody('invalid_request_error', 'Your credit balance is too low to access the Anthropic API. Please go to Plans & Billing to upgrade or purchase credits.'),
    },
  },
};

describe('account faults move the request to the next member', () => {
  for (const [name, reply] of Object.entries(noCredit)) {
    test(`an Anthropic account out of credit (${name}): served by the next member, and rested`, async () => {
      broke.queue(reply, reply, reply);
      const p = await start(claudePool());
      const res = await ask(p, 'claude-sonnet-4-5');
      expect(res.choices[0]!.message.content).toContain('hi');
      expect([broke.calls.length, rich.calls.length]).toEqual([1, 1]);
      expect(await memberHealth(p, 'claude-custom')).toEqual({ broke: 'unhealthy', rich: 'healthy' });
      // Rested: the next request does not try it first.
      await ask(p, 'claude-sonnet-4-5');
      expect([broke.calls.length, rich.calls.length]).toEqual([1, 2]);
    });
  }

  test("an OpenAI key out of credit (429 insufficient_quota): served by the next member, and rested as the account's fault", async () => {
    // OpenAI's own body: a 429 that no retry-after ends, only billing.
    const noQuota: MockReply = {
      error: {
        status: 429,
        body: openaiErrorBody({ message: 'You exceeded your current quota, please check your plan and billing details.', type: 'insufficient_quota', param: null, code: 'insufficient_quota' }),
      },
    };
    spent.queue(noQuota);
    const p = await start(
      'pool: {strategy: fill_first}\nprovider_pools:\n  openai-custom:\n' +
        `    - {name: spent, api_key: ${spent.key}, base_url: "${spent.url}"}\n` +
        `    - {name: funded, api_key: ${funded.key}, base_url: "${funded.url}"}\n`,
    );
    const res = await ask(p, 'gpt-4o');
    expect(res.choices[0]!.message.content).toContain('hi');
    expect([spent.calls.length, funded.calls.length]).toEqual([1, 1]);
    // Unhealthy (backing off as after a 401), not merely cooling as after a passing rate limit.
    expect(await memberHealth(p, 'openai-custom')).toEqual({ spent: 'unhealthy', funded: 'healthy' });
    // A client that only has that key still learns it is out of quota.
    await p.stop();
    spent.queue(noQuota);
    const alone = await start(`provider_pools:\n  openai-custom:\n    - {name: spent, api_key: ${spent.key}, base_url: "${spent.url}"}\n`);
    const err = await ask(alone, 'gpt-4o').catch((e) => e);
    expect(err).toBeInstanceOf(OpenAI.RateLimitError);
    expect(err.error).toMatchObject({ code: 'insufficient_quota', type: 'insufficient_quota' });
  });

  test('an invalid request is still not retried on another member', async () => {
    const bad: MockReply = { error: { status: 400, body: anthropicErrorBody('invalid_request_error', 'messages: text content blocks must be non-empty') } };
    broke.queue(bad);
    const p = await start(claudePool());
    expect(await statusOf(ask(p, 'claude-sonnet-4-5'))).toBe(400);
    expect([broke.calls.length, rich.calls.length]).toEqual([1, 0]);
    expect(await memberHealth(p, 'claude-custom')).toEqual({ broke: 'healthy', rich: 'healthy' });
  });

  // OpenRouter answers a prompt its moderation flagged with 403 (openrouter.ai/docs/api/reference/errors-and-debugging),
  // metadata naming the reasons and the flagged input. The prompt is at fault, not the key: taken for a
  // refused key, one flagged prompt rested every key of the pool in turn (labring/aiproxy#615).
  test('a 403 for a prompt moderation flagged (OpenRouter) is the request’s: not retried, no member rested', async () => {
    const flagged: MockReply = {
      error: {
        status: 403,
        body: {
          error: {
            code: 403,
            message: 'openai/gpt-4o requires moderation on OpenRouter. Your input was flagged for "harassment". No credits were charged.',
            metadata: { reasons: ['harassment'], flagged_input: 'hi', provider_name: 'OpenAI', model_slug: 'openai/gpt-4o' },
          },
        },
      },
    };
    spent.queue(flagged);
    const p = await start(
      'pool: {strategy: fill_first}\nprovider_pools:\n  openai-custom:\n' +
        `    - {name: spent, api_key: ${spent.key}, base_url: "${spent.url}"}\n` +
        `    - {name: funded, api_key: ${funded.key}, base_url: "${funded.url}"}\n`,
    );
    const err = await ask(p, 'gpt-4o').catch((e) => e);
    expect(err).toBeInstanceOf(OpenAI.PermissionDeniedError);
    expect(err.message).toContain('Your input was flagged');
    expect([spent.calls.length, funded.calls.length]).toEqual([1, 0]);
    expect(await memberHealth(p, 'openai-custom')).toEqual({ spent: 'healthy', funded: 'healthy' });
    // Converted for an Anthropic client, alike.
    spent.queue(flagged);
    const converted = await fetch(`${p.url}/v1/messages`, {
      method: 'POST',
      headers: { 'x-api-key': p.key, 'anthropic-version': '2023-06-01', 'content-type': 'application/json' },
      body: JSON.stringify({ model: 'gpt-4o', max_tokens: 16, messages: [{ role: 'user', content: 'hi' }] }),
    });
    expect(converted.status).toBe(403);
    expect(await converted.json()).toMatchObject({ type: 'error', error: { type: 'permission_error' } });
    expect([spent.calls.length, funded.calls.length]).toEqual([2, 0]);
    expect(await memberHealth(p, 'openai-custom')).toEqual({ spent: 'healthy', funded: 'healthy' });
    // A 403 without moderation's metadata is still the key's.
    spent.queue({ error: { status: 403, body: openaiErrorBody({ message: 'Key disabled', type: 'invalid_request_error', param: null, code: null }) } });
    const res = await ask(p, 'gpt-4o');
    expect(res.choices[0]!.message.content).toContain('hi');
    expect(await memberHealth(p, 'openai-custom')).toEqual({ spent: 'unhealthy', funded: 'healthy' });
  });

  test("a Gemini key Google refuses (400 API_KEY_INVALID): the next member's key serves it", async () => {
    const p = await start(
      'model_providers: [gemini-cli]\npool: {strategy: fill_first}\nprovider_pools:\n  gemini-cli:\n' +
        `    - {name: revoked, api_key: AIzaSyREVOKED-key-00000000000000000000, base_url: "${gemini.url}"}\n` +
        `    - {name: good, api_key: ${gemini.key}, base_url: "${gemini.url}"}\n`,
    );
    const res = await ask(p, 'gemini-2.5-flash');
    expect(res.choices[0]!.message.content).toBeTruthy();
    expect(gemini.calls.map((c) => c.status)).toEqual([400, 200]);
    expect(await memberHealth(p, 'gemini-cli')).toEqual({ revoked: 'unhealthy', good: 'healthy' });
    // The request's own line names the member that served it; the one passed over gets a warning of its
    // own saying why, without its key.
    const passedOver = p.logs.filter((l) => l.includes('trying the next member'));
    expect(passedOver).toHaveLength(1);
    expect(passedOver[0]).toContain(' WARN ');
    expect(passedOver[0]).toContain('member=revoked');
    expect(passedOver[0]).toContain('status=400');
    expect(passedOver[0]).toContain('API key not valid');
    expect(p.logs.join('\n')).not.toContain('AIzaSyREVOKED');
  });

  test('a member with no other to follow is not said to be passed to a next one: an account fault still warns', async () => {
    const p = await start(
      'model_providers: [openai-custom]\nprovider_pools:\n  openai-custom:\n' + `    - {name: only, api_key: ${spent.key}, base_url: "${spent.url}"}\n`,
    );
    spent.queue({ error: { status: 500, body: openaiErrorBody({ message: 'The server had an error', type: 'server_error', param: null, code: null }) } });
    expect(await statusOf(ask(p, 'gpt-4o'))).toBe(500);
    spent.queue({ error: { status: 401, body: openaiErrorBody({ message: 'Incorrect API key provided', type: 'invalid_request_error', param: null, code: 'invalid_api_key' }) } });
    expect(await statusOf(ask(p, 'gpt-4o'))).toBe(401);
    expect(spent.calls).toHaveLength(2);
    expect(p.logs.filter((l) => l.includes('next member'))).toEqual([]);
    const warned = p.logs.filter((l) => l.includes('upstream refused the account'));
    expect(warned).toHaveLength(1);
    expect(warned[0]).toContain('member=only');
    expect(warned[0]).toContain('status=401');
  });
});

describe('failures are recorded as the client saw them', () => {
  test("Anthropic's 529 reaches an OpenAI client as 503, and the log line and metrics say 503", async () => {
    const overloaded: MockReply = { error: { status: 529, body: anthropicErrorBody('overloaded_error', 'Overloaded') } };
    broke.queue(overloaded, overloaded);
    const p = await start(
      `model_providers: [claude-custom]\nprovider_pools:\n  claude-custom:\n    - {name: only, api_key: ${broke.key}, base_url: "${broke.url}"}\n`,
    );
    expect(await statusOf(ask(p, 'claude-sonnet-4-5'))).toBe(503);
    const line = p.logs.find((l) => l.includes('/v1/chat/completions'));
    expect(line).toContain('status=503');
    const metrics = await (await fetch(`${p.url}/metrics`, { headers: { authorization: `Bearer ${p.key}` } })).text();
    expect(metrics).toMatch(/aiproxy_requests_total\{[^}]*status="503"[^}]*\} 1/);
    expect(metrics).not.toContain('status="529"');
  });
});
