import { describe, expect, test } from 'bun:test';
import type { OutputPart, StreamEvent } from '../../../src/core/index.ts';
import {
  createResponsesStreamEncoder,
  encodeResponsesResponse,
  responsesCodec,
} from '../../../src/protocols/responses/index.ts';
import { parseSSE } from '../../../src/util/sse.ts';

/**
 * Reasoning continuity through a Responses client (Codex: store=false, include reasoning.encrypted_content,
 * history replayed verbatim): what the proxy answered must decode back into the same canonical parts.
 */

const content: OutputPart[] = [
  { type: 'thinking', text: 'First, the weather.', signature: { family: 'anthropic', value: 'EqQBCkYIBxgCKkB+/sig==' } },
  { type: 'thinking', text: '', redacted: 'EmwKAhgBEgy3va3pzix/LafPsn4a' },
  { type: 'text', text: 'Checking both.' },
  { type: 'tool_call', id: 'call_1', name: 'get_weather', args: { city: 'Paris' }, signature: { family: 'gemini', value: 'CiQBVKhc7sig' } },
  { type: 'tool_call', id: 'call_2', name: 'get_weather', args: { city: 'Rome' } },
  { type: 'thinking', text: 'gemini thought', signature: { family: 'gemini', value: 'Ci8Bthought' } },
  { type: 'tool_call', id: 'call_3', name: 'apply_patch', args: { input: '*** Begin Patch\n*** End Patch' } },
];

/** The output items sent back as the client's next request, with the tool results. */
function replay(output: unknown[]) {
  return responsesCodec.decodeRequest({
    model: 'm',
    input: [
      { role: 'user', content: 'weather?' },
      ...output,
      { type: 'function_call_output', call_id: 'call_1', output: '18C' },
      { type: 'function_call_output', call_id: 'call_2', output: '21C' },
      { type: 'custom_tool_call_output', call_id: 'call_3', output: 'ok' },
    ],
  });
}

describe('responses: signatures survive a round trip through the client', () => {
  test('non-streaming answer → next request', () => {
    const res = encodeResponsesResponse(
      { id: 'r', model: 'm', content, finishReason: 'tool_calls', usage: { inputTokens: 1, outputTokens: 1 } },
      { tools: [{ type: 'custom', name: 'apply_patch' }] },
    );
    const req = replay(JSON.parse(JSON.stringify(res.output)));
    expect(req.messages[1]).toEqual({ role: 'assistant', content });
    expect(req.messages[2]!.content.map((p) => p.type === 'tool_result' && [p.callId, p.name])).toEqual([
      ['call_1', 'get_weather'],
      ['call_2', 'get_weather'],
      ['call_3', 'apply_patch'],
    ]);
  });

  test('streamed answer (output_item.done items) → next request', () => {
    const events: StreamEvent[] = [
      { type: 'start', id: 'r', model: 'm' },
      { type: 'thinking', text: 'First, ' },
      { type: 'thinking', text: 'the weather.' },
      { type: 'thinking_signature', signature: { family: 'anthropic', value: 'EqQBCkYIBxgCKkB+/sig==' } },
      { type: 'redacted_thinking', data: 'EmwKAhgBEgy3va3pzix/LafPsn4a' },
      { type: 'text', text: 'Checking both.' },
      { type: 'tool_call_start', index: 0, id: 'call_1', name: 'get_weather', signature: { family: 'gemini', value: 'CiQBVKhc7sig' } },
      { type: 'tool_call_delta', index: 0, args: '{"city":"Paris"}' },
      { type: 'tool_call_end', index: 0 },
      { type: 'tool_call_start', index: 1, id: 'call_2', name: 'get_weather' },
      { type: 'tool_call_delta', index: 1, args: '{"city":"Rome"}' },
      { type: 'tool_call_end', index: 1 },
      { type: 'thinking', text: 'gemini thought' },
      { type: 'thinking_signature', signature: { family: 'gemini', value: 'Ci8Bthought' } },
      { type: 'tool_call_start', index: 2, id: 'call_3', name: 'apply_patch' },
      { type: 'tool_call_delta', index: 2, args: '{"input":"*** Begin Patch\\n*** End Patch"}' },
      { type: 'tool_call_end', index: 2 },
      { type: 'finish', reason: 'tool_calls', usage: { inputTokens: 1, outputTokens: 1 } },
    ];
    const enc = createResponsesStreamEncoder({ model: 'm', request: { tools: [{ type: 'custom', name: 'apply_patch' }] } });
    const sse = events.map((e) => enc.encode(e)).join('');
    const done = parseSSE(sse)
      .map((m) => JSON.parse(m.data) as { type: string; item?: unknown })
      .filter((e) => e.type === 'response.output_item.done')
      .map((e) => e.item);
    expect(replay(done).messages[1]).toEqual({ role: 'assistant', content });
  });

  test('a tool signature attaches only to the call right after it', () => {
    const res = encodeResponsesResponse({
      id: 'r',
      model: 'm',
      content: [{ type: 'tool_call', id: 'call_1', name: 'f', args: {}, signature: { family: 'gemini', value: 'S' } }],
      finishReason: 'tool_calls',
      usage: { inputTokens: 1, outputTokens: 1 },
    });
    const [sigItem, call] = res.output;
    // Reordered by a client: the signature item ends up after the call, then a message, then a call.
    const req = responsesCodec.decodeRequest({
      model: 'm',
      input: [
        { role: 'user', content: 'x' },
        call,
        sigItem,
        { role: 'assistant', content: 'text' },
        { type: 'function_call', call_id: 'call_9', name: 'f', arguments: '{}' },
      ],
    });
    expect(req.messages[1]).toEqual({
      role: 'assistant',
      content: [
        { type: 'tool_call', id: 'call_1', name: 'f', args: {} },
        { type: 'text', text: 'text' },
        { type: 'tool_call', id: 'call_9', name: 'f', args: {} },
      ],
    });
  });
});
