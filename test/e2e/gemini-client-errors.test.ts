import { afterAll, beforeAll, describe, expect, test } from 'bun:test';
import { ApiError } from '@google/genai';
import { anthropicErrorBody } from '../helpers/mocks/anthropic-mock.ts';
import { openaiErrorBody } from '../helpers/mocks/openai-mock.ts';
import type { MockReply } from '../helpers/mocks/types.ts';
import { eventually, startStack, type Stack } from '../helpers/stack.ts';
import { collect, geminiClient, rejection, UPSTREAMS, type Upstream } from './gemini-client-helpers.ts';

let s: Stack;
beforeAll(async () => {
  s = await startStack();
});
afterAll(() => s.stop());

interface GoogleError {
  error: { code: number; message: string; status: string; details?: Array<Record<string, unknown>> };
}

/** An error body in the upstream's own shape. */
function upstreamError(up: Upstream, status: number, message: string, headers?: Record<string, string>): MockReply['error'] {
  if (up.provider === 'openai-custom') {
    const type = status === 429 ? 'requests' : status >= 500 ? 'server_error' : 'invalid_request_error';
    return { status, body: openaiErrorBody({ message, type, param: null, code: status === 429 ? 'rate_limit_exceeded' : null }), headers };
  }
  const type = { 400: 'invalid_request_error', 429: 'rate_limit_error', 500: 'api_error', 529: 'overloaded_error' }[status] ?? 'api_error';
  return { status, body: anthropicErrorBody(type, message), headers };
}

/** POSTs a Gemini request to the proxy without the SDK, to see status, headers and body as sent. */
async function rawGenerate(up: Upstream, action: string, body: unknown = { contents: [{ role: 'user', parts: [{ text: 'x' }] }] }): Promise<Response> {
  return fetch(`${s.proxy.url}/${up.provider}/v1beta/models/${up.model}:${action}`, {
    method: 'POST',
    headers: { 'x-goog-api-key': s.proxy.key, 'content-type': 'application/json' },
    body: JSON.stringify(body),
  });
}

/** The Google error object inside an SDK ApiError (its message is the JSON body, or "got status: …. <json>" in-band). */
function googleErrorOf(e: Error): GoogleError['error'] {
  const json = e.message.slice(e.message.indexOf('{'));
  return (JSON.parse(json) as GoogleError).error;
}

