import { describe, expect, test } from 'bun:test';
import { anthropicCodec } from '../../../src/protocols/anthropic/index.ts';
import { adaptiveOnly, disableThinkingExplicitly, outputLimit, refusesForcedToolChoice, refusesPrefill } from '../../../src/protocols/anthropic/model-rules.ts';
import type { CanonicalRequest, Message } from '../../../src/core/index.ts';

const opts = { model: 'claude-sonnet-4-5' };
const canonical = (over: Partial<CanonicalRequest> = {}): CanonicalRequest => ({
  model: 'client-model',
  system: [],
  messages: [{ role: 'user', content: [{ type: 'text', text: 'Hi' }] }],
  tools: [],
  stream: false,
  extras: {},
  ...over,
});
// Bodies are asserted with toEqual; `any` only spares casts on the way to the asserted value.
const encode = (over: Partial<CanonicalRequest> = {}, o: Parameters<typeof anthropicCodec.encodeRequest>[1] = opts) =>
  anthropicCodec.encodeRequest(canonical(over), o) as Record<string, any>;
const encodeMessages = (messages: Message[], over: Partial<CanonicalRequest> = {}) => encode({ messages, ...over }).messages;

const tool = { type: 'tool_call' as const, name: 'get_weather', args: { city: 'Paris' } };

describe('anthropic encodeRequest: basics', () => {
  test('model from options, max_tokens default, stream flag', () => {
    const body = encode();
    expect(body.model).toBe('claude-sonnet-4-5');
    expect(body.max_tokens).toBe(8192);
    expect(body.stream).toBe(false);
    expect(encode({}, { ...opts, defaultMaxTokens: 4096 }).max_tokens).toBe(4096);
    expect(encode({ maxTokens: 100 }, { ...opts, defaultMaxTokens: 4096 }).max_tokens).toBe(100);
  });

  test('fields Anthropic lacks are not sent', () => {
    const body = encode({ n: 2, seed: 1, presencePenalty: 0.5, frequencyPenalty: 0.5, includeUsage: true, extras: { openai: { logprobs: true } } });
    for (const key of ['n', 'seed', 'presence_penalty', 'frequency_penalty', 'logprobs', 'stream_options']) expect(body).not.toHaveProperty(key);
  });

  test('sampling: temperature clamped to 1, top_k kept, top_p only without temperature, whitespace stop sequences dropped', () => {
    const body = encode({ temperature: 1.7, topP: 0.8, topK: 40, stop: ['###', ' ', '\n'] });
    expect(body.temperature).toBe(1);
    expect(body).not.toHaveProperty('top_p'); // "temperature and top_p cannot both be specified" since Claude 4.5
    expect(encode({ topP: 0.8 }).top_p).toBe(0.8);
    expect(body.top_k).toBe(40);
    expect(body.stop_sequences).toEqual(['###']);
    expect(encode({ stop: ['  '] })).not.toHaveProperty('stop_sequences');
  });

  test('metadata.user_id from user', () => {
    expect(encode({ user: 'u-1' }).metadata).toEqual({ user_id: 'u-1' });
  });
});

describe('anthropic encodeRequest: system', () => {
  test('system text blocks keep cache_control; mid-conversation system messages join the system prompt', () => {
    const body = encode({
      system: [{ type: 'text', text: 'Base', extras: { anthropic: { cache_control: { type: 'ephemeral' } }, openai: { x: 1 } } }, { type: 'text', text: '' }],
      messages: [
        { role: 'user', content: [{ type: 'text', text: 'Hi' }] },
        { role: 'system', content: [{ type: 'text', text: 'Tools changed' }] },
        { role: 'assistant', content: [{ type: 'text', text: 'Ok' }] },
      ],
    });
    expect(body.system).toEqual([
      { type: 'text', text: 'Base', cache_control: { type: 'ephemeral' } },
      { type: 'text', text: 'Tools changed' },
    ]);
    expect(body.messages.map((m: { role: string }) => m.role)).toEqual(['user', 'assistant']);
  });

  test('no system field when there is no system text', () => {
    expect(encode({ system: [{ type: 'text', text: '  ' }] })).not.toHaveProperty('system');
  });

  test('json mode without schema is an instruction; json_schema is output_config.format', () => {
    expect(encode({ responseFormat: { type: 'json' } }).system).toEqual([
      { type: 'text', text: 'Respond with a single JSON object and nothing else.' },
    ]);
    const schema = { type: 'object', properties: { a: { type: 'number' } } };
    const body = encode({ responseFormat: { type: 'json_schema', name: 'x', schema, strict: true } });
    expect(body.output_config).toEqual({ format: { type: 'json_schema', schema: { ...schema, additionalProperties: false } } });
    expect(body).not.toHaveProperty('system');
  });
});

