import { beforeEach, describe, expect, test } from 'bun:test';
import type { CanonicalRequest, Message } from '../../../src/core/index.ts';
import { anthropicCodec } from '../../../src/protocols/anthropic/index.ts';
import { clearThinkingCache, recallThinking, rememberThinking } from '../../../src/protocols/anthropic/thinking-cache.ts';
import { sseFrame } from '../../../src/util/sse.ts';
import { decodeChunks, rechunk } from '../../helpers/sse.ts';

beforeEach(() => clearThinkingCache());

/** A tool loop's second request as an OpenAI client sends it: the call, its result, and no signature. */
function continuation(callId: string, reasoningEcho?: string): CanonicalRequest {
  const assistant: Message = { role: 'assistant', content: [{ type: 'tool_call', id: callId, name: 'lookup', args: { q: 'x' } }] };
  // reasoning_content echoed by a client decodes as unsigned thinking.
  if (reasoningEcho !== undefined) assistant.content.unshift({ type: 'thinking', text: reasoningEcho });
  return {
    model: 'claude-sonnet-4-5',
    system: [],
    messages: [
      { role: 'user', content: [{ type: 'text', text: 'go' }] },
      assistant,
      { role: 'user', content: [{ type: 'tool_result', callId, content: [{ type: 'text', text: 'r' }] }] },
    ],
    tools: [{ name: 'lookup', parameters: { type: 'object', properties: { q: { type: 'string' } } } }],
    reasoning: { budgetTokens: 2048 },
    stream: false,
    extras: {},
  };
}

const encode = (req: CanonicalRequest): Record<string, unknown> => anthropicCodec.encodeRequest(req, { model: 'claude-sonnet-4-5' });

describe('anthropic thinking cache: signed thinking survives clients that cannot carry it', () => {
  test('a decoded response with thinking and tool_use puts the signed block back in front of that call', () => {
    anthropicCodec.decodeResponse({
      id: 'msg_1',
      type: 'message',
      role: 'assistant',
      model: 'claude-sonnet-4-5',
      content: [
        { type: 'thinking', thinking: 'Plan: look up.', signature: 'sig-A' },
        { type: 'redacted_thinking', data: 'opaque' },
        { type: 'tool_use', id: 'toolu_1', name: 'lookup', input: { q: 'x' } },
      ],
      stop_reason: 'tool_use',
      usage: { input_tokens: 5, output_tokens: 9 },
    });
    const body = encode(continuation('toolu_1', 'Plan: look up.'));
    expect(body.thinking).toEqual({ type: 'enabled', budget_tokens: 2048 });
    expect(body.messages).toMatchObject([
      { role: 'user' },
      {
        role: 'assistant',
        content: [
          { type: 'thinking', thinking: 'Plan: look up.', signature: 'sig-A' },
          { type: 'redacted_thinking', data: 'opaque' },
          { type: 'tool_use', id: 'toolu_1' },
        ],
      },
      { role: 'user', content: [{ type: 'tool_result', tool_use_id: 'toolu_1' }] },
    ]);
  });

  test('a streamed response (re-chunked at random, inside multi-byte characters) is remembered with its whole thinking text', () => {
    const ev = (type: string, data: Record<string, unknown>): string => sseFrame(JSON.stringify({ type, ...data }), type);
    const text = [
      ev('message_start', { message: { id: 'msg_2', type: 'message', role: 'assistant', model: 'm', content: [], usage: { input_tokens: 3, output_tokens: 1 } } }),
      ev('content_block_start', { index: 0, content_block: { type: 'thinking', thinking: '', signature: '' } }),
      ev('content_block_delta', { index: 0, delta: { type: 'thinking_delta', thinking: 'Erst denken… ' } }),
      ev('content_block_delta', { index: 0, delta: { type: 'thinking_delta', thinking: '考える' } }),
      ev('content_block_delta', { index: 0, delta: { type: 'signature_delta', signature: 'sig-B' } }),
      ev('content_block_stop', { index: 0 }),
      ev('content_block_start', { index: 1, content_block: { type: 'tool_use', id: 'toolu_2', name: 'lookup', input: {} } }),
      ev('content_block_delta', { index: 1, delta: { type: 'input_json_delta', partial_json: '{"q":"x"}' } }),
      ev('content_block_stop', { index: 1 }),
      ev('message_delta', { delta: { stop_reason: 'tool_use', stop_sequence: null }, usage: { output_tokens: 12 } }),
      ev('message_stop', {}),
    ].join('');
    for (const seed of [1, 2, 3]) {
      clearThinkingCache();
      const events = decodeChunks(anthropicCodec.createStreamDecoder(), rechunk(text, seed, 5));
      expect(events.at(-1)).toMatchObject({ type: 'finish', reason: 'tool_calls' });
      expect(recallThinking('toolu_2')).toEqual([{ type: 'thinking', thinking: 'Erst denken… 考える', signature: 'sig-B' }]);
    }
  });

  test('a stream cut before its stop reason remembers nothing (the turn never completed)', () => {
    const ev = (type: string, data: Record<string, unknown>): string => sseFrame(JSON.stringify({ type, ...data }), type);
    const text = [
      ev('message_start', { message: { id: 'msg_3', type: 'message', role: 'assistant', model: 'm', content: [], usage: { input_tokens: 3, output_tokens: 1 } } }),
      ev('content_block_start', { index: 0, content_block: { type: 'thinking', thinking: '', signature: '' } }),
      ev('content_block_delta', { index: 0, delta: { type: 'thinking_delta', thinking: 'half' } }),
      ev('content_block_delta', { index: 0, delta: { type: 'signature_delta', signature: 'sig-C' } }),
      ev('content_block_stop', { index: 0 }),
      ev('content_block_start', { index: 1, content_block: { type: 'tool_use', id: 'toolu_3', name: 'lookup', input: {} } }),
    ].join('');
    const events = decodeChunks(anthropicCodec.createStreamDecoder(), rechunk(text, 9));
    expect(events.at(-1)?.type).toBe('error');
    expect(recallThinking('toolu_3')).toBeUndefined();
  });

  test('without a remembered block thinking is still turned off rather than sent unsigned', () => {
    const body = encode(continuation('toolu_unknown', 'some reasoning'));
    expect(body).not.toHaveProperty('thinking');
    expect(body.messages).toMatchObject([{ role: 'user' }, { role: 'assistant', content: [{ type: 'tool_use', id: 'toolu_unknown' }] }, { role: 'user' }]);
  });

  test('a response without tool calls, or without thinking, remembers nothing', () => {
    anthropicCodec.decodeResponse({
      type: 'message',
      content: [{ type: 'thinking', thinking: 't', signature: 's' }, { type: 'text', text: 'answer' }],
      stop_reason: 'end_turn',
      usage: {},
    });
    anthropicCodec.decodeResponse({ type: 'message', content: [{ type: 'tool_use', id: 'toolu_4', name: 'f', input: {} }], stop_reason: 'tool_use', usage: {} });
    expect(recallThinking('toolu_4')).toBeUndefined();
  });

  test('the cache is bounded: the oldest entries go first', () => {
    for (let i = 0; i <= 2_000; i++) rememberThinking(`toolu_${i}`, [{ type: 'thinking', thinking: 't', signature: 's' }]);
    expect(recallThinking('toolu_0')).toBeUndefined();
    expect(recallThinking('toolu_2000')).toBeDefined();
  });
});
