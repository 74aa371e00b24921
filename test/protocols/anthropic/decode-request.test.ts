import { describe, expect, test } from 'bun:test';
import { anthropicCodec } from '../../../src/protocols/anthropic/index.ts';
import { ProxyError } from '../../../src/core/errors.ts';

const decode = anthropicCodec.decodeRequest;
const base = { model: 'claude-sonnet-4-5', max_tokens: 1024, messages: [{ role: 'user', content: 'Hi' }] };

function rejection(body: unknown): ProxyError {
  try {
    decode(body);
  } catch (e) {
    if (e instanceof ProxyError) return e;
    throw e;
  }
  throw new Error('expected the request to be rejected');
}

/** A request shaped like Claude Code's (protocols.md §9). */
const claudeCodeRequest = {
  model: 'claude-sonnet-4-5',
  max_tokens: 32000,
  stream: true,
  system: [
    { type: 'text', text: "You are Claude Code, Anthropic's official CLI for Claude." },
    { type: 'text', text: 'Project rules…', cache_control: { type: 'ephemeral' } },
  ],
  messages: [
    { role: 'user', content: [{ type: 'text', text: 'List the files' }] },
    { role: 'system', content: [{ type: 'text', text: 'The tool list changed.' }] },
    {
      role: 'assistant',
      content: [
        { type: 'thinking', thinking: 'I should call ls.', signature: 'EqQBCkYIBxgCKkB' },
        { type: 'text', text: 'Let me look.' },
        { type: 'tool_use', id: 'toolu_01A', name: 'Bash', input: { command: 'ls' } },
        { type: 'tool_use', id: 'toolu_01B', name: 'Read', input: { path: 'a.txt' } },
      ],
    },
    {
      role: 'user',
      content: [
        { type: 'text', text: 'here you go' },
        { type: 'tool_result', tool_use_id: 'toolu_01A', content: 'a.txt\nb.txt' },
        {
          type: 'tool_result',
          tool_use_id: 'toolu_01B',
          content: [{ type: 'text', text: 'hello' }, { type: 'image', source: { type: 'base64', media_type: 'image/png', data: 'iVBOR' } }],
          is_error: true,
          cache_control: { type: 'ephemeral' },
        },
      ],
    },
    { role: 'assistant', content: [{ type: 'redacted_thinking', data: 'EmwKAhgBEgy' }, { type: 'server_tool_use', id: 'srvtoolu_1', name: 'web_search', input: {} }] },
  ],
  tools: [
    { name: 'Bash', description: 'Run a command', input_schema: { type: 'object', properties: { command: { type: 'string' } }, required: ['command'] } },
    { name: 'NoArgs', input_schema: {} },
    { type: 'web_search_20250305', name: 'web_search', max_uses: 5 },
  ],
  tool_choice: { type: 'any', disable_parallel_tool_use: true },
  thinking: { type: 'adaptive' },
  output_config: { effort: 'high', task_budget: 5 },
  context_management: { edits: [{ type: 'clear_thinking_20251015' }] },
  metadata: { user_id: 'user_abc_account_1', session: 'x' },
  temperature: 1,
  stop_sequences: ['###'],
};