describe('anthropic encodeRequest: tool input schemas', () => {
  // anthropics/claude-code#5319: "input_schema does not support oneOf, allOf, or anyOf at the top level".
  test('a root anyOf/oneOf/allOf becomes one object; what every branch requires stays required', () => {
    const parameters = {
      type: 'object',
      description: 'Pick one.',
      properties: { env: { type: 'string' } },
      required: ['env'],
      anyOf: [
        { properties: { id: { type: 'string' }, ref: { type: 'string' } }, required: ['id', 'ref'] },
        { properties: { path: { type: 'string' }, ref: { type: 'number' } }, required: ['path', 'ref'] },
      ],
      allOf: [{ properties: { mode: { enum: ['a', 'b'] } }, required: ['mode'] }],
    };
    const schema = encode({ tools: [{ name: 'pick', parameters }] }).tools[0].input_schema;
    expect(schema).toEqual({
      type: 'object',
      properties: { env: { type: 'string' }, id: { type: 'string' }, ref: { type: 'string' }, path: { type: 'string' }, mode: { enum: ['a', 'b'] } },
      required: ['env', 'ref', 'mode'],
      description: `Pick one.\n\nThe arguments must match at least one of ${JSON.stringify(parameters.anyOf)}, and all of ${JSON.stringify(parameters.allOf)}.`,
    });
    expect(parameters).toHaveProperty('anyOf');
    // Without a root combinator the schema goes as written.
    const plain = { type: 'object', properties: { q: { anyOf: [{ type: 'string' }, { type: 'null' }] } } };
    expect(encode({ tools: [{ name: 'q', parameters: plain }] }).tools[0].input_schema).toEqual(plain);
  });

  test('root branches that are references into $defs bring their properties too', () => {
    // A union of named models at the root, as pydantic writes it (`Union[ByPath, ByUrl]`): anyOf of $refs.
    const parameters = {
      anyOf: [{ $ref: '#/$defs/ByPath' }, { $ref: '#/definitions/ByUrl' }],
      $defs: {
        ByPath: { type: 'object', properties: { name: { type: 'string' }, path: { type: 'string' } }, required: ['name', 'path'] },
        Alias: { $ref: '#/$defs/ByPath' },
      },
      definitions: { ByUrl: { type: 'object', properties: { name: { type: 'string' }, url: { $ref: '#/$defs/Url' } }, required: ['name', 'url'] } },
    };
    const schema = encode({ tools: [{ name: 'open', parameters }] }).tools[0].input_schema;
    expect(schema).toMatchObject({
      type: 'object',
      properties: { name: { type: 'string' }, path: { type: 'string' }, url: { $ref: '#/$defs/Url' } },
      required: ['name'],
      $defs: parameters.$defs,
      definitions: parameters.definitions,
    });
    // A reference to a reference is followed; one that leads nowhere adds nothing and requires nothing.
    const chained = { oneOf: [{ $ref: '#/$defs/Alias' }, { $ref: '#/$defs/Missing' }], $defs: parameters.$defs };
    const out = encode({ tools: [{ name: 'open', parameters: chained }] }).tools[0].input_schema;
    expect(out).toMatchObject({ properties: { name: { type: 'string' }, path: { type: 'string' } } });
    expect(out).not.toHaveProperty('required');
  });
});

describe('anthropic encodeRequest: structured output schema', () => {
  // ax-llm/ax#458, BerriAI/litellm#35808, laravel/ai#715: the API refuses open objects and value bounds.
  test('objects are closed at every depth and the bounds the API refuses move into descriptions', () => {
    const schema = {
      type: 'object',
      $defs: { Tag: { type: 'object', properties: { label: { type: 'string', maxLength: 20 } } } },
      properties: {
        score: { type: 'integer', minimum: 1, maximum: 10, description: 'How good' },
        tags: { type: 'array', minItems: 2, items: { $ref: '#/$defs/Tag' } },
        extra: { type: 'object', additionalProperties: true },
        maybe: { anyOf: [{ type: 'object', properties: { a: { type: 'string' } } }, { type: 'null' }] },
        one: { type: 'array', minItems: 1, items: { type: 'string', format: 'date-time', pattern: '^2' } },
      },
      required: ['score'],
    };
    const sent = encode({ responseFormat: { type: 'json_schema', schema } }).output_config.format.schema;
    expect(sent).toEqual({
      type: 'object',
      $defs: { Tag: { type: 'object', properties: { label: { type: 'string', description: '{maxLength: 20}' } }, additionalProperties: false } },
      properties: {
        score: { type: 'integer', description: 'How good\n\n{minimum: 1, maximum: 10}' },
        tags: { type: 'array', description: '{minItems: 2}', items: { $ref: '#/$defs/Tag' } },
        extra: { type: 'object', additionalProperties: false },
        maybe: { anyOf: [{ type: 'object', properties: { a: { type: 'string' } }, additionalProperties: false }, { type: 'null' }] },
        one: { type: 'array', minItems: 1, items: { type: 'string', format: 'date-time', pattern: '^2' } },
      },
      required: ['score'],
      additionalProperties: false,
    });
    expect(schema.properties.score).toEqual({ type: 'integer', minimum: 1, maximum: 10, description: 'How good' });
  });
});

