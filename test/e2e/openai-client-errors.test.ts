/**
 * Upstream failures as an `openai` SDK user meets them through aiproxy: errors before the first byte
 * arrive with the mapped status, OpenAI's error body and the SDK's error class (429 with retry-after,
 * from Google's RetryInfo too); errors and cut connections after the first byte end the stream with an
 * in-band error the SDK raises. Never a hang, never a clean end.
 */
import { afterAll, beforeAll, describe, expect, test } from 'bun:test';
import OpenAI, { APIError } from 'openai';
import { anthropicErrorBody } from '../helpers/mocks/anthropic-mock.ts';
import { geminiQuotaError, googleError } from '../helpers/mocks/gemini-mock.ts';
import type { MockReply } from '../helpers/mocks/types.ts';
import { eventually, startStack, type Stack } from '../helpers/stack.ts';
import { CLAUDE, GEMINI, MULTIBYTE, UPSTREAMS, clientFor, collect, within, type Upstream } from './openai-client-util.ts';

let s: Stack;
beforeAll(async () => {
  s = await startStack();
});
afterAll(() => s.stop());

type ErrorClass = new (...args: never[]) => APIError;

interface Case {
  label: string;
  error: NonNullable<MockReply['error']>;
  status: number;
  cls: ErrorClass;
  message: string;
  type?: string;
  retryAfter?: string;
}

const CLAUDE_CASES: Case[] = [
  {
    label: '400 invalid_request_error',
    error: { status: 400, body: anthropicErrorBody('invalid_request_error', 'prompt is too long: 210000 tokens > 200000 maximum') },
    status: 400,
    cls: OpenAI.BadRequestError,
    message: 'prompt is too long: 210000 tokens > 200000 maximum',
    type: 'invalid_request_error',
  },
  {
    label: '403 permission_error',
    error: { status: 403, body: anthropicErrorBody('permission_error', 'Your API key does not have permission to use the specified resource.') },
    status: 403,
    cls: OpenAI.PermissionDeniedError,
    message: 'Your API key does not have permission to use the specified resource.',
  },
  {
    label: '404 not_found_error',
    error: { status: 404, body: anthropicErrorBody('not_found_error', 'model: claude-nope') },
    status: 404,
    cls: OpenAI.NotFoundError,
    message: 'model: claude-nope',
  },
  {
    label: '429 rate_limit_error with retry-after',
    error: { status: 429, body: anthropicErrorBody('rate_limit_error', 'Number of request tokens has exceeded your per-minute rate limit'), headers: { 'retry-after': '12' } },
    status: 429,
    cls: OpenAI.RateLimitError,
    message: 'Number of request tokens has exceeded your per-minute rate limit',
    retryAfter: '12',
  },
  {
    label: '500 api_error',
    error: { status: 500, body: anthropicErrorBody('api_error', 'Internal server error') },
    status: 500,
    cls: OpenAI.InternalServerError,
    message: 'Internal server error',
    type: 'server_error',
  },
  {
    // OpenAI clients know no 529; overload is a 503 to them.
    label: '529 overloaded_error',
    error: { status: 529, body: anthropicErrorBody('overloaded_error', 'Overloaded') },
    status: 503,
    cls: OpenAI.InternalServerError,
    message: 'Overloaded',
  },
];

const GEMINI_CASES: Case[] = [
  {
    label: '400 INVALID_ARGUMENT',
    error: { status: 400, body: googleError(400, 'Request contains an invalid argument.') },
    status: 400,
    cls: OpenAI.BadRequestError,
    message: 'Request contains an invalid argument.',
    type: 'invalid_request_error',
  },
  {
    label: '403 PERMISSION_DENIED',
    error: { status: 403, body: googleError(403, 'Permission denied: Consumer has been suspended.') },
    status: 403,
    cls: OpenAI.PermissionDeniedError,
    message: 'Permission denied: Consumer has been suspended.',
  },
  {
    label: '404 NOT_FOUND',
    error: { status: 404, body: googleError(404, 'models/gemini-9 is not found for API version v1beta') },
    status: 404,
    cls: OpenAI.NotFoundError,
    message: 'models/gemini-9 is not found for API version v1beta',
  },
  {
    label: '429 RESOURCE_EXHAUSTED with RetryInfo 37s',
    error: geminiQuotaError('37s'),
    status: 429,
    cls: OpenAI.RateLimitError,
    message: 'You exceeded your current quota',
    retryAfter: '37',
  },
  {
    label: '429 with a fractional RetryInfo delay (rounded up)',
    error: geminiQuotaError('0.539477544s'),
    status: 429,
    cls: OpenAI.RateLimitError,
    message: 'You exceeded your current quota',
    retryAfter: '1',
  },
  {
    label: '500 INTERNAL',
    error: { status: 500, body: googleError(500, 'An internal error has occurred.') },
    status: 500,
    cls: OpenAI.InternalServerError,
    message: 'An internal error has occurred.',
    type: 'server_error',
  },
  {
    label: '503 UNAVAILABLE',
    error: { status: 503, body: googleError(503, 'The model is overloaded. Please try again later.') },
    status: 503,
    cls: OpenAI.InternalServerError,
    message: 'The model is overloaded.',
  },
];

