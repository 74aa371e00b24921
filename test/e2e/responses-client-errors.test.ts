/**
 * Errors a Responses-API client meets through aiproxy, as the official `openai` SDK surfaces them:
 * requests aiproxy refuses (missing input, server-side state it does not keep, hosted tools) as 400s
 * in OpenAI's error shape naming the field, a wrong proxy key, upstream errors before the first byte
 * with their status and retry-after, failures after it as `response.failed` (or an `error` event),
 * never a clean `response.completed`; and a client that leaves mid-stream cancels the upstream.
 */
import { afterAll, beforeAll, describe, expect, test } from 'bun:test';
import OpenAI, { APIError } from 'openai';
import type { ResponseCreateParamsNonStreaming, ResponseStreamEvent } from 'openai/resources/responses/responses';
import { anthropicErrorBody } from '../helpers/mocks/anthropic-mock.ts';
import { geminiQuotaError, googleError } from '../helpers/mocks/gemini-mock.ts';
import { openaiErrorBody } from '../helpers/mocks/openai-mock.ts';
import type { MockReply } from '../helpers/mocks/types.ts';
import { eventually, startStack, type Stack } from '../helpers/stack.ts';
import { CLAUDE, GEMINI, GET_WEATHER, UPSTREAMS, clientFor, ofType, within, type Upstream } from './responses-client-util.ts';

let s: Stack;
beforeAll(async () => {
  s = await startStack();
});
afterAll(() => s.stop());

const callCount = (): number => s.openai.calls.length + s.claude.calls.length + s.gemini.calls.length;

/** The error the SDK throws for a request, or a failure if it resolves. */
async function rejection(p: Promise<unknown>): Promise<APIError> {
  const err = await within(p.then(() => new Error('the request succeeded')).catch((e: unknown) => e));
  expect(err).toBeInstanceOf(APIError);
  return err as APIError;
}

describe('requests aiproxy refuses: 400 in OpenAI’s error shape, naming the field; no upstream call', () => {
  const client = (): OpenAI => clientFor(s, CLAUDE.name);
  const base = { model: CLAUDE.model, input: 'hi' };

  const cases: Array<[string, Record<string, unknown>, string, string]> = [
    ['missing input', { model: CLAUDE.model }, 'input', 'input'],
    ['previous_response_id (aiproxy stores no responses)', { ...base, previous_response_id: 'resp_0123456789abcdef' }, 'previous_response_id', 'previous_response_id'],
    ['background: true', { ...base, background: true }, 'background', 'background'],
    ['conversation', { ...base, conversation: 'conv_0123456789abcdef' }, 'conversation', 'conversation'],
    ['an item_reference input item', { model: CLAUDE.model, input: [{ type: 'item_reference', id: 'msg_0123456789abcdef' }] }, 'input', 'item_reference'],
    ['a hosted code_interpreter tool', { ...base, tools: [{ type: 'code_interpreter', container: { type: 'auto' } }] }, 'tools', 'code_interpreter'],
    ['a hosted file_search tool', { ...base, tools: [GET_WEATHER, { type: 'file_search', vector_store_ids: ['vs_1'] }] }, 'tools', 'file_search'],
  ];
  for (const [label, body, param, mention] of cases) {
    test(label, async () => {
      const before = callCount();
      const err = await rejection(client().responses.create(body as unknown as ResponseCreateParamsNonStreaming));
      expect(err).toBeInstanceOf(OpenAI.BadRequestError);
      expect(err.status).toBe(400);
      expect(err.type).toBe('invalid_request_error');
      expect(String(err.param)).toStartWith(param);
      expect(err.message).toContain(mention);
      expect(callCount()).toBe(before);
    });
  }

  test('the same refusal when streaming is asked for: an HTTP 400, not a stream', async () => {
    const before = callCount();
    const err = await rejection(client().responses.create({ ...base, previous_response_id: 'resp_x', stream: true }));
    expect(err).toBeInstanceOf(OpenAI.BadRequestError);
    expect(err.param).toBe('previous_response_id');
    expect(callCount()).toBe(before);
  });

  test('on the wire: {error:{message,type,param,code}} with a JSON content type', async () => {
    const res = await fetch(`${s.proxy.url}/v1/responses`, {
      method: 'POST',
      headers: { authorization: `Bearer ${s.proxy.key}`, 'content-type': 'application/json' },
      body: JSON.stringify({ model: CLAUDE.model }),
    });
    expect(res.status).toBe(400);
    expect(res.headers.get('content-type')).toStartWith('application/json');
    const body = (await res.json()) as { error: Record<string, unknown> };
    expect(Object.keys(body.error).sort()).toEqual(['code', 'message', 'param', 'type']);
    expect(body.error).toMatchObject({ type: 'invalid_request_error', param: 'input', message: expect.any(String) });
  });

  test('a wrong proxy key is a 401 AuthenticationError before any upstream is called', async () => {
    const before = callCount();
    const bad = new OpenAI({ apiKey: 'wrong', baseURL: `${s.proxy.url}/claude-custom/v1`, maxRetries: 0 });
    const err = await rejection(bad.responses.create(base));
    expect(err).toBeInstanceOf(OpenAI.AuthenticationError);
    expect(err.status).toBe(401);
    expect(callCount()).toBe(before);
  });
});

