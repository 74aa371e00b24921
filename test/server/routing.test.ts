import Anthropic from '@anthropic-ai/sdk';
import { connect } from 'node:net';
import { afterAll, beforeAll, describe, expect, test } from 'bun:test';
import { startStack, type Stack } from '../helpers/stack.ts';

let s: Stack;
beforeAll(async () => {
  s = await startStack('openai-custom,claude-custom,gemini-cli');
});
afterAll(() => s.stop());

const post = (path: string, body: unknown, headers: Record<string, string> = {}) =>
  fetch(s.proxy.url + path, {
    method: 'POST',
    headers: { authorization: `Bearer ${s.proxy.key}`, 'content-type': 'application/json', ...headers },
    body: typeof body === 'string' ? body : JSON.stringify(body),
  });

/** Which mock served the last request. */
function counts(): number[] {
  return [s.openai.calls.length, s.claude.calls.length, s.gemini.calls.length];
}
async function servedBy(fn: () => Promise<Response>): Promise<string> {
  const before = counts();
  const res = await fn();
  await res.arrayBuffer();
  expect(res.status).toBe(200);
  const after = counts();
  return ['openai-custom', 'claude-custom', 'gemini-cli'].filter((_, i) => after[i]! > before[i]!).join(',');
}

const oa = (model: string) => ({ model, messages: [{ role: 'user', content: 'route me' }] });

describe('routing', () => {
  test('X-Model-Provider and Model-Provider headers', async () => {
    expect(await servedBy(() => post('/v1/chat/completions', oa('gpt-4o'), { 'x-model-provider': 'claude-custom' }))).toBe('claude-custom');
    expect(await servedBy(() => post('/v1/chat/completions', oa('gemini-2.5-flash'), { 'model-provider': 'gemini-cli' }))).toBe('gemini-cli');
  });

  test('a path prefix selects the provider for every protocol', async () => {
    expect(await servedBy(() => post('/gemini-cli/v1/chat/completions', oa('gemini-2.5-flash')))).toBe('gemini-cli');
    expect(
      await servedBy(() =>
        post('/openai-custom/v1/messages', { model: 'claude-sonnet-4-6', max_tokens: 10, messages: [{ role: 'user', content: 'x' }] }),
      ),
    ).toBe('openai-custom');
    expect(
      await servedBy(() => post('/claude-custom/v1beta/models/gemini-2.5-flash:generateContent', { contents: [{ role: 'user', parts: [{ text: 'x' }] }] })),
    ).toBe('claude-custom');
  });

  test('the model family picks a configured provider; anything else goes to the default', async () => {
    expect(await servedBy(() => post('/v1/chat/completions', oa('claude-sonnet-4-6')))).toBe('claude-custom');
    expect(await servedBy(() => post('/v1/chat/completions', oa('gemini-2.5-pro')))).toBe('gemini-cli');
    expect(await servedBy(() => post('/v1/chat/completions', oa('o3-mini')))).toBe('openai-custom');
    expect(await servedBy(() => post('/v1/chat/completions', oa('llama-3.3-70b')))).toBe('openai-custom');
  });

  test('an unconfigured provider is 400 naming the configured ones, in the client protocol', async () => {
    const res = await post('/v1/chat/completions', oa('gpt-4o'), { 'x-model-provider': 'gemini-cli-oauth' });
    expect(res.status).toBe(400);
    const body = (await res.json()) as { error: { message: string } };
    expect(body.error.message).toContain('openai-custom, claude-custom, gemini-cli');
    const ant = await post('/kiro/v1/messages', { model: 'claude-sonnet-4-6', max_tokens: 5, messages: [{ role: 'user', content: 'x' }] });
    expect(ant.status).toBe(400);
    expect(await ant.json()).toMatchObject({ type: 'error', error: { type: 'invalid_request_error' } });
  });
});

