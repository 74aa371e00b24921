import { describe, expect, test } from 'bun:test';
import { anthropicCodec } from '../../../src/protocols/anthropic/index.ts';
import { geminiCodec } from '../../../src/protocols/gemini/index.ts';
import { openaiCodec } from '../../../src/protocols/openai/index.ts';
import type { StreamEvent } from '../../../src/core/index.ts';

/**
 * A turn the token limit cut while a tool call was being written: every client must hear "token limit",
 * never "tool call", or it runs a call whose arguments were cut off (Gemini CLI: write_file with {}).
 */

const ev = (o: Record<string, unknown>) => ({ event: String(o.type), data: JSON.stringify(o) });

/** Anthropic upstream cut off by max_tokens while it was writing a tool call's input. */
const TRUNCATED_TOOL_CALL = [
  ev({ type: 'message_start', message: { id: 'msg_1', type: 'message', role: 'assistant', model: 'claude', content: [], stop_reason: null, stop_sequence: null, usage: { input_tokens: 10, output_tokens: 1 } } }),
  ev({ type: 'content_block_start', index: 0, content_block: { type: 'tool_use', id: 'toolu_1', name: 'write_file', input: {} } }),
  ev({ type: 'content_block_delta', index: 0, delta: { type: 'input_json_delta', partial_json: '{"path":"a.txt","content":"line 1\\nline' } }),
  ev({ type: 'content_block_stop', index: 0 }),
  ev({ type: 'message_delta', delta: { stop_reason: 'max_tokens', stop_sequence: null }, usage: { output_tokens: 8192 } }),
  ev({ type: 'message_stop' }),
];

describe('a tool call cut off by the token limit is reported as the limit (src/core/finish-reason.ts)', () => {
  test('Anthropic upstream max_tokens inside a tool call → a Gemini client sees MAX_TOKENS, not STOP', () => {
    const dec = anthropicCodec.createStreamDecoder();
    const events: StreamEvent[] = [...TRUNCATED_TOOL_CALL.flatMap((m) => dec.message(m)), ...dec.end()];
    const enc = geminiCodec.createStreamEncoder({ model: 'gemini-2.5-pro', format: 'sse' });
    const sse = events.map((e) => enc.encode(e)).join('') + enc.end();
    expect(sse).toContain('"finishReason":"MAX_TOKENS"');
  });

  test('OpenAI upstream finish_reason length inside a tool call → an Anthropic client sees max_tokens, not tool_use', () => {
    const chunk = (o: Record<string, unknown>) => ({ data: JSON.stringify({ id: 'c', object: 'chat.completion.chunk', model: 'gpt', ...o }) });
    const dec = openaiCodec.createStreamDecoder();
    const events: StreamEvent[] = [
      chunk({ choices: [{ index: 0, delta: { role: 'assistant', tool_calls: [{ index: 0, id: 'call_1', type: 'function', function: { name: 'write_file', arguments: '{"path":"a.txt","content":"li' } }] }, finish_reason: null }] }),
      chunk({ choices: [{ index: 0, delta: {}, finish_reason: 'length' }] }),
      { data: '[DONE]' },
    ].flatMap((m) => dec.message(m));
    const enc = anthropicCodec.createStreamEncoder({ model: 'claude' });
    const sse = events.map((e) => enc.encode(e)).join('');
    expect(sse).toContain('"stop_reason":"max_tokens"');
  });

  test('Gemini upstream MAX_TOKENS with a function call → an OpenAI client sees length; STOP still means tool_calls', () => {
    const run = (finishReason: string): string => {
      const dec = geminiCodec.createStreamDecoder();
      const msg = {
        data: JSON.stringify({
          candidates: [{ content: { role: 'model', parts: [{ functionCall: { name: 'write_file', args: { path: 'a.txt' } } }] }, finishReason, index: 0 }],
          usageMetadata: { promptTokenCount: 5, candidatesTokenCount: 7, totalTokenCount: 12 },
          modelVersion: 'gemini-2.5-pro',
        }),
      };
      const events: StreamEvent[] = [...dec.message(msg), ...dec.end()];
      const enc = openaiCodec.createStreamEncoder({ model: 'gemini-2.5-pro', includeUsage: false });
      return events.map((e) => enc.encode(e)).join('') + enc.end();
    };
    expect(run('MAX_TOKENS')).toContain('"finish_reason":"length"');
    expect(run('STOP')).toContain('"finish_reason":"tool_calls"');
  });

  test('non-streaming: Anthropic max_tokens with a tool_use block → an OpenAI client sees length', () => {
    const res = anthropicCodec.decodeResponse({
      id: 'msg_1',
      type: 'message',
      role: 'assistant',
      model: 'claude',
      content: [{ type: 'tool_use', id: 'toolu_1', name: 'write_file', input: {} }],
      stop_reason: 'max_tokens',
      stop_sequence: null,
      usage: { input_tokens: 10, output_tokens: 8192 },
    });
    expect(res.finishReason).toBe('length');
    const body = openaiCodec.encodeResponse(res) as { choices: Array<{ finish_reason: string }> };
    expect(body.choices[0]!.finish_reason).toBe('length');
  });
});
