import { describe, expect, test } from 'bun:test';
import { anthropicCodec } from '../../../src/protocols/anthropic/index.ts';
import { ProxyError } from '../../../src/core/errors.ts';
import type { CanonicalResponse } from '../../../src/core/index.ts';

/** Shaped like protocols.md §2.3. */
const upstream = {
  id: 'msg_01XFDUDYJgAACzvnptvVoYEL',
  type: 'message',
  role: 'assistant',
  model: 'claude-sonnet-4-5-20250929',
  content: [
    { type: 'thinking', thinking: 'Need the weather.', signature: 'EqQBCgIYAhIM' },
    { type: 'redacted_thinking', data: 'EmwKAhgBEgy3va' },
    { type: 'text', text: "I'll check.", citations: null },
    { type: 'server_tool_use', id: 'srvtoolu_1', name: 'web_search', input: { query: 'x' } },
    { type: 'web_search_tool_result', tool_use_id: 'srvtoolu_1', content: [] },
    { type: 'tool_use', id: 'toolu_01A', name: 'get_weather', input: { city: 'Paris' } },
  ],
  stop_reason: 'tool_use',
  stop_sequence: null,
  usage: {
    input_tokens: 50,
    output_tokens: 80,
    cache_creation_input_tokens: 10,
    cache_read_input_tokens: 1200,
    cache_creation: { ephemeral_5m_input_tokens: 10, ephemeral_1h_input_tokens: 0 },
    output_tokens_details: { thinking_tokens: 30 },
    service_tier: 'standard',
  },
};

describe('anthropic decodeResponse', () => {
  const res = anthropicCodec.decodeResponse(upstream);

  test('content in order, server-tool blocks skipped', () => {
    expect(res.content).toEqual([
      { type: 'thinking', text: 'Need the weather.', signature: { family: 'anthropic', value: 'EqQBCgIYAhIM' } },
      { type: 'thinking', text: '', redacted: 'EmwKAhgBEgy3va' },
      { type: 'text', text: "I'll check." },
      { type: 'tool_call', id: 'toolu_01A', name: 'get_weather', args: { city: 'Paris' } },
    ]);
    expect(res.id).toBe('msg_01XFDUDYJgAACzvnptvVoYEL');
    expect(res.model).toBe('claude-sonnet-4-5-20250929');
  });

  test('usage becomes inclusive', () => {
    expect(res.usage).toEqual({ inputTokens: 1260, outputTokens: 80, cacheReadTokens: 1200, cacheWriteTokens: 10, reasoningTokens: 30 });
  });

  test('finish reasons', () => {
    expect(res.finishReason).toBe('tool_calls');
    const cases: Array<[string, string]> = [
      ['end_turn', 'stop'],
      ['stop_sequence', 'stop_sequence'],
      ['max_tokens', 'length'],
      ['model_context_window_exceeded', 'length'],
      ['pause_turn', 'pause'],
      ['refusal', 'content_filter'],
      ['something_new', 'other'],
    ];
    for (const [raw, want] of cases) {
      const r = anthropicCodec.decodeResponse({ ...upstream, content: [{ type: 'text', text: 'x' }], stop_reason: raw, stop_sequence: raw === 'stop_sequence' ? '###' : null });
      expect(r.finishReason).toBe(want as CanonicalResponse['finishReason']);
      if (raw === 'stop_sequence') expect(r.stopSequence).toBe('###');
    }
  });

  test('tool calls win over the raw stop reason, except the token limit', () => {
    expect(anthropicCodec.decodeResponse({ ...upstream, stop_reason: 'end_turn' }).finishReason).toBe('tool_calls');
    expect(anthropicCodec.decodeResponse({ ...upstream, stop_reason: 'max_tokens' }).finishReason).toBe('length');
  });

  test('malformed bodies and error bodies become ProxyErrors', () => {
    expect(() => anthropicCodec.decodeResponse('nope')).toThrow(ProxyError);
    expect(() => anthropicCodec.decodeResponse({ id: 'x' })).toThrow('invalid upstream anthropic response: response has no content array');
    try {
      anthropicCodec.decodeResponse({ type: 'error', error: { type: 'overloaded_error', message: 'Overloaded' } });
      throw new Error('unreachable');
    } catch (e) {
      expect(e).toBeInstanceOf(ProxyError);
      expect((e as ProxyError).info).toEqual({ status: 529, kind: 'overloaded', message: 'Overloaded' });
    }
  });
});

