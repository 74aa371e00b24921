import { describe, expect, test } from 'bun:test';
import type { StreamEvent } from '../../../src/core/index.ts';
import { openaiCodec } from '../../../src/protocols/openai/index.ts';
import { decodeChunks, rechunk } from '../../helpers/sse.ts';
import {
  DEEPSEEK_REASONING,
  GEMINI_COMPAT_TOOLS,
  MID_STREAM_ERROR,
  OPENAI_TEXT,
  OPENAI_TOOL_CALLS,
  OPENROUTER_REASONING,
  SAME_INDEX_TOOLS,
  TWO_CHOICES,
} from './fixtures.ts';

const bytes = (s: string) => [new TextEncoder().encode(s)];
const decodeAll = (sse: string): StreamEvent[] => decodeChunks(openaiCodec.createStreamDecoder(), bytes(sse));

/** The contract every decoded stream must meet: start first, one terminal event, last. */
function expectWellFormed(events: StreamEvent[]): void {
  expect(events[0]?.type).toBe('start');
  const terminals = events.filter((e) => e.type === 'finish' || e.type === 'error');
  expect(terminals.length).toBe(1);
  expect(events.at(-1)).toBe(terminals[0]!);
}

describe('openai stream decoder: real streams', () => {
  test('api.openai.com text stream with usage chunk', () => {
    const events = decodeAll(OPENAI_TEXT);
    expect(events).toEqual([
      { type: 'start', id: 'chatcmpl-C9xYz', model: 'gpt-4o-2024-08-06', created: 1755000000 },
      { type: 'text', text: '你好' },
      { type: 'text', text: '🙂 "world"\n' },
      {
        type: 'finish',
        reason: 'stop',
        usage: { inputTokens: 19, outputTokens: 5, cacheReadTokens: 0, reasoningTokens: 0 },
      },
    ]);
  });

  test('parallel tool calls get ordinals and argument fragments, one call after another', () => {
    const events = decodeAll(OPENAI_TOOL_CALLS);
    expect(events).toEqual([
      { type: 'start', id: 'chatcmpl-T1', model: 'gpt-4o-2024-08-06', created: 1755000100 },
      { type: 'tool_call_start', index: 0, id: 'call_abc', name: 'get_weather' },
      { type: 'tool_call_delta', index: 0, args: '{"ci' },
      { type: 'tool_call_delta', index: 0, args: 'ty": "Paris"}' },
      // A call ends as the next one begins (its arguments are whole), the last at finish_reason.
      { type: 'tool_call_end', index: 0 },
      { type: 'tool_call_start', index: 1, id: 'call_def', name: 'get_time' },
      { type: 'tool_call_delta', index: 1, args: '{"tz":"CET"}' },
      { type: 'tool_call_end', index: 1 },
      // No include_usage upstream: [DONE] completes the stream with zero usage.
      { type: 'finish', reason: 'tool_calls', usage: { inputTokens: 0, outputTokens: 0 } },
    ]);
  });

  test('DeepSeek reasoning_content (CRLF, keep-alive comments, usage on the finish chunk)', () => {
    const events = decodeAll(DEEPSEEK_REASONING);
    expect(events).toEqual([
      { type: 'start', id: '3f1c', model: 'deepseek-reasoner', created: 1755000200 },
      { type: 'thinking', text: '用户问' },
      { type: 'thinking', text: '首都。' },
      { type: 'text', text: '巴黎' },
      {
        type: 'finish',
        reason: 'stop',
        usage: { inputTokens: 12, outputTokens: 40, cacheReadTokens: 8, reasoningTokens: 30 },
      },
    ]);
  });

  test('OpenRouter `reasoning`, empty object field and processing comments', () => {
    const events = decodeAll(OPENROUTER_REASONING);
    expect(events).toEqual([
      { type: 'start', id: 'gen-1755-abc', model: 'anthropic/claude-sonnet-4.5', created: 1755000300 },
      { type: 'thinking', text: 'Think' },
      { type: 'text', text: 'Done' },
      {
        type: 'finish',
        reason: 'length',
        usage: { inputTokens: 30, outputTokens: 16, cacheReadTokens: 20, reasoningTokens: 6 },
      },
    ]);
  });

  test("Google's compat layer: no index, whole calls, thought signatures, finish in the same chunk", () => {
    const events = decodeAll(GEMINI_COMPAT_TOOLS);
    expect(events).toEqual([
      { type: 'start', id: 'Xk9aZ', model: 'gemini-2.5-flash', created: 1755000400 },
      { type: 'text', text: 'Let me check.' },
      {
        type: 'tool_call_start',
        index: 0,
        id: 'function-call-111',
        name: 'get_weather',
        signature: { family: 'gemini', value: 'CiQBsigPz1' },
      },
      { type: 'tool_call_delta', index: 0, args: '{"city":"Paris"}' },
      { type: 'tool_call_end', index: 0 },
      { type: 'tool_call_start', index: 1, id: 'function-call-222', name: 'get_time' },
      { type: 'tool_call_delta', index: 1, args: '{}' },
      { type: 'tool_call_end', index: 1 },
      { type: 'finish', reason: 'tool_calls', usage: { inputTokens: 50, outputTokens: 25 } },
    ]);
  });

  test('a new id at an already used index is a new call; tool calls turn "stop" into tool_calls', () => {
    const events = decodeAll(SAME_INDEX_TOOLS);
    expect(events.slice(1)).toEqual([
      { type: 'tool_call_start', index: 0, id: 'call_1', name: 'a' },
      { type: 'tool_call_delta', index: 0, args: '{"x":1}' },
      { type: 'tool_call_end', index: 0 },
      { type: 'tool_call_start', index: 1, id: 'call_2', name: 'b' },
      { type: 'tool_call_delta', index: 1, args: '{}' },
      { type: 'tool_call_end', index: 1 },
      { type: 'finish', reason: 'tool_calls', usage: { inputTokens: 0, outputTokens: 0 } },
    ]);
  });

  test('choices other than index 0 are ignored', () => {
    const events = decodeAll(TWO_CHOICES);
    expect(events.slice(1)).toEqual([
      { type: 'text', text: 'first' },
      { type: 'finish', reason: 'stop', usage: { inputTokens: 0, outputTokens: 0 } },
    ]);
  });

  test('an in-band error ends the stream with the mapped kind and the upstream message', () => {
    const events = decodeAll(MID_STREAM_ERROR);
    expect(events).toEqual([
      { type: 'start', id: 'chatcmpl-E', model: 'gpt-4o', created: 3 },
      { type: 'text', text: 'Partial' },
      {
        type: 'error',
        error: {
          status: 502,
          kind: 'api_error',
          message: 'The server had an error while processing your request. Sorry about that!',
        },
      },
    ]);
  });

  const fixtures: Record<string, string> = {
    OPENAI_TEXT,
    OPENAI_TOOL_CALLS,
    DEEPSEEK_REASONING,
    OPENROUTER_REASONING,
    GEMINI_COMPAT_TOOLS,
    SAME_INDEX_TOOLS,
    TWO_CHOICES,
    MID_STREAM_ERROR,
  };
  for (const [name, sse] of Object.entries(fixtures)) {
    test(`${name}: identical events at any chunk boundary (seeds 1..50)`, () => {
      const whole = decodeAll(sse);
      expectWellFormed(whole);
      for (let seed = 1; seed <= 50; seed++) {
        const split = decodeChunks(openaiCodec.createStreamDecoder(), rechunk(sse, seed, 1 + (seed % 13)));
        expect(split).toEqual(whole);
      }
    });
  }
});

