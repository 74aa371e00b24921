import { describe, expect, test } from 'bun:test';
import type { StreamEvent } from '../../../src/core/index.ts';
import { parseSignature as anthropicSignature, formatSignature as anthropicFormat } from '../../../src/protocols/anthropic/signature.ts';
import { parseSignature as geminiSignature, formatSignature as geminiFormat } from '../../../src/protocols/gemini/signature.ts';
import { responsesCodec } from '../../../src/protocols/responses/index.ts';
import { decodeAll } from './stream-helpers.ts';


const created = { type: 'response.created', response: { id: 'resp_abc', object: 'response', created_at: 1_760_000_000, status: 'in_progress', model: 'gpt-5.1', output: [] } };
const completed = (output: unknown[], usage: Record<string, unknown>, status = 'completed', extra: Record<string, unknown> = {}) => ({
  type: `response.${status}`,
  response: { id: 'resp_abc', object: 'response', status, model: 'gpt-5.1', output, usage, ...extra },
});
const usage = { input_tokens: 40, input_tokens_details: { cached_tokens: 8 }, output_tokens: 30, output_tokens_details: { reasoning_tokens: 12 }, total_tokens: 70 };

describe('responses stream decoder reading an OpenAI upstream', () => {
  test('reasoning summary parts, then encrypted reasoning as the signature that closes them; text; a function call', () => {
    const reasoning = { id: 'rs_1', type: 'reasoning', summary: [{ type: 'summary_text', text: 'A' }, { type: 'summary_text', text: 'B' }], encrypted_content: 'gAAAAenc' };
    const call = { id: 'fc_1', type: 'function_call', status: 'completed', call_id: 'call_9', name: 'lookup', arguments: '{"q":"x"}' };
    const events = decodeAll([
      created,
      { type: 'response.in_progress', response: created.response },
      { type: 'response.output_item.added', output_index: 0, item: { id: 'rs_1', type: 'reasoning', summary: [] } },
      { type: 'response.reasoning_summary_part.added', item_id: 'rs_1', output_index: 0, summary_index: 0, part: { type: 'summary_text', text: '' } },
      { type: 'response.reasoning_summary_text.delta', item_id: 'rs_1', output_index: 0, summary_index: 0, delta: 'A' },
      { type: 'response.reasoning_summary_text.done', item_id: 'rs_1', output_index: 0, summary_index: 0, text: 'A' },
      { type: 'response.reasoning_summary_part.added', item_id: 'rs_1', output_index: 0, summary_index: 1, part: { type: 'summary_text', text: '' } },
      { type: 'response.reasoning_summary_text.delta', item_id: 'rs_1', output_index: 0, summary_index: 1, delta: 'B' },
      { type: 'response.output_item.done', output_index: 0, item: reasoning },
      { type: 'response.output_item.added', output_index: 1, item: { id: 'msg_1', type: 'message', status: 'in_progress', role: 'assistant', content: [] } },
      { type: 'response.content_part.added', item_id: 'msg_1', output_index: 1, content_index: 0, part: { type: 'output_text', text: '' } },
      { type: 'response.output_text.delta', item_id: 'msg_1', output_index: 1, content_index: 0, delta: 'Hel', logprobs: [] },
      { type: 'response.output_text.delta', item_id: 'msg_1', output_index: 1, content_index: 0, delta: 'lo', logprobs: [] },
      { type: 'response.output_text.done', item_id: 'msg_1', output_index: 1, content_index: 0, text: 'Hello' },
      { type: 'response.output_item.done', output_index: 1, item: { id: 'msg_1', type: 'message', status: 'completed', role: 'assistant', content: [{ type: 'output_text', text: 'Hello' }] } },
      { type: 'response.output_item.added', output_index: 2, item: { ...call, status: 'in_progress', arguments: '' } },
      { type: 'response.function_call_arguments.delta', item_id: 'fc_1', output_index: 2, delta: '{"q":' },
      { type: 'response.function_call_arguments.delta', item_id: 'fc_1', output_index: 2, delta: '"x"}' },
      { type: 'response.function_call_arguments.done', item_id: 'fc_1', output_index: 2, arguments: '{"q":"x"}' },
      { type: 'response.output_item.done', output_index: 2, item: call },
      completed([reasoning, call], usage),
    ]);
    expect(events).toEqual([
      { type: 'start', id: 'resp_abc', model: 'gpt-5.1', created: 1_760_000_000 },
      { type: 'thinking', text: 'A' },
      { type: 'thinking', text: '\n\n' },
      { type: 'thinking', text: 'B' },
      { type: 'thinking_signature', signature: { family: 'openai', value: 'rs_1 gAAAAenc' } },
      { type: 'text', text: 'Hel' },
      { type: 'text', text: 'lo' },
      { type: 'tool_call_start', index: 0, id: 'call_9', name: 'lookup' },
      { type: 'tool_call_delta', index: 0, args: '{"q":' },
      { type: 'tool_call_delta', index: 0, args: '"x"}' },
      { type: 'tool_call_end', index: 0 },
      { type: 'finish', reason: 'tool_calls', usage: { inputTokens: 40, outputTokens: 30, cacheReadTokens: 8, reasoningTokens: 12 } },
    ]);
  });

  test('the non-streaming answer reads the same: reasoning with its signature, text, the call', () => {
    const res = responsesCodec.decodeResponse(
      completed(
        [
          { id: 'rs_1', type: 'reasoning', summary: [{ type: 'summary_text', text: 'A' }, { type: 'summary_text', text: 'B' }], encrypted_content: 'gAAAAenc' },
          { id: 'msg_1', type: 'message', role: 'assistant', content: [{ type: 'output_text', text: 'Hello', annotations: [] }] },
          { id: 'fc_1', type: 'function_call', call_id: 'call_9', name: 'lookup', arguments: '{"q":"x"}' },
        ],
        usage,
      ).response,
    );
    expect(res.content).toEqual([
      { type: 'thinking', text: 'A\n\nB', signature: { family: 'openai', value: 'rs_1 gAAAAenc' } },
      { type: 'text', text: 'Hello' },
      { type: 'tool_call', id: 'call_9', name: 'lookup', args: { q: 'x' } },
    ]);
    expect(res.finishReason).toBe('tool_calls');
  });

  test('arguments a compatible server sends as an object, not JSON text, are the call’s arguments, whole or streamed (ggml-org/llama.cpp#20198)', () => {
    const call = { id: 'fc_1', type: 'function_call', call_id: 'call_9', name: 'lookup', arguments: { q: 'x' } };
    expect(responsesCodec.decodeResponse(completed([call], usage).response).content).toEqual([{ type: 'tool_call', id: 'call_9', name: 'lookup', args: { q: 'x' } }]);
    const events = decodeAll([
      created,
      { type: 'response.output_item.added', output_index: 0, item: { ...call, arguments: '' } },
      { type: 'response.output_item.done', output_index: 0, item: call },
      completed([call], usage),
    ]);
    expect(events.filter((e) => e.type === 'tool_call_delta')).toEqual([{ type: 'tool_call_delta', index: 0, args: '{"q":"x"}' }]);
  });

  test("an open-weight model's raw reasoning_text content is its thinking when there is no summary", () => {
    const res = responsesCodec.decodeResponse(
      completed([{ id: 'rs_1', type: 'reasoning', summary: [], content: [{ type: 'reasoning_text', text: 'raw chain' }] }, { id: 'msg_1', type: 'message', role: 'assistant', content: [{ type: 'output_text', text: 'ok' }] }], usage).response,
    );
    expect(res.content).toEqual([{ type: 'thinking', text: 'raw chain' }, { type: 'text', text: 'ok' }]);
  });

  test('an incomplete response is a length finish', () => {
    const events = decodeAll([created, { type: 'response.output_text.delta', item_id: 'm', delta: 'cut' }, completed([], usage, 'incomplete', { incomplete_details: { reason: 'max_output_tokens' } })]);
    expect(events.at(-1)).toMatchObject({ type: 'finish', reason: 'length' });
  });

  test("in-band failures keep their kind: a rate limit is a 429, a context overflow a 400, anything else the upstream's 502", () => {
    const failed = (code: string) => decodeAll([created, { type: 'response.failed', response: { id: 'resp_abc', status: 'failed', output: [], error: { code, message: `m-${code}` } } }]).at(-1);
    expect(failed('rate_limit_exceeded')).toMatchObject({ type: 'error', error: { status: 429, kind: 'rate_limit', message: 'm-rate_limit_exceeded' } });
    expect(failed('context_length_exceeded')).toMatchObject({ type: 'error', error: { status: 400, kind: 'invalid_request' } });
    expect(failed('server_error')).toMatchObject({ type: 'error', error: { status: 502, kind: 'api_error', message: 'm-server_error' } });
    const errorEvent = decodeAll([created, { type: 'error', code: 'rate_limit_exceeded', message: 'slow down', param: null }]).at(-1);
    expect(errorEvent).toMatchObject({ type: 'error', error: { status: 429, message: 'slow down' } });
  });

  test('a stream cut before response.completed is an error, not a quiet end', () => {
    expect(decodeAll([created, { type: 'response.output_text.delta', item_id: 'm', delta: 'par' }]).at(-1)).toMatchObject({ type: 'error', error: { status: 502 } });
  });
});

