import { afterAll, beforeAll, describe, expect, test } from 'bun:test';
import { ProxyError } from '../../src/core/errors.ts';
import { withConnectTimeout, ConnectTimeoutError } from '../../src/upstream/connect-timeout.ts';
import { callUpstream } from '../../src/upstream/fetch.ts';
import { openaiChunk, SSE_HEAD, startFaultServer, type FaultServer } from '../helpers/fault-upstream.ts';
import { startProxy, type TestProxy } from '../helpers/proxy.ts';
import type { MockServer } from '../helpers/mocks/types.ts';
import { startStack, type Stack } from '../helpers/stack.ts';

let s: Stack;
beforeAll(async () => {
  s = await startStack('openai-custom,claude-custom,gemini-cli', ['--keepalive-ms', '40']);
});
afterAll(() => s.stop());

/** One SSE event as @google/genai 1.x finds it: at the start of what it has not read yet. */
const GENAI_1X_EVENT = /^\s*data: (.*)(?:\n\n|\r\r|\r\n\r\n)/;

const auth = (): Record<string, string> => ({ authorization: `Bearer ${s.proxy.key}`, 'content-type': 'application/json', 'anthropic-version': '2023-06-01' });

describe('keep-alives while a started stream is silent', () => {
  test('OpenAI relay: SSE comments between events; the SDK reads the answer as if they were not there', async () => {
    s.openai.queue({ text: 'slow thoughts', chunkDelayMs: 150 });
    const final = await s.openaiClient.chat.completions
      .stream({ model: 'gpt-4o', messages: [{ role: 'user', content: 'hi' }] })
      .finalChatCompletion();
    expect(final.choices[0]!.message.content).toBe('slow thoughts');
    s.openai.queue({ text: 'slow thoughts', chunkDelayMs: 150 });
    const raw = await (await fetch(`${s.proxy.url}/v1/chat/completions`, { method: 'POST', headers: auth(), body: JSON.stringify({ model: 'gpt-4o', stream: true, messages: [{ role: 'user', content: 'hi' }] }) })).text();
    expect(raw).toContain('\n\n: keepalive\n\n');
    expect(raw.endsWith('data: [DONE]\n\n')).toBe(true);
  });

  test('Anthropic client converted from OpenAI: ping events, and the SDK builds the message', async () => {
    s.openai.queue({ text: 'pinged along', chunkDelayMs: 150 });
    const msg = await s.anthropicClient.messages.stream({ model: 'gpt-4o', max_tokens: 64, messages: [{ role: 'user', content: 'hi' }] }).finalMessage();
    expect(msg.content[0]).toMatchObject({ type: 'text', text: 'pinged along' });
    s.openai.queue({ text: 'pinged along', chunkDelayMs: 150 });
    const raw = await (await fetch(`${s.proxy.url}/v1/messages`, { method: 'POST', headers: auth(), body: JSON.stringify({ model: 'gpt-4o', max_tokens: 64, stream: true, messages: [{ role: 'user', content: 'hi' }] }) })).text();
    expect(raw.match(/event: ping\ndata: \{"type": ?"ping"\}\n\n/g)?.length ?? 0).toBeGreaterThan(1);
  });

  test('Gemini JSON-array relay: whitespace between elements, the array still parses', async () => {
    s.gemini.queue({ text: 'one two three', chunkDelayMs: 150 });
    const res = await fetch(`${s.proxy.url}/v1beta/models/gemini-2.5-flash:streamGenerateContent`, {
      method: 'POST',
      headers: { 'x-goog-api-key': s.proxy.key, 'content-type': 'application/json' },
      body: JSON.stringify({ contents: [{ role: 'user', parts: [{ text: 'hi' }] }] }),
    });
    const text = await res.text();
    const arr = JSON.parse(text) as Array<{ candidates: Array<{ content: { parts: Array<{ text: string }> } }> }>;
    expect(arr.map((c) => c.candidates[0]!.content.parts[0]!.text).join('')).toBe('one two three');
    // The upstream separates elements with `,\r\n`; a bare newline is a keep-alive.
    expect(text).toMatch(/[^\r]\n/);
  });

  test('Gemini SSE converted from Anthropic: comments the genai SDK skips', async () => {
    s.claude.queue({ text: 'from claude', chunkDelayMs: 150 });
    let text = '';
    for await (const chunk of await s.geminiClient.models.generateContentStream({ model: 'claude-sonnet-4-6', contents: 'hi' })) text += chunk.text ?? '';
    expect(text).toBe('from claude');
  });

  // @google/genai 1.x, which the Gemini CLI bundles, reads an SSE event only where one starts its buffer,
  // after optional whitespace (/^\s*data: /, googleapis/js-genai#963): anything else there, an SSE comment
  // included, leaves the rest of the stream unread and ends in "Incomplete JSON segment at the end".
  for (const [name, model, mock] of [
    ['converted from OpenAI', 'gpt-4o', (): MockServer => s.openai],
    ['relayed from the Gemini API', 'gemini-2.5-flash', (): MockServer => s.gemini],
  ] as const) {
    test(`Gemini SSE ${name}: keep-alives the Gemini CLI's genai 1.x parser reads past`, async () => {
      mock().queue({ text: 'one two three', chunkDelayMs: 150 });
      const res = await fetch(`${s.proxy.url}/v1beta/models/${model}:streamGenerateContent?alt=sse`, {
        method: 'POST',
        headers: { 'x-goog-api-key': s.proxy.key, 'content-type': 'application/json' },
        body: JSON.stringify({ contents: [{ role: 'user', parts: [{ text: 'hi' }] }] }),
      });
      let rest = await res.text();
      let text = '';
      for (let m = GENAI_1X_EVENT.exec(rest); m; m = GENAI_1X_EVENT.exec(rest)) {
        for (const p of (JSON.parse(m[1]!) as { candidates: Array<{ content: { parts: Array<{ text?: string }> } }> }).candidates[0]!.content.parts) text += p.text ?? '';
        rest = rest.slice(m[0].length);
      }
      expect(rest.trim()).toBe('');
      expect(text).toBe('one two three');
    });
  }

  test('never before the upstream answered: a slow 429 keeps its status', async () => {
    s.openai.queue({ error: { status: 429, body: { error: { message: 'slow down', type: 'requests', param: null, code: 'rate_limit_exceeded' } } }, headerDelayMs: 200 });
    const res = await fetch(`${s.proxy.url}/v1/chat/completions`, { method: 'POST', headers: auth(), body: JSON.stringify({ model: 'gpt-4o', stream: true, messages: [{ role: 'user', content: 'hi' }] }) });
    expect(res.status).toBe(429);
    expect(await res.text()).not.toContain('keepalive');
  });
});