describe('openai stream decoder: broken and odd streams', () => {
  const msg = (data: string, event?: string) => (event === undefined ? { data } : { event, data });

  test('invalid JSON becomes an api_error naming the problem, and the decoder stops', () => {
    const d = openaiCodec.createStreamDecoder();
    const first = d.message(msg('{"id":"c","choices":[{"index":0,"delta":{"content":"a"}}]}'));
    expect(first.map((e) => e.type)).toEqual(['start', 'text']);
    const bad = d.message(msg('{"id":"c","choices":[{"index":0,'));
    expect(bad).toHaveLength(1);
    const ev = bad[0]!;
    expect(ev.type).toBe('error');
    if (ev.type !== 'error') return;
    expect(ev.error.kind).toBe('api_error');
    expect(ev.error.status).toBe(502);
    expect(ev.error.message).toContain('invalid stream event');
    expect(ev.error.message).toContain('{"id":"c"');
    expect(d.message(msg('{"id":"c","choices":[{"index":0,"delta":{"content":"late"}}]}'))).toEqual([]);
    expect(d.end()).toEqual([]);
  });

  test('an error before any chunk still starts the stream first', () => {
    const events = decodeAll('data: {"error":{"message":"Rate limit reached for gpt-4o","type":"requests","param":null,"code":"rate_limit_exceeded"}}\n\n');
    expect(events.map((e) => e.type)).toEqual(['start', 'error']);
    expect(events[1]).toEqual({
      type: 'error',
      error: { status: 429, kind: 'rate_limit', message: 'Rate limit reached for gpt-4o', code: 'rate_limit_exceeded' },
    });
  });

  test('an SSE `event: error` is an error even without an error key', () => {
    const d = openaiCodec.createStreamDecoder();
    const events = d.message(msg('{"message":"overloaded","type":"overloaded_error"}', 'error'));
    expect(events.at(-1)).toEqual({ type: 'error', error: { status: 503, kind: 'overloaded', message: 'overloaded' } });
    const plain = openaiCodec.createStreamDecoder().message(msg('Internal error', 'error'));
    expect(plain.at(-1)).toEqual({ type: 'error', error: { status: 502, kind: 'api_error', message: 'Internal error' } });
  });

  test('a numeric code some compatible servers send is used as the status', () => {
    const d = openaiCodec.createStreamDecoder();
    const events = d.message(msg('{"error":{"code":429,"message":"Resource exhausted","status":"RESOURCE_EXHAUSTED"}}'));
    expect(events.at(-1)).toEqual({ type: 'error', error: { status: 429, kind: 'rate_limit', message: 'Resource exhausted' } });
  });

  test('a stream cut before finish_reason ends with an error', () => {
    const events = decodeAll(
      'data: {"id":"c","object":"chat.completion.chunk","created":1,"model":"m","choices":[{"index":0,"delta":{"content":"Hal"},"finish_reason":null}]}\n\n',
    );
    expect(events).toEqual([
      { type: 'start', id: 'c', model: 'm', created: 1 },
      { type: 'text', text: 'Hal' },
      { type: 'error', error: { status: 502, kind: 'api_error', message: 'upstream stream ended before completion' } },
    ]);
  });

  test('an empty body ends with start and an error', () => {
    const events = decodeAll('');
    expect(events.map((e) => e.type)).toEqual(['start', 'error']);
  });

  test('finish_reason without [DONE] still finishes, with the usage seen', () => {
    const events = decodeAll(
      'data: {"id":"c","model":"m","choices":[{"index":0,"delta":{"content":"ok"},"finish_reason":"stop"}],"usage":{"prompt_tokens":3,"completion_tokens":1,"total_tokens":4}}\n\n',
    );
    expect(events.slice(1)).toEqual([
      { type: 'text', text: 'ok' },
      { type: 'finish', reason: 'stop', usage: { inputTokens: 3, outputTokens: 1 } },
    ]);
  });

  test('[DONE] before any chunk is no answer: an error, not an empty reply', () => {
    const events = decodeAll('data: [DONE]\n\n');
    expectWellFormed(events);
    expect(events.at(-1)).toEqual({ type: 'error', error: { status: 502, kind: 'api_error', message: 'upstream stream ended with [DONE] before any answer came' } });
  });

  test('chunks without a choice, then [DONE], are no answer either (keephq/keep#6715)', () => {
    for (const choices of ['[]', 'null']) {
      const events = decodeAll(`data: {"id":"chatcmpl-1","object":"chat.completion.chunk","model":"gpt-4o","choices":${choices}}\n\ndata: [DONE]\n\n`);
      expectWellFormed(events);
      expect(events.at(-1)).toEqual({ type: 'error', error: { status: 502, kind: 'api_error', message: 'upstream stream ended with [DONE] before any answer came' } });
    }
  });

  test('a whole completion where a chunk belongs, with or without data: (decolua/9router#3492, Amm1rr/WebAI-to-API#55), is its answer', () => {
    const call = { id: 'call_1', type: 'function', function: { name: 'f', arguments: '{"a":1}' } };
    const whole = JSON.stringify({
      id: 'x',
      object: 'chat.completion',
      model: 'm',
      choices: [{ index: 0, message: { role: 'assistant', content: 'hi', tool_calls: [call] }, finish_reason: 'tool_calls' }],
      usage: { prompt_tokens: 3, completion_tokens: 2, total_tokens: 5 },
    });
    for (const body of [`data: ${whole}\n\ndata: [DONE]\n\n`, `${whole}\n\ndata: [DONE]\n\n`, `${whole}\ndata: [DONE]\n\n`]) {
      const events = decodeAll(body);
      expectWellFormed(events);
      expect(events.slice(1)).toEqual([
        { type: 'text', text: 'hi' },
        { type: 'tool_call_start', index: 0, id: 'call_1', name: 'f' },
        { type: 'tool_call_delta', index: 0, args: '{"a":1}' },
        { type: 'tool_call_end', index: 0 },
        { type: 'finish', reason: 'tool_calls', usage: { inputTokens: 3, outputTokens: 2 } },
      ]);
    }
  });

  test('nothing after the terminal event: finish then more chunks yields nothing', () => {
    const d = openaiCodec.createStreamDecoder();
    d.message(msg('{"id":"c","choices":[{"index":0,"delta":{"content":"a"},"finish_reason":"stop"}]}'));
    expect(d.message(msg('[DONE]')).at(-1)?.type).toBe('finish');
    expect(d.message(msg('{"id":"c","choices":[{"index":0,"delta":{"content":"b"}}]}'))).toEqual([]);
    expect(d.message(msg('[DONE]'))).toEqual([]);
    expect(d.end()).toEqual([]);
  });

  test('a tool call without an id gets one; arguments sent as an object are serialised', () => {
    const d = openaiCodec.createStreamDecoder();
    const events = d.message(
      msg('{"id":"c","choices":[{"index":0,"delta":{"tool_calls":[{"index":0,"function":{"name":"f","arguments":{"a":1}}}]}}]}'),
    );
    const startEv = events.find((e) => e.type === 'tool_call_start');
    expect(startEv?.type === 'tool_call_start' && startEv.id).toMatch(/^call_/);
    expect(events.at(-1)).toEqual({ type: 'tool_call_delta', index: 0, args: '{"a":1}' });
  });

  test('a missing id and model still produce a start event', () => {
    const d = openaiCodec.createStreamDecoder();
    const [start] = d.message(msg('{"choices":[{"delta":{"content":"x"}}]}'));
    expect(start?.type).toBe('start');
    if (start?.type !== 'start') return;
    expect(start.id).toMatch(/^chatcmpl-/);
    expect(start.model).toBe('');
  });
});