describe('anthropic decodeRequest: mapping', () => {
  const req = decode(claudeCodeRequest);

  test('top-level fields', () => {
    expect(req.model).toBe('claude-sonnet-4-5');
    expect(req.maxTokens).toBe(32000);
    expect(req.stream).toBe(true);
    expect(req.temperature).toBe(1);
    expect(req.stop).toEqual(['###']);
    expect(req.user).toBe('user_abc_account_1');
  });

  test('system blocks keep cache_control as an anthropic extra', () => {
    expect(req.system).toEqual([
      { type: 'text', text: "You are Claude Code, Anthropic's official CLI for Claude." },
      { type: 'text', text: 'Project rules…', extras: { anthropic: { cache_control: { type: 'ephemeral' } } } },
    ]);
  });

  test('a system message inside messages stays a system message at its position', () => {
    expect(req.messages.map((m) => m.role)).toEqual(['user', 'system', 'assistant', 'user', 'assistant']);
    expect(req.messages[1]!.content).toEqual([{ type: 'text', text: 'The tool list changed.' }]);
  });

  test('assistant thinking, text and tool calls in order', () => {
    expect(req.messages[2]!.content).toEqual([
      { type: 'thinking', text: 'I should call ls.', signature: { family: 'anthropic', value: 'EqQBCkYIBxgCKkB' } },
      { type: 'text', text: 'Let me look.' },
      { type: 'tool_call', id: 'toolu_01A', name: 'Bash', args: { command: 'ls' } },
      { type: 'tool_call', id: 'toolu_01B', name: 'Read', args: { path: 'a.txt' } },
    ]);
  });

  test('tool results come first, carry the call name, error flag and the cache breakpoint', () => {
    expect(req.messages[3]!.content).toEqual([
      { type: 'tool_result', callId: 'toolu_01A', name: 'Bash', content: [{ type: 'text', text: 'a.txt\nb.txt' }] },
      {
        type: 'tool_result',
        callId: 'toolu_01B',
        name: 'Read',
        isError: true,
        content: [
          { type: 'text', text: 'hello' },
          { type: 'image', source: { kind: 'base64', mediaType: 'image/png', data: 'iVBOR' } },
        ],
      },
      { type: 'text', text: 'here you go' },
    ]);
  });

  test('cache_control moves onto the last text block of a tool result', () => {
    const r = decode({
      ...base,
      messages: [
        { role: 'assistant', content: [{ type: 'tool_use', id: 't1', name: 'f', input: {} }] },
        { role: 'user', content: [{ type: 'tool_result', tool_use_id: 't1', content: 'ok', cache_control: { type: 'ephemeral' } }] },
      ],
    });
    expect(r.messages[1]!.content[0]).toEqual({
      type: 'tool_result',
      callId: 't1',
      name: 'f',
      content: [{ type: 'text', text: 'ok', extras: { anthropic: { cache_control: { type: 'ephemeral' } } } }],
    });
  });

  test('redacted thinking is kept, server-tool blocks are dropped', () => {
    expect(req.messages[4]!.content).toEqual([{ type: 'thinking', text: '', redacted: 'EmwKAhgBEgy' }]);
  });

  test('custom tools are canonical, server tools go to extras', () => {
    expect(req.tools).toEqual([
      {
        name: 'Bash',
        description: 'Run a command',
        parameters: { type: 'object', properties: { command: { type: 'string' } }, required: ['command'] },
      },
      { name: 'NoArgs', parameters: { type: 'object', properties: {} } },
    ]);
    expect(req.extras.anthropic?.server_tools).toEqual([{ type: 'web_search_20250305', name: 'web_search', max_uses: 5 }]);
  });

  test('tool_choice any + disable_parallel_tool_use', () => {
    expect(req.toolChoice).toEqual({ type: 'required' });
    expect(req.parallelToolCalls).toBe(false);
  });

  test('adaptive thinking with effort', () => {
    expect(req.reasoning).toEqual({ enabled: true, adaptive: true, effort: 'high' });
  });

  test('unknown fields are kept as anthropic extras, never dropped', () => {
    expect(req.extras.anthropic?.context_management).toEqual({ edits: [{ type: 'clear_thinking_20251015' }] });
    expect(req.extras.anthropic?.output_config).toEqual({ task_budget: 5 });
    expect(req.extras.anthropic?.metadata).toEqual({ session: 'x' });
    expect(req.extras.anthropic).not.toHaveProperty('model');
    expect(req.extras.anthropic).not.toHaveProperty('messages');
  });
});