/** Each upstream's 429 in its own words, and the retry-after a client should see. */
const RATE_LIMITS: Record<Upstream['family'], { error: NonNullable<MockReply['error']>; message: string; retryAfter: string }> = {
  openai: {
    error: {
      status: 429,
      body: openaiErrorBody({ message: 'Rate limit reached for gpt-4o on tokens per min (TPM): Limit 30000. Please try again in 20s.', type: 'tokens', param: null, code: 'rate_limit_exceeded' }),
      headers: { 'retry-after': '20' },
    },
    message: 'Rate limit reached for gpt-4o',
    retryAfter: '20',
  },
  anthropic: {
    error: { status: 429, body: anthropicErrorBody('rate_limit_error', 'Number of request tokens has exceeded your per-minute rate limit'), headers: { 'retry-after': '12' } },
    message: 'Number of request tokens has exceeded your per-minute rate limit',
    retryAfter: '12',
  },
  gemini: { error: geminiQuotaError('37s'), message: 'You exceeded your current quota', retryAfter: '37' },
};

/** A stream read with the SDK's helper until it ends or throws. */
async function streamOutcome(client: OpenAI, params: Omit<ResponseCreateParamsNonStreaming, 'stream'>): Promise<{ events: ResponseStreamEvent[]; error?: unknown }> {
  const events: ResponseStreamEvent[] = [];
  try {
    await within(
      (async () => {
        const stream = client.responses.stream(params);
        for await (const e of stream) events.push(e);
      })(),
    );
    return { events };
  } catch (error) {
    return { events, error };
  }
}

describe('a prompt too long for the upstream model is a context overflow (code context_length_exceeded), as Codex and Cline look for', () => {
  const cases: Array<[Upstream, NonNullable<MockReply['error']>, string]> = [
    [CLAUDE, { status: 400, body: anthropicErrorBody('invalid_request_error', 'prompt is too long: 210000 tokens > 200000 maximum') }, 'prompt is too long'],
    [GEMINI, { status: 400, body: googleError(400, 'The input token count (1200293) exceeds the maximum number of tokens allowed (1048576).') }, 'input token count'],
  ];
  for (const [u, error, words] of cases) {
    for (const stream of [false, true]) {
      test(`${u.name} (${stream ? 'stream' : 'non-stream'})`, async () => {
        u.mock(s).queue({ error });
        const client = clientFor(s, u.name);
        const err = await rejection(
          stream
            ? client.responses.create({ model: u.model, input: 'a very long prompt', stream: true }).then(async (st) => {
                for await (const _ of st) void _;
              })
            : client.responses.create({ model: u.model, input: 'a very long prompt' }),
        );
        expect(err).toBeInstanceOf(OpenAI.BadRequestError);
        expect(err.code).toBe('context_length_exceeded');
        expect(err.message).toMatch(/maximum context length is \d+ tokens/);
        expect(err.message).toContain(words);
      });
    }
  }
});

