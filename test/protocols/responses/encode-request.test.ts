import { describe, expect, test } from 'bun:test';
import type { Message } from '../../../src/core/index.ts';
import { responsesCodec } from '../../../src/protocols/responses/index.ts';
import { canonicalRequest } from '../../helpers/canonical.ts';

const encode = (over: Parameters<typeof canonicalRequest>[0], model = 'gpt-4.1'): Record<string, unknown> =>
  responsesCodec.encodeRequest(canonicalRequest(over), { model });

describe('responses encodeRequest: parameters', () => {
  test('system → instructions; the conversation → input; stateless by default', () => {
    const body = encode({ system: [{ type: 'text', text: 'a' }, { type: 'text', text: 'b' }] });
    expect(body).toEqual({ model: 'gpt-4.1', instructions: 'a\n\nb', input: [{ type: 'message', role: 'user', content: 'hi' }], store: false });
  });

  test('what the Responses API has no parameter for is left out (it answers 400 to unknown ones)', () => {
    const body = encode({ stop: ['x'], seed: 1, presencePenalty: 0.5, frequencyPenalty: 0.5, topK: 3, n: 1, temperature: 0.3, topP: 0.9 });
    for (const k of ['stop', 'seed', 'presence_penalty', 'frequency_penalty', 'top_k', 'n', 'max_tokens']) expect(body).not.toHaveProperty(k);
    expect(body).toMatchObject({ temperature: 0.3, top_p: 0.9 });
  });

  test('max_output_tokens is at least 16, the API minimum', () => {
    expect(encode({ maxTokens: 1 }).max_output_tokens).toBe(16);
    expect(encode({ maxTokens: 4000 }).max_output_tokens).toBe(4000);
  });

  test("max_output_tokens is at most the model's output limit where aiproxy knows it (OpenAI answers 400 above)", () => {
    expect(encode({ maxTokens: 32000 }, 'gpt-4o').max_output_tokens).toBe(16384);
    expect(encode({ maxTokens: 65536 }, 'gpt-4.1').max_output_tokens).toBe(32768);
    expect(encode({ maxTokens: 200000 }, 'o3').max_output_tokens).toBe(100000);
    expect(encode({ maxTokens: 64000 }, 'gpt-5.4').max_output_tokens).toBe(64000);
    // A name aiproxy does not know is the server's to limit (refused-retry.ts reads the ceiling it states).
    expect(encode({ maxTokens: 200000 }, 'prod-4o').max_output_tokens).toBe(200000);
  });

  test('tools are flat and not strict unless asked: an omitted strict would make every optional parameter required', () => {
    const parameters = { type: 'object', properties: { q: { type: 'string' } }, required: ['q'], additionalProperties: false };
    const body = encode({
      tools: [{ name: 'search', description: 'find', parameters }, { name: 'exact', parameters, strict: true }],
      toolChoice: { type: 'tool', name: 'search' },
      parallelToolCalls: false,
    });
    expect(body.tools).toEqual([
      { type: 'function', name: 'search', description: 'find', parameters, strict: false },
      { type: 'function', name: 'exact', parameters, strict: true },
    ]);
    expect(body.tool_choice).toEqual({ type: 'function', name: 'search' });
    expect(body.parallel_tool_calls).toBe(false);
    expect(encode({ tools: [{ name: 's', parameters }], toolChoice: { type: 'required' } }).tool_choice).toBe('required');
    // Without tools a tool_choice means nothing and is refused.
    expect(encode({ toolChoice: { type: 'auto' }, parallelToolCalls: true })).not.toHaveProperty('tool_choice');
  });

  test("strict mode only for parameters the API takes it for: an Anthropic client's strict tool may leave some optional (laravel/ai#506)", () => {
    const parameters = { type: 'object', properties: { path: { type: 'string' }, limit: { type: 'integer' } }, required: ['path'], additionalProperties: false };
    expect(encode({ tools: [{ name: 'read', parameters, strict: true }] }).tools).toEqual([{ type: 'function', name: 'read', parameters, strict: false }]);
    const closed = { ...parameters, required: ['path', 'limit'] };
    expect(encode({ tools: [{ name: 'read', parameters: closed, strict: true }] }).tools).toEqual([{ type: 'function', name: 'read', parameters: closed, strict: true }]);
  });

  test('response formats → text.format', () => {
    expect(encode({ responseFormat: { type: 'json' } }).text).toEqual({ format: { type: 'json_object' } });
    const schema = { type: 'object', properties: {} };
    expect(encode({ responseFormat: { type: 'json_schema', schema, strict: true } }).text).toEqual({
      format: { type: 'json_schema', name: 'response', schema, strict: true },
    });
  });

  test('reasoning models: effort as the model takes it, encrypted reasoning included, no sampling settings', () => {
    const body = encode({ reasoning: { enabled: true, budgetTokens: 30000 }, temperature: 0.2 }, 'gpt-5.1');
    // 30000 tokens is 'high' on the effort curve; gpt-5.1 takes high.
    expect(body.reasoning).toEqual({ effort: 'high', summary: 'auto' });
    expect(body.include).toEqual(['reasoning.encrypted_content']);
    expect(body).not.toHaveProperty('temperature');
    // gpt-5 takes no 'none': the nearest it takes.
    expect(encode({ reasoning: { enabled: false } }, 'gpt-5').reasoning).toEqual({ effort: 'minimal' });
  });

  test('the Responses-only models get an effort they take', () => {
    const effort = (model: string, e: 'none' | 'minimal' | 'low' | 'xhigh') => (encode({ reasoning: { effort: e } }, model).reasoning as { effort?: string }).effort;
    expect(effort('gpt-5-codex', 'minimal')).toBe('low');
    expect(effort('gpt-5.1-codex-mini', 'low')).toBe('medium');
    expect(effort('gpt-5.3-codex', 'none')).toBe('low');
    expect(effort('gpt-5.3-codex', 'xhigh')).toBe('xhigh');
    expect(effort('gpt-5-pro', 'low')).toBe('high');
    expect(effort('gpt-5.5-pro', 'xhigh')).toBe('xhigh');
    // The o-series: thinking off is the least it takes, not a 400.
    expect(effort('o3', 'none')).toBe('low');
    expect(effort('o4-mini', 'xhigh')).toBe('high');
  });

  test('codex-mini-latest reasons: no sampling settings, encrypted reasoning asked for', () => {
    const body = encode({ temperature: 0, topP: 1 }, 'codex-mini-latest');
    expect(body).not.toHaveProperty('temperature');
    expect(body).not.toHaveProperty('top_p');
    expect(body.include).toEqual(['reasoning.encrypted_content']);
  });

  test('summaries only when the client shows thinking; never for a model that does not reason', () => {
    expect(encode({ reasoning: { effort: 'low' } }, 'o4-mini').reasoning).toEqual({ effort: 'low' });
    expect(encode({ reasoning: { enabled: true, includeThoughts: false } }, 'o4-mini').reasoning).toBeUndefined();
    expect(encode({ reasoning: { includeThoughts: true } }, 'o4-mini').reasoning).toEqual({ summary: 'auto' });
    const plain = encode({ reasoning: { enabled: true, effort: 'high' } }, 'gpt-4.1');
    expect(plain).not.toHaveProperty('reasoning');
    expect(plain).not.toHaveProperty('include');
  });

  test('Chat Completions fields that mean the same pass on; a client that stores gets no encrypted reasoning', () => {
    const body = encode({ extras: { openai: { store: true, metadata: { a: '1' }, prompt_cache_key: 'k', logprobs: true } } }, 'o3');
    expect(body).toMatchObject({ store: true, metadata: { a: '1' }, prompt_cache_key: 'k' });
    expect(body).not.toHaveProperty('logprobs');
    expect(body).not.toHaveProperty('include');
  });

  test("Chat Completions' verbosity is text.verbosity, beside a text.format (BerriAI/litellm#34979)", () => {
    expect(encode({ extras: { openai: { verbosity: 'low' } } }, 'gpt-5.4').text).toEqual({ verbosity: 'low' });
    const both = encode({ responseFormat: { type: 'json' }, extras: { openai: { verbosity: 'high' } } }, 'gpt-5.4');
    expect(both.text).toEqual({ format: { type: 'json_object' }, verbosity: 'high' });
    expect(both).not.toHaveProperty('verbosity');
    expect(encode({}, 'gpt-5.4')).not.toHaveProperty('text');
  });

  test('a user id longer than the 64 characters OpenAI takes becomes its digest; it is the cache routing key unless the client gave one', () => {
    expect(encode({ user: 'u1' })).toMatchObject({ user: 'u1', prompt_cache_key: 'u1' });
    const long = encode({ user: 'x'.repeat(150) });
    expect(long.user).toMatch(/^[0-9a-f]{64}$/);
    expect(long.prompt_cache_key).toBe(long.user);
    expect(encode({ user: 'u1', extras: { openai: { prompt_cache_key: 'conv-7' } } }).prompt_cache_key).toBe('conv-7');
    expect(encode({})).not.toHaveProperty('prompt_cache_key');
  });
});