describe('anthropic encodeRequest: messages', () => {
  test('consecutive same-role turns merge; empty text and empty turns are dropped', () => {
    const msgs = encodeMessages([
      { role: 'user', content: [{ type: 'text', text: 'a' }] },
      { role: 'user', content: [{ type: 'text', text: '' }, { type: 'text', text: 'b' }] },
      { role: 'assistant', content: [{ type: 'text', text: '   ' }] },
      { role: 'user', content: [{ type: 'text', text: 'c' }] },
    ]);
    expect(msgs).toEqual([
      {
        role: 'user',
        content: [
          { type: 'text', text: 'a' },
          { type: 'text', text: 'b' },
          { type: 'text', text: 'c' },
        ],
      },
    ]);
  });

  test('the first turn is a user turn', () => {
    const msgs = encodeMessages([
      { role: 'assistant', content: [{ type: 'text', text: 'Hello, how can I help?' }] },
      { role: 'user', content: [{ type: 'text', text: 'Weather?' }] },
    ]);
    expect(msgs[0]).toEqual({ role: 'user', content: [{ type: 'text', text: 'Continue.' }] });
    expect(msgs.map((m: { role: string }) => m.role)).toEqual(['user', 'assistant', 'user']);
    expect(encodeMessages([])).toEqual([{ role: 'user', content: [{ type: 'text', text: 'Continue.' }] }]);
  });

  test('tool results come first, in call order; missing ones are synthesised', () => {
    const msgs = encodeMessages([
      { role: 'user', content: [{ type: 'text', text: 'Weather in Paris and Rome?' }] },
      {
        role: 'assistant',
        content: [
          { ...tool, id: 'call_1' },
          { ...tool, id: 'call_2', args: { city: 'Rome' } },
          { ...tool, id: 'call_3', args: { city: 'Oslo' } },
        ],
      },
      {
        role: 'user',
        content: [
          { type: 'tool_result', callId: 'call_2', content: [{ type: 'text', text: '25C' }] },
          { type: 'tool_result', callId: 'call_1', content: [{ type: 'text', text: '21C' }], isError: false },
          { type: 'text', text: 'thanks' },
        ],
      },
    ]);
    expect(msgs[1].content).toEqual([
      { type: 'tool_use', id: 'call_1', name: 'get_weather', input: { city: 'Paris' } },
      { type: 'tool_use', id: 'call_2', name: 'get_weather', input: { city: 'Rome' } },
      { type: 'tool_use', id: 'call_3', name: 'get_weather', input: { city: 'Oslo' } },
    ]);
    expect(msgs[2].content).toEqual([
      { type: 'tool_result', tool_use_id: 'call_1', content: [{ type: 'text', text: '21C' }] },
      { type: 'tool_result', tool_use_id: 'call_2', content: [{ type: 'text', text: '25C' }] },
      { type: 'tool_result', tool_use_id: 'call_3', is_error: true, content: 'Tool result missing' },
      { type: 'text', text: 'thanks' },
    ]);
  });

  test('a trailing tool call gets a synthesised user turn', () => {
    const msgs = encodeMessages([
      { role: 'user', content: [{ type: 'text', text: 'go' }] },
      { role: 'assistant', content: [{ ...tool, id: 'toolu_9' }] },
    ]);
    expect(msgs.at(-1)).toEqual({
      role: 'user',
      content: [{ type: 'tool_result', tool_use_id: 'toolu_9', is_error: true, content: 'Tool result missing' }],
    });
  });

  test('an orphan tool result becomes text', () => {
    const msgs = encodeMessages([
      { role: 'user', content: [{ type: 'text', text: 'go' }] },
      { role: 'assistant', content: [{ type: 'text', text: 'done' }] },
      {
        role: 'user',
        content: [{ type: 'tool_result', callId: 'call_x', content: [{ type: 'text', text: 'stale' }], isError: true }, { type: 'text', text: 'next' }],
      },
    ]);
    expect(msgs[2].content).toEqual([
      { type: 'text', text: 'Result of tool call call_x (error):\nstale' },
      { type: 'text', text: 'next' },
    ]);
  });

  test('tool ids with characters Anthropic rejects are rewritten on both sides', () => {
    const msgs = encodeMessages([
      { role: 'user', content: [{ type: 'text', text: 'go' }] },
      { role: 'assistant', content: [{ ...tool, id: 'functions.get_weather:0' }] },
      { role: 'user', content: [{ type: 'tool_result', callId: 'functions.get_weather:0', content: [{ type: 'text', text: 'ok' }] }] },
    ]);
    expect(msgs[1].content[0].id).toBe('functions_get_weather_0');
    expect(msgs[2].content[0]).toEqual({ type: 'tool_result', tool_use_id: 'functions_get_weather_0', content: [{ type: 'text', text: 'ok' }] });
  });

  test('thinking: only anthropic-signed or redacted thinking is sent, in place', () => {
    const msgs = encodeMessages([
      { role: 'user', content: [{ type: 'text', text: 'q' }] },
      {
        role: 'assistant',
        content: [
          { type: 'thinking', text: 'mine', signature: { family: 'anthropic', value: 'sigA' } },
          { type: 'thinking', text: '', redacted: 'opaque' },
          { type: 'thinking', text: 'theirs', signature: { family: 'gemini', value: 'sigG' } },
          { type: 'thinking', text: 'unsigned' },
          { type: 'text', text: 'answer' },
        ],
      },
      { role: 'user', content: [{ type: 'text', text: 'more' }] },
    ]);
    expect(msgs[1].content).toEqual([
      { type: 'thinking', thinking: 'mine', signature: 'sigA' },
      { type: 'redacted_thinking', data: 'opaque' },
      { type: 'text', text: 'answer' },
    ]);
  });

  test('thinking that would not lead its merged turn is dropped', () => {
    const msgs = encodeMessages([
      { role: 'user', content: [{ type: 'text', text: 'q' }] },
      { role: 'assistant', content: [{ type: 'text', text: 'first' }] },
      { role: 'assistant', content: [{ type: 'thinking', text: 't', signature: { family: 'anthropic', value: 's' } }, { type: 'text', text: 'second' }] },
      { role: 'user', content: [{ type: 'text', text: 'more' }] },
    ]);
    expect(msgs[1].content).toEqual([
      { type: 'text', text: 'first' },
      { type: 'text', text: 'second' },
    ]);
  });

  test('a final assistant prefill loses trailing whitespace', () => {
    const msgs = encodeMessages([
      { role: 'user', content: [{ type: 'text', text: 'json please' }] },
      { role: 'assistant', content: [{ type: 'text', text: '{\n  ' }] },
    ]);
    expect(msgs.at(-1)).toEqual({ role: 'assistant', content: [{ type: 'text', text: '{' }] });
  });

  test('a final assistant turn to a model without prefill is followed by a user turn; thinking stays on', () => {
    const messages: Message[] = [
      { role: 'user', content: [{ type: 'text', text: 'a story' }] },
      { role: 'assistant', content: [{ type: 'text', text: 'Once upon a time ' }] },
    ];
    const body = encode({ messages, reasoning: { effort: 'high' } }, { model: 'claude-sonnet-4-6' });
    expect(body.messages.slice(1)).toEqual([
      { role: 'assistant', content: [{ type: 'text', text: 'Once upon a time ' }] },
      { role: 'user', content: [{ type: 'text', text: 'Continue.' }] },
    ]);
    expect(body.thinking).toMatchObject({ type: 'enabled' });
    // Models that take a prefill still get one.
    expect(encodeMessages(messages).at(-1)).toEqual({ role: 'assistant', content: [{ type: 'text', text: 'Once upon a time' }] });
  });

  test('media: supported images, urls, data urls, PDFs and text documents; the rest becomes a note in its place', () => {
    const msgs = encodeMessages([
      {
        role: 'user',
        content: [
          { type: 'image', source: { kind: 'base64', mediaType: 'image/png', data: 'PNG' } },
          { type: 'image', source: { kind: 'base64', mediaType: 'image/bmp', data: 'BMP' } },
          { type: 'image', source: { kind: 'url', url: 'https://example.com/cat.jpg' }, detail: 'high' },
          { type: 'image', source: { kind: 'url', url: 'data:image/jpeg;base64,JPG' } },
          { type: 'file', source: { kind: 'base64', mediaType: 'application/pdf', data: 'JVBE' }, filename: 'report.pdf' },
          { type: 'file', source: { kind: 'text', mediaType: 'text/plain', data: 'notes' } },
          { type: 'file', source: { kind: 'base64', mediaType: 'text/plain; charset=utf-8', data: Buffer.from('héllo').toString('base64') } },
          { type: 'file', source: { kind: 'url', url: 'https://example.com/doc.pdf' } },
          { type: 'file', source: { kind: 'base64', mediaType: 'audio/wav', data: 'WAV' } },
          { type: 'text', text: 'see attached' },
        ],
      },
    ]);
    expect(msgs[0].content).toEqual([
      { type: 'image', source: { type: 'base64', media_type: 'image/png', data: 'PNG' } },
      { type: 'text', text: '[An image of type image/bmp was attached here, but Claude does not accept that format.]' },
      { type: 'image', source: { type: 'url', url: 'https://example.com/cat.jpg' } },
      { type: 'image', source: { type: 'base64', media_type: 'image/jpeg', data: 'JPG' } },
      { type: 'document', source: { type: 'base64', media_type: 'application/pdf', data: 'JVBE' }, title: 'report.pdf' },
      { type: 'document', source: { type: 'text', media_type: 'text/plain', data: 'notes' } },
      { type: 'document', source: { type: 'text', media_type: 'text/plain', data: 'héllo' } },
      { type: 'document', source: { type: 'url', url: 'https://example.com/doc.pdf' } },
      { type: 'text', text: '[A file of type audio/wav was attached here, but Claude does not accept that format.]' },
      { type: 'text', text: 'see attached' },
    ]);
  });

  test('a tool_call signature never reaches Anthropic', () => {
    const msgs = encodeMessages([
      { role: 'user', content: [{ type: 'text', text: 'go' }] },
      { role: 'assistant', content: [{ ...tool, id: 'c1', signature: { family: 'gemini', value: 'sig' } }] },
    ]);
    expect(msgs[1].content[0]).toEqual({ type: 'tool_use', id: 'c1', name: 'get_weather', input: { city: 'Paris' } });
  });
});