describe('keep-alives in a relayed stream go between events only', () => {
  let up: FaultServer;
  let proxy: TestProxy;
  beforeAll(async () => {
    up = await startFaultServer(async (c) => {
      c.head(200, SSE_HEAD);
      const second = openaiChunk('second');
      c.write(openaiChunk('first'));
      await Bun.sleep(150); // silence between events: keep-alives expected
      c.write(second.slice(0, 30));
      await Bun.sleep(150); // silence inside an event: none allowed
      c.write(second.slice(30) + openaiChunk('', 'stop') + 'data: [DONE]\n\n');
      c.socket.end();
    });
    proxy = await startProxy(['--model-provider', 'openai-custom', '--openai-base-url', `${up.url}/v1`, '--keepalive-ms', '40']);
  });
  afterAll(async () => {
    await proxy.stop();
    await up.stop();
  });

  test('the half-sent event arrives whole', async () => {
    const raw = await (await fetch(`${proxy.url}/v1/chat/completions`, {
      method: 'POST',
      headers: { authorization: `Bearer ${proxy.key}` },
      body: JSON.stringify({ model: 'gpt-4o', stream: true, messages: [{ role: 'user', content: 'hi' }] }),
    })).text();
    expect(raw).toContain(openaiChunk('second'));
    const beforeSecond = raw.slice(0, raw.indexOf(openaiChunk('second')));
    expect(beforeSecond.match(/: keepalive\n\n/g)?.length ?? 0).toBeGreaterThan(1);
    const events = raw.split('\n\n').filter((e) => e.trim());
    for (const e of events) expect(e === ': keepalive' || e.startsWith('data: ')).toBe(true);
  });
});