describe('responses encodeRequest: input items', () => {
  const input = (messages: Message[], model = 'gpt-5.1'): unknown[] => encode({ messages }, model).input as unknown[];

  test('a tool loop: reasoning OpenAI issued, text and calls in order; each call answered by its output', () => {
    const items = input([
      { role: 'user', content: [{ type: 'text', text: 'weather?' }] },
      {
        role: 'assistant',
        content: [
          { type: 'thinking', text: 'look it up', signature: { family: 'openai', value: 'rs_1 gAAAA-blob' } },
          { type: 'text', text: 'Checking.' },
          { type: 'tool_call', id: 'call_1', name: 'weather', args: { city: 'Oslo' } },
          { type: 'tool_call', id: 'call_2', name: 'weather', args: { city: 'Rome' } },
        ],
      },
      {
        role: 'user',
        content: [
          { type: 'tool_result', callId: 'call_2', content: [{ type: 'text', text: '25C' }] },
          { type: 'tool_result', callId: 'call_1', content: [{ type: 'text', text: '3C' }] },
          { type: 'text', text: 'and tomorrow?' },
        ],
      },
    ]);
    expect(items).toEqual([
      { type: 'message', role: 'user', content: 'weather?' },
      { type: 'reasoning', id: 'rs_1', summary: [{ type: 'summary_text', text: 'look it up' }], encrypted_content: 'gAAAA-blob' },
      { type: 'message', role: 'assistant', content: [{ type: 'output_text', text: 'Checking.', annotations: [] }] },
      { type: 'function_call', call_id: 'call_1', name: 'weather', arguments: '{"city":"Oslo"}' },
      { type: 'function_call', call_id: 'call_2', name: 'weather', arguments: '{"city":"Rome"}' },
      { type: 'function_call_output', call_id: 'call_1', output: '3C' },
      { type: 'function_call_output', call_id: 'call_2', output: '25C' },
      { type: 'message', role: 'user', content: 'and tomorrow?' },
    ]);
  });

  test("thinking another provider wrote or signed stays behind; OpenAI's own goes back even without text", () => {
    const items = input([
      { role: 'user', content: [{ type: 'text', text: 'q' }] },
      {
        role: 'assistant',
        content: [
          { type: 'thinking', text: 'claude thought', signature: { family: 'anthropic', value: 'sig' } },
          { type: 'thinking', text: 'unsigned' },
          { type: 'thinking', text: '', signature: { family: 'openai', value: 'rs_9 enc' } },
          { type: 'text', text: 'a' },
        ],
      },
    ]);
    expect(items.slice(1)).toEqual([
      { type: 'reasoning', id: 'rs_9', summary: [], encrypted_content: 'enc' },
      { type: 'message', role: 'assistant', content: [{ type: 'output_text', text: 'a', annotations: [] }] },
    ]);
  });

  test('a call without its result gets one; results without their call become text, in their order', () => {
    const items = input([
      { role: 'user', content: [{ type: 'text', text: 'q' }] },
      { role: 'assistant', content: [{ type: 'tool_call', id: 'call_1', name: 'f', args: {} }] },
      {
        role: 'user',
        content: [
          { type: 'tool_result', callId: 'call_x', name: 'g', content: [{ type: 'text', text: 'orphan' }] },
          { type: 'tool_result', callId: 'call_y', content: [{ type: 'text', text: 'second' }] },
          { type: 'text', text: 'go on' },
        ],
      },
    ]);
    expect(items.slice(1)).toEqual([
      { type: 'function_call', call_id: 'call_1', name: 'f', arguments: '{}' },
      { type: 'function_call_output', call_id: 'call_1', output: 'No result was returned for this tool call.' },
      {
        type: 'message',
        role: 'user',
        content: [
          { type: 'input_text', text: 'Result of tool call g (call_x):\norphan' },
          { type: 'input_text', text: 'Result of tool call call_y:\nsecond' },
          { type: 'input_text', text: 'go on' },
        ],
      },
    ]);
  });

  test('media: images as input_image (data URL or URL), files as input_file, media in a tool output as parts', () => {
    const items = input([
      {
        role: 'user',
        content: [
          { type: 'text', text: 'see' },
          { type: 'image', source: { kind: 'base64', mediaType: 'image/png', data: 'iVBO' }, detail: 'high' },
          { type: 'image', source: { kind: 'url', url: 'https://x.test/a.jpg' } },
          { type: 'file', source: { kind: 'base64', mediaType: 'application/pdf', data: 'JVBE' } },
        ],
      },
      { role: 'assistant', content: [{ type: 'tool_call', id: 'call_1', name: 'shot', args: {} }] },
      {
        role: 'user',
        content: [{ type: 'tool_result', callId: 'call_1', content: [{ type: 'text', text: 'here' }, { type: 'image', source: { kind: 'base64', mediaType: 'image/jpeg', data: '/9j/' } }] }],
      },
    ]);
    expect(items[0]).toEqual({
      type: 'message',
      role: 'user',
      content: [
        { type: 'input_text', text: 'see' },
        { type: 'input_image', image_url: 'data:image/png;base64,iVBO', detail: 'high' },
        { type: 'input_image', image_url: 'https://x.test/a.jpg', detail: 'auto' },
        { type: 'input_file', file_data: 'data:application/pdf;base64,JVBE', filename: 'document.pdf' },
      ],
    });
    expect(items[2]).toEqual({
      type: 'function_call_output',
      call_id: 'call_1',
      output: [
        { type: 'input_text', text: 'here' },
        { type: 'input_image', image_url: 'data:image/jpeg;base64,/9j/', detail: 'auto' },
      ],
    });
  });

  test('audio and video, which input_file does not read (openai/openai-node#1560), go as a note or their link', () => {
    const items = input([
      {
        role: 'user',
        content: [
          { type: 'file', source: { kind: 'base64', mediaType: 'audio/wav', data: 'UklG' } },
          { type: 'file', source: { kind: 'base64', mediaType: 'video/mp4', data: 'AAAA' }, filename: 'clip.mp4' },
          { type: 'file', source: { kind: 'url', url: 'https://www.youtube.com/watch?v=abc', mediaType: 'video/mp4' } },
          { type: 'file', source: { kind: 'url', url: 'https://x.test/a.pdf', mediaType: 'application/pdf' } },
        ],
      },
    ]);
    expect(items[0]).toEqual({
      type: 'message',
      role: 'user',
      content: [
        { type: 'input_text', text: '[A file of type audio/wav was attached here, but this model does not accept that format.]' },
        { type: 'input_text', text: '[A file (clip.mp4) of type video/mp4 was attached here, but this model does not accept that format.]' },
        { type: 'input_text', text: 'https://www.youtube.com/watch?v=abc' },
        { type: 'input_file', file_url: 'https://x.test/a.pdf' },
      ],
    });
  });

  test('a failed tool result says so in its output, which has no error flag (else the model reads the failure as the answer)', () => {
    const call = (id: string): Message => ({ role: 'assistant', content: [{ type: 'tool_call', id, name: 'run', args: {} }] });
    const failed = (id: string, content: Message['content']): Message => ({ role: 'user', content: [{ type: 'tool_result', callId: id, content, isError: true }] as Message['content'] });
    const image = { type: 'image', source: { kind: 'base64', mediaType: 'image/png', data: 'iVBO' } } as const;
    const items = input([
      { role: 'user', content: [{ type: 'text', text: 'q' }] },
      call('call_1'),
      failed('call_1', [{ type: 'text', text: 'exit code 2' }]),
      call('call_2'),
      failed('call_2', [{ type: 'text', text: 'Error: already worded' }]),
      call('call_3'),
      failed('call_3', [{ type: 'text', text: 'see shot' }, image]),
      call('call_4'),
      failed('call_4', [image]),
      { role: 'user', content: [{ type: 'tool_result', callId: 'call_x', content: [{ type: 'text', text: 'late' }], isError: true }] },
    ]);
    const outputs = items.filter((i) => (i as { type: string }).type === 'function_call_output').map((i) => (i as { output: unknown }).output);
    const png = { type: 'input_image', image_url: 'data:image/png;base64,iVBO', detail: 'auto' };
    expect(outputs).toEqual([
      'Error: exit code 2',
      'Error: already worded',
      [{ type: 'input_text', text: 'Error: see shot' }, png],
      [{ type: 'input_text', text: 'Error' }, png],
    ]);
    expect(items.at(-1)).toEqual({ type: 'message', role: 'user', content: 'Result of tool call call_x:\nError: late' });
  });

  test('a system turn in mid-conversation stays where it stood, as a developer message', () => {
    const items = input([
      { role: 'user', content: [{ type: 'text', text: 'q' }] },
      { role: 'system', content: [{ type: 'text', text: 'now be terse' }] },
      { role: 'user', content: [{ type: 'text', text: 'q2' }] },
    ]);
    expect(items[1]).toEqual({ type: 'message', role: 'developer', content: 'now be terse' });
  });
});