describe.each(UPSTREAMS)('Gemini SDK → $provider: errors', (up) => {
  const g = () => geminiClient(s, up.provider);

  test.each([
    [400, 400, 'INVALID_ARGUMENT'],
    [500, 500, 'INTERNAL'],
    [503, 503, 'UNAVAILABLE'],
  ])('upstream %d before the first byte → %d %s in Google’s shape, streaming and not', async (upstream, status, name) => {
    up.mock(s).queue({ error: upstreamError(up, upstream, `upstream says ${upstream}`) }, { error: upstreamError(up, upstream, `upstream says ${upstream}`) });
    const unary = await rejection(() => g().models.generateContent({ model: up.model, contents: 'x' }));
    const streamed = await rejection(() => g().models.generateContentStream({ model: up.model, contents: 'x' }));
    for (const e of [unary, streamed]) {
      expect(e).toBeInstanceOf(ApiError);
      expect(e.status).toBe(status);
      expect(googleErrorOf(e)).toMatchObject({ code: status, status: name, message: `upstream says ${upstream}` });
    }
  });

  test('429 with retry-after → 429 RESOURCE_EXHAUSTED, a retry-after header and RetryInfo', async () => {
    up.mock(s).queue({ error: upstreamError(up, 429, 'slow down', { 'retry-after': '7' }) });
    const e = await rejection(() => g().models.generateContent({ model: up.model, contents: 'x' }));
    expect(e).toBeInstanceOf(ApiError);
    expect(e.status).toBe(429);
    expect(googleErrorOf(e)).toMatchObject({ status: 'RESOURCE_EXHAUSTED', details: [{ '@type': 'type.googleapis.com/google.rpc.RetryInfo', retryDelay: '7s' }] });

    // The SDK does not expose headers; a plain client (gemini-cli's retry logic reads both) does.
    up.mock(s).queue({ error: upstreamError(up, 429, 'slow down', { 'retry-after': '7' }), headerDelayMs: 150 });
    const res = await rawGenerate(up, 'streamGenerateContent?alt=sse');
    expect(res.status).toBe(429);
    expect(res.headers.get('retry-after')).toBe('7');
    expect(((await res.json()) as GoogleError).error.status).toBe('RESOURCE_EXHAUSTED');
  });

  if (up.provider === 'claude-custom') {
    test('529 overloaded → 503 UNAVAILABLE (Google has no 529)', async () => {
      up.mock(s).queue({ error: upstreamError(up, 529, 'Overloaded') });
      const e = await rejection(() => g().models.generateContent({ model: up.model, contents: 'x' }));
      expect(e.status).toBe(503);
      expect(googleErrorOf(e)).toMatchObject({ code: 503, status: 'UNAVAILABLE', message: 'Overloaded' });
    });
  }

  test('an in-band error after the first chunk ends the stream with an error the SDK raises', async () => {
    up.mock(s).queue({ text: 'one two three four five', midStreamErrorAfter: 2 });
    const stream = await g().models.generateContentStream({ model: up.model, contents: 'x' });
    let text = '';
    const e = await rejection(async () => {
      for await (const chunk of stream) text += chunk.text ?? '';
    });
    expect(e).toBeInstanceOf(ApiError);
    expect(text).toBe('one two ');
    // Anthropic's overloaded_error is Google's 503; OpenAI's server_error a bad gateway.
    const expected = up.provider === 'claude-custom' ? { code: 503, status: 'UNAVAILABLE' } : { code: 502, status: 'INTERNAL' };
    expect(e.status).toBe(expected.code);
    expect(googleErrorOf(e)).toMatchObject(expected);
  });

  test('a truncated stream ends with an error, not a clean end (sse and the JSON-array form)', async () => {
    up.mock(s).queue({ text: 'one two three four', truncateAfter: 2 });
    const stream = await g().models.generateContentStream({ model: up.model, contents: 'x' });
    const e = await rejection(() => collect(stream));
    expect(e).toBeInstanceOf(ApiError);
    expect(e.status).toBe(502);

    up.mock(s).queue({ text: 'one two three four', truncateAfter: 2 });
    const res = await rawGenerate(up, 'streamGenerateContent');
    expect(res.status).toBe(200);
    const arr = JSON.parse(await res.text()) as Array<Record<string, unknown>>;
    expect(arr.at(-1)).toMatchObject({ error: { code: 502, status: 'INTERNAL' } });
    expect(arr.slice(0, -1).every((c) => Array.isArray(c.candidates))).toBe(true);
  });

  test('a client that leaves mid-stream cancels the upstream request', async () => {
    const mock = up.mock(s);
    mock.queue({ text: Array.from({ length: 40 }, (_, i) => `w${i}`).join(' '), chunkDelayMs: 40 });
    const before = mock.calls.length;
    const ac = new AbortController();
    const stream = await g().models.generateContentStream({ model: up.model, contents: 'x', config: { abortSignal: ac.signal } });
    const first = await stream.next();
    expect(first.done).toBe(false);
    ac.abort();
    await rejection(() => collect(stream));
    await eventually(() => mock.calls.length > before && mock.calls[before]!.aborted);
  });

  test('a request the proxy cannot read is a 400 INVALID_ARGUMENT naming the field, and reaches no upstream', async () => {
    const before = up.mock(s).calls.length;
    const res = await rawGenerate(up, 'generateContent', { contents: [{ role: 'assistant', parts: [{ text: 'x' }] }] });
    expect(res.status).toBe(400);
    const body = (await res.json()) as GoogleError;
    expect(body.error).toMatchObject({ code: 400, status: 'INVALID_ARGUMENT' });
    expect(body.error.message).toContain('contents.0.role');
    expect(up.mock(s).calls.length).toBe(before);
  });

  test('a stream that never starts (headers delayed, then an error) is an HTTP error, not a 200', async () => {
    up.mock(s).queue({ error: upstreamError(up, 500, 'late failure'), headerDelayMs: 200 });
    const res = await rawGenerate(up, 'streamGenerateContent?alt=sse');
    expect(res.status).toBe(500);
    expect(((await res.json()) as GoogleError).error).toMatchObject({ code: 500, status: 'INTERNAL', message: 'late failure' });
  });
});