describe('anthropic encodeResponse', () => {
  const res: CanonicalResponse = {
    id: 'chatcmpl-abc',
    model: 'gpt-4o',
    content: [
      { type: 'thinking', text: 'Gemini thought', signature: { family: 'gemini', value: 'CiQBVKhc' } },
      { type: 'thinking', text: 'no signature' },
      { type: 'text', text: 'Let me check.' },
      { type: 'tool_call', id: 'call_1', name: 'get_weather', args: { city: 'Paris' }, signature: { family: 'gemini', value: 'x' } },
    ],
    finishReason: 'stop',
    usage: { inputTokens: 1000, outputTokens: 50, cacheReadTokens: 600, cacheWriteTokens: 100, reasoningTokens: 10 },
  };

  test('shape of §2.3, gemini signatures exposed with a prefix, exclusive input tokens', () => {
    expect(anthropicCodec.encodeResponse(res)).toEqual({
      id: 'msg_chatcmpl-abc',
      type: 'message',
      role: 'assistant',
      model: 'gpt-4o',
      content: [
        { type: 'thinking', thinking: 'Gemini thought', signature: 'gemini:CiQBVKhc' },
        { type: 'thinking', thinking: 'no signature', signature: 'aiproxy:unsigned' },
        { type: 'text', text: 'Let me check.' },
        { type: 'tool_use', id: 'call_1', name: 'get_weather', input: { city: 'Paris' } },
      ],
      stop_reason: 'tool_use',
      stop_sequence: null,
      usage: {
        input_tokens: 300,
        output_tokens: 50,
        cache_creation_input_tokens: 100,
        cache_read_input_tokens: 600,
        output_tokens_details: { thinking_tokens: 10 },
      },
    });
  });

  test('stop reasons without tool calls', () => {
    const text = { ...res, content: [{ type: 'text' as const, text: 'x' }] };
    const stop = (r: Partial<CanonicalResponse>) => (anthropicCodec.encodeResponse({ ...text, ...r }) as { stop_reason: string; stop_sequence: string | null });
    expect(stop({ finishReason: 'stop' }).stop_reason).toBe('end_turn');
    expect(stop({ finishReason: 'length' }).stop_reason).toBe('max_tokens');
    expect(stop({ finishReason: 'content_filter' }).stop_reason).toBe('refusal');
    expect(stop({ finishReason: 'pause' }).stop_reason).toBe('pause_turn');
    expect(stop({ finishReason: 'other' }).stop_reason).toBe('end_turn');
    expect(stop({ finishReason: 'tool_calls' }).stop_reason).toBe('end_turn');
    expect(stop({ finishReason: 'stop_sequence', stopSequence: '###' })).toMatchObject({ stop_reason: 'stop_sequence', stop_sequence: '###' });
  });

  test('an msg_ id is kept as is', () => {
    expect((anthropicCodec.encodeResponse({ ...res, id: 'msg_01' }) as { id: string }).id).toBe('msg_01');
  });

  test('round trip: decode(encode(x)) equals x', () => {
    const original = anthropicCodec.decodeResponse(upstream);
    const again = anthropicCodec.decodeResponse(anthropicCodec.encodeResponse(original));
    expect(again).toEqual(original);
    // A gemini signature survives the trip through an Anthropic client.
    const viaClient = anthropicCodec.decodeResponse(anthropicCodec.encodeResponse(res));
    expect(viaClient.content[0]).toEqual({ type: 'thinking', text: 'Gemini thought', signature: { family: 'gemini', value: 'CiQBVKhc' } });
    expect(viaClient.usage).toEqual(res.usage);
  });
});
