import { describe, expect, test } from 'bun:test';
import { anthropicCodec } from '../../../src/protocols/anthropic/index.ts';
import { decodeChunks, rechunk } from '../../helpers/sse.ts';
import type { StreamEvent } from '../../../src/core/index.ts';
import { OVERLOADED_MID_STREAM, THINKING_STREAM, TOOL_USE_STREAM } from './fixtures.ts';

const decodeText = (text: string): StreamEvent[] => decodeChunks(anthropicCodec.createStreamDecoder(), [new TextEncoder().encode(text)]);
const textOf = (events: StreamEvent[]): string => events.map((e) => (e.type === 'text' ? e.text : '')).join('');

describe('anthropic stream decoder: real sequences', () => {
  test('text then tool use (protocols.md §2.4 capture)', () => {
    expect(decodeText(TOOL_USE_STREAM)).toEqual([
      { type: 'start', id: 'msg_019Q1hrJbZG26Fb9BQhrkHEr', model: 'claude-opus-4-8', usage: { inputTokens: 377, cacheReadTokens: 0, cacheWriteTokens: 0 } },
      { type: 'text', text: "I'll check the current weather in Paris for you." },
      { type: 'tool_call_start', index: 0, id: 'toolu_01NRLabsLyVHZPKxbKvkfSMn', name: 'get_weather' },
      { type: 'tool_call_delta', index: 0, args: '{"location": "Paris"}' },
      { type: 'tool_call_end', index: 0 },
      { type: 'finish', reason: 'tool_calls', usage: { inputTokens: 377, outputTokens: 65, cacheReadTokens: 0, cacheWriteTokens: 0 } },
    ]);
  });

  test('thinking with signature, redacted thinking, multi-byte text, two tool calls, cumulative cache usage', () => {
    expect(decodeText(THINKING_STREAM)).toEqual([
      { type: 'start', id: 'msg_01ThinkX', model: 'claude-sonnet-4-5-20250929', usage: { inputTokens: 2112, cacheReadTokens: 2000, cacheWriteTokens: 100 } },
      { type: 'thinking', text: '用户说你好🙂，' },
      { type: 'thinking', text: 'I should greet back.' },
      { type: 'thinking_signature', signature: { family: 'anthropic', value: 'EqQBCkYIBxgCKkBsig==' } },
      { type: 'redacted_thinking', data: 'EmwKAhgBEgy3va3pzix/LafPsn4a' },
      { type: 'text', text: '你好' },
      { type: 'text', text: '🙂! Ça va?' },
      { type: 'tool_call_start', index: 0, id: 'toolu_A', name: 'lookup' },
      { type: 'tool_call_delta', index: 0, args: '{"q": "日本' },
      { type: 'tool_call_delta', index: 0, args: '語"}' },
      { type: 'tool_call_end', index: 0 },
      { type: 'tool_call_start', index: 1, id: 'toolu_B', name: 'noop' },
      { type: 'tool_call_end', index: 1 },
      { type: 'finish', reason: 'tool_calls', usage: { inputTokens: 2112, outputTokens: 91, cacheReadTokens: 2000, cacheWriteTokens: 100 } },
    ]);
  });

  test('re-chunked at random byte boundaries (seeds 1..50) gives identical events', () => {
    for (const fixture of [TOOL_USE_STREAM, THINKING_STREAM, OVERLOADED_MID_STREAM]) {
      const whole = decodeText(fixture);
      for (let seed = 1; seed <= 50; seed++) {
        const events = decodeChunks(anthropicCodec.createStreamDecoder(), rechunk(fixture, seed, 1 + (seed % 11)));
        expect(events).toEqual(whole);
      }
    }
  });

  test('CRLF line endings decode the same', () => {
    expect(decodeText(THINKING_STREAM.replaceAll('\n', '\r\n'))).toEqual(decodeText(THINKING_STREAM));
    const crlf = THINKING_STREAM.replaceAll('\n', '\r\n');
    for (let seed = 1; seed <= 10; seed++) {
      expect(decodeChunks(anthropicCodec.createStreamDecoder(), rechunk(crlf, seed))).toEqual(decodeText(THINKING_STREAM));
    }
  });

  test('stop_sequence reason carries the matched sequence', () => {
    const body = TOOL_USE_STREAM.split('event: content_block_start')[0] +
      'event: content_block_start\ndata: {"type":"content_block_start","index":0,"content_block":{"type":"text","text":""}}\n\n' +
      'event: content_block_delta\ndata: {"type":"content_block_delta","index":0,"delta":{"type":"text_delta","text":"1, 2"}}\n\n' +
      'event: content_block_stop\ndata: {"type":"content_block_stop","index":0}\n\n' +
      'event: message_delta\ndata: {"type":"message_delta","delta":{"stop_reason":"stop_sequence","stop_sequence":", 3"},"usage":{"output_tokens":4}}\n\n' +
      'event: message_stop\ndata: {"type":"message_stop"}\n\n';
    expect(decodeText(body).at(-1)).toEqual({
      type: 'finish',
      reason: 'stop_sequence',
      stopSequence: ', 3',
      usage: { inputTokens: 377, outputTokens: 4, cacheReadTokens: 0, cacheWriteTokens: 0 },
    });
  });
});

