import { describe, expect, test } from 'bun:test';
import OpenAI from 'openai';
import { APIError } from 'openai/core/error';
import { Stream } from 'openai/core/streaming';
import type { StreamEvent } from '../../../src/core/index.ts';
import { openaiCodec } from '../../../src/protocols/openai/index.ts';
import type { StreamEncoderOptions } from '../../../src/protocols/types.ts';
import { SSEReader } from '../../../src/util/sse.ts';
import { decodeChunks, rechunk } from '../../helpers/sse.ts';

function encodeAll(events: StreamEvent[], opts: StreamEncoderOptions): string {
  const enc = openaiCodec.createStreamEncoder(opts);
  let out = '';
  for (const ev of events) out += enc.encode(ev);
  return out + enc.end();
}

const start: StreamEvent = { type: 'start', id: 'chatcmpl-abc', model: 'upstream-model', created: 1755000000 };
const usage = { inputTokens: 9, outputTokens: 2, cacheReadTokens: 4, reasoningTokens: 1 };

const textStream: StreamEvent[] = [
  start,
  { type: 'thinking', text: 'hmm' },
  { type: 'thinking_signature', signature: { family: 'anthropic', value: 'EqQB' } },
  { type: 'text', text: 'Hel' },
  { type: 'text', text: 'lo 你好🙂' },
  { type: 'usage', usage: { inputTokens: 9 } },
  { type: 'finish', reason: 'stop', usage },
];

const toolStream: StreamEvent[] = [
  { type: 'start', id: 'msg_01', model: 'claude', created: 1755000001 },
  { type: 'text', text: 'Checking.' },
  { type: 'tool_call_start', index: 0, id: 'toolu_1', name: 'get_weather' },
  { type: 'tool_call_delta', index: 0, args: '{"city":' },
  { type: 'tool_call_delta', index: 0, args: '"Paris"}' },
  { type: 'tool_call_end', index: 0 },
  { type: 'tool_call_start', index: 1, id: 'call_g', name: 'get_time', signature: { family: 'gemini', value: 'CiQB' } },
  { type: 'tool_call_delta', index: 1, args: '' },
  { type: 'tool_call_end', index: 1 },
  { type: 'finish', reason: 'stop', usage: { inputTokens: 20, outputTokens: 10 } },
];

