import { describe, expect, test } from 'bun:test';
import Anthropic from '@anthropic-ai/sdk';
import { anthropicCodec } from '../../../src/protocols/anthropic/index.ts';
import { parseSSE } from '../../../src/util/sse.ts';
import { decodeChunks, rechunk } from '../../helpers/sse.ts';
import type { StreamEvent } from '../../../src/core/index.ts';
import { THINKING_STREAM, TOOL_USE_STREAM } from './fixtures.ts';

const encodeAll = (events: StreamEvent[], model = 'claude-proxy'): string => {
  const enc = anthropicCodec.createStreamEncoder({ model });
  return events.map((e) => enc.encode(e)).join('') + enc.end();
};

/** Events as another upstream (OpenAI, Gemini) would produce them: implicit text/thinking blocks. */
const crossProtocolEvents: StreamEvent[] = [
  { type: 'start', id: 'chatcmpl-123', model: 'gpt-4o', usage: { inputTokens: 1000, cacheReadTokens: 800 } },
  { type: 'thinking', text: 'Let me think… ' },
  { type: 'thinking', text: '你好🙂' },
  { type: 'thinking_signature', signature: { family: 'gemini', value: 'CiQBVKhc' } },
  { type: 'text', text: 'Hello' },
  { type: 'text', text: ', world' },
  { type: 'tool_call_start', index: 0, id: 'call_abc', name: 'get_weather' },
  { type: 'tool_call_delta', index: 0, args: '{"city":' },
  { type: 'tool_call_delta', index: 0, args: '"Paris"}' },
  { type: 'tool_call_start', index: 1, id: 'call_def', name: 'get_time' },
  { type: 'tool_call_delta', index: 1, args: '{}' },
  { type: 'tool_call_end', index: 0 },
  { type: 'tool_call_end', index: 1 },
  { type: 'usage', usage: { outputTokens: 10 } },
  { type: 'finish', reason: 'stop', usage: { inputTokens: 1000, outputTokens: 42, cacheReadTokens: 800, reasoningTokens: 7 } },
];

/** A fetch that answers every call with the given SSE text, as the proxy would. */
function sdkClient(sse: string): Anthropic {
  const fetchStub = async (): Promise<Response> =>
    new Response(sse, { status: 200, headers: { 'content-type': 'text/event-stream' } });
  return new Anthropic({ apiKey: 'test', baseURL: 'http://127.0.0.1:9', fetch: fetchStub as unknown as typeof fetch, maxRetries: 0 });
}

const streamParams = { model: 'claude-proxy', max_tokens: 1024, messages: [{ role: 'user' as const, content: 'hi' }] };