describe('anthropic encodeRequest: thinking', () => {
  test('budget from effort, shrunk to leave the answer room inside the client max_tokens', () => {
    const body = encode({ maxTokens: 4096, reasoning: { effort: 'high' } });
    expect(body.thinking).toEqual({ type: 'enabled', budget_tokens: 2048 });
    expect(body.max_tokens).toBe(4096);
    const big = encode({ maxTokens: 32000, reasoning: { effort: 'high' } });
    expect(big.thinking).toEqual({ type: 'enabled', budget_tokens: 24576 });
  });

  test('without client max tokens, max_tokens grows to budget + answer room', () => {
    const body = encode({ reasoning: { effort: 'high' } });
    expect(body.thinking).toEqual({ type: 'enabled', budget_tokens: 24576 });
    expect(body.max_tokens).toBe(24576 + 4096);
  });

  test('budget raised to the 1024 floor; a client max_tokens too small for it turns thinking off, never grows', () => {
    expect(encode({ reasoning: { effort: 'minimal' } }).thinking).toEqual({ type: 'enabled', budget_tokens: 1024 });
    const small = encode({ maxTokens: 500, reasoning: { budgetTokens: 2000 } });
    expect(small).not.toHaveProperty('thinking');
    expect(small.max_tokens).toBe(500);
  });

  test('dynamic budget (-1) still turns thinking on', () => {
    expect(encode({ reasoning: { budgetTokens: -1 } }).thinking).toEqual({ type: 'enabled', budget_tokens: 8192 });
  });

  test('no thinking when disabled, zero or unspecified', () => {
    expect(encode({ reasoning: { enabled: false, budgetTokens: 4000 } })).not.toHaveProperty('thinking');
    expect(encode({ reasoning: { effort: 'none' } })).not.toHaveProperty('thinking');
    expect(encode({ reasoning: { includeThoughts: true } })).not.toHaveProperty('thinking');
    expect(encode()).not.toHaveProperty('thinking');
  });

  test('adaptive thinking carries its effort in output_config', () => {
    const body = encode({ reasoning: { enabled: true, adaptive: true, effort: 'high' } });
    expect(body.thinking).toEqual({ type: 'adaptive' });
    expect(body.output_config).toEqual({ effort: 'high' });
    expect(encode({ reasoning: { effort: 'high' } })).not.toHaveProperty('output_config');
  });

  test('thinking on: no temperature/top_k, top_p only when >= 0.95, forced tool use becomes auto', () => {
    const tools = [{ name: 'f', parameters: { type: 'object', properties: {} } }];
    const body = encode({ reasoning: { budgetTokens: 2048 }, temperature: 0.2, topK: 5, topP: 0.5, tools, toolChoice: { type: 'required' } });
    expect(body).not.toHaveProperty('temperature');
    expect(body).not.toHaveProperty('top_k');
    expect(body).not.toHaveProperty('top_p');
    expect(body.tool_choice).toEqual({ type: 'auto' });
    expect(encode({ reasoning: { budgetTokens: 2048 }, topP: 0.97 }).top_p).toBe(0.97);
    expect(encode({ reasoning: { budgetTokens: 2048 }, tools, toolChoice: { type: 'tool', name: 'f' } }).tool_choice).toEqual({ type: 'auto' });
  });

  test('thinking is turned off when the final assistant turn has no Anthropic thinking to lead it', () => {
    const history: Message[] = [
      { role: 'user', content: [{ type: 'text', text: 'go' }] },
      { role: 'assistant', content: [{ type: 'thinking', text: 'gemini thought', signature: { family: 'gemini', value: 'g' } }, { ...tool, id: 'c1' }] },
      { role: 'user', content: [{ type: 'tool_result', callId: 'c1', content: [{ type: 'text', text: '21C' }] }] },
    ];
    const body = encode({ messages: history, reasoning: { budgetTokens: 4096 }, temperature: 0.3 });
    expect(body).not.toHaveProperty('thinking');
    expect(body.temperature).toBe(0.3);

    const signed = structuredClone(history);
    signed[1]!.content[0] = { type: 'thinking', text: 'mine', signature: { family: 'anthropic', value: 'a' } };
    expect(encode({ messages: signed, reasoning: { budgetTokens: 4096 } }).thinking).toEqual({ type: 'enabled', budget_tokens: 4096 });
  });

  test('thinking off: a final assistant turn sheds its thinking blocks', () => {
    const msgs = encodeMessages([
      { role: 'user', content: [{ type: 'text', text: 'q' }] },
      { role: 'assistant', content: [{ type: 'thinking', text: 't', signature: { family: 'anthropic', value: 's' } }, { type: 'text', text: 'Partial' }] },
    ]);
    expect(msgs.at(-1)).toEqual({ role: 'assistant', content: [{ type: 'text', text: 'Partial' }] });
  });
});

