/**
 * Upstream failures as an Anthropic SDK user meets them when aiproxy converts to openai-custom or
 * gemini-cli: before the first byte, a mapped HTTP status in Anthropic's error shape (SDK error
 * classes, retry-after kept); after it, an in-band `event: error` that the SDK raises. Never a hang,
 * never a stream that ends as if it were complete.
 */
import { afterAll, beforeAll, describe, expect, test } from 'bun:test';
import Anthropic from '@anthropic-ai/sdk';
import { geminiQuotaError, googleError } from '../helpers/mocks/gemini-mock.ts';
import { openaiErrorBody } from '../helpers/mocks/openai-mock.ts';
import type { MockReply, MockServer } from '../helpers/mocks/types.ts';
import { eventually, startStack, type Stack } from '../helpers/stack.ts';
import { MULTIBYTE, viaPrefix } from './anthropic-client-util.ts';

type APIError = InstanceType<typeof Anthropic.APIError>;

let s: Stack;
beforeAll(async () => {
  s = await startStack();
});
afterAll(() => s.stop());

interface Target {
  provider: 'openai-custom' | 'gemini-cli';
  model: string;
  mock: () => MockServer;
}
const TARGETS: Target[] = [
  { provider: 'openai-custom', model: 'gpt-4o', mock: () => s.openai },
  { provider: 'gemini-cli', model: 'gemini-2.5-flash', mock: () => s.gemini },
];

const params = (model: string): Anthropic.MessageCreateParamsNonStreaming => ({
  model,
  max_tokens: 64,
  messages: [{ role: 'user', content: 'hi' }],
});

async function failure(p: Promise<unknown>): Promise<APIError> {
  const err = await p.then(
    () => undefined,
    (e: unknown) => e,
  );
  expect(err).toBeInstanceOf(Anthropic.APIError);
  return err as APIError;
}

/** Streams until the SDK raises, collecting the text that arrived before. */
async function streamFailure(client: Anthropic, model: string): Promise<{ err: APIError; text: string }> {
  const stream = client.messages.stream(params(model));
  let text = '';
  stream.on('text', (t) => {
    text += t;
  });
  const err = await failure(stream.finalMessage());
  return { err, text };
}

const openaiError = (status: number, message: string, type: string, code: string | null, headers?: Record<string, string>): MockReply => ({
  error: { status, body: openaiErrorBody({ message, type, param: null, code }), headers },
});
const geminiError = (status: number, message: string): MockReply => ({ error: { status, body: googleError(status, message) } });

/** Per upstream: the upstream's own error, and what the Anthropic client must see. */
const CASES: Array<{
  name: string;
  provider: Target['provider'];
  reply: MockReply;
  status: number;
  type: string;
  cls: new (...args: never[]) => APIError;
  message: string;
  retryAfter?: string;
}> = [
  {
    name: '429 with retry-after',
    provider: 'openai-custom',
    reply: openaiError(429, 'Rate limit reached for gpt-4o', 'requests', 'rate_limit_exceeded', { 'retry-after': '7' }),
    status: 429,
    type: 'rate_limit_error',
    cls: Anthropic.RateLimitError,
    message: 'Rate limit reached for gpt-4o',
    retryAfter: '7',
  },
  {
    name: '429 whose only hint is "try again in 1m30s"',
    provider: 'openai-custom',
    reply: openaiError(429, 'Rate limit reached for gpt-4o on tokens per min. Please try again in 1m30s.', 'tokens', 'rate_limit_exceeded'),
    status: 429,
    type: 'rate_limit_error',
    cls: Anthropic.RateLimitError,
    message: 'Please try again in 1m30s',
    retryAfter: '90',
  },
  {
    name: '400 context length',
    provider: 'openai-custom',
    reply: openaiError(400, "This model's maximum context length is 128000 tokens.", 'invalid_request_error', 'context_length_exceeded'),
    status: 400,
    type: 'invalid_request_error',
    cls: Anthropic.BadRequestError,
    message: 'maximum context length',
  },
  {
    name: '401 bad upstream key',
    provider: 'openai-custom',
    reply: openaiError(401, 'Incorrect API key provided: sk-abc.', 'invalid_request_error', 'invalid_api_key'),
    status: 401,
    type: 'authentication_error',
    cls: Anthropic.AuthenticationError,
    message: 'Incorrect API key',
  },
  {
    name: '500',
    provider: 'openai-custom',
    reply: openaiError(500, 'The server had an error while processing your request.', 'server_error', null),
    status: 500,
    type: 'api_error',
    cls: Anthropic.InternalServerError,
    message: 'The server had an error',
  },
  {
    name: '503',
    provider: 'openai-custom',
    reply: openaiError(503, 'The engine is currently overloaded.', 'server_error', null),
    status: 503,
    type: 'overloaded_error',
    cls: Anthropic.InternalServerError,
    message: 'overloaded',
  },
  {
    name: '529 from an OpenAI-compatible server',
    provider: 'openai-custom',
    reply: openaiError(529, 'Overloaded', 'overloaded_error', null),
    status: 529,
    type: 'overloaded_error',
    cls: Anthropic.InternalServerError,
    message: 'Overloaded',
  },
  {
    name: '429 RESOURCE_EXHAUSTED with RetryInfo only in the body',
    provider: 'gemini-cli',
    reply: { error: geminiQuotaError('36.2s') },
    status: 429,
    type: 'rate_limit_error',
    cls: Anthropic.RateLimitError,
    message: 'You exceeded your current quota',
    retryAfter: '37',
  },
  {
    name: '400 INVALID_ARGUMENT',
    provider: 'gemini-cli',
    reply: geminiError(400, 'Request contains an invalid argument.'),
    status: 400,
    type: 'invalid_request_error',
    cls: Anthropic.BadRequestError,
    message: 'Request contains an invalid argument.',
  },
  {
    name: '500 INTERNAL',
    provider: 'gemini-cli',
    reply: geminiError(500, 'An internal error has occurred.'),
    status: 500,
    type: 'api_error',
    cls: Anthropic.InternalServerError,
    message: 'An internal error has occurred.',
  },
  {
    name: '503 UNAVAILABLE',
    provider: 'gemini-cli',
    reply: geminiError(503, 'The model is overloaded. Please try again later.'),
    status: 503,
    type: 'overloaded_error',
    cls: Anthropic.InternalServerError,
    message: 'The model is overloaded',
  },
];