describe('anthropic stream encoder: exact SSE', () => {
  test('thinking and text deltas, with characters JSON must escape, byte for byte', () => {
    const sse = encodeAll([
      { type: 'start', id: 'msg_1', model: 'upstream-model', usage: { inputTokens: 10 } },
      { type: 'thinking', text: 'Say "hi"\n\\ in 中文' },
      { type: 'text', text: '你好 "x"\t\u2028' },
    ]);
    const frames = sse.split('\n\n').filter((f) => f.startsWith('event: content_block_delta'));
    expect(frames).toEqual([
      'event: content_block_delta\ndata: ' + JSON.stringify({ type: 'content_block_delta', index: 0, delta: { type: 'thinking_delta', thinking: 'Say "hi"\n\\ in 中文' } }),
      // Thinking no provider signed ends with aiproxy's mark, so a history coming back can tell it (signature.ts).
      'event: content_block_delta\ndata: ' + JSON.stringify({ type: 'content_block_delta', index: 0, delta: { type: 'signature_delta', signature: 'aiproxy:unsigned' } }),
      'event: content_block_delta\ndata: ' + JSON.stringify({ type: 'content_block_delta', index: 1, delta: { type: 'text_delta', text: '你好 "x"\t\u2028' } }),
    ]);
  });

  test('text-only stream, byte for byte', () => {
    const sse = encodeAll([
      { type: 'start', id: 'msg_1', model: 'upstream-model', usage: { inputTokens: 10 } },
      { type: 'text', text: 'Hi' },
      { type: 'finish', reason: 'stop', usage: { inputTokens: 10, outputTokens: 2 } },
    ]);
    expect(sse).toBe(
      'event: message_start\ndata: {"type":"message_start","message":{"id":"msg_1","type":"message","role":"assistant","model":"claude-proxy","content":[],"stop_reason":null,"stop_sequence":null,"usage":{"input_tokens":10,"cache_creation_input_tokens":0,"cache_read_input_tokens":0,"output_tokens":0}}}\n\n' +
        'event: content_block_start\ndata: {"type":"content_block_start","index":0,"content_block":{"type":"text","text":""}}\n\n' +
        'event: content_block_delta\ndata: {"type":"content_block_delta","index":0,"delta":{"type":"text_delta","text":"Hi"}}\n\n' +
        'event: content_block_stop\ndata: {"type":"content_block_stop","index":0}\n\n' +
        'event: message_delta\ndata: {"type":"message_delta","delta":{"stop_reason":"end_turn","stop_sequence":null},"usage":{"output_tokens":2,"input_tokens":10,"cache_read_input_tokens":0,"cache_creation_input_tokens":0}}\n\n' +
        'event: message_stop\ndata: {"type":"message_stop"}\n\n',
    );
  });

  test('block structure: indexes, thinking start shape, signature closes thinking, one block open at a time', () => {
    const frames = parseSSE(encodeAll(crossProtocolEvents)).map((m) => ({ event: m.event, data: JSON.parse(m.data) }));
    for (const f of frames) expect(f.data.type).toBe(f.event);
    expect(frames.map((f) => (f.event === 'content_block_delta' ? `delta${f.data.index}:${f.data.delta.type}` : `${f.event}${f.data.index ?? ''}`))).toEqual([
      'message_start',
      'content_block_start0',
      'delta0:thinking_delta',
      'delta0:thinking_delta',
      'delta0:signature_delta',
      'content_block_stop0',
      'content_block_start1',
      'delta1:text_delta',
      'delta1:text_delta',
      'content_block_stop1',
      'content_block_start2',
      'delta2:input_json_delta',
      'delta2:input_json_delta',
      'content_block_stop2',
      'content_block_start3',
      'delta3:input_json_delta',
      'content_block_stop3',
      'message_delta',
      'message_stop',
    ]);
    expect(frames[0]!.data.message.id).toBe('msg_chatcmpl-123');
    expect(frames[0]!.data.message.usage).toEqual({ input_tokens: 200, cache_creation_input_tokens: 0, cache_read_input_tokens: 800, output_tokens: 0 });
    expect(frames[1]!.data.content_block).toEqual({ type: 'thinking', thinking: '', signature: '' });
    expect(frames[4]!.data.delta).toEqual({ type: 'signature_delta', signature: 'gemini:CiQBVKhc' });
    expect(frames[10]!.data.content_block).toEqual({ type: 'tool_use', id: 'call_abc', name: 'get_weather', input: {} });
    expect(frames.at(-2)!.data).toEqual({
      type: 'message_delta',
      delta: { stop_reason: 'tool_use', stop_sequence: null },
      usage: { output_tokens: 42, input_tokens: 200, cache_read_input_tokens: 800, cache_creation_input_tokens: 0, output_tokens_details: { thinking_tokens: 7 } },
    });
  });

  test('an error mid-stream is the in-band error event and nothing follows', () => {
    const enc = anthropicCodec.createStreamEncoder({ model: 'm' });
    enc.encode({ type: 'start', id: 'msg_1', model: 'm' });
    enc.encode({ type: 'text', text: 'Hel' });
    expect(enc.encode({ type: 'error', error: { status: 529, kind: 'overloaded', message: 'Overloaded' } })).toBe(
      'event: error\ndata: {"type":"error","error":{"type":"overloaded_error","message":"Overloaded"}}\n\n',
    );
    expect(enc.encode({ type: 'text', text: 'lo' })).toBe('');
    expect(enc.encode({ type: 'finish', reason: 'stop', usage: { inputTokens: 0, outputTokens: 0 } })).toBe('');
    expect(enc.end()).toBe('');
  });

  test('keepalive is the ping the API itself sends', () => {
    const ka = anthropicCodec.createStreamEncoder({ model: 'm' }).keepalive();
    expect(ka).toBe('event: ping\ndata: {"type": "ping"}\n\n');
    expect(parseSSE(ka)).toEqual([{ event: 'ping', data: '{"type": "ping"}' }]);
  });

  test('redacted thinking is a complete block', () => {
    const frames = parseSSE(
      encodeAll([
        { type: 'start', id: 'msg_r', model: 'm' },
        { type: 'text', text: 'a' },
        { type: 'redacted_thinking', data: 'opaque' },
        { type: 'finish', reason: 'stop', usage: { inputTokens: 1, outputTokens: 1 } },
      ]),
    ).map((m) => JSON.parse(m.data));
    expect(frames.slice(3, 6)).toEqual([
      { type: 'content_block_stop', index: 0 },
      { type: 'content_block_start', index: 1, content_block: { type: 'redacted_thinking', data: 'opaque' } },
      { type: 'content_block_stop', index: 1 },
    ]);
  });
});