describe('anthropic encodeRequest: tools', () => {
  const tools = [
    { name: 'get_weather', description: 'Weather', parameters: { type: 'object', properties: { city: { type: 'string' } } }, strict: true },
    { name: 'noop', parameters: { properties: {} } },
  ];

  test('definitions get input_schema with type object', () => {
    expect(encode({ tools }).tools).toEqual([
      { name: 'get_weather', description: 'Weather', input_schema: { type: 'object', properties: { city: { type: 'string' } } } },
      { name: 'noop', input_schema: { type: 'object', properties: {} } },
    ]);
  });

  test('tool_choice mapping and disable_parallel_tool_use', () => {
    expect(encode({ tools, toolChoice: { type: 'auto' } }).tool_choice).toEqual({ type: 'auto' });
    expect(encode({ tools, toolChoice: { type: 'required' } }).tool_choice).toEqual({ type: 'any' });
    expect(encode({ tools, toolChoice: { type: 'none' } }).tool_choice).toEqual({ type: 'none' });
    expect(encode({ tools, toolChoice: { type: 'tool', name: 'noop' } }).tool_choice).toEqual({ type: 'tool', name: 'noop' });
    expect(encode({ tools, parallelToolCalls: false }).tool_choice).toEqual({ type: 'auto', disable_parallel_tool_use: true });
    expect(encode({ tools, toolChoice: { type: 'required' }, parallelToolCalls: false }).tool_choice).toEqual({
      type: 'any',
      disable_parallel_tool_use: true,
    });
    expect(encode({ tools })).not.toHaveProperty('tool_choice');
  });

  test('no tools: no tools and no tool_choice', () => {
    const body = encode({ toolChoice: { type: 'required' } });
    expect(body).not.toHaveProperty('tools');
    expect(body).not.toHaveProperty('tool_choice');
  });

  test('anthropic extras merge back: server tools appended, other fields restored', () => {
    const body = encode({
      tools,
      responseFormat: { type: 'json_schema', schema: { type: 'object' } },
      user: 'u',
      extras: {
        anthropic: {
          server_tools: [{ type: 'web_search_20250305', name: 'web_search' }],
          context_management: { edits: [] },
          output_config: { task_budget: 3 },
          metadata: { session: 's' },
        },
        gemini: { safetySettings: [] },
      },
    });
    expect(body.tools.at(-1)).toEqual({ type: 'web_search_20250305', name: 'web_search' });
    expect(body.tools).toHaveLength(3);
    expect(body.context_management).toEqual({ edits: [] });
    expect(body.output_config).toEqual({ task_budget: 3, format: { type: 'json_schema', schema: { type: 'object', additionalProperties: false } } });
    expect(body.metadata).toEqual({ session: 's', user_id: 'u' });
    expect(body).not.toHaveProperty('safetySettings');
    expect(body).not.toHaveProperty('server_tools');
  });
});