describe('anthropic decodeRequest: blocks and knobs', () => {
  test('string content and string system', () => {
    const r = decode({ ...base, system: 'Be terse.' });
    expect(r.system).toEqual([{ type: 'text', text: 'Be terse.' }]);
    expect(r.messages).toEqual([{ role: 'user', content: [{ type: 'text', text: 'Hi' }] }]);
    expect(r.stream).toBe(false);
    expect(r.extras).toEqual({});
  });

  test('images and documents', () => {
    const r = decode({
      ...base,
      messages: [
        {
          role: 'user',
          content: [
            { type: 'image', source: { type: 'url', url: 'https://example.com/a.jpg' } },
            { type: 'document', source: { type: 'base64', media_type: 'application/pdf', data: 'JVBE' }, title: 'a.pdf' },
            { type: 'document', source: { type: 'text', media_type: 'text/plain', data: 'plain' } },
            { type: 'document', source: { type: 'url', url: 'https://example.com/b.pdf' } },
            { type: 'document', source: { type: 'content', content: [{ type: 'text', text: 'one' }, { type: 'text', text: 'two' }] } },
            { type: 'image', source: { type: 'file', file_id: 'file_1' } },
            { type: 'search_result', source: 'x', title: 't', content: [] },
          ],
        },
      ],
    });
    expect(r.messages[0]!.content).toEqual([
      { type: 'image', source: { kind: 'url', url: 'https://example.com/a.jpg' } },
      { type: 'file', source: { kind: 'base64', mediaType: 'application/pdf', data: 'JVBE' }, filename: 'a.pdf' },
      { type: 'file', source: { kind: 'text', mediaType: 'text/plain', data: 'plain' } },
      { type: 'file', source: { kind: 'url', url: 'https://example.com/b.pdf', mediaType: 'application/pdf' } },
      { type: 'file', source: { kind: 'text', mediaType: 'text/plain', data: 'one\ntwo' } },
    ]);
  });

  test('a gemini: signature is a gemini-family signature', () => {
    const r = decode({
      ...base,
      messages: [...base.messages, { role: 'assistant', content: [{ type: 'thinking', thinking: 't', signature: 'gemini:CiQBVKhc' }] }],
    });
    expect(r.messages[1]!.content[0]).toEqual({ type: 'thinking', text: 't', signature: { family: 'gemini', value: 'CiQBVKhc' } });
  });

  test('tool_use input that is not an object becomes {}', () => {
    const r = decode({
      ...base,
      messages: [...base.messages, { role: 'assistant', content: [{ type: 'tool_use', id: 't', name: 'f', input: 'oops' }] }],
    });
    expect(r.messages[1]!.content[0]).toEqual({ type: 'tool_call', id: 't', name: 'f', args: {} });
  });

  test('thinking enabled / disabled, display, effort alone, json schema format', () => {
    expect(decode({ ...base, thinking: { type: 'enabled', budget_tokens: 2048 } }).reasoning).toEqual({ enabled: true, budgetTokens: 2048 });
    expect(decode({ ...base, thinking: { type: 'disabled' } }).reasoning).toEqual({ enabled: false });
    expect(decode({ ...base, thinking: { type: 'adaptive', display: 'omitted' } }).reasoning).toEqual({
      enabled: true,
      adaptive: true,
      includeThoughts: false,
    });
    expect(decode({ ...base, thinking: { type: 'between_tools' } }).reasoning).toEqual({ enabled: true });
    expect(decode({ ...base, output_config: { effort: 'low' } }).reasoning).toEqual({ effort: 'low' });
    const schema = { type: 'object', properties: { a: { type: 'string' } } };
    expect(decode({ ...base, output_config: { format: { type: 'json_schema', schema } } }).responseFormat).toEqual({
      type: 'json_schema',
      schema,
    });
    // The structured-outputs beta's top-level output_format asks for the same; GA's field wins when both are sent.
    const beta = decode({ ...base, output_format: { type: 'json_schema', schema } });
    expect(beta.responseFormat).toEqual({ type: 'json_schema', schema });
    expect(beta.extras.anthropic?.output_format).toBeUndefined();
    const other = { type: 'object', properties: { b: { type: 'number' } } };
    expect(decode({ ...base, output_format: { type: 'json_schema', schema: other }, output_config: { format: { type: 'json_schema', schema } } }).responseFormat).toEqual({
      type: 'json_schema',
      schema,
    });
    expect(() => decode({ ...base, output_format: { type: 'xml' } })).toThrow(/output_format/);
  });

  test('tool_choice variants', () => {
    const tools = [{ name: 'f', input_schema: { type: 'object' } }];
    expect(decode({ ...base, tools, tool_choice: { type: 'auto' } }).toolChoice).toEqual({ type: 'auto' });
    expect(decode({ ...base, tools, tool_choice: { type: 'none' } }).toolChoice).toEqual({ type: 'none' });
    expect(decode({ ...base, tools, tool_choice: { type: 'tool', name: 'f' } }).toolChoice).toEqual({ type: 'tool', name: 'f' });
    expect(decode({ ...base, tools, tool_choice: { type: 'auto' } }).parallelToolCalls).toBeUndefined();
  });

  test('null optional fields count as absent', () => {
    const r = decode({ ...base, temperature: null, stop_sequences: null, metadata: null, top_p: 0.9, top_k: 40 });
    expect(r.temperature).toBeUndefined();
    expect(r.stop).toBeUndefined();
    expect(r.topP).toBe(0.9);
    expect(r.topK).toBe(40);
    const nested = decode({ ...base, metadata: { user_id: null }, output_config: { effort: null, format: null }, thinking: { type: 'adaptive', display: null } });
    expect(nested.user).toBeUndefined();
    expect(nested.responseFormat).toBeUndefined();
    expect(nested.reasoning).toEqual({ enabled: true, adaptive: true });
    expect(nested.extras).toEqual({});
  });
});

