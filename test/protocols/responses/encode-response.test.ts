import { describe, expect, test } from 'bun:test';
import type { CanonicalResponse, OutputPart } from '../../../src/core/index.ts';
import { encodeResponsesResponse, responsesCodec } from '../../../src/protocols/responses/index.ts';

const usage = { inputTokens: 120, outputTokens: 30, cacheReadTokens: 100, cacheWriteTokens: 20, reasoningTokens: 12 };

function response(content: OutputPart[], over: Partial<CanonicalResponse> = {}): CanonicalResponse {
  return { id: 'msg_01abc', model: 'claude-x', content, finishReason: 'stop', usage, created: 1755000000, ...over };
}

describe('responses encodeResponse', () => {
  test('the Response object: fields, order, defaults, usage', () => {
    const out = responsesCodec.encodeResponse(response([{ type: 'text', text: 'Hello' }])) as Record<string, unknown>;
    expect(Object.keys(out)).toEqual([
      'id', 'object', 'created_at', 'status', 'background', 'error', 'incomplete_details', 'instructions',
      'max_output_tokens', 'model', 'output', 'parallel_tool_calls', 'previous_response_id', 'reasoning', 'store',
      'temperature', 'text', 'tool_choice', 'tools', 'top_p', 'truncation', 'usage', 'user', 'metadata',
    ]);
    expect(out).toMatchObject({
      id: 'resp_msg_01abc',
      object: 'response',
      created_at: 1755000000,
      status: 'completed',
      background: false,
      error: null,
      incomplete_details: null,
      instructions: null,
      max_output_tokens: null,
      model: 'claude-x',
      parallel_tool_calls: true,
      previous_response_id: null,
      reasoning: { effort: null, summary: null },
      store: false,
      temperature: null,
      text: { format: { type: 'text' } },
      tool_choice: 'auto',
      tools: [],
      top_p: null,
      truncation: 'disabled',
      usage: {
        input_tokens: 120,
        input_tokens_details: { cached_tokens: 100, cache_write_tokens: 20 },
        output_tokens: 30,
        output_tokens_details: { reasoning_tokens: 12 },
        total_tokens: 150,
      },
      user: null,
      metadata: {},
    });
    const output = out.output as Array<Record<string, unknown>>;
    expect(output).toHaveLength(1);
    expect(output[0]).toEqual({
      id: expect.stringMatching(/^msg_/),
      type: 'message',
      status: 'completed',
      content: [{ type: 'output_text', annotations: [], logprobs: [], text: 'Hello' }],
      role: 'assistant',
    });
  });

  test('output items in canonical order; consecutive text is one message; tool calls carry the canonical id', () => {
    const out = encodeResponsesResponse(
      response(
        [
          { type: 'thinking', text: 'Let me think.' },
          { type: 'text', text: 'Part one, ' },
          { type: 'text', text: 'part two.' },
          { type: 'tool_call', id: 'toolu_1', name: 'get_weather', args: { city: 'Paris' } },
          { type: 'tool_call', id: 'toolu_2', name: 'now', args: {} },
          { type: 'text', text: 'After.' },
        ],
        { finishReason: 'tool_calls' },
      ),
    );
    expect(out.status).toBe('completed');
    expect(out.output.map((i) => i.type)).toEqual(['reasoning', 'message', 'function_call', 'function_call', 'message']);
    expect(out.output[0]).toEqual({
      id: expect.stringMatching(/^rs_/),
      type: 'reasoning',
      summary: [{ type: 'summary_text', text: 'Let me think.' }],
      encrypted_content: expect.stringMatching(/^aiproxy:/),
    });
    expect(out.output[1]).toMatchObject({ content: [{ text: 'Part one, part two.' }] });
    expect(out.output[2]).toEqual({
      id: expect.stringMatching(/^fc_/),
      type: 'function_call',
      status: 'completed',
      arguments: '{"city":"Paris"}',
      call_id: 'toolu_1',
      name: 'get_weather',
    });
    expect(out.output[3]).toMatchObject({ arguments: '{}', call_id: 'toolu_2' });
    const ids = out.output.map((i) => i.id);
    expect(new Set(ids).size).toBe(ids.length);
  });

  test('custom tools answer with custom_tool_call items carrying the raw input', () => {
    const out = encodeResponsesResponse(
      response([
        { type: 'tool_call', id: 'call_p', name: 'apply_patch', args: { input: '*** Begin Patch\n*** End Patch\n' } },
        { type: 'tool_call', id: 'call_q', name: 'apply_patch', args: { patch: 'x' } },
        { type: 'tool_call', id: 'call_f', name: 'shell', args: { command: ['ls'] } },
      ]),
      { tools: [{ type: 'custom', name: 'apply_patch' }] },
    );
    expect(out.output[0]).toEqual({
      id: expect.stringMatching(/^ctc_/),
      type: 'custom_tool_call',
      status: 'completed',
      call_id: 'call_p',
      input: '*** Begin Patch\n*** End Patch\n',
      name: 'apply_patch',
    });
    expect(out.output[1]).toMatchObject({ type: 'custom_tool_call', input: '{"patch":"x"}' });
    expect(out.output[2]).toMatchObject({ type: 'function_call', arguments: '{"command":["ls"]}' });
  });

  test('a namespace member\'s call comes back under its own name with its namespace; plain calls have none', () => {
    const out = encodeResponsesResponse(
      response([
        { type: 'tool_call', id: 'call_n', name: 'mcp__github__search_issues', args: { q: 'bug' } },
        { type: 'tool_call', id: 'call_f', name: 'shell', args: {} },
      ]),
      { tools: [{ type: 'namespace', name: 'mcp__github', tools: [{ type: 'function', name: 'search_issues' }] }, { type: 'function', name: 'shell' }] },
    );
    expect(out.output[0]).toEqual({
      id: expect.stringMatching(/^fc_/),
      type: 'function_call',
      status: 'completed',
      arguments: '{"q":"bug"}',
      call_id: 'call_n',
      name: 'search_issues',
      namespace: 'mcp__github',
    });
    expect(out.output[1]).not.toHaveProperty('namespace');
  });

  test('a call of the client\'s tool search is a tool_search_call with its arguments as an object', () => {
    const out = encodeResponsesResponse(response([{ type: 'tool_call', id: 'call_s', name: 'tool_search', args: { query: 'calendar', limit: 1 } }]), {
      tools: [{ type: 'tool_search', execution: 'client' }],
    });
    expect(out.output[0]).toEqual({
      id: expect.stringMatching(/^tsc_/),
      type: 'tool_search_call',
      status: 'completed',
      call_id: 'call_s',
      execution: 'client',
      arguments: { query: 'calendar', limit: 1 },
    });
    // Without the client's tool search declared, a function of that name is a plain function.
    const plain = encodeResponsesResponse(response([{ type: 'tool_call', id: 'c', name: 'tool_search', args: {} }]), { tools: [{ type: 'function', name: 'tool_search' }] });
    expect(plain.output[0]).toMatchObject({ type: 'function_call', name: 'tool_search' });
  });

  test('the request body gives the custom tools and the echoed settings', () => {
    const tools = [{ type: 'custom', name: 'apply_patch', description: 'd' }, { type: 'function', name: 'f', parameters: {}, strict: true }];
    const request = {
      model: 'gpt-5',
      input: 'hi',
      instructions: 'Be brief.',
      max_output_tokens: 500,
      tools,
      tool_choice: { type: 'function', name: 'f' },
      temperature: 0.5,
      top_p: 0.8,
      parallel_tool_calls: false,
      reasoning: { effort: 'low', summary: 'auto' },
      text: { verbosity: 'low' },
      metadata: { k: 'v' },
      user: 'u1',
      store: false,
    };
    const out = encodeResponsesResponse(response([{ type: 'tool_call', id: 'c', name: 'apply_patch', args: { input: 'x' } }]), request);
    expect(out.output[0]!.type).toBe('custom_tool_call');
    expect(out).toMatchObject({
      instructions: 'Be brief.',
      max_output_tokens: 500,
      tools,
      tool_choice: { type: 'function', name: 'f' },
      temperature: 0.5,
      top_p: 0.8,
      parallel_tool_calls: false,
      reasoning: { effort: 'low', summary: 'auto' },
      text: { format: { type: 'text' }, verbosity: 'low' },
      metadata: { k: 'v' },
      user: 'u1',
      store: false,
    });
    // The codec's own method takes the request body the proxy passes.
    expect((responsesCodec.encodeResponse(response([]), request) as { instructions: unknown }).instructions).toBe('Be brief.');
  });

  test('length and content_filter make an incomplete response', () => {
    const cut = encodeResponsesResponse(response([{ type: 'text', text: 'Once upon' }], { finishReason: 'length' }));
    expect(cut.status).toBe('incomplete');
    expect(cut.incomplete_details).toEqual({ reason: 'max_output_tokens' });
    const filtered = encodeResponsesResponse(response([], { finishReason: 'content_filter' }));
    expect(filtered.status).toBe('incomplete');
    expect(filtered.incomplete_details).toEqual({ reason: 'content_filter' });
    expect(filtered.output).toEqual([]);
    for (const reason of ['stop', 'stop_sequence', 'tool_calls', 'pause', 'other'] as const) {
      const r = encodeResponsesResponse(response([], { finishReason: reason }));
      expect(r.status).toBe('completed');
      expect(r.incomplete_details).toBeNull();
    }
  });

  test('ids: resp_ kept, prefixed otherwise, generated when missing', () => {
    expect(encodeResponsesResponse(response([], { id: 'resp_x' })).id).toBe('resp_x');
    expect(encodeResponsesResponse(response([], { id: 'chatcmpl-1' })).id).toBe('resp_chatcmpl-1');
    expect(encodeResponsesResponse(response([], { id: '' })).id).toMatch(/^resp_\w{20,}$/);
  });

  test('signatures and redacted thinking ride in encrypted_content', () => {
    const out = encodeResponsesResponse(
      response([
        { type: 'thinking', text: 'signed', signature: { family: 'anthropic', value: 'EqQBsig' } },
        { type: 'thinking', text: '', redacted: 'opaque' },
        { type: 'thinking', text: '' },
        { type: 'tool_call', id: 'g1', name: 'f', args: {}, signature: { family: 'gemini', value: 'CiQB' } },
      ]),
    );
    expect(out.output.map((i) => i.type)).toEqual(['reasoning', 'reasoning', 'reasoning', 'function_call']);
    for (const item of out.output.slice(0, 3)) expect((item as { encrypted_content: string }).encrypted_content).toStartWith('aiproxy:');
    expect(out.output[1]).toMatchObject({ summary: [] });
    expect(out.output[2]).toMatchObject({ summary: [] });
  });
});

