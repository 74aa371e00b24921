import { beforeEach, describe, expect, test } from 'bun:test';
import type { StreamEvent } from '../../../src/core/index.ts';
import { geminiCodec } from '../../../src/protocols/gemini/index.ts';
import { clearSignatureCache, recallSignature } from '../../../src/protocols/gemini/signature-cache.ts';
import { decodeChunks, rechunk } from '../../helpers/sse.ts';

beforeEach(() => clearSignatureCache());

const decodeAll = (text: string, seed?: number): StreamEvent[] =>
  decodeChunks(geminiCodec.createStreamDecoder(), seed === undefined ? [new TextEncoder().encode(text)] : rechunk(text, seed));

/** Synthesised call ids are random; everything else must match exactly. */
const stable = (events: StreamEvent[]): StreamEvent[] =>
  events.map((e) => (e.type === 'tool_call_start' && e.id.startsWith('call_') ? { ...e, id: 'call_*' } : e));

// Raw bytes as Google's front end sends them: CRLF-separated events, whole JSON per event.
const TEXT_STREAM =
  'data: {"candidates": [{"content": {"parts": [{"text": "你好"}],"role": "model"},"index": 0}],"usageMetadata": {"promptTokenCount": 8,"totalTokenCount": 8,"promptTokensDetails": [{"modality": "TEXT","tokenCount": 8}]},"modelVersion": "gemini-2.5-flash","responseId": "abc123"}\r\n\r\n' +
  'data: {"candidates": [{"content": {"parts": [{"text": "🙂 world, ça va?"}],"role": "model"},"index": 0}],"usageMetadata": {"promptTokenCount": 8,"totalTokenCount": 8},"modelVersion": "gemini-2.5-flash","responseId": "abc123"}\r\n\r\n' +
  'data: {"candidates": [{"content": {"parts": [{"text": ""}],"role": "model"},"finishReason": "STOP","index": 0}],"usageMetadata": {"promptTokenCount": 8,"candidatesTokenCount": 6,"totalTokenCount": 14,"promptTokensDetails": [{"modality": "TEXT","tokenCount": 8}]},"modelVersion": "gemini-2.5-flash","responseId": "abc123"}\r\n\r\n';

const THINKING_TOOL_STREAM =
  'data: {"candidates":[{"content":{"parts":[{"text":"**Checking the weather**\\nThe user wants","thought":true}],"role":"model"},"index":0}],"usageMetadata":{"promptTokenCount":40,"totalTokenCount":40},"modelVersion":"gemini-3-pro-preview","responseId":"r-tool"}\n\n' +
  ': keep-alive comment\n\n' +
  'data: {"candidates":[{"content":{"parts":[{"text":" Paris weather.","thought":true}],"role":"model"},"index":0}],"modelVersion":"gemini-3-pro-preview","responseId":"r-tool"}\n\n' +
  'data: {"candidates":[{"content":{"parts":[{"functionCall":{"name":"get_weather","args":{"city":"Paris","when":"今日"}},"thoughtSignature":"CiQBVKhc7gVN"},{"functionCall":{"name":"get_time","args":{}}}],"role":"model"},"finishReason":"STOP","index":0}],"usageMetadata":{"promptTokenCount":40,"candidatesTokenCount":15,"thoughtsTokenCount":60,"totalTokenCount":115},"modelVersion":"gemini-3-pro-preview","responseId":"r-tool"}\n\n';

const SIGNED_THOUGHT_STREAM =
  'data: {"candidates":[{"content":{"parts":[{"text":"Plan: greet.","thought":true}],"role":"model"},"index":0}],"responseId":"r2","modelVersion":"gemini-2.5-pro"}\n\n' +
  'data: {"candidates":[{"content":{"parts":[{"text":"","thoughtSignature":"U0lHTkFUVVJF"}],"role":"model"},"index":0}],"responseId":"r2","modelVersion":"gemini-2.5-pro"}\n\n' +
  'data: {"candidates":[{"content":{"parts":[{"text":"Hi!"}],"role":"model"},"finishReason":"STOP","index":0}],"responseId":"r2","modelVersion":"gemini-2.5-pro"}\n\n' +
  // Usage arrives after the chunk that carried the finish reason; the last one wins.
  'data: {"usageMetadata":{"promptTokenCount":5,"candidatesTokenCount":2,"thoughtsTokenCount":9,"cachedContentTokenCount":3,"totalTokenCount":16},"responseId":"r2","modelVersion":"gemini-2.5-pro"}\n\n';

