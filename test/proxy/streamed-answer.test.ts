/**
 * A whole answer gathered from an upstream's stream (a client asked for one from a model the upstream
 * answers only as a stream): what the stream held, in its order, and its failures as the request's.
 */
import { describe, expect, test } from 'bun:test';
import { collectResponse } from '../../src/core/collect-stream.ts';
import { ProxyError } from '../../src/core/errors.ts';
import type { StreamEvent } from '../../src/core/stream-events.ts';
import { openaiCodec } from '../../src/protocols/openai/index.ts';
import { readStreamedAnswer } from '../../src/proxy/streamed-answer.ts';
import { rechunk, streamOf } from '../helpers/sse.ts';

const gather = (events: StreamEvent[]) => {
  const c = collectResponse();
  c.push(events);
  return c.response();
};

describe('collectResponse', () => {
  test('deltas join into parts in order; a call’s fragments parse into its arguments; usage merges', () => {
    const r = gather([
      { type: 'start', id: 'msg_1', model: 'qwen3-32b', usage: { inputTokens: 12 }, created: 1700000000 },
      { type: 'thinking', text: 'Look ' },
      { type: 'thinking', text: 'it up.' },
      { type: 'thinking_signature', signature: { family: 'anthropic', value: 'sig' } },
      { type: 'thinking', text: 'Again.' },
      { type: 'text', text: 'Checking' },
      { type: 'text', text: ' 你好.' },
      { type: 'tool_call_start', index: 0, id: 'call_1', name: 'read_file' },
      { type: 'tool_call_delta', index: 0, args: '{"path":' },
      { type: 'tool_call_delta', index: 0, args: '"a.txt"}' },
      { type: 'tool_call_end', index: 0 },
      { type: 'tool_call_start', index: 1, id: 'call_2', name: 'ls' },
      { type: 'tool_call_delta', index: 1, args: '{"dir": ' },
      { type: 'finish', reason: 'tool_calls', usage: { inputTokens: 12, outputTokens: 40, reasoningTokens: 9 } },
    ]);
    expect(r).toEqual({
      id: 'msg_1',
      model: 'qwen3-32b',
      created: 1700000000,
      content: [
        { type: 'thinking', text: 'Look it up.', signature: { family: 'anthropic', value: 'sig' } },
        { type: 'thinking', text: 'Again.' },
        { type: 'text', text: 'Checking 你好.' },
        { type: 'tool_call', id: 'call_1', name: 'read_file', args: { path: 'a.txt' } },
        // Its end never came and its arguments do not parse: an empty object, as a whole answer's decoder gives.
        { type: 'tool_call', id: 'call_2', name: 'ls', args: {} },
      ],
      finishReason: 'tool_calls',
      usage: { inputTokens: 12, outputTokens: 40, reasoningTokens: 9 },
    });
  });

  test("the stream's error is the request's; a stream without its finish is a 502", () => {
    const c = collectResponse();
    expect(() => c.push([{ type: 'error', error: { status: 429, kind: 'rate_limit', message: 'slow down' } }])).toThrow('slow down');
    const cut = collectResponse();
    cut.push([{ type: 'start', id: 'x', model: 'm' }, { type: 'text', text: 'half' }]);
    try {
      cut.response();
      throw new Error('no error');
    } catch (e) {
      expect(e).toBeInstanceOf(ProxyError);
      expect((e as ProxyError).info.status).toBe(502);
    }
  });
});

describe('readStreamedAnswer', () => {
  const chunk = (delta: string, finish = 'null', extra = '') =>
    `data: {"id":"chatcmpl-1","object":"chat.completion.chunk","created":1,"model":"qwen3-32b","choices":[{"index":0,"delta":${delta},"finish_reason":${finish}}]${extra}}\n\n`;
  /** The text as an upstream body in pieces of at most `pieces` bytes, split inside characters too. */
  const body = (text: string, pieces = 7) => streamOf(rechunk(text, pieces, pieces));

  test('an OpenAI stream split anywhere (inside characters too) gives the same whole answer', async () => {
    const sse =
      chunk('{"role":"assistant","reasoning_content":"想一想"}') +
      chunk('{"content":"答案是 42。"}') +
      chunk('{}', '"stop"') +
      'data: {"id":"chatcmpl-1","object":"chat.completion.chunk","created":1,"model":"qwen3-32b","choices":[],"usage":{"prompt_tokens":5,"completion_tokens":9,"total_tokens":14}}\n\ndata: [DONE]\n\n';
    for (const pieces of [1, 3, 1000]) {
      const r = await readStreamedAnswer(body(sse, pieces), openaiCodec.createStreamDecoder(), 0);
      expect(r.content).toEqual([{ type: 'thinking', text: '想一想' }, { type: 'text', text: '答案是 42。' }]);
      expect(r.finishReason).toBe('stop');
      expect(r.usage).toMatchObject({ inputTokens: 5, outputTokens: 9 });
    }
  });

  test('a stream that breaks off or goes quiet fails the request instead of answering half', async () => {
    const cut = chunk('{"content":"half"}');
    await expect(readStreamedAnswer(body(cut), openaiCodec.createStreamDecoder(), 0)).rejects.toBeInstanceOf(ProxyError);
    const silent = new ReadableStream<Uint8Array>({ start(c) { c.enqueue(new TextEncoder().encode(cut)); } });
    const err = await readStreamedAnswer(silent, openaiCodec.createStreamDecoder(), 50).catch((e: unknown) => e);
    expect((err as ProxyError).info).toMatchObject({ status: 504, kind: 'timeout' });
    expect((err as ProxyError).message).toContain('timeouts.idle_ms');
  });
});