describe('max_inflight admission control', () => {
  let p: TestProxy;
  beforeAll(async () => {
    p = await startProxy(['--model-provider', 'openai-custom,claude-custom', '--openai-base-url', s.openai.url, '--openai-api-key', s.openai.key,
      '--claude-base-url', s.claude.url, '--claude-api-key', s.claude.key, '--max-inflight', '1']);
  });
  afterAll(() => p.stop());

  test('beyond the limit a fast 503 with retry-after, in the protocol shape; served again once there is room', async () => {
    s.openai.queue({ text: 'a long answer', chunkDelayMs: 100 });
    const first = await fetch(`${p.url}/v1/chat/completions`, { method: 'POST', headers: { authorization: `Bearer ${p.key}` }, body: JSON.stringify({ model: 'gpt-4o', stream: true, messages: [{ role: 'user', content: 'hi' }] }) });
    expect(first.status).toBe(200);
    const started = performance.now();
    const second = await fetch(`${p.url}/v1/messages`, {
      method: 'POST',
      headers: { 'x-api-key': p.key, 'content-type': 'application/json' },
      body: JSON.stringify({ model: 'claude-sonnet-4-6', max_tokens: 8, messages: [{ role: 'user', content: 'hi' }] }),
    });
    expect(performance.now() - started).toBeLessThan(100);
    expect(second.status).toBe(503);
    expect(second.headers.get('retry-after')).toBe('1');
    expect(((await second.json()) as { type: string; error: { type: string; message: string } })).toMatchObject({
      type: 'error',
      error: { type: 'overloaded_error', message: expect.stringContaining('max_inflight') },
    });
    await first.text();
    const third = await fetch(`${p.url}/v1/chat/completions`, { method: 'POST', headers: { authorization: `Bearer ${p.key}` }, body: JSON.stringify({ model: 'gpt-4o', messages: [{ role: 'user', content: 'hi' }] }) });
    expect(third.status).toBe(200);
  });
});

describe('connect timeout', () => {
  const hangingFetch = ((_url: string | URL | Request, init?: RequestInit) =>
    new Promise<Response>((_, reject) => init?.signal?.addEventListener('abort', () => reject(init.signal!.reason)))) as typeof fetch;

  test('no connection within timeouts.connect_ms: a 504 naming the host', async () => {
    const f = withConnectTimeout(hangingFetch, 100, () => new Promise(() => {}), {});
    const started = performance.now();
    const err = await callUpstream({ url: 'http://10.1.2.3:8080/v1/chat/completions', method: 'POST', headers: {}, body: '{}' }, {
      signal: new AbortController().signal,
      headersTimeoutMs: 5000,
      fetch: f,
    }).catch((e: unknown) => e);
    expect(performance.now() - started).toBeLessThan(1000);
    expect(err).toBeInstanceOf(ProxyError);
    expect((err as ProxyError).info).toMatchObject({ status: 504, kind: 'timeout', message: 'could not connect to upstream 10.1.2.3:8080 within 0.1 s (timeouts.connect_ms)' });
  });

  test('once connected, a long wait for headers is the headers deadline’s business, not the connect timeout’s', async () => {
    const f = withConnectTimeout(hangingFetch, 50, async () => {}, {});
    const ac = new AbortController();
    setTimeout(() => ac.abort(), 200);
    const err = await f('http://10.1.2.3/x', { signal: ac.signal }).catch((e: unknown) => e);
    expect(err).not.toBeInstanceOf(ConnectTimeoutError);
  });

  test('behind an outbound proxy the probe is skipped (the origin may not be reachable directly)', () => {
    const f = withConnectTimeout(hangingFetch, 50, async () => {}, { HTTPS_PROXY: 'http://proxy:3128' });
    expect(f).toBe(hangingFetch);
  });
});