describe('gemini stream decoder', () => {
  test('text stream with CRLF framing and multi-byte text', () => {
    expect(decodeAll(TEXT_STREAM)).toEqual([
      { type: 'start', id: 'abc123', model: 'gemini-2.5-flash', usage: { inputTokens: 8 } },
      { type: 'text', text: '你好' },
      { type: 'text', text: '🙂 world, ça va?' },
      { type: 'finish', reason: 'stop', usage: { inputTokens: 8, outputTokens: 6 } },
    ]);
  });

  test('thoughts then whole function calls; STOP with calls is tool_calls; signed calls are remembered', () => {
    const events = decodeAll(THINKING_TOOL_STREAM);
    expect(stable(events)).toEqual([
      { type: 'start', id: 'r-tool', model: 'gemini-3-pro-preview', usage: { inputTokens: 40 } },
      { type: 'thinking', text: '**Checking the weather**\nThe user wants' },
      { type: 'thinking', text: ' Paris weather.' },
      { type: 'tool_call_start', index: 0, id: 'call_*', name: 'get_weather', signature: { family: 'gemini', value: 'CiQBVKhc7gVN' } },
      { type: 'tool_call_delta', index: 0, args: '{"city":"Paris","when":"今日"}' },
      { type: 'tool_call_end', index: 0 },
      { type: 'tool_call_start', index: 1, id: 'call_*', name: 'get_time' },
      { type: 'tool_call_delta', index: 1, args: '{}' },
      { type: 'tool_call_end', index: 1 },
      { type: 'finish', reason: 'tool_calls', usage: { inputTokens: 40, outputTokens: 75, reasoningTokens: 60 } },
    ]);
    const first = events.find((e) => e.type === 'tool_call_start' && e.index === 0) as Extract<StreamEvent, { type: 'tool_call_start' }>;
    const second = events.find((e) => e.type === 'tool_call_start' && e.index === 1) as Extract<StreamEvent, { type: 'tool_call_start' }>;
    expect(first.id).not.toBe(second.id);
    expect(recallSignature(first.id, 'gemini')).toBe('CiQBVKhc7gVN');
    expect(recallSignature(second.id, 'gemini')).toBeUndefined();
  });

  test('a lone signature closes the thought; usage after the finish chunk counts', () => {
    expect(decodeAll(SIGNED_THOUGHT_STREAM)).toEqual([
      { type: 'start', id: 'r2', model: 'gemini-2.5-pro' },
      { type: 'thinking', text: 'Plan: greet.' },
      { type: 'thinking_signature', signature: { family: 'gemini', value: 'U0lHTkFUVVJF' } },
      { type: 'text', text: 'Hi!' },
      { type: 'finish', reason: 'stop', usage: { inputTokens: 5, outputTokens: 11, reasoningTokens: 9, cacheReadTokens: 3 } },
    ]);
  });

  test.each([
    ['text', TEXT_STREAM],
    ['thinking + tools', THINKING_TOOL_STREAM],
    ['signed thought', SIGNED_THOUGHT_STREAM],
  ])('%s: identical events at 50 random chunkings', (_name, fixture) => {
    const expected = stable(decodeAll(fixture));
    for (let seed = 1; seed <= 50; seed++) expect(stable(decodeAll(fixture, seed))).toEqual(expected);
  });

  test('MAX_TOKENS and safety stops', () => {
    const chunk = (reason: string) =>
      `data: {"candidates":[{"content":{"parts":[{"text":"cut"}],"role":"model"},"finishReason":"${reason}","index":0}],"responseId":"x","modelVersion":"m"}\n\n`;
    expect(decodeAll(chunk('MAX_TOKENS')).at(-1)).toEqual({ type: 'finish', reason: 'length', usage: { inputTokens: 0, outputTokens: 0 } });
    expect(decodeAll(chunk('RECITATION')).at(-1)).toMatchObject({ type: 'finish', reason: 'content_filter' });
  });

  test('a blocked prompt finishes with content_filter', () => {
    const text =
      'data: {"promptFeedback":{"blockReason":"SAFETY","safetyRatings":[{"category":"HARM_CATEGORY_HARASSMENT","probability":"HIGH"}]},"usageMetadata":{"promptTokenCount":7,"totalTokenCount":7},"modelVersion":"gemini-2.5-flash","responseId":"b"}\n\n';
    expect(decodeAll(text)).toEqual([
      { type: 'start', id: 'b', model: 'gemini-2.5-flash', usage: { inputTokens: 7 } },
      { type: 'finish', reason: 'content_filter', usage: { inputTokens: 7, outputTokens: 0 } },
    ]);
  });

  test('a stream cut before any finishReason ends in an error', () => {
    const cut = TEXT_STREAM.slice(0, TEXT_STREAM.lastIndexOf('data:'));
    expect(decodeAll(cut)).toEqual([
      { type: 'start', id: 'abc123', model: 'gemini-2.5-flash', usage: { inputTokens: 8 } },
      { type: 'text', text: '你好' },
      { type: 'text', text: '🙂 world, ça va?' },
      { type: 'error', error: { status: 502, kind: 'api_error', message: 'upstream stream ended before completion' } },
    ]);
  });

  test('an empty body still starts, then errors', () => {
    const events = decodeAll('');
    expect(events.map((e) => e.type)).toEqual(['start', 'error']);
  });

  test('an in-band error ends the stream; later messages are ignored', () => {
    const text =
      'data: {"candidates":[{"content":{"parts":[{"text":"Hel"}],"role":"model"},"index":0}],"responseId":"e","modelVersion":"m"}\n\n' +
      'data: {"error":{"code":503,"message":"The model is overloaded. Please try again later.","status":"UNAVAILABLE"}}\n\n' +
      'data: {"candidates":[{"content":{"parts":[{"text":"lo"}],"role":"model"},"finishReason":"STOP","index":0}]}\n\n';
    expect(decodeAll(text)).toEqual([
      { type: 'start', id: 'e', model: 'm' },
      { type: 'text', text: 'Hel' },
      { type: 'error', error: { status: 503, kind: 'overloaded', message: 'The model is overloaded. Please try again later.' } },
    ]);
  });

  test('an array-wrapped error before anything else, with a retry delay', () => {
    const text =
      'data: [{"error":{"code":429,"message":"Quota exceeded","status":"RESOURCE_EXHAUSTED","details":[{"@type":"type.googleapis.com/google.rpc.RetryInfo","retryDelay":"37.2s"}]}}]\n\n';
    const events = decodeAll(text);
    expect(events[0]!.type).toBe('start');
    expect(events[1]).toMatchObject({ type: 'error', error: { status: 429, kind: 'rate_limit', message: 'Quota exceeded', retryAfter: 38 } });
    expect(events).toHaveLength(2);
  });

  test("a gateway's data: [DONE] after the finishReason (BerriAI/litellm#34095) is no event: the stream finishes", () => {
    expect(decodeAll(`${TEXT_STREAM}data: [DONE]\n\n`)).toEqual(decodeAll(TEXT_STREAM));
    expect(decodeAll(TEXT_STREAM).at(-1)?.type).toBe('finish');
  });

  test('invalid JSON becomes a 502 error naming the problem', () => {
    const dec = geminiCodec.createStreamDecoder();
    const first = dec.message({ data: '{"candidates":[{"content":{"parts":[{"text":"ok"}]},"index":0}],"responseId":"j"}' });
    expect(first.map((e) => e.type)).toEqual(['start', 'text']);
    const bad = dec.message({ data: '{"candidates": [' });
    expect(bad).toHaveLength(1);
    expect(bad[0]).toMatchObject({ type: 'error', error: { status: 502, kind: 'api_error' } });
    expect((bad[0] as Extract<StreamEvent, { type: 'error' }>).error.message).toContain('invalid JSON');
    expect(dec.message({ data: '{"candidates":[]}' })).toEqual([]);
    expect(dec.end()).toEqual([]);
  });

  test('finish is emitted once, at end(), and never after it', () => {
    const dec = geminiCodec.createStreamDecoder();
    dec.message({ data: '{"candidates":[{"content":{"parts":[{"text":"a"}]},"finishReason":"STOP","index":0}]}' });
    expect(dec.end().map((e) => e.type)).toEqual(['finish']);
    expect(dec.end()).toEqual([]);
    expect(dec.message({ data: '{"candidates":[{"content":{"parts":[{"text":"b"}]}}]}' })).toEqual([]);
  });

  test('code execution parts stream as text', () => {
    const text =
      'data: {"candidates":[{"content":{"parts":[{"executableCode":{"language":"PYTHON","code":"print(2+2)"}},{"codeExecutionResult":{"outcome":"OUTCOME_OK","output":"4\\n"}}],"role":"model"},"finishReason":"STOP","index":0}],"responseId":"c","modelVersion":"m"}\n\n';
    expect(decodeAll(text).filter((e) => e.type === 'text')).toEqual([
      { type: 'text', text: '```python\nprint(2+2)\n```' },
      { type: 'text', text: 'Code execution result (OUTCOME_OK):\n4\n' },
    ]);
  });
});