describe('responses codec: the rest of the interface', () => {
  test('it is an upstream protocol too: a canonical request encodes to a Responses body', () => {
    const body = responsesCodec.encodeRequest(
      { model: 'x', system: [{ type: 'text', text: 'be brief' }], messages: [{ role: 'user', content: [{ type: 'text', text: 'hi' }] }], tools: [], stream: true, extras: {} },
      { model: 'gpt-4.1' },
    );
    expect(body).toEqual({ model: 'gpt-4.1', instructions: 'be brief', input: [{ type: 'message', role: 'user', content: 'hi' }], store: false, stream: true });
  });

  test('errors and model lists are OpenAI-shaped', () => {
    expect(responsesCodec.protocol).toBe('responses');
    expect(responsesCodec.encodeError({ status: 429, kind: 'rate_limit', message: 'slow down' })).toEqual({
      error: { message: 'slow down', type: 'requests', param: null, code: 'rate_limit_exceeded' },
    });
    expect(responsesCodec.decodeError(400, '{"error":{"message":"bad","code":"x"}}', new Headers())).toMatchObject({
      status: 400,
      message: 'bad',
      code: 'x',
    });
    expect(responsesCodec.encodeModelList([{ id: 'gpt-5', provider: 'openai', created: 1 }])).toEqual({
      object: 'list',
      data: [{ id: 'gpt-5', object: 'model', created: 1, owned_by: 'openai' }],
    });
    expect(responsesCodec.decodeModelList({ data: [{ id: 'a' }] })).toEqual([{ id: 'a' }]);
  });
});