describe('malformed input', () => {
  test('invalid JSON is 400 in each protocol shape, and the server keeps serving', async () => {
    const oaRes = await post('/v1/chat/completions', '{"model": "gpt-4o", ');
    expect(oaRes.status).toBe(400);
    expect(((await oaRes.json()) as { error: { message: string; type: string } }).error).toMatchObject({ type: 'invalid_request_error' });
    const antRes = await post('/v1/messages', 'not json');
    expect(antRes.status).toBe(400);
    expect(await antRes.json()).toMatchObject({ type: 'error', error: { type: 'invalid_request_error' } });
    const gemRes = await post('/v1beta/models/gemini-2.5-flash:generateContent', '[1,2');
    expect(gemRes.status).toBe(400);
    expect(await gemRes.json()).toMatchObject({ error: { code: 400, status: 'INVALID_ARGUMENT' } });
    const empty = await post('/v1/chat/completions', '');
    expect(empty.status).toBe(400);
    expect(((await empty.json()) as { error: { message: string } }).error.message).toBe('request body is empty; expected a JSON object');
    const none = await fetch(`${s.proxy.url}/v1/chat/completions`, { method: 'POST', headers: { authorization: `Bearer ${s.proxy.key}` } });
    expect(none.status).toBe(400);
    expect(((await none.json()) as { error: { message: string } }).error.message).toBe('request body is empty; expected a JSON object');
    const notObject = await post('/v1/chat/completions', '[]');
    expect(notObject.status).toBe(400);
    expect(await servedBy(() => post('/v1/chat/completions', oa('gpt-4o')))).toBe('openai-custom');
  });

  test('a missing model is named', async () => {
    const res = await post('/v1/chat/completions', { messages: [] });
    expect(res.status).toBe(400);
    expect(((await res.json()) as { error: { message: string } }).error.message).toContain('model');
  });

  test('a client base URL with a path of its own is named as the cause', async () => {
    // justlovemaki/AIClient2API#336: Claude Code given a base URL ending in /v1/messages, or in /v1.
    const twice = await post('/v1/messages/v1/messages', { model: 'claude-sonnet-4-6', max_tokens: 8, messages: [{ role: 'user', content: 'hi' }] });
    expect(twice.status).toBe(404);
    expect(((await twice.json()) as { error: { message: string } }).error.message).toContain("the client's base URL already carries /v1/messages before /v1/messages");
    const client = new Anthropic({ baseURL: `${s.proxy.url}/v1`, apiKey: s.proxy.key, maxRetries: 0, timeout: 5000 });
    const err = await client.messages.create({ model: 'claude-sonnet-4-6', max_tokens: 8, messages: [{ role: 'user', content: 'hi' }] }).catch((e: unknown) => e);
    expect(err).toBeInstanceOf(Anthropic.BadRequestError);
    expect((err as Error).message).toContain('the path repeats its API version (/v1/v1…)');
    expect((err as Error).message).not.toContain('provider "v1"');
    // An OpenAI client whose base URL lacks its /v1.
    const bare = await post('/chat/completions', oa('gpt-4o'));
    expect(bare.status).toBe(404);
    expect(((await bare.json()) as { error: { message: string } }).error.message).toContain('did you mean /v1/chat/completions?');
    // A header naming an unknown provider is still told so.
    const header = await post('/v1/chat/completions', oa('gpt-4o'), { 'x-model-provider': 'v1' });
    expect(((await header.json()) as { error: { message: string } }).error.message).toContain('provider "v1" is not configured');
  });

  // sigoden/aichat#767: a base URL given as http://host/v1/ that the client joins to /chat/completions as it is.
  test('an empty path segment from a base URL ending in a slash is served as the path without it', async () => {
    expect(await servedBy(() => post('/v1//chat/completions', oa('claude-sonnet-4-5')))).toBe('claude-custom');
    expect(await servedBy(() => post('/claude-custom//v1/chat/completions', oa('gpt-4o')))).toBe('claude-custom');
    const stream = await post('/v1//chat/completions', { ...oa('gemini-2.5-flash'), stream: true });
    expect(stream.status).toBe(200);
    expect(stream.headers.get('content-type')).toContain('text/event-stream');
    expect(await stream.text()).toContain('data: [DONE]');
    const models = await fetch(`${s.proxy.url}/v1//models`, { headers: { authorization: `Bearer ${s.proxy.key}` } });
    expect(models.status).toBe(200);
    expect(((await models.json()) as { object: string }).object).toBe('list');
    // Whatever the Host header (a short one hid the path's first segment from the router).
    const raw = await new Promise<string>((resolve) => {
      const body = JSON.stringify({ ...oa('gemini-2.5-flash'), stream: true });
      let got = '';
      const sock = connect(Number(new URL(s.proxy.url).port), '127.0.0.1', () => {
        sock.write(`POST /v1//chat/completions HTTP/1.1\r\nhost: x\r\nauthorization: Bearer ${s.proxy.key}\r\ncontent-type: application/json\r\ncontent-length: ${Buffer.byteLength(body)}\r\nconnection: close\r\n\r\n${body}`);
      });
      sock.on('data', (d) => (got += d.toString()));
      sock.on('error', () => resolve(got));
      sock.on('close', () => resolve(got));
      setTimeout(() => (sock.destroy(), resolve(got)), 5_000);
    });
    expect(raw.split('\r\n')[0]).toBe('HTTP/1.1 200 OK');
    expect(raw).toContain('data: [DONE]');
    // Still unknown with the empty segment gone: the 404 names the path as sent.
    const unknown = await post('/v2//whatever', {});
    expect(unknown.status).toBe(404);
    expect(((await unknown.json()) as { error: { message: string } }).error.message).toContain('/v2//whatever');
  });

  test('unknown routes are 404 JSON; odd Gemini paths are refused', async () => {
    const res = await fetch(`${s.proxy.url}/v2/whatever`, { headers: { authorization: `Bearer ${s.proxy.key}` } });
    expect(res.status).toBe(404);
    expect(((await res.json()) as { error: { message: string } }).error.message).toContain('/v2/whatever');
    const bad = await post('/v1beta/models/..%2F..%2Fetc:generateContent', { contents: [] });
    expect(bad.status).toBe(400);
    const method = await post('/v1beta/models/gemini-2.5-flash:predictLongRunning', { contents: [] });
    expect(method.status).toBe(404);
  });
});
