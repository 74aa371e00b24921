import { describe, expect, test } from 'bun:test';
import type { CanonicalResponse, OutputPart, StreamEvent, Usage } from '../../../src/core/index.ts';
import { encodeResponsesResponse, responsesCodec } from '../../../src/protocols/responses/index.ts';
import { parseSSE } from '../../../src/util/sse.ts';
import { encodeAll, normalized, parseStream, types, type WireEvent } from './stream-helpers.ts';

const start: StreamEvent = { type: 'start', id: 'msg_01', model: 'upstream-model', created: 1755000000 };
const usage: Usage = { inputTokens: 50, outputTokens: 20, cacheReadTokens: 10, reasoningTokens: 5 };
const finish = (reason: 'stop' | 'tool_calls' | 'length' | 'content_filter' = 'stop'): StreamEvent => ({ type: 'finish', reason, usage });

/** The non-streaming encoding of the same content, for comparison with response.completed. */
function nonStreaming(content: OutputPart[], finishReason: CanonicalResponse['finishReason'], request?: Record<string, unknown>) {
  return encodeResponsesResponse({ id: 'msg_01', model: 'client-model', content, finishReason, usage, created: 1755000000 }, request);
}

const final = (events: WireEvent[]) => events.at(-1)!.response!;

describe('responses stream encoder: event sequences', () => {
  test('text only', () => {
    const events = parseStream(encodeAll([start, { type: 'text', text: 'Hel' }, { type: 'usage', usage: { inputTokens: 50 } }, { type: 'text', text: 'lo 你好🙂' }, finish()]));
    expect(types(events)).toEqual([
      'response.created',
      'response.in_progress',
      'response.output_item.added',
      'response.content_part.added',
      'response.output_text.delta',
      'response.output_text.delta',
      'response.output_text.done',
      'response.content_part.done',
      'response.output_item.done',
      'response.completed',
    ]);
    const created = events[0]!.response!;
    expect(created).toMatchObject({ id: 'resp_msg_01', status: 'in_progress', output: [], usage: null, model: 'client-model', created_at: 1755000000 });
    expect(events[1]!.response).toEqual(created);
    expect(events[2]!.item).toEqual({ id: expect.stringMatching(/^msg_/), type: 'message', status: 'in_progress', content: [], role: 'assistant' });
    expect(events[3]).toMatchObject({ content_index: 0, part: { type: 'output_text', text: '', annotations: [] } });
    expect(events[4]).toMatchObject({ content_index: 0, delta: 'Hel', logprobs: [] });
    expect(events[6]).toMatchObject({ content_index: 0, text: 'Hello 你好🙂', logprobs: [] });
    expect(events[7]).toMatchObject({ part: { type: 'output_text', text: 'Hello 你好🙂' } });
    const done = final(events);
    expect(done.status).toBe('completed');
    expect(done.id).toBe('resp_msg_01');
    expect(done.usage).toEqual({
      input_tokens: 50,
      input_tokens_details: { cached_tokens: 10, cache_write_tokens: 0 },
      output_tokens: 20,
      output_tokens_details: { reasoning_tokens: 5 },
      total_tokens: 70,
    });
    expect(done.output).toEqual([events[8]!.item!]);
    expect(normalized(done)).toEqual(normalized(nonStreaming([{ type: 'text', text: 'Hello 你好🙂' }], 'stop')));
  });

  test('thinking then text: a reasoning item with one summary part, then a message', () => {
    const events = parseStream(
      encodeAll([
        start,
        { type: 'thinking', text: 'Let me ' },
        { type: 'thinking', text: 'think.' },
        { type: 'thinking_signature', signature: { family: 'anthropic', value: 'EqQB' } },
        { type: 'text', text: 'Answer.' },
        finish(),
      ]),
    );
    expect(types(events).slice(2)).toEqual([
      'response.output_item.added',
      'response.reasoning_summary_part.added',
      'response.reasoning_summary_text.delta',
      'response.reasoning_summary_text.delta',
      'response.reasoning_summary_text.done',
      'response.reasoning_summary_part.done',
      'response.output_item.done',
      'response.output_item.added',
      'response.content_part.added',
      'response.output_text.delta',
      'response.output_text.done',
      'response.content_part.done',
      'response.output_item.done',
      'response.completed',
    ]);
    expect(events[2]!.item).toEqual({ id: expect.stringMatching(/^rs_/), type: 'reasoning', summary: [] });
    expect(events[3]).toMatchObject({ summary_index: 0, part: { type: 'summary_text', text: '' } });
    expect(events[4]).toMatchObject({ summary_index: 0, delta: 'Let me ' });
    expect(events[6]).toMatchObject({ summary_index: 0, text: 'Let me think.' });
    expect(events[8]!.item).toMatchObject({ summary: [{ type: 'summary_text', text: 'Let me think.' }], encrypted_content: expect.stringMatching(/^aiproxy:/) });
    expect(events[9]!.output_index).toBe(1);
    expect(normalized(final(events))).toEqual(
      normalized(
        nonStreaming(
          [
            { type: 'thinking', text: 'Let me think.', signature: { family: 'anthropic', value: 'EqQB' } },
            { type: 'text', text: 'Answer.' },
          ],
          'stop',
        ),
      ),
    );
  });

  test('two parallel tool calls, both left open until finish (as the OpenAI decoder does)', () => {
    const events = parseStream(
      encodeAll([
        start,
        { type: 'text', text: 'Checking.' },
        { type: 'tool_call_start', index: 0, id: 'call_a', name: 'get_weather' },
        { type: 'tool_call_delta', index: 0, args: '{"city":' },
        { type: 'tool_call_delta', index: 0, args: '"Paris"}' },
        { type: 'tool_call_start', index: 1, id: 'call_b', name: 'get_weather' },
        { type: 'tool_call_delta', index: 1, args: '{"city":"Rome"}' },
        { type: 'tool_call_end', index: 0 },
        { type: 'tool_call_end', index: 1 },
        finish('tool_calls'),
      ]),
    );
    expect(types(events).slice(8)).toEqual([
      'response.output_item.added',
      'response.function_call_arguments.delta',
      'response.function_call_arguments.delta',
      'response.function_call_arguments.done',
      'response.output_item.done',
      'response.output_item.added',
      'response.function_call_arguments.delta',
      'response.function_call_arguments.done',
      'response.output_item.done',
      'response.completed',
    ]);
    expect(events[8]!.item).toEqual({
      id: expect.stringMatching(/^fc_/),
      type: 'function_call',
      status: 'in_progress',
      arguments: '',
      call_id: 'call_a',
      name: 'get_weather',
    });
    expect(events[11]).toMatchObject({ arguments: '{"city":"Paris"}' });
    expect(events[12]!.item).toMatchObject({ status: 'completed', arguments: '{"city":"Paris"}', call_id: 'call_a' });
    expect(events[16]!.item).toMatchObject({ arguments: '{"city":"Rome"}', call_id: 'call_b' });
    expect(normalized(final(events))).toEqual(
      normalized(
        nonStreaming(
          [
            { type: 'text', text: 'Checking.' },
            { type: 'tool_call', id: 'call_a', name: 'get_weather', args: { city: 'Paris' } },
            { type: 'tool_call', id: 'call_b', name: 'get_weather', args: { city: 'Rome' } },
          ],
          'tool_calls',
        ),
      ),
    );
  });

  test('a call without argument text gets "{}"; a Gemini call signature becomes a reasoning item first', () => {
    const events = parseStream(
      encodeAll([
        start,
        { type: 'tool_call_start', index: 0, id: 'g_1', name: 'now', signature: { family: 'gemini', value: 'CiQB' } },
        { type: 'tool_call_end', index: 0 },
        finish('tool_calls'),
      ]),
    );
    expect(types(events).slice(2)).toEqual([
      'response.output_item.added',
      'response.output_item.done',
      'response.output_item.added',
      'response.function_call_arguments.delta',
      'response.function_call_arguments.done',
      'response.output_item.done',
      'response.completed',
    ]);
    expect(events[3]!.item).toMatchObject({ type: 'reasoning', summary: [], encrypted_content: expect.stringMatching(/^aiproxy:/) });
    expect(events[5]).toMatchObject({ delta: '{}' });
    expect(events[6]).toMatchObject({ arguments: '{}' });
    expect(normalized(final(events))).toEqual(
      normalized(nonStreaming([{ type: 'tool_call', id: 'g_1', name: 'now', args: {}, signature: { family: 'gemini', value: 'CiQB' } }], 'tool_calls')),
    );
  });

  test('a custom tool: input "" on added, the whole input once at the end', () => {
    const custom = { tools: [{ type: 'custom', name: 'apply_patch' }] };
    const events = parseStream(
      encodeAll(
        [
          start,
          { type: 'tool_call_start', index: 0, id: 'call_p', name: 'apply_patch' },
          { type: 'tool_call_delta', index: 0, args: '{"input":"*** Begin Patch\\n' },
          { type: 'tool_call_delta', index: 0, args: '*** End Patch\\n"}' },
          { type: 'tool_call_end', index: 0 },
          finish('tool_calls'),
        ],
        { request: custom },
      ),
    );
    expect(types(events).slice(2)).toEqual([
      'response.output_item.added',
      'response.custom_tool_call_input.delta',
      'response.custom_tool_call_input.done',
      'response.output_item.done',
      'response.completed',
    ]);
    expect(events[2]!.item).toEqual({
      id: expect.stringMatching(/^ctc_/),
      type: 'custom_tool_call',
      status: 'in_progress',
      call_id: 'call_p',
      input: '',
      name: 'apply_patch',
    });
    const input = '*** Begin Patch\n*** End Patch\n';
    expect(events[3]).toMatchObject({ delta: input });
    expect(events[4]).toMatchObject({ input });
    expect(events[5]!.item).toMatchObject({ status: 'completed', input });
    expect(normalized(final(events))).toEqual(
      normalized(nonStreaming([{ type: 'tool_call', id: 'call_p', name: 'apply_patch', args: { input } }], 'tool_calls', custom)),
    );
  });

  test('a namespace member\'s call streams with its own name and the namespace, as the non-streaming answer has it', () => {
    const request = { tools: [{ type: 'namespace', name: 'mcp__github', tools: [{ type: 'function', name: 'search_issues' }] }] };
    const events = parseStream(
      encodeAll(
        [
          start,
          { type: 'tool_call_start', index: 0, id: 'call_n', name: 'mcp__github__search_issues' },
          { type: 'tool_call_delta', index: 0, args: '{"q":"bug"}' },
          { type: 'tool_call_end', index: 0 },
          finish('tool_calls'),
        ],
        { request },
      ),
    );
    expect(events[2]!.item).toMatchObject({ type: 'function_call', status: 'in_progress', name: 'search_issues', namespace: 'mcp__github' });
    expect(events.find((e) => e.type === 'response.output_item.done')!.item).toMatchObject({
      type: 'function_call',
      status: 'completed',
      call_id: 'call_n',
      name: 'search_issues',
      namespace: 'mcp__github',
      arguments: '{"q":"bug"}',
    });
    expect(normalized(final(events))).toEqual(
      normalized(nonStreaming([{ type: 'tool_call', id: 'call_n', name: 'mcp__github__search_issues', args: { q: 'bug' } }], 'tool_calls', request)),
    );
  });

  test('a tool search call: added with empty arguments, done with the parsed ones, no argument deltas', () => {
    const request = { tools: [{ type: 'tool_search', execution: 'client' }] };
    const events = parseStream(
      encodeAll(
        [
          start,
          { type: 'tool_call_start', index: 0, id: 'call_s', name: 'tool_search' },
          { type: 'tool_call_delta', index: 0, args: '{"query":"cal' },
          { type: 'tool_call_delta', index: 0, args: 'endar"}' },
          { type: 'tool_call_end', index: 0 },
          finish('tool_calls'),
        ],
        { request },
      ),
    );
    expect(types(events).slice(2)).toEqual(['response.output_item.added', 'response.output_item.done', 'response.completed']);
    expect(events[2]!.item).toEqual({ id: expect.stringMatching(/^tsc_/), type: 'tool_search_call', status: 'in_progress', call_id: 'call_s', execution: 'client', arguments: {} });
    expect(events[3]!.item).toMatchObject({ type: 'tool_search_call', status: 'completed', arguments: { query: 'calendar' } });
    expect(normalized(final(events))).toEqual(
      normalized(nonStreaming([{ type: 'tool_call', id: 'call_s', name: 'tool_search', args: { query: 'calendar' } }], 'tool_calls', request)),
    );
  });

  test('custom tools and the echoed settings come from the request body', () => {
    const enc = responsesCodec.createStreamEncoder({
      model: 'm',
      request: { model: 'm', input: 'x', tools: [{ type: 'custom', name: 'apply_patch' }], instructions: 'Be brief.' },
    });
    const sse = enc.encode({ type: 'tool_call_start', index: 0, id: 'c', name: 'apply_patch' });
    const events = parseSSE(sse).map((m) => JSON.parse(m.data) as WireEvent);
    expect(events[0]!.response).toMatchObject({ instructions: 'Be brief.', tools: [{ type: 'custom', name: 'apply_patch' }] });
    expect(events[2]!.item!.type).toBe('custom_tool_call');
  });

  test('length → response.incomplete, content_filter too', () => {
    const cut = parseStream(encodeAll([start, { type: 'text', text: 'Once upon' }, finish('length')]));
    expect(cut.at(-1)!.type).toBe('response.incomplete');
    expect(final(cut)).toMatchObject({ status: 'incomplete', incomplete_details: { reason: 'max_output_tokens' } });
    expect(normalized(final(cut))).toEqual(normalized(nonStreaming([{ type: 'text', text: 'Once upon' }], 'length')));
    const filtered = parseStream(encodeAll([start, finish('content_filter')]));
    expect(types(filtered)).toEqual(['response.created', 'response.in_progress', 'response.incomplete']);
    expect(final(filtered)).toMatchObject({ status: 'incomplete', incomplete_details: { reason: 'content_filter' }, output: [] });
  });

  test('an error mid-stream: the error event, then response.failed; the open item stays unfinished', () => {
    const events = parseStream(
      encodeAll([
        start,
        { type: 'thinking', text: 'hmm' },
        { type: 'text', text: 'Part' },
        { type: 'error', error: { status: 429, kind: 'rate_limit', message: 'Rate limit reached.', retryAfter: 7 } },
        { type: 'text', text: 'ignored' },
        finish(),
      ]),
    );
    expect(types(events).slice(-5)).toEqual([
      'response.output_item.added',
      'response.content_part.added',
      'response.output_text.delta',
      'error',
      'response.failed',
    ]);
    const error = events.at(-2)!;
    expect(error).toMatchObject({
      code: 'rate_limit_exceeded',
      message: 'Rate limit reached. Please try again in 7s.',
      param: null,
      error: { type: 'requests', code: 'rate_limit_exceeded', message: 'Rate limit reached. Please try again in 7s.' },
    });
    const failed = final(events);
    expect(failed).toMatchObject({ status: 'failed', error: { code: 'rate_limit_exceeded', message: 'Rate limit reached. Please try again in 7s.' }, usage: null });
    expect(failed.output.map((i) => i.type)).toEqual(['reasoning']);
  });

  test('error codes: context overflow, quota, anything else', () => {
    const code = (error: Parameters<typeof responsesCodec.encodeError>[0]) =>
      parseStream(encodeAll([{ type: 'error', error }])).find((e) => e.type === 'error')!.code;
    expect(code({ status: 400, kind: 'invalid_request', message: 'prompt is too long: 210000 tokens > 200000 maximum' })).toBe('context_length_exceeded');
    expect(code({ status: 429, kind: 'rate_limit', message: 'quota', code: 'insufficient_quota' })).toBe('insufficient_quota');
    expect(code({ status: 502, kind: 'api_error', message: 'upstream broke' })).toBe('server_error');
    expect(code({ status: 400, kind: 'invalid_request', message: 'bad' })).toBe('server_error');
  });

  test('an error before anything was sent still opens the response first', () => {
    const events = parseStream(encodeAll([{ type: 'error', error: { status: 503, kind: 'overloaded', message: 'Overloaded' } }]));
    expect(types(events)).toEqual(['response.created', 'response.in_progress', 'error', 'response.failed']);
  });

  test('text while a call is open closes the call; its late fragments and end are dropped', () => {
    const events = parseStream(
      encodeAll([
        start,
        { type: 'tool_call_start', index: 0, id: 'c0', name: 'f' },
        { type: 'tool_call_delta', index: 0, args: '{"a":1}' },
        { type: 'text', text: 'meanwhile' },
        { type: 'tool_call_delta', index: 0, args: 'late' },
        { type: 'tool_call_end', index: 0 },
        { type: 'thinking', text: '' },
        { type: 'text', text: '' },
        finish('tool_calls'),
      ]),
    );
    expect(final(events).output.map((i) => i.type)).toEqual(['function_call', 'message']);
    expect(final(events).output[0]).toMatchObject({ arguments: '{"a":1}' });
  });

  test('no start event: the encoder makes up an id; nothing after the end; keepalive is an SSE comment', () => {
    const enc = responsesCodec.createStreamEncoder({ model: 'm' });
    const first = enc.encode({ type: 'text', text: 'x' });
    const last = enc.encode(finish());
    expect(enc.encode({ type: 'text', text: 'late' })).toBe('');
    expect(enc.encode(finish())).toBe('');
    expect(enc.end()).toBe('');
    expect(enc.keepalive()).toBe(': keepalive\n\n');
    const events = parseStream(first + last);
    expect(events[0]!.response!.id).toMatch(/^resp_\w{20,}$/);
    expect(events[0]!.response!.created_at).toBeGreaterThan(1_700_000_000);
  });
});