describe('anthropic model rules', () => {
  test('the models without sampling or manual thinking, by the ids upstreams use', () => {
    const yes = ['claude-sonnet-5', 'claude-sonnet-5-20260630', 'claude-opus-4-7', 'claude-opus-4-8', 'claude-opus-5', 'claude-fable-5', 'anthropic.claude-sonnet-5-v1:0', 'us.anthropic.claude-opus-4-7'];
    const no = ['claude-opus-4-20250514', 'claude-opus-4-1-20250805', 'claude-sonnet-4-5', 'claude-sonnet-4-6', 'claude-haiku-4-5-20251001', 'claude-3-5-sonnet-20241022', 'claude-3-7-sonnet-20250219'];
    expect(yes.filter((m) => !adaptiveOnly(m))).toEqual([]);
    expect(adaptiveOnly('claude-opus-4.7')).toBe(true);
    expect(no.filter(adaptiveOnly)).toEqual([]);
  });

  test('output ceilings, by the ids upstreams use; unknown models get none', () => {
    expect(['claude-3-haiku-20240307', 'anthropic.claude-3-haiku-20240307-v1:0'].map(outputLimit)).toEqual([4096, 4096]);
    expect(['claude-opus-4-5-20251101', 'claude-opus-4-8'].map(outputLimit)).toEqual([64000, 128000]);
    expect(['claude-2.1', 'my-gateway-model'].map(outputLimit)).toEqual([undefined, undefined]);
  });

  test('forced tool use refused by Fable/Mythos 5.1 and Opus/Sonnet 5.5, not by their predecessors', () => {
    const yes = ['claude-fable-5-1', 'claude-mythos-5-1', 'claude-opus-5-5', 'claude-sonnet-5-5', 'anthropic.claude-opus-5-5-v1:0'];
    const no = ['claude-fable-5', 'claude-fable-5-20260609', 'claude-opus-5', 'claude-sonnet-5', 'claude-opus-4-8'];
    expect(yes.filter((m) => !refusesForcedToolChoice(m))).toEqual([]);
    expect(no.filter(refusesForcedToolChoice)).toEqual([]);
  });

  test('assistant prefill refused by Opus and Sonnet 4.6 on and the 5 family, not by their predecessors', () => {
    const yes = ['claude-sonnet-4-6', 'claude-opus-4-6-20260205', 'claude-opus-4.7', 'us.anthropic.claude-opus-4-8-v1:0', 'claude-sonnet-5', 'claude-fable-5-1'];
    const no = ['claude-sonnet-4-5', 'claude-opus-4-5-20251101', 'claude-haiku-4-5', 'claude-opus-4-1-20250805', 'claude-3-7-sonnet-20250219'];
    expect(yes.filter((m) => !refusesPrefill(m))).toEqual([]);
    expect(no.filter(refusesPrefill)).toEqual([]);
  });

  test('thinking disabled explicitly only for Opus 5 and Sonnet 5', () => {
    const yes = ['claude-opus-5', 'claude-sonnet-5-20260630', 'anthropic.claude-opus-5-v1:0', 'claude-opus-5@20260715'];
    const no = ['claude-opus-5-5', 'claude-sonnet-5-5', 'claude-fable-5', 'claude-mythos-5', 'claude-opus-4-8', 'claude-sonnet-4-5'];
    expect(yes.filter((m) => !disableThinkingExplicitly(m))).toEqual([]);
    expect(no.filter(disableThinkingExplicitly)).toEqual([]);
  });
});

