import { afterAll, beforeAll, describe, expect, test } from 'bun:test';
import { startAnthropicMock } from '../helpers/mocks/anthropic-mock.ts';
import { startGeminiMock } from '../helpers/mocks/gemini-mock.ts';
import { startOpenAIMock } from '../helpers/mocks/openai-mock.ts';
import type { MockServer } from '../helpers/mocks/types.ts';
import { startProxy, type TestProxy } from '../helpers/proxy.ts';

let openai: MockServer;
let claude: MockServer;
let gemini: MockServer;
let proxy: TestProxy;

beforeAll(async () => {
  [openai, claude, gemini] = await Promise.all([startOpenAIMock(), startAnthropicMock(), startGeminiMock()]);
  proxy = await startProxy([
    '--model-provider', 'openai-custom,claude-custom,gemini-cli',
    '--openai-base-url', openai.url, '--openai-api-key', openai.key,
    '--claude-base-url', claude.url, '--claude-api-key', claude.key,
    '--gemini-base-url', gemini.url, '--gemini-api-key', gemini.key,
  ]);
});
afterAll(async () => {
  await Promise.all([proxy.stop(), openai.stop(), claude.stop(), gemini.stop()]);
});

const oaBody = JSON.stringify({ model: 'gpt-4o', messages: [{ role: 'user', content: 'hi' }] });
const antBody = JSON.stringify({ model: 'claude-sonnet-4-6', max_tokens: 16, messages: [{ role: 'user', content: 'hi' }] });
const gemBody = JSON.stringify({ contents: [{ role: 'user', parts: [{ text: 'hi' }] }] });

describe('client auth', () => {
  test('all four key styles are accepted, and the proxy key never reaches the upstream', async () => {
    const k = proxy.key;
    const cases: Array<[string, RequestInit, MockServer]> = [
      ['/v1/chat/completions', { headers: { authorization: `Bearer ${k}` }, body: oaBody }, openai],
      ['/v1/messages', { headers: { 'x-api-key': k, 'anthropic-version': '2023-06-01' }, body: antBody }, claude],
      ['/v1beta/models/gemini-2.5-flash:generateContent', { headers: { 'x-goog-api-key': k }, body: gemBody }, gemini],
      [`/v1beta/models/gemini-2.5-flash:generateContent?key=${k}`, { body: gemBody }, gemini],
      // An empty header from an unset variable next to the real key does not hide it.
      ['/v1beta/models/gemini-2.5-flash:generateContent', { headers: { 'x-api-key': '', 'x-goog-api-key': k }, body: gemBody }, gemini],
      [`/v1beta/models/gemini-2.5-flash:generateContent?key=${k}`, { headers: { 'x-goog-api-key': '' }, body: gemBody }, gemini],
    ];
    for (const [path, init, mock] of cases) {
      const before = mock.calls.length;
      const res = await fetch(proxy.url + path, { method: 'POST', ...init, headers: { 'content-type': 'application/json', ...init.headers } });
      expect(res.status).toBe(200);
      await res.arrayBuffer();
      const call = mock.calls[before]!;
      expect(JSON.stringify(call.headers)).not.toContain(k);
      expect(call.url).not.toContain(k);
    }
  });

  test('the proxy key in one header beside another credential in another: either order is accepted, neither goes upstream', async () => {
    // Claude Desktop's Claude Code tab sends its Anthropic sign-in as Authorization: Bearer sk-ant-oat…
    // and the gateway key in x-api-key (BerriAI/litellm#29190); Claude Code with ANTHROPIC_AUTH_TOKEN and
    // a stale ANTHROPIC_API_KEY sends the gateway key as the bearer (ankitcharolia/kiro-gateway#61).
    const k = proxy.key;
    const oauth = 'sk-ant-oat01-desktop-session-token';
    for (const headers of [
      { authorization: `Bearer ${oauth}`, 'x-api-key': k },
      { authorization: `Bearer ${k}`, 'x-api-key': 'sk-ant-api03-stale-key' },
    ]) {
      const before = claude.calls.length;
      const res = await fetch(`${proxy.url}/v1/messages`, { method: 'POST', headers: { ...headers, 'anthropic-version': '2023-06-01', 'content-type': 'application/json' }, body: antBody });
      expect(res.status).toBe(200);
      await res.arrayBuffer();
      const sent = JSON.stringify(claude.calls[before]!.headers);
      expect(sent).not.toContain(k);
      expect(sent).not.toContain('sk-ant-oat01');
      expect(sent).not.toContain('stale-key');
    }
  });

  test('a missing or wrong key is 401 in each protocol shape, and nothing reaches an upstream', async () => {
    const before = openai.calls.length + claude.calls.length + gemini.calls.length;
    const oa = await fetch(`${proxy.url}/v1/chat/completions`, { method: 'POST', headers: { authorization: 'Bearer wrong' }, body: oaBody });
    expect(oa.status).toBe(401);
    const oaJson = (await oa.json()) as { error: { message: string; type: string } };
    expect(oaJson.error.message).toContain('API key');

    const ant = await fetch(`${proxy.url}/v1/messages`, { method: 'POST', headers: { 'anthropic-version': '2023-06-01' }, body: antBody });
    expect(ant.status).toBe(401);
    expect(await ant.json()).toMatchObject({ type: 'error', error: { type: 'authentication_error' } });

    const gem = await fetch(`${proxy.url}/v1beta/models/gemini-2.5-flash:generateContent?key=nope`, { method: 'POST', body: gemBody });
    expect(gem.status).toBe(401);
    expect(await gem.json()).toMatchObject({ error: { code: 401 } });

    const models = await fetch(`${proxy.url}/v1/models`);
    expect(models.status).toBe(401);
    expect(openai.calls.length + claude.calls.length + gemini.calls.length).toBe(before);
  });

  test('GET /health needs no key', async () => {
    const res = await fetch(`${proxy.url}/health`);
    expect(res.status).toBe(200);
    expect(await res.json()).toMatchObject({ status: 'ok', providers: ['openai-custom', 'claude-custom', 'gemini-cli'] });
  });

  test('the root answers as /health does, to GET and to HEAD (uptime probes of the base URL)', async () => {
    const res = await fetch(`${proxy.url}/`);
    expect(res.status).toBe(200);
    expect(await res.json()).toMatchObject({ status: 'ok', providers: ['openai-custom', 'claude-custom', 'gemini-cli'] });
    const head = await fetch(`${proxy.url}/`, { method: 'HEAD' });
    expect(head.status).toBe(200);
    expect(await head.text()).toBe('');
  });

  test('no key ever appears in a log line', () => {
    const all = proxy.logs.join('\n');
    for (const secret of [proxy.key, openai.key, claude.key, gemini.key]) expect(all).not.toContain(secret);
    expect(all).toContain('status=401');
  });
});
