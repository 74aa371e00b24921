/**
 * An upstream that accepts a stream (200) and refuses it as its first event (Anthropic's overloaded_error
 * after message_start, the Responses API's response.failed after response.created, a compatible server's
 * `data: {"error":…}`) has sent the client nothing yet: the request goes to another member, or the client
 * gets the error with its status, which its SDK can retry. Once content went out, errors stay in-band.
 */
import { afterAll, afterEach, beforeAll, describe, expect, test } from 'bun:test';
import Anthropic from '@anthropic-ai/sdk';
import OpenAI from 'openai';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { SSE_HEAD, startFaultServer, type FaultServer } from '../helpers/fault-upstream.ts';
import { startAnthropicMock } from '../helpers/mocks/anthropic-mock.ts';
import { startOpenAIMock } from '../helpers/mocks/openai-mock.ts';
import type { MockServer } from '../helpers/mocks/types.ts';
import { startProxy, type TestProxy } from '../helpers/proxy.ts';

const dir = mkdtempSync(join(tmpdir(), 'aiproxy-stream-head-'));
let a: MockServer;
let b: MockServer;
let claudeA: MockServer;
let claudeB: MockServer;
let proxy: TestProxy | undefined;

beforeAll(async () => {
  [a, b, claudeA, claudeB] = await Promise.all([
    startOpenAIMock({ key: 'sk-member-a-0000' }),
    startOpenAIMock({ key: 'sk-member-b-1111' }),
    startAnthropicMock({ key: 'sk-ant-member-a-0000' }),
    startAnthropicMock({ key: 'sk-ant-member-b-1111' }),
  ]);
});
afterEach(async () => {
  await proxy?.stop();
  proxy = undefined;
  for (const m of [a, b, claudeA, claudeB]) m.reset();
});
afterAll(async () => {
  await Promise.all([a.stop(), b.stop(), claudeA.stop(), claudeB.stop()]);
  rmSync(dir, { recursive: true, force: true });
});

const member = (name: string, m: MockServer) => `    - {name: ${name}, api_key: ${m.key}, base_url: "${m.url}"}\n`;
const pool = (provider: string, ...members: Array<[string, MockServer]>) =>
  `model_providers: [${provider}]\npool: {strategy: fill_first}\nprovider_pools:\n  ${provider}:\n${members.map(([n, m]) => member(n, m)).join('')}`;

async function start(yaml: string, flags: string[] = []): Promise<TestProxy> {
  const file = join(dir, `c-${Math.random().toString(36).slice(2)}.yaml`);
  writeFileSync(file, yaml);
  proxy = await startProxy(['--config', file, ...flags]);
  return proxy;
}
const openai = (p: TestProxy) => new OpenAI({ apiKey: p.key, baseURL: `${p.url}/v1`, maxRetries: 0 });
const anthropic = (p: TestProxy) => new Anthropic({ apiKey: p.key, baseURL: p.url, maxRetries: 0 });

/** A raw Anthropic Messages stream request, to see the status and bytes a client gets. */
const messagesStream = (p: TestProxy) =>
  fetch(`${p.url}/v1/messages`, {
    method: 'POST',
    headers: { 'x-api-key': p.key, 'anthropic-version': '2023-06-01', 'content-type': 'application/json' },
    body: JSON.stringify({ model: 'claude-sonnet-4-6', max_tokens: 100, stream: true, messages: [{ role: 'user', content: 'hi' }] }),
  });

async function chatText(p: TestProxy, model = 'gpt-4o'): Promise<string> {
  let text = '';
  const stream = await openai(p).chat.completions.create({ model, stream: true, messages: [{ role: 'user', content: 'hi' }] });
  for await (const chunk of stream) text += chunk.choices[0]?.delta?.content ?? '';
  return text;
}