describe('an OpenAI reasoning item survives the other protocols\' clients', () => {
  const sig = { family: 'openai' as const, value: 'rs_1 gAAAA-_=enc' };
  test('Anthropic clients see it prefixed, and it reads back whole; their own signatures are untouched', () => {
    expect(anthropicFormat(sig)).toBe('openai:rs_1 gAAAA-_=enc');
    expect(anthropicSignature(anthropicFormat(sig))).toEqual(sig);
    expect(anthropicSignature('EqQBCkYIBxgCKkBv')).toEqual({ family: 'anthropic', value: 'EqQBCkYIBxgCKkBv' });
    expect(anthropicSignature('gemini:abc')).toEqual({ family: 'gemini', value: 'abc' });
  });

  test('Gemini clients get it wrapped as valid base64 bytes, and it reads back whole', () => {
    const wrapped = geminiFormat(sig);
    expect(wrapped).toMatch(/^[A-Za-z0-9+/]+=*$/);
    expect(geminiSignature(wrapped)).toEqual(sig);
    const anthropic = { family: 'anthropic' as const, value: 'EqQB' };
    expect(geminiSignature(geminiFormat(anthropic))).toEqual(anthropic);
    expect(geminiSignature('CiQBVKhc')).toEqual({ family: 'gemini', value: 'CiQBVKhc' });
  });
});