describe('anthropic stream decoder: failures', () => {
  test('in-band overloaded error → error event with kind overloaded, status 529, nothing after', () => {
    const events = decodeText(`${OVERLOADED_MID_STREAM}event: message_stop\ndata: {"type":"message_stop"}\n\n`);
    expect(events.map((e) => e.type)).toEqual(['start', 'text', 'error']);
    expect(events.at(-1)).toEqual({ type: 'error', error: { status: 529, kind: 'overloaded', message: 'Overloaded' } });
  });

  test('invalid JSON → api_error 502 naming the event, then nothing more', () => {
    const body = TOOL_USE_STREAM.replace('"text_delta","text":"I\'ll', '"text_delta","text":I\'ll');
    const events = decodeText(body);
    expect(events.map((e) => e.type)).toEqual(['start', 'error']);
    const last = events.at(-1);
    expect(last?.type === 'error' && last.error).toEqual({
      kind: 'api_error',
      status: 502,
      message: 'invalid JSON in upstream anthropic stream event "content_block_delta"',
    });
  });

  test('a stream cut before message_delta ends with an error', () => {
    const cut = TOOL_USE_STREAM.slice(0, TOOL_USE_STREAM.indexOf('event: content_block_stop'));
    const events = decodeText(cut);
    expect(events.map((e) => e.type)).toEqual(['start', 'text', 'error']);
    expect(events.at(-1)).toEqual({ type: 'error', error: { kind: 'api_error', status: 502, message: 'upstream stream ended before completion' } });
  });

  test('a stream cut after message_delta still finishes (only message_stop was lost), closing open calls', () => {
    const body = TOOL_USE_STREAM.replace('event: message_stop\ndata: {"type":"message_stop"}\n\n', '').replace(
      'event: content_block_stop\ndata: {"type":"content_block_stop","index":1}\n\n',
      '',
    );
    const events = decodeText(body);
    expect(events.slice(-2)).toEqual([
      { type: 'tool_call_end', index: 0 },
      { type: 'finish', reason: 'tool_calls', usage: { inputTokens: 377, outputTokens: 65, cacheReadTokens: 0, cacheWriteTokens: 0 } },
    ]);
  });

  test('an empty body → start then error', () => {
    expect(decodeText('').map((e) => e.type)).toEqual(['start', 'error']);
  });

  test('messages after finish are ignored and end() adds nothing', () => {
    const d = anthropicCodec.createStreamDecoder();
    decodeChunks(d, [new TextEncoder().encode(TOOL_USE_STREAM)]);
    expect(d.message({ event: 'content_block_delta', data: '{"type":"content_block_delta","index":0,"delta":{"type":"text_delta","text":"late"}}' })).toEqual([]);
    expect(d.message({ event: 'error', data: 'garbage' })).toEqual([]);
    expect(d.end()).toEqual([]);
  });

  test('exactly one terminal event, always last, whatever the input', () => {
    const inputs = [TOOL_USE_STREAM, THINKING_STREAM, OVERLOADED_MID_STREAM, TOOL_USE_STREAM.slice(0, 500), 'data: {}\n\n', 'event: ping\ndata: {"type": "ping"}\n\n'];
    for (const input of inputs) {
      const events = decodeText(input);
      expect(events[0]?.type).toBe('start');
      const terminal = events.filter((e) => e.type === 'finish' || e.type === 'error');
      expect(terminal).toHaveLength(1);
      expect(events.at(-1)).toBe(terminal[0]!);
    }
  });

  test('text assembled across chunks is exactly the upstream text', () => {
    expect(textOf(decodeChunks(anthropicCodec.createStreamDecoder(), rechunk(THINKING_STREAM, 7, 2)))).toBe('你好🙂! Ça va?');
  });
});