describe('a stream refused as its first event', () => {
  test('OpenAI-compatible relay: the next member answers the whole stream', async () => {
    a.queue({ text: 'from a', midStreamErrorAfter: 0 });
    b.queue({ text: 'from b in full' });
    const p = await start(pool('openai-custom', ['a', a], ['b', b]));
    expect(await chatText(p)).toBe('from b in full');
    expect([a.calls.length, b.calls.length]).toEqual([1, 1]);
  });

  test('Anthropic relay: overloaded_error after message_start goes to the next member', async () => {
    claudeA.queue({ text: 'from a', midStreamErrorAfter: 0 });
    claudeB.queue({ text: 'from b in full' });
    const p = await start(pool('claude-custom', ['a', claudeA], ['b', claudeB]));
    const message = await anthropic(p).messages.stream({ model: 'claude-sonnet-4-6', max_tokens: 100, messages: [{ role: 'user', content: 'hi' }] }).finalMessage();
    expect(message.content.map((c) => (c.type === 'text' ? c.text : '')).join('')).toBe('from b in full');
    expect([claudeA.calls.length, claudeB.calls.length]).toEqual([1, 1]);
  });

  test('converted (OpenAI client, Claude upstream): the next member answers', async () => {
    claudeA.queue({ text: 'from a', midStreamErrorAfter: 0 });
    claudeB.queue({ text: 'converted from b' });
    const p = await start(pool('claude-custom', ['a', claudeA], ['b', claudeB]));
    expect(await chatText(p, 'claude-sonnet-4-6')).toBe('converted from b');
    expect([claudeA.calls.length, claudeB.calls.length]).toEqual([1, 1]);
  });

  test('Responses API: response.failed after response.created goes to the next member', async () => {
    a.queue({ text: 'from a', midStreamErrorAfter: 0 });
    b.queue({ text: 'responses from b' });
    const p = await start(pool('openaiResponses-custom', ['a', a], ['b', b]));
    const stream = openai(p).responses.stream({ model: 'gpt-5', input: 'hi' });
    const final = await stream.finalResponse();
    expect(final.output_text).toBe('responses from b');
    expect([a.calls.length, b.calls.length]).toEqual([1, 1]);
  });

  test('with no member left, the client gets the error with its status, not a 200 stream', async () => {
    claudeA.queue({ text: 'from a', midStreamErrorAfter: 0 });
    const p = await start(pool('claude-custom', ['a', claudeA]));
    const res = await messagesStream(p);
    expect(res.status).toBe(529);
    expect(res.headers.get('content-type')).toContain('application/json');
    expect(await res.json()).toMatchObject({ type: 'error', error: { type: 'overloaded_error' } });

    // The Anthropic SDK sees an APIError with that status: one it retries by itself.
    claudeA.queue({ text: 'from a', midStreamErrorAfter: 0 });
    const err = await anthropic(p)
      .messages.stream({ model: 'claude-sonnet-4-6', max_tokens: 100, messages: [{ role: 'user', content: 'hi' }] })
      .finalMessage()
      .catch((e: unknown) => e);
    expect(err).toBeInstanceOf(Anthropic.APIError);
    expect((err as InstanceType<typeof Anthropic.APIError>).status).toBe(529);
  });

  test('a refusal no other member would answer otherwise stays in the stream', async () => {
    // A prompt over the context window: Codex and Claude Code read it from the stream as the upstream sent it.
    const frames = [
      `event: message_start\ndata: ${JSON.stringify({ type: 'message_start', message: { id: 'msg_1', type: 'message', role: 'assistant', model: 'claude-sonnet-4-6', content: [], stop_reason: null, stop_sequence: null, usage: { input_tokens: 1, output_tokens: 0 } } })}\n\n`,
      `event: error\ndata: ${JSON.stringify({ type: 'error', error: { type: 'invalid_request_error', message: 'prompt is too long: 210000 tokens > 200000 maximum' } })}\n\n`,
    ];
    const raw = Bun.serve({ hostname: '127.0.0.1', port: 0, fetch: () => new Response(frames.join(''), { headers: { 'content-type': 'text/event-stream' } }) });
    try {
      const p = await start(
        `model_providers: [claude-custom]\npool: {strategy: fill_first}\nprovider_pools:\n  claude-custom:\n    - {name: raw, api_key: sk-ant-raw-0000, base_url: "http://127.0.0.1:${raw.port}"}\n${member('b', claudeB)}`,
      );
      const res = await messagesStream(p);
      expect(res.status).toBe(200);
      expect(await res.text()).toBe(frames.join(''));
      expect(claudeB.calls.length).toBe(0);
    } finally {
      await raw.stop(true);
    }
  });

  test('an error after the first content is still in-band, and not retried', async () => {
    claudeA.queue({ text: 'one two three', midStreamErrorAfter: 1 });
    const p = await start(pool('claude-custom', ['a', claudeA], ['b', claudeB]));
    const res = await messagesStream(p);
    expect(res.status).toBe(200);
    const text = await res.text();
    expect(text).toContain('"text_delta"');
    expect(text).toContain('event: error');
    expect(claudeB.calls.length).toBe(0);
  });

  test('a stream that ends after its opening, before any content, goes to the next member', async () => {
    // message_start, then the connection's end: nothing went to the client, as for a refusal there.
    claudeA.queue({ text: 'from a', truncateAfter: 0 });
    claudeB.queue({ text: 'from b in full' });
    const p = await start(pool('claude-custom', ['a', claudeA], ['b', claudeB]));
    const message = await anthropic(p).messages.stream({ model: 'claude-sonnet-4-6', max_tokens: 100, messages: [{ role: 'user', content: 'hi' }] }).finalMessage();
    expect(message.content.map((c) => (c.type === 'text' ? c.text : '')).join('')).toBe('from b in full');
    claudeA.queue({ text: 'from a', truncateAfter: 0 });
    claudeB.queue({ text: 'converted from b' });
    expect(await chatText(p, 'claude-sonnet-4-6')).toBe('converted from b');
    expect([claudeA.calls.length, claudeB.calls.length]).toEqual([2, 2]);
  });

  test('with no member left, a stream ended before its content is a 502, which SDKs retry, not a 200 that says it was cut', async () => {
    // A 200 holding only an error event is what Claude Code reports as an empty or malformed response,
    // and never retries (headroomlabs-ai/headroom#3083).
    claudeA.queue({ text: 'from a', truncateAfter: 0 });
    const p = await start(pool('claude-custom', ['a', claudeA]));
    const res = await messagesStream(p);
    expect(res.status).toBe(502);
    expect(await res.json()).toMatchObject({ type: 'error', error: { type: 'api_error', message: 'upstream ended the stream before its first content' } });
  });

  test('the opening is waited for only so long: a later refusal is in-band', async () => {
    // message_start, then the error 600 ms later; the opening is judged within keepalive_ms (150 ms).
    claudeA.queue({ text: 'from a', midStreamErrorAfter: 0, chunkDelayMs: 600 });
    const p = await start(pool('claude-custom', ['a', claudeA], ['b', claudeB]), ['--keepalive-ms', '150']);
    const res = await messagesStream(p);
    // A 200: the response went out before the refusal came (else a 529, or member b).
    expect(res.status).toBe(200);
    const text = await res.text();
    expect(text).toContain('event: message_start');
    expect(text).toContain('overloaded_error');
    expect(claudeB.calls.length).toBe(0);
  });
});