const casesFor = (u: Upstream): Case[] => (u === CLAUDE ? CLAUDE_CASES : GEMINI_CASES);

function expectMapped(err: unknown, c: Case): void {
  expect(err).toBeInstanceOf(c.cls);
  const e = err as APIError;
  expect(e.status).toBe(c.status);
  expect(e.message).toContain(c.message);
  expect(e.error).toMatchObject({ message: expect.stringContaining(c.message) });
  if (c.type) expect(e.type).toBe(c.type);
  if (c.retryAfter) {
    expect(e.headers?.get('retry-after')).toBe(c.retryAfter);
    expect(e.code).toBe('rate_limit_exceeded');
  }
}

for (const u of UPSTREAMS) {
  describe(`OpenAI client → ${u.name}: upstream errors before the first byte`, () => {
    for (const c of casesFor(u)) {
      test(`${c.label} → HTTP ${c.status}, ${c.cls.name} (non-streaming)`, async () => {
        u.mock(s).queue({ error: c.error });
        const err = await clientFor(s, u.name)
          .chat.completions.create({ model: u.model, messages: [{ role: 'user', content: 'x' }] })
          .catch((e: unknown) => e);
        expectMapped(err, c);
      });

      test(`${c.label} → HTTP ${c.status}, ${c.cls.name} (streaming, before any chunk)`, async () => {
        // A header delay proves the proxy waits for the upstream's status instead of committing to a 200.
        u.mock(s).queue({ error: c.error, headerDelayMs: 100 });
        const err = await within(
          clientFor(s, u.name)
            .chat.completions.create({ model: u.model, stream: true, messages: [{ role: 'user', content: 'x' }] })
            .then(collect)
            .catch((e: unknown) => e),
        );
        expectMapped(err, c);
      });
    }
  });

  describe(`OpenAI client → ${u.name}: failures after the first byte`, () => {
    const long = 'one two three four five six seven eight';

    test('an in-band upstream error mid-stream is raised by the SDK after the text so far', async () => {
      u.mock(s).queue({ text: long, midStreamErrorAfter: 2 });
      const seen: string[] = [];
      const err = await within(
        (async () => {
          const stream = await clientFor(s, u.name).chat.completions.create({ model: u.model, stream: true, messages: [{ role: 'user', content: 'x' }] });
          for await (const chunk of stream) seen.push(chunk.choices[0]?.delta.content ?? '');
        })().catch((e: unknown) => e),
      );
      expect(err).toBeInstanceOf(APIError);
      expect((err as Error).message.toLowerCase()).toContain('overloaded');
      expect(seen.join('')).toBe('one two ');
    });

    test('a connection cut without the upstream’s terminator ends in an error, not a clean end', async () => {
      u.mock(s).queue({ text: long, truncateAfter: 3 });
      const err = await within(
        clientFor(s, u.name)
          .chat.completions.create({ model: u.model, stream: true, messages: [{ role: 'user', content: 'x' }] })
          .then(collect)
          .catch((e: unknown) => e),
      );
      expect(err).toBeInstanceOf(APIError);
      expect((err as Error).message).toContain('ended before completion');
    });

    test('the SDK stream helper rejects finalChatCompletion on a mid-stream error', async () => {
      u.mock(s).queue({ text: long, midStreamErrorAfter: 1, splitBytes: 5 });
      const stream = clientFor(s, u.name).chat.completions.stream({ model: u.model, messages: [{ role: 'user', content: 'x' }] });
      const err = await within(stream.finalChatCompletion().catch((e: unknown) => e));
      expect(err).toBeInstanceOf(APIError);
    });

    test('a client that stops reading mid-stream makes aiproxy abandon the upstream stream', async () => {
      const mock = u.mock(s);
      mock.queue({ text: Array.from({ length: 60 }, (_, i) => `w${i}`).join(' '), chunkDelayMs: 30 });
      const before = mock.calls.length;
      const stream = await clientFor(s, u.name).chat.completions.create({ model: u.model, stream: true, messages: [{ role: 'user', content: 'x' }] });
      let seen = 0;
      for await (const chunk of stream) {
        if (chunk.choices[0]?.delta.content) seen++;
        // Breaking out of the loop aborts the request, as the SDK documents.
        if (seen === 2) break;
      }
      await eventually(() => mock.calls.length > before && mock.calls[before]!.aborted);
    });

    test('on the wire: `data: {"error":…}` is the last frame and no [DONE] follows', async () => {
      u.mock(s).queue({ text: MULTIBYTE, midStreamErrorAfter: 2, splitBytes: 1 });
      const res = await fetch(`${s.proxy.url}/${u.name}/v1/chat/completions`, {
        method: 'POST',
        headers: { authorization: `Bearer ${s.proxy.key}`, 'content-type': 'application/json' },
        body: JSON.stringify({ model: u.model, stream: true, messages: [{ role: 'user', content: 'x' }] }),
      });
      expect(res.status).toBe(200);
      expect(res.headers.get('content-type')).toStartWith('text/event-stream');
      const text = await within(res.text());
      const frames = text.split('\n\n').filter((f) => f !== '');
      const last = JSON.parse(frames[frames.length - 1]!.replace(/^data: /, '')) as { error?: { message: string; type: string } };
      expect(last.error?.message.toLowerCase()).toContain('overloaded');
      expect(text).not.toContain('[DONE]');
      expect(text).not.toContain('finish_reason":"stop"');
    });
  });
}