describe('anthropic encodeRequest: per-model shaping', () => {
  test('max_tokens never passes the ceiling; a thinking budget shrinks under it', () => {
    expect(encode({}, { model: 'claude-3-haiku-20240307' }).max_tokens).toBe(4096);
    expect(encode({ maxTokens: 1000 }, { model: 'claude-3-haiku-20240307' }).max_tokens).toBe(1000);
    const opus45 = { model: 'claude-opus-4-5-20251101' };
    expect(encode({ reasoning: { enabled: true, budgetTokens: 63000 } }, opus45)).toMatchObject({
      max_tokens: 64000,
      thinking: { type: 'enabled', budget_tokens: 64000 - 4096 },
    });
    expect(encode({ maxTokens: 100000, reasoning: { enabled: true, budgetTokens: 8000 } }, opus45)).toMatchObject({
      max_tokens: 64000,
      thinking: { type: 'enabled', budget_tokens: 8000 },
    });
  });

  test('forced tool choices become auto on models that refuse them', () => {
    const tools = [{ name: 'get_weather', parameters: { type: 'object' } }];
    expect(encode({ tools, toolChoice: { type: 'required' } }, { model: 'claude-fable-5-1' }).tool_choice).toEqual({ type: 'auto' });
    expect(encode({ tools, toolChoice: { type: 'tool', name: 'get_weather' } }, { model: 'claude-sonnet-5-5' }).tool_choice).toEqual({ type: 'auto' });
    expect(encode({ tools, toolChoice: { type: 'required' } }, { model: 'claude-fable-5' }).tool_choice).toEqual({ type: 'any' });
  });

  test('no thinking asked: disabled on Opus/Sonnet 5, nothing elsewhere', () => {
    const none = { reasoning: { enabled: false, effort: 'none' as const } };
    expect(encode(none, { model: 'claude-opus-5' }).thinking).toEqual({ type: 'disabled' });
    expect(encode(none, { model: 'claude-opus-5' })).not.toHaveProperty('output_config');
    expect(encode({ reasoning: { budgetTokens: 0 } }, { model: 'claude-sonnet-5' }).thinking).toEqual({ type: 'disabled' });
    for (const model of ['claude-fable-5', 'claude-opus-5-5', 'claude-sonnet-4-5']) expect(encode(none, { model })).not.toHaveProperty('thinking');
    // Unasked, the model's default (thinking on) stays.
    expect(encode({}, { model: 'claude-opus-5' })).not.toHaveProperty('thinking');
  });
});