/**
 * The same opening as the upstream split or framed it: an `event:` line in one read and its `data:` in
 * the next, lines that end in CR only (SSE allows it), a Chat Completions chunk with only the assistant's
 * role before the refusal, a bare JSON error body without its line break. Each is judged as when it came
 * whole in one read; the raw upstream writes each piece on its own, a little apart.
 */
describe('an opening split across reads or framed otherwise', () => {
  let raw: FaultServer;
  let pieces: string[] = [];
  // How long the connection stays open after the last piece (or until the proxy closes it).
  let holdMs = 0;
  beforeAll(async () => {
    raw = await startFaultServer(async (c) => {
      c.head(200, SSE_HEAD);
      for (const piece of pieces) {
        c.write(piece);
        await Bun.sleep(25);
      }
      if (holdMs > 0) await Promise.race([Bun.sleep(holdMs), c.closed]);
      c.socket.end();
    });
  });
  afterEach(() => {
    holdMs = 0;
  });
  afterAll(() => raw.stop());

  const rawMember = (path = '') => `    - {name: raw, api_key: sk-raw-0000, base_url: "${raw.url}${path}"}\n`;
  const withRaw = (provider: string, next: [string, MockServer] | undefined, path = '') =>
    `model_providers: [${provider}]\npool: {strategy: fill_first}\nprovider_pools:\n  ${provider}:\n${rawMember(path)}${next ? member(...next) : ''}`;
  const messageStart = `event: message_start\ndata: ${JSON.stringify({ type: 'message_start', message: { id: 'msg_1', type: 'message', role: 'assistant', model: 'claude-sonnet-4-6', content: [], stop_reason: null, stop_sequence: null, usage: { input_tokens: 1, output_tokens: 0 } } })}\n\n`;
  const overloaded = `data: ${JSON.stringify({ type: 'error', error: { type: 'overloaded_error', message: 'Overloaded' } })}\n\n`;
  const roleChunk = `data: ${JSON.stringify({ id: 'chatcmpl-r', object: 'chat.completion.chunk', created: 1, model: 'gpt-4o', choices: [{ index: 0, delta: { role: 'assistant', content: '' }, finish_reason: null }] })}\n\n`;
  const textChunk = (content: string, finish: string | null = null) =>
    `data: ${JSON.stringify({ id: 'chatcmpl-r', object: 'chat.completion.chunk', created: 1, model: 'gpt-4o', choices: [{ index: 0, delta: finish ? {} : { content }, finish_reason: finish }] })}\n\n`;
  const claudeText = async (p: TestProxy) => {
    const message = await anthropic(p).messages.stream({ model: 'claude-sonnet-4-6', max_tokens: 100, messages: [{ role: 'user', content: 'hi' }] }).finalMessage();
    return message.content.map((c) => (c.type === 'text' ? c.text : '')).join('');
  };

  test('Anthropic: an event name cut between two reads, its data in the next, goes to the next member', async () => {
    pieces = [messageStart + 'event: err', `or\n${overloaded}`];
    claudeB.queue({ text: 'from b in full' });
    const p = await start(withRaw('claude-custom', ['b', claudeB]));
    expect(await claudeText(p)).toBe('from b in full');
    expect(claudeB.calls.length).toBe(1);
  });

  test('Anthropic: an error without its event name in the same read as message_start, the connection left open, goes to the next member at once', async () => {
    pieces = [messageStart + overloaded];
    holdMs = 5_000;
    claudeB.queue({ text: 'from b in full' });
    const p = await start(withRaw('claude-custom', ['b', claudeB]));
    const started = Date.now();
    expect(await claudeText(p)).toBe('from b in full');
    // Found in the opening, not after waiting it out (2 s) nor at the body's end.
    expect(Date.now() - started).toBeLessThan(1_500);
  });

  test('Anthropic: lines that end in CR only are read as lines; the refusal split so is found', async () => {
    pieces = [messageStart.replaceAll('\n', '\r'), 'event: error', `\r${overloaded.replaceAll('\n', '\r')}`];
    claudeB.queue({ text: 'from b in full' });
    const p = await start(withRaw('claude-custom', ['b', claudeB]));
    expect(await claudeText(p)).toBe('from b in full');
    // An opening that ends there, CR-only: a 502 before the stream, not a 200 that says it was cut.
    pieces = [messageStart.replaceAll('\n', '\r'), ': ping\r\r'];
    const res = await start(withRaw('claude-custom', undefined)).then(messagesStream);
    expect(res.status).toBe(502);
    expect(await res.json()).toMatchObject({ type: 'error', error: { message: 'upstream ended the stream before its first content' } });
  });

  test('Chat Completions: `event: error` in one read and its data in the next is a refusal, as in one read', async () => {
    pieces = [': OPENROUTER PROCESSING\n\nevent: error\n', `data: ${JSON.stringify({ message: 'Service Unavailable', code: 503 })}\n\n`];
    b.queue({ text: 'from b in full' });
    const p = await start(withRaw('openai-custom', ['b', b], '/v1'));
    expect(await chatText(p)).toBe('from b in full');
    expect(b.calls.length).toBe(1);
  });

  test('Chat Completions: a refusal after a chunk that only names the role goes to the next member', async () => {
    const rateLimited = `data: ${JSON.stringify({ error: { message: 'Rate limit exceeded: free-models-per-min', type: 'rate_limit_error', code: 429 } })}\n\n`;
    pieces = [roleChunk, rateLimited];
    b.queue({ text: 'from b in full' });
    const p = await start(withRaw('openai-custom', ['b', b], '/v1'));
    expect(await chatText(p)).toBe('from b in full');
    // With no member left: the 429 with its status, which the OpenAI SDK retries by itself.
    pieces = [roleChunk, rateLimited];
    const alone = await start(withRaw('openai-custom', undefined, '/v1'));
    const err = await chatText(alone).catch((e: unknown) => e);
    expect(err).toBeInstanceOf(OpenAI.APIError);
    expect((err as InstanceType<typeof OpenAI.APIError>).status).toBe(429);
  });

  test('Chat Completions: a refusal after Azure’s prompt_filter_results chunk (choices: []) goes to the next member', async () => {
    const promptFilter = `data: {"choices":[],"created":0,"id":"","model":"","object":"","prompt_filter_results":[{"prompt_index":0,"content_filter_results":{"hate":{"filtered":false,"severity":"safe"},"self_harm":{"filtered":false,"severity":"safe"},"sexual":{"filtered":false,"severity":"safe"},"violence":{"filtered":false,"severity":"safe"}}}]}\n\n`;
    const rateLimited = `data: ${JSON.stringify({ error: { message: 'Requests to the ChatCompletions_Create Operation have exceeded call rate limit', code: '429' } })}\n\n`;
    pieces = [promptFilter, rateLimited];
    b.queue({ text: 'from b in full' });
    const p = await start(withRaw('openai-custom', ['b', b], '/v1'));
    expect(await chatText(p)).toBe('from b in full');
    expect(b.calls.length).toBe(1);
  });

  test('Chat Completions: a stream whose role chunk comes before its content streams as it came, byte for byte', async () => {
    pieces = [roleChunk, textChunk('Hel'), textChunk('lo'), textChunk('', 'stop'), 'data: [DONE]\n\n'];
    const p = await start(withRaw('openai-custom', undefined, '/v1'));
    const res = await fetch(`${p.url}/v1/chat/completions`, {
      method: 'POST',
      headers: { authorization: `Bearer ${p.key}`, 'content-type': 'application/json' },
      body: JSON.stringify({ model: 'gpt-4o', stream: true, messages: [{ role: 'user', content: 'hi' }] }),
    });
    expect(res.status).toBe(200);
    expect(await res.text()).toBe(pieces.join(''));
    expect(await chatText(p)).toBe('Hello');
  });

  test('a bare JSON error body without its line break (the whole body) is judged as one with it', async () => {
    pieces = [JSON.stringify({ error: { message: 'The server is busy, try again', code: 503 } })];
    b.queue({ text: 'from b in full' });
    const p = await start(withRaw('openai-custom', ['b', b], '/v1'));
    expect(await chatText(p)).toBe('from b in full');
    // Converted (an Anthropic client) with no member left: the status, not a 200 stream with an error in it.
    pieces = [JSON.stringify({ error: { message: 'The server is busy, try again', code: 503 } })];
    const alone = await start(withRaw('openai-custom', undefined, '/v1'));
    const err = await anthropic(alone)
      .messages.stream({ model: 'gpt-4o', max_tokens: 100, messages: [{ role: 'user', content: 'hi' }] })
      .finalMessage()
      .catch((e: unknown) => e);
    expect(err).toBeInstanceOf(Anthropic.APIError);
    expect((err as InstanceType<typeof Anthropic.APIError>).status).toBe(503);
  });
});