describe('openai stream encoder: exact wire format', () => {
  test('role chunk, deltas, finish chunk, usage chunk after it, [DONE]', () => {
    const p = '{"id":"chatcmpl-abc","object":"chat.completion.chunk","created":1755000000,"model":"gpt-4o"';
    const choice = (delta: string, finish = 'null') =>
      `data: ${p},"choices":[{"index":0,"delta":${delta},"logprobs":null,"finish_reason":${finish}}],"usage":null}\n\n`;
    expect(encodeAll(textStream, { model: 'gpt-4o', includeUsage: true })).toBe(
      choice('{"role":"assistant","content":""}') +
        choice('{"reasoning_content":"hmm"}') +
        choice('{"content":"Hel"}') +
        choice('{"content":"lo 你好🙂"}') +
        choice('{}', '"stop"') +
        `data: ${p},"choices":[],"usage":{"prompt_tokens":9,"completion_tokens":2,"total_tokens":11,"prompt_tokens_details":{"cached_tokens":4},"completion_tokens_details":{"reasoning_tokens":1}}}\n\n` +
        'data: [DONE]\n\n',
    );
  });

  test('without includeUsage there is no usage key and no usage chunk', () => {
    const out = encodeAll(textStream, { model: 'gpt-4o' });
    expect(out).not.toContain('usage');
    expect(out.endsWith('"finish_reason":"stop"}]}\n\ndata: [DONE]\n\n')).toBe(true);
  });

  test('tool calls: id/type/name only in the first fragment, Gemini signature as extra_content, tool_calls finish', () => {
    const frames = encodeAll(toolStream, { model: 'gpt-4o' })
      .split('\n\n')
      .filter(Boolean)
      .map((f) => f.slice('data: '.length));
    expect(frames.at(-1)).toBe('[DONE]');
    const chunks = frames.slice(0, -1).map((f) => JSON.parse(f) as { id: string; choices: Array<Record<string, unknown>> });
    // A non-OpenAI upstream id is prefixed, and every chunk shares it.
    expect(new Set(chunks.map((c) => c.id))).toEqual(new Set(['chatcmpl-msg_01']));
    expect(chunks.map((c) => c.choices[0]!.delta)).toEqual([
      { role: 'assistant', content: '' },
      { content: 'Checking.' },
      { tool_calls: [{ index: 0, id: 'toolu_1', type: 'function', function: { name: 'get_weather', arguments: '' } }] },
      { tool_calls: [{ index: 0, function: { arguments: '{"city":' } }] },
      { tool_calls: [{ index: 0, function: { arguments: '"Paris"}' } }] },
      {
        tool_calls: [
          {
            index: 1,
            id: 'call_g',
            type: 'function',
            function: { name: 'get_time', arguments: '' },
            extra_content: { google: { thought_signature: 'CiQB' } },
          },
        ],
      },
      // The call streamed no argument text; clients JSON.parse the concatenation, so it gets "{}".
      { tool_calls: [{ index: 1, function: { arguments: '{}' } }] },
      {},
    ]);
    expect(chunks.at(-1)!.choices[0]!.finish_reason).toBe('tool_calls');
  });

  test('a call still open at finish gets its "{}" before the finish chunk', () => {
    const out = encodeAll(
      [start, { type: 'tool_call_start', index: 0, id: 'c', name: 'f' }, { type: 'finish', reason: 'tool_calls', usage }],
      { model: 'm' },
    );
    const deltas = out
      .split('\n\n')
      .filter((f) => f.startsWith('data: {'))
      .map((f) => (JSON.parse(f.slice(6)) as { choices: Array<{ delta: unknown }> }).choices[0]!.delta);
    expect(deltas.slice(2)).toEqual([{ tool_calls: [{ index: 0, function: { arguments: '{}' } }] }, {}]);
  });

  test('an error is sent in-band and nothing follows it, not even [DONE]', () => {
    const enc = openaiCodec.createStreamEncoder({ model: 'gpt-4o', includeUsage: true });
    enc.encode(start);
    enc.encode({ type: 'text', text: 'Partial' });
    const err = enc.encode({
      type: 'error',
      error: { status: 429, kind: 'rate_limit', message: 'Slow down', retryAfter: 3 },
    });
    expect(err).toBe(
      'data: {"error":{"message":"Slow down","type":"requests","param":null,"code":"rate_limit_exceeded"}}\n\n',
    );
    expect(enc.encode({ type: 'text', text: 'more' })).toBe('');
    expect(enc.encode({ type: 'finish', reason: 'stop', usage })).toBe('');
    expect(enc.end()).toBe('');
  });

  test('an error before start is sent alone; content before start still gets the role chunk first', () => {
    const early = openaiCodec.createStreamEncoder({ model: 'm' });
    expect(early.encode({ type: 'error', error: { status: 502, kind: 'api_error', message: 'boom' } })).toBe(
      'data: {"error":{"message":"boom","type":"server_error","param":null,"code":null}}\n\n',
    );
    const eager = openaiCodec.createStreamEncoder({ model: 'm' });
    const out = eager.encode({ type: 'text', text: 'x' });
    const [role, text] = out.split('\n\n');
    expect(role).toContain('"delta":{"role":"assistant","content":""}');
    expect(text).toContain('"delta":{"content":"x"}');
    expect(role).toMatch(/"id":"chatcmpl-[A-Za-z0-9]{29}"/);
  });

  test('keepalive is an SSE comment that parsers skip', () => {
    const ka = openaiCodec.createStreamEncoder({ model: 'm' }).keepalive();
    expect(ka).toBe(': keepalive\n\n');
    const reader = new SSEReader();
    expect([...reader.push(ka), ...reader.end()]).toEqual([]);
  });
});