describe('anthropic stream encoder: parsed by the official SDK', () => {
  test('cross-protocol events reconstruct the same message', async () => {
    const message = await sdkClient(encodeAll(crossProtocolEvents)).messages.stream(streamParams).finalMessage();
    expect(message.id).toBe('msg_chatcmpl-123');
    expect(message.model).toBe('claude-proxy');
    // Compared as plain data: the SDK types newer required fields (`caller`, `citations`) the wire may omit.
    expect(message.content as unknown).toEqual([
      { type: 'thinking', thinking: 'Let me think… 你好🙂', signature: 'gemini:CiQBVKhc' },
      { type: 'text', text: 'Hello, world' },
      { type: 'tool_use', id: 'call_abc', name: 'get_weather', input: { city: 'Paris' } },
      { type: 'tool_use', id: 'call_def', name: 'get_time', input: {} },
    ]);
    expect(message.stop_reason).toBe('tool_use');
    expect(message.usage).toMatchObject({ input_tokens: 200, output_tokens: 42, cache_read_input_tokens: 800, cache_creation_input_tokens: 0 });
  });

  test('an in-band error surfaces as the SDK error type', async () => {
    const sse = encodeAll([
      { type: 'start', id: 'msg_e', model: 'm' },
      { type: 'text', text: 'partial' },
      { type: 'error', error: { status: 429, kind: 'rate_limit', message: 'Slow down' } },
    ]);
    const err = await sdkClient(sse).messages.stream(streamParams).finalMessage().then(
      () => undefined,
      (e: unknown) => e,
    );
    expect(err).toBeInstanceOf(Anthropic.APIError);
    expect((err as InstanceType<typeof Anthropic.APIError>).message).toContain('Slow down');
    expect((err as { error?: { error?: { type?: string } } }).error?.error?.type).toBe('rate_limit_error');
  });

  test('upstream Anthropic → proxy decoder → encoder → SDK equals the SDK reading upstream directly', async () => {
    for (const fixture of [TOOL_USE_STREAM, THINKING_STREAM]) {
      const direct = await sdkClient(fixture).messages.stream(streamParams).finalMessage();
      for (const seed of [1, 17, 42]) {
        const events = decodeChunks(anthropicCodec.createStreamDecoder(), rechunk(fixture, seed));
        const viaProxy = await sdkClient(encodeAll(events, direct.model)).messages.stream(streamParams).finalMessage();
        expect(viaProxy.content).toEqual(direct.content);
        expect(viaProxy.id).toBe(direct.id);
        expect(viaProxy.stop_reason).toBe(direct.stop_reason);
        expect(viaProxy.usage.output_tokens).toBe(direct.usage.output_tokens);
        expect(viaProxy.usage.input_tokens).toBe(direct.usage.input_tokens);
        expect(viaProxy.usage.cache_read_input_tokens).toBe(direct.usage.cache_read_input_tokens ?? 0);
      }
    }
  });
});

describe('anthropic stream round trip', () => {
  test('decode(encode(events)) gives the same content events', () => {
    const decoded = decodeChunks(anthropicCodec.createStreamDecoder(), rechunk(encodeAll(crossProtocolEvents), 5));
    const content = (evs: StreamEvent[]) => evs.filter((e) => e.type !== 'start' && e.type !== 'finish' && e.type !== 'usage' && e.type !== 'tool_call_end');
    expect(content(decoded)).toEqual(content(crossProtocolEvents));
    expect(decoded.at(-1)).toEqual({ type: 'finish', reason: 'tool_calls', usage: { inputTokens: 1000, outputTokens: 42, cacheReadTokens: 800, cacheWriteTokens: 0, reasoningTokens: 7 } });
  });
});
