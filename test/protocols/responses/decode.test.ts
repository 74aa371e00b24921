/**
 * The Responses decoders read aiproxy's own answers back (the prompt log collects the answer text with
 * them): what the encoders wrote must decode to the same content, finish reason and usage.
 */
import { describe, expect, test } from 'bun:test';
import type { CanonicalResponse, StreamEvent } from '../../../src/core/index.ts';
import { responsesCodec } from '../../../src/protocols/responses/index.ts';
import { ProxyError } from '../../../src/core/errors.ts';
import { parseSSE } from '../../../src/util/sse.ts';
import { encodeAll } from './stream-helpers.ts';

const usage = { inputTokens: 12, outputTokens: 30, cacheReadTokens: 4, reasoningTokens: 7 };
const codexTools = { tools: [{ type: 'custom', name: 'apply_patch' }, { type: 'function', name: 'shell', parameters: { type: 'object' } }] };

function decodeStream(sse: string): StreamEvent[] {
  const dec = responsesCodec.createStreamDecoder();
  const out: StreamEvent[] = [];
  for (const m of parseSSE(sse)) out.push(...dec.message(m));
  return [...out, ...dec.end()];
}

describe('responses decodeResponse', () => {
  test('reads back thinking with its signature, text, function and custom tool calls, status and usage', () => {
    const res: CanonicalResponse = {
      id: 'resp_abc',
      model: 'claude-sonnet-4-5',
      content: [
        { type: 'thinking', text: 'let me see', signature: { family: 'anthropic', value: 'sig-1' } },
        { type: 'text', text: 'Patching now.' },
        { type: 'tool_call', id: 'toolu_1', name: 'apply_patch', args: { input: '*** Begin Patch\n*** End Patch' } },
        { type: 'tool_call', id: 'toolu_2', name: 'shell', args: { command: ['ls'] } },
      ],
      finishReason: 'tool_calls',
      usage,
      created: 1_700_000_000,
    };
    const back = responsesCodec.decodeResponse(JSON.parse(JSON.stringify(responsesCodec.encodeResponse(res, codexTools))));
    expect(back).toEqual(res);
  });

  test('an incomplete response is a length or content-filter finish', () => {
    const base: CanonicalResponse = { id: 'resp_1', model: 'm', content: [{ type: 'text', text: 'cut' }], finishReason: 'length', usage: { inputTokens: 1, outputTokens: 2 } };
    expect(responsesCodec.decodeResponse(responsesCodec.encodeResponse(base)).finishReason).toBe('length');
    expect(responsesCodec.decodeResponse(responsesCodec.encodeResponse({ ...base, finishReason: 'content_filter' })).finishReason).toBe('content_filter');
  });

  test('a body without an output list is a 502, not a crash; an error body or a failed response is that error', () => {
    expect(() => responsesCodec.decodeResponse({ id: 'resp_1' })).toThrow('no output list');
    expect(() => responsesCodec.decodeResponse({ error: { message: 'x', code: 'rate_limit_exceeded' } })).toThrow('x');
    try {
      responsesCodec.decodeResponse({ status: 'failed', output: [], error: { code: 'context_length_exceeded', message: 'too long' } });
      throw new Error('not thrown');
    } catch (e) {
      expect(e).toBeInstanceOf(ProxyError);
      expect((e as ProxyError).info).toMatchObject({ status: 400, kind: 'invalid_request', message: 'too long', code: 'context_length_exceeded' });
    }
  });
});

describe('responses stream decoder', () => {
  test('text, thinking and both kinds of tool call come back as the events that made them', () => {
    const events: StreamEvent[] = [
      { type: 'start', id: 'resp_s', model: 'm', created: 1_700_000_000 },
      { type: 'thinking', text: 'hmm ' },
      { type: 'thinking', text: 'ok' },
      { type: 'text', text: 'Hel' },
      { type: 'text', text: 'lo' },
      { type: 'tool_call_start', index: 0, id: 'call_1', name: 'shell' },
      { type: 'tool_call_delta', index: 0, args: '{"command":' },
      { type: 'tool_call_delta', index: 0, args: '["ls"]}' },
      { type: 'tool_call_end', index: 0 },
      { type: 'tool_call_start', index: 1, id: 'call_2', name: 'apply_patch' },
      { type: 'tool_call_delta', index: 1, args: '{"input":"*** Begin Patch\\n*** End Patch"}' },
      { type: 'tool_call_end', index: 1 },
      { type: 'finish', reason: 'tool_calls', usage },
    ];
    const back = decodeStream(encodeAll(events, { request: codexTools }));
    expect(back.map((e) => e.type)).toEqual(events.map((e) => e.type));
    expect(back.filter((e) => e.type === 'text').map((e) => (e as { text: string }).text).join('')).toBe('Hello');
    expect(back.filter((e) => e.type === 'thinking').map((e) => (e as { text: string }).text).join('')).toBe('hmm ok');
    const args = (i: number): unknown =>
      JSON.parse(back.filter((e): e is Extract<StreamEvent, { type: 'tool_call_delta' }> => e.type === 'tool_call_delta' && e.index === i).map((e) => e.args).join(''));
    expect(args(0)).toEqual({ command: ['ls'] });
    expect(args(1)).toEqual({ input: '*** Begin Patch\n*** End Patch' });
    expect(back.find((e) => e.type === 'tool_call_start' && e.index === 1)).toMatchObject({ id: 'call_2', name: 'apply_patch' });
    expect(back.at(-1)).toEqual({ type: 'finish', reason: 'tool_calls', usage });
  });

  test('a failed response and a stream cut before its end are errors', () => {
    const failed = decodeStream(encodeAll([{ type: 'start', id: 'r', model: 'm' }, { type: 'text', text: 'a' }, { type: 'error', error: { status: 503, kind: 'overloaded', message: 'busy upstream' } }]));
    expect(failed.at(-1)).toMatchObject({ type: 'error', error: { message: expect.stringContaining('busy upstream') } });
    expect(failed.filter((e) => e.type === 'error')).toHaveLength(1);
    const cut = decodeStream(encodeAll([{ type: 'start', id: 'r', model: 'm' }, { type: 'text', text: 'a' }]));
    expect(cut.at(-1)).toMatchObject({ type: 'error', error: { message: expect.stringContaining('before response.completed') } });
  });
});