describe('openai stream encoder → decoder round trip', () => {
  test('decoding what we encode gives back the canonical events OpenAI can carry', () => {
    const sse = encodeAll(toolStream, { model: 'gpt-4o', includeUsage: true });
    const expected: StreamEvent[] = [
      { type: 'start', id: 'chatcmpl-msg_01', model: 'gpt-4o', created: 1755000001 },
      { type: 'text', text: 'Checking.' },
      { type: 'tool_call_start', index: 0, id: 'toolu_1', name: 'get_weather' },
      { type: 'tool_call_delta', index: 0, args: '{"city":' },
      { type: 'tool_call_delta', index: 0, args: '"Paris"}' },
      { type: 'tool_call_end', index: 0 },
      { type: 'tool_call_start', index: 1, id: 'call_g', name: 'get_time', signature: { family: 'gemini', value: 'CiQB' } },
      { type: 'tool_call_delta', index: 1, args: '{}' },
      { type: 'tool_call_end', index: 1 },
      { type: 'finish', reason: 'tool_calls', usage: { inputTokens: 20, outputTokens: 10, cacheReadTokens: 0, reasoningTokens: 0 } },
    ];
    for (let seed = 1; seed <= 50; seed++) {
      expect(decodeChunks(openaiCodec.createStreamDecoder(), rechunk(sse, seed))).toEqual(expected);
    }
  });
});

describe('openai stream encoder, parsed by the official openai SDK', () => {
  const sseResponse = (body: string) =>
    new Response(body, { status: 200, headers: { 'content-type': 'text/event-stream' } });

  /** A client whose transport answers every request with the given SSE body: no network involved. */
  const clientFor = (body: string) =>
    new OpenAI({ apiKey: 'sk-test', baseURL: 'http://127.0.0.1:9/v1', maxRetries: 0, fetch: async () => sseResponse(body) });

  test('Stream.fromSSEResponse yields every chunk and stops at [DONE]', async () => {
    const sse = encodeAll(textStream, { model: 'gpt-4o', includeUsage: true });
    const stream = Stream.fromSSEResponse<OpenAI.ChatCompletionChunk>(sseResponse(sse), new AbortController());
    let text = '';
    let finish: string | null = null;
    let total: number | undefined;
    let count = 0;
    for await (const chunk of stream) {
      count++;
      expect(chunk.object).toBe('chat.completion.chunk');
      text += chunk.choices[0]?.delta.content ?? '';
      finish = chunk.choices[0]?.finish_reason ?? finish;
      if (chunk.usage) total = chunk.usage.total_tokens;
    }
    expect(count).toBe(6);
    expect(text).toBe('Hello 你好🙂');
    expect(finish).toBe('stop');
    expect(total).toBe(11);
  });

  test('chat.completions.stream rebuilds the message with its tool calls', async () => {
    const client = clientFor(encodeAll(toolStream, { model: 'gpt-4o', includeUsage: true }));
    const stream = client.chat.completions.stream({ model: 'gpt-4o', messages: [{ role: 'user', content: 'hi' }] });
    const done = await stream.finalChatCompletion();
    const choice = done.choices[0]!;
    expect(choice.finish_reason).toBe('tool_calls');
    expect(choice.message.content).toBe('Checking.');
    expect(choice.message.tool_calls?.map((c) => (c.type === 'function' ? [c.id, c.function.name, c.function.arguments] : []))).toEqual([
      ['toolu_1', 'get_weather', '{"city":"Paris"}'],
      ['call_g', 'get_time', '{}'],
    ]);
    expect(done.usage?.prompt_tokens).toBe(20);
  });

  test('an in-band error surfaces as the SDK APIError with our message', async () => {
    const sse = encodeAll(
      [start, { type: 'text', text: 'x' }, { type: 'error', error: { status: 503, kind: 'overloaded', message: 'upstream overloaded' } }],
      { model: 'gpt-4o' },
    );
    const stream = clientFor(sse).chat.completions.stream({ model: 'gpt-4o', messages: [{ role: 'user', content: 'hi' }] });
    let caught: unknown;
    try {
      await stream.finalChatCompletion();
    } catch (e) {
      caught = e;
    }
    expect(caught).toBeInstanceOf(APIError);
    expect((caught as APIError).message).toContain('upstream overloaded');
    expect((caught as APIError).type).toBe('server_error');
  });
});