describe('errors aiproxy itself raises for an OpenAI client', () => {
  test('an image URL that cannot be fetched for Gemini is a 400 naming the URL; nothing reaches Gemini', async () => {
    const missing = Bun.serve({ hostname: '127.0.0.1', port: 0, fetch: () => new Response('gone', { status: 404 }) });
    try {
      const before = s.gemini.calls.length;
      const url = `http://127.0.0.1:${missing.port}/nope.png`;
      const err = await clientFor(s, GEMINI.name)
        .chat.completions.create({
          model: GEMINI.model,
          messages: [{ role: 'user', content: [{ type: 'text', text: 'see' }, { type: 'image_url', image_url: { url } }] }],
        })
        .catch((e: unknown) => e);
      expect(err).toBeInstanceOf(OpenAI.BadRequestError);
      expect((err as Error).message).toContain(url);
      expect(s.gemini.calls.length).toBe(before);
    } finally {
      await missing.stop(true);
    }
  });

  test('an unknown provider prefix is a 400 in OpenAI’s error shape', async () => {
    const client = new OpenAI({ apiKey: s.proxy.key, baseURL: `${s.proxy.url}/no-such-provider/v1`, maxRetries: 0 });
    const err = await client.chat.completions.create({ model: 'gpt-4o', messages: [{ role: 'user', content: 'x' }] }).catch((e: unknown) => e);
    expect(err).toBeInstanceOf(OpenAI.BadRequestError);
    expect((err as APIError).type).toBe('invalid_request_error');
  });

  test('a wrong proxy key is a 401 AuthenticationError before any upstream is called', async () => {
    const before = s.claude.calls.length;
    const client = new OpenAI({ apiKey: 'wrong', baseURL: `${s.proxy.url}/claude-custom/v1`, maxRetries: 0 });
    const err = await client.chat.completions.create({ model: CLAUDE.model, messages: [{ role: 'user', content: 'x' }] }).catch((e: unknown) => e);
    expect(err).toBeInstanceOf(OpenAI.AuthenticationError);
    expect(s.claude.calls.length).toBe(before);
  });
});