describe('anthropic output ceilings by model id', () => {
  test('dated ids, cloud prefixes, and minor versions that are other models', async () => {
    const { outputLimit } = await import('../../../src/protocols/anthropic/model-rules.ts');
    const cases: Array<[string, number | undefined]> = [
      ['claude-3-haiku-20240307', 4096],
      ['claude-3-5-haiku-20241022', 8192],
      ['claude-3-7-sonnet-20250219', 64000],
      ['claude-opus-4-20250514', 32000],
      ['claude-opus-4-1-20250805', 32000],
      ['anthropic.claude-opus-4-1-20250805-v1:0', 32000],
      ['claude-opus-4-5', 64000],
      ['claude-sonnet-4-20250514', 64000],
      ['claude-sonnet-4-5-20250929', 64000],
      ['claude-haiku-4-5-20251001', 64000],
      ['claude-opus-4-6', 128000],
      ['claude-opus-4-8', 128000],
      ['claude-sonnet-5', 128000],
      ['claude-opus-5-5', 128000],
      ['claude-fable-5-1', 128000],
      ['claude-opus-4-0', 32000],
      ['claude-sonnet-4-0', 64000],
      ['claude-opus-4.5', 64000],
      ['claude-opus-4.6', 128000],
      ['some-other-model', undefined],
    ];
    expect(cases.map(([m]) => [m, outputLimit(m)])).toEqual(cases);
  });

  test('a Gemini client asking a large thinking budget of Opus 4.1 stays under its 32000', () => {
    const body = anthropicCodec.encodeRequest(
      {
        model: 'claude-opus-4-1-20250805',
        system: [],
        messages: [{ role: 'user', content: [{ type: 'text', text: 'hi' }] }],
        tools: [],
        stream: false,
        extras: {},
        reasoning: { budgetTokens: 32768 },
      },
      { model: 'claude-opus-4-1-20250805' },
    ) as { max_tokens: number; thinking: { budget_tokens: number } };
    expect(body.max_tokens).toBe(32000);
    expect(body.thinking.budget_tokens).toBeLessThan(32000);
  });
});

describe('anthropic encodeRequest: thinking asked for without a size', () => {
  test('enabled with no budget thinks at the middle budget (adaptive on models without budgets)', () => {
    const req = (model: string) =>
      anthropicCodec.encodeRequest(
        { model, system: [], messages: [{ role: 'user', content: [{ type: 'text', text: 'hi' }] }], tools: [], stream: false, extras: {}, reasoning: { enabled: true } },
        { model },
      ) as { thinking?: { type: string; budget_tokens?: number } };
    expect(req('claude-sonnet-4-5').thinking).toEqual({ type: 'enabled', budget_tokens: 8192 });
    expect(req('claude-sonnet-5').thinking).toEqual({ type: 'adaptive' });
  });
});

describe('anthropic encodeRequest: thinking turned off for a history that cannot carry it', () => {
  test('Opus 5 / Sonnet 5, which think unless told, are told disabled; others get no field', () => {
    const encode = (model: string) =>
      anthropicCodec.encodeRequest(
        {
          model,
          system: [],
          messages: [
            { role: 'user', content: [{ type: 'text', text: 'weather?' }] },
            { role: 'assistant', content: [{ type: 'tool_call', id: 'toolu_1', name: 'get_weather', args: {} }] },
            { role: 'user', content: [{ type: 'tool_result', callId: 'toolu_1', content: [{ type: 'text', text: 'sunny' }] }] },
          ],
          tools: [{ name: 'get_weather', parameters: { type: 'object', properties: {} } }],
          stream: false,
          extras: {},
          reasoning: { effort: 'high' },
        },
        { model },
      ) as { thinking?: unknown };
    expect(encode('claude-sonnet-5').thinking).toEqual({ type: 'disabled' });
    expect(encode('claude-sonnet-4-5').thinking).toBeUndefined();
  });
});