describe('anthropic decodeRequest: validation', () => {
  const cases: Array<[string, unknown, string]> = [
    ['not an object', [1, 2], 'request body must be a JSON object'],
    ['null body', null, 'request body must be a JSON object'],
    ['missing model', { max_tokens: 5, messages: base.messages }, 'model: Field required'],
    ['empty model', { ...base, model: '' }, 'model: expected a non-empty string'],
    ['missing max_tokens', { model: 'm', messages: base.messages }, 'max_tokens: Field required'],
    ['negative max_tokens', { ...base, max_tokens: -5 }, 'max_tokens: expected a positive integer'],
    ['fractional max_tokens', { ...base, max_tokens: 10.5 }, 'max_tokens: expected a positive integer'],
    ['NaN max_tokens', { ...base, max_tokens: Number.NaN }, 'max_tokens: expected a positive integer'],
    ['string max_tokens', { ...base, max_tokens: '100' }, 'max_tokens: expected a positive integer'],
    ['empty messages', { ...base, messages: [] }, 'messages: expected a non-empty array of messages'],
    ['unknown role', { ...base, messages: [{ role: 'tool', content: 'x' }] }, 'messages.0.role: expected one of user, assistant, system'],
    ['content of wrong type', { ...base, messages: [{ role: 'user', content: 5 }] }, 'messages.0.content: expected a string or an array of content blocks'],
    ['temperature too high', { ...base, temperature: 1.5 }, 'temperature: expected a number from 0 to 1'],
    ['top_p negative', { ...base, top_p: -0.1 }, 'top_p: expected a number from 0 to 1'],
    ['stream not boolean', { ...base, stream: 'yes' }, 'stream: expected boolean'],
    ['text without text', { ...base, messages: [{ role: 'user', content: [{ type: 'text' }] }] }, 'messages.0.content.0.text: Field required'],
    [
      'image without media_type',
      { ...base, messages: [{ role: 'user', content: [{ type: 'image', source: { type: 'base64', data: 'x' } }] }] },
      'messages.0.content.0.source.media_type: Field required',
    ],
    [
      'image with unknown source type',
      { ...base, messages: [{ role: 'user', content: [{ type: 'image', source: { type: 'ftp' } }] }] },
      'messages.0.content.0.source.type: expected one of base64, url, file',
    ],
    [
      'tool_result without id',
      { ...base, messages: [{ role: 'user', content: [{ type: 'tool_result', content: 'x' }] }] },
      'messages.0.content.0.tool_use_id: Field required',
    ],
    [
      'tool_use in a user message',
      { ...base, messages: [{ role: 'user', content: [{ type: 'tool_use', id: 'a', name: 'b', input: {} }] }] },
      'messages.0.content.0: `tool_use` blocks are only allowed in assistant messages',
    ],
    [
      'tool_result in an assistant message',
      { ...base, messages: [{ role: 'assistant', content: [{ type: 'tool_result', tool_use_id: 'a' }] }] },
      'messages.0.content.0: `tool_result` blocks are only allowed in user messages',
    ],
    [
      'image in a system message',
      { ...base, messages: [{ role: 'system', content: [{ type: 'image', source: { type: 'url', url: 'https://x' } }] }] },
      'messages.0.content.0: system messages may contain only text blocks',
    ],
    ['tool without input_schema', { ...base, tools: [{ name: 'f' }] }, 'tools.0.input_schema: Field required'],
    ['tool with empty name', { ...base, tools: [{ name: '', input_schema: {} }] }, 'tools.0.name: expected a non-empty string'],
    ['tool_choice of unknown type', { ...base, tool_choice: { type: 'required' } }, 'tool_choice.type: expected one of auto, any, tool, none'],
    ['tool_choice tool without name', { ...base, tool_choice: { type: 'tool' } }, 'tool_choice.name: Field required'],
    ['thinking enabled without budget', { ...base, thinking: { type: 'enabled' } }, 'thinking.budget_tokens: Field required'],
    ['thinking of unknown type', { ...base, thinking: { type: 'on' } }, 'thinking.type: expected one of enabled, disabled, adaptive, between_tools'],
    ['negative budget', { ...base, thinking: { type: 'enabled', budget_tokens: -1 } }, 'thinking.budget_tokens: expected a positive integer'],
    ['unknown effort', { ...base, output_config: { effort: 'extreme' } }, 'output_config.effort: expected one of low, medium, high, xhigh, max'],
    ['display of unknown value', { ...base, thinking: { type: 'adaptive', display: 'loud' } }, 'thinking.display: expected one of summarized, omitted'],
    ['format of wrong type', { ...base, output_config: { format: { type: 'json' } } }, 'output_config.format: expected {"type":"json_schema","schema":{…}}'],
    ['user_id not a string', { ...base, metadata: { user_id: 5 } }, 'metadata.user_id: expected a string'],
    ['system of wrong type', { ...base, system: 42 }, 'system: expected a string or an array of text blocks'],
  ];
  for (const [name, body, message] of cases) {
    test(name, () => {
      const err = rejection(body);
      expect(err.status).toBe(400);
      expect(err.info.kind).toBe('invalid_request');
      expect(err.message).toBe(message);
    });
  }

  test('the offending parameter is named', () => {
    expect(rejection({ ...base, temperature: 3 }).info.param).toBe('temperature');
  });
});