for (const u of UPSTREAMS) {
  describe(`Responses client → ${u.name}: upstream failures`, () => {
    const rl = RATE_LIMITS[u.family];
    for (const stream of [false, true]) {
      test(`an upstream 429 → RateLimitError with retry-after (${stream ? 'stream, before any event' : 'non-stream'})`, async () => {
        u.mock(s).queue({ error: rl.error, headerDelayMs: stream ? 50 : undefined });
        const client = clientFor(s, u.name);
        const err = await rejection(
          stream
            ? client.responses.create({ model: u.model, input: 'x', stream: true }).then(async (st) => {
                for await (const _ of st) void _;
              })
            : client.responses.create({ model: u.model, input: 'x' }),
        );
        expect(err).toBeInstanceOf(OpenAI.RateLimitError);
        expect(err.status).toBe(429);
        expect(err.message).toContain(rl.message);
        expect(err.headers?.get('retry-after')).toBe(rl.retryAfter);
        expect(err.code).toBe('rate_limit_exceeded');
      });
    }

    test('an in-band upstream error mid-stream ends the stream with response.failed (or an error event) carrying the upstream message, after the text so far', async () => {
      u.mock(s).queue({ text: 'one two three four five six', midStreamErrorAfter: 2 });
      const { events, error } = await streamOutcome(clientFor(s, u.name), { model: u.model, input: 'x' });
      const types = events.map((e) => e.type);
      expect(types).not.toContain('response.completed');
      expect(ofType(events, 'response.output_text.delta').map((d) => d.delta).join('')).toBe('one two ');
      const failed = ofType(events, 'response.failed')[0];
      if (failed) {
        expect(types.at(-1)).toBe('response.failed');
        expect(failed.response.status).toBe('failed');
        expect(failed.response.error?.message).toContain(u.streamError);
        // Codex retries a server_error; it would compact on context_length_exceeded or stop on insufficient_quota.
        expect(failed.response.error?.code).toBe('server_error');
      } else {
        expect(error).toBeInstanceOf(APIError);
        expect((error as Error).message).toContain(u.streamError);
      }
    });

    test('on the wire, a mid-stream error is the last event (response.failed or error), with no [DONE] and no response.completed', async () => {
      u.mock(s).queue({ text: 'one two three four', midStreamErrorAfter: 1, splitBytes: 7 });
      const res = await fetch(`${s.proxy.url}/${u.name}/v1/responses`, {
        method: 'POST',
        headers: { authorization: `Bearer ${s.proxy.key}`, 'content-type': 'application/json' },
        body: JSON.stringify({ model: u.model, input: 'x', stream: true }),
      });
      expect(res.status).toBe(200);
      const text = await within(res.text());
      expect(text).not.toContain('[DONE]');
      expect(text).not.toContain('response.completed');
      const frames = text.split('\n\n').filter((f) => f.trim() !== '');
      const last = /^event: (.+)$/m.exec(frames.at(-1)!)?.[1];
      expect(['response.failed', 'error']).toContain(last!);
      expect(frames.at(-1)!).toContain(u.streamError);
    });

    test('an upstream connection cut without its terminator fails the response instead of completing it', async () => {
      u.mock(s).queue({ text: 'one two three four five', truncateAfter: 2 });
      const { events, error } = await streamOutcome(clientFor(s, u.name), { model: u.model, input: 'x' });
      const types = events.map((e) => e.type);
      expect(types).not.toContain('response.completed');
      expect(types.at(-1) === 'response.failed' || error instanceof APIError).toBe(true);
    });

    test('a client that stops reading mid-stream makes aiproxy cancel the upstream stream', async () => {
      const mock = u.mock(s);
      mock.queue({ text: Array.from({ length: 60 }, (_, i) => `w${i}`).join(' '), chunkDelayMs: 30 });
      const before = mock.calls.length;
      const stream = await clientFor(s, u.name).responses.create({ model: u.model, input: 'x', stream: true });
      let seen = 0;
      await within(
        (async () => {
          for await (const e of stream) {
            if (e.type === 'response.output_text.delta') seen++;
            // Breaking out of the loop aborts the request, as the SDK documents.
            if (seen === 2) break;
          }
        })(),
      );
      expect(seen).toBe(2);
      await eventually(() => mock.calls.length > before && mock.calls[before]!.aborted);
    });
  });
}