describe('Anthropic client: upstream errors before the first byte', () => {
  for (const c of CASES) {
    const target = TARGETS.find((t) => t.provider === c.provider)!;
    for (const streaming of [false, true]) {
      test(`${c.provider} ${c.name} → ${c.status} ${c.type} (${streaming ? 'streaming' : 'non-streaming'})`, async () => {
        target.mock().queue({ ...c.reply, headerDelayMs: 20 });
        const client = viaPrefix(s, c.provider);
        const err = streaming
          ? (await streamFailure(client, target.model)).err
          : await failure(client.messages.create(params(target.model)));
        expect(err).toBeInstanceOf(c.cls);
        expect(err.status).toBe(c.status);
        expect(err.error).toMatchObject({ type: 'error', error: { type: c.type } });
        expect((err.error as { error: { message: string } }).error.message).toContain(c.message);
        expect(err.type as string | null).toBe(c.type);
        if (c.retryAfter) expect(err.headers?.get('retry-after')).toBe(c.retryAfter);
        // An error is JSON, never the start of an event stream.
        expect(err.headers?.get('content-type')).toContain('application/json');
      });
    }
  }
});

describe('Anthropic client: errors after the first byte', () => {
  for (const target of TARGETS) {
    test(`${target.provider}: an in-band upstream error ends the stream with an event: error the SDK raises`, async () => {
      target.mock().queue({ text: 'one two three four five six', midStreamErrorAfter: 2 });
      const { err, text } = await streamFailure(viaPrefix(s, target.provider), target.model);
      expect(err.status).toBeUndefined();
      expect(err.error).toMatchObject({ type: 'error', error: { type: expect.stringMatching(/^(api_error|overloaded_error)$/) } });
      // What arrived before the error was delivered, but the turn is not presented as complete.
      expect(text).toBe('one two ');
    });

    test(`${target.provider}: a stream cut off without its terminator ends with an error, not a clean end`, async () => {
      target.mock().queue({ text: 'one two three four five six', truncateAfter: 3 });
      const { err, text } = await streamFailure(viaPrefix(s, target.provider), target.model);
      expect(err.error).toMatchObject({ type: 'error', error: { type: 'api_error', message: expect.stringContaining('ended before completion') } });
      expect(text).toBe('one two three ');
    });

    test(`${target.provider}: raw SSE of a mid-stream failure: message_start, the open block, then event: error last`, async () => {
      target.mock().queue({ text: MULTIBYTE, midStreamErrorAfter: 1, splitBytes: 4 });
      const res = await fetch(`${s.proxy.url}/${target.provider}/v1/messages`, {
        method: 'POST',
        headers: { 'x-api-key': s.proxy.key, 'anthropic-version': '2023-06-01', 'content-type': 'application/json' },
        body: JSON.stringify({ ...params(target.model), stream: true }),
      });
      expect(res.status).toBe(200);
      expect(res.headers.get('content-type')).toContain('text/event-stream');
      const raw = await res.text();
      const names = [...raw.matchAll(/^event: (\S+)$/gm)].map((m) => m[1]);
      expect(names[0]).toBe('message_start');
      expect(names.at(-1)).toBe('error');
      expect(names).not.toContain('message_stop');
      expect(raw.trimEnd().endsWith('}')).toBe(true);
    });
  }
});

describe('Anthropic client: going away', () => {
  for (const target of TARGETS) {
    test(`${target.provider}: a client that aborts mid-stream cancels the upstream request`, async () => {
      target.mock().queue({ text: 'one two three four five six seven eight', chunkDelayMs: 150 });
      const stream = viaPrefix(s, target.provider).messages.stream(params(target.model));
      const ended = stream.finalMessage().then(
        () => undefined,
        (e: unknown) => e,
      );
      await new Promise<void>((resolve) => stream.on('text', () => resolve()));
      const call = target.mock().calls.at(-1)!;
      expect(call.aborted).toBe(false);
      stream.abort();
      expect(await ended).toBeInstanceOf(Anthropic.APIUserAbortError);
      await eventually(() => call.aborted, 2000);
    });
  }
});

describe('Anthropic client: upstream unreachable', () => {
  test('a connection refused upstream is a 502 api_error, quickly', async () => {
    const { startProxy } = await import('../helpers/proxy.ts');
    const dead = Bun.serve({ hostname: '127.0.0.1', port: 0, fetch: () => new Response('') });
    const url = `http://127.0.0.1:${dead.port}/v1`;
    await dead.stop(true);
    const proxy = await startProxy(['--model-provider', 'openai-custom', '--openai-base-url', url, '--openai-api-key', 'sk-x']);
    try {
      const client = new Anthropic({ apiKey: proxy.key, baseURL: proxy.url, maxRetries: 0 });
      const err = await failure(client.messages.create(params('gpt-4o')));
      expect(err.status).toBe(502);
      expect(err.error).toMatchObject({ type: 'error', error: { type: 'api_error' } });
    } finally {
      await proxy.stop();
    }
  });
});
