import { describe, expect, test } from 'bun:test';
import { ProxyError } from '../../../src/core/errors.ts';
import { openaiCodec } from '../../../src/protocols/openai/index.ts';

const decode = (body: unknown) => openaiCodec.decodeRequest(body);

/** The 400 a body provokes; fails the test when it decodes. */
function rejection(body: unknown): { status: number; message: string } {
  try {
    decode(body);
  } catch (e) {
    if (e instanceof ProxyError) return { status: e.status, message: e.message };
    throw e;
  }
  throw new Error('expected the request to be rejected');
}

const user = [{ role: 'user', content: 'hi' }];

describe('openai decodeRequest: a full agent request', () => {
  // Shaped like what the OpenAI SDK sends for a tool-using agent loop.
  const body = {
    model: 'gpt-4o',
    messages: [
      { role: 'system', content: 'You are terse.' },
      { role: 'developer', content: [{ type: 'text', text: 'Answer in French.' }] },
      {
        role: 'user',
        content: [
          { type: 'text', text: 'What is in this image, and the weather in Paris?' },
          { type: 'image_url', image_url: { url: 'data:image/png;base64,iVBORw0KGgo=', detail: 'high' } },
          { type: 'image_url', image_url: { url: 'https://example.com/cat.jpg' } },
          { type: 'input_audio', input_audio: { data: 'UklGRg==', format: 'mp3' } },
          { type: 'file', file: { filename: 'a.pdf', file_data: 'data:application/pdf;base64,JVBERi0=' } },
        ],
      },
      {
        role: 'assistant',
        content: null,
        reasoning_content: 'Need the weather tool twice.',
        tool_calls: [
          { id: 'call_1', type: 'function', function: { name: 'get_weather', arguments: '{"city":"Paris"}' } },
          {
            id: 'call_2',
            type: 'function',
            function: { name: 'get_time', arguments: '' },
            extra_content: { google: { thought_signature: 'CiQBsig==' } },
          },
        ],
      },
      { role: 'tool', tool_call_id: 'call_1', content: '{"temp":21}' },
      { role: 'tool', tool_call_id: 'call_2', content: [{ type: 'text', text: '12:00' }] },
      { role: 'system', content: 'Mid-conversation reminder.' },
      { role: 'user', content: 'Thanks!', name: 'alice' },
    ],
    tools: [
      {
        type: 'function',
        function: {
          name: 'get_weather',
          description: 'Weather by city',
          strict: true,
          parameters: { type: 'object', properties: { city: { type: 'string' } }, required: ['city'] },
        },
      },
      { type: 'function', function: { name: 'get_time' } },
    ],
    tool_choice: { type: 'function', function: { name: 'get_weather' } },
    parallel_tool_calls: false,
    max_completion_tokens: 1024,
    max_tokens: 99,
    temperature: 0.7,
    top_p: 0.9,
    stop: ['\n\n'],
    n: 1,
    seed: 7,
    presence_penalty: 0.5,
    frequency_penalty: -0.5,
    response_format: { type: 'json_schema', json_schema: { name: 'x', schema: { type: 'object' }, strict: true } },
    reasoning_effort: 'high',
    stream: true,
    stream_options: { include_usage: true },
    user: 'user-42',
    logprobs: true,
    metadata: { team: 'a' },
  };
  const req = decode(body);

  test('leading system and developer messages form the system prompt; a later one stays in place', () => {
    expect(req.system).toEqual([
      { type: 'text', text: 'You are terse.' },
      { type: 'text', text: 'Answer in French.' },
    ]);
    expect(req.messages.map((m) => m.role)).toEqual(['user', 'assistant', 'user', 'system', 'user']);
    expect(req.messages[3]).toEqual({ role: 'system', content: [{ type: 'text', text: 'Mid-conversation reminder.' }] });
    expect(req.messages[4]).toEqual({ role: 'user', content: [{ type: 'text', text: 'Thanks!' }], name: 'alice' });
  });

  test('user media parts become image and file parts', () => {
    expect(req.messages[0]!.content).toEqual([
      { type: 'text', text: 'What is in this image, and the weather in Paris?' },
      { type: 'image', source: { kind: 'base64', mediaType: 'image/png', data: 'iVBORw0KGgo=' }, detail: 'high' },
      { type: 'image', source: { kind: 'url', url: 'https://example.com/cat.jpg' } },
      { type: 'file', source: { kind: 'base64', mediaType: 'audio/mpeg', data: 'UklGRg==' } },
      { type: 'file', source: { kind: 'base64', mediaType: 'application/pdf', data: 'JVBERi0=' }, filename: 'a.pdf' },
    ]);
  });

  test('assistant reasoning comes first, tool calls get object args and Gemini signatures', () => {
    expect(req.messages[1]!.content).toEqual([
      { type: 'thinking', text: 'Need the weather tool twice.' },
      { type: 'tool_call', id: 'call_1', name: 'get_weather', args: { city: 'Paris' } },
      { type: 'tool_call', id: 'call_2', name: 'get_time', args: {}, signature: { family: 'gemini', value: 'CiQBsig==' } },
    ]);
  });

  test('consecutive tool messages become one user turn of named tool results', () => {
    expect(req.messages[2]).toEqual({
      role: 'user',
      content: [
        { type: 'tool_result', callId: 'call_1', name: 'get_weather', content: [{ type: 'text', text: '{"temp":21}' }] },
        { type: 'tool_result', callId: 'call_2', name: 'get_time', content: [{ type: 'text', text: '12:00' }] },
      ],
    });
  });

  test('tools, sampling and the rest of the settings', () => {
    expect(req.tools).toEqual([
      {
        name: 'get_weather',
        description: 'Weather by city',
        strict: true,
        parameters: { type: 'object', properties: { city: { type: 'string' } }, required: ['city'] },
      },
      { name: 'get_time', parameters: { type: 'object', properties: {} } },
    ]);
    expect(req.toolChoice).toEqual({ type: 'tool', name: 'get_weather' });
    expect(req.parallelToolCalls).toBe(false);
    expect(req.maxTokens).toBe(1024); // max_completion_tokens wins over the deprecated max_tokens
    expect(req.temperature).toBe(0.7);
    expect(req.topP).toBe(0.9);
    expect(req.stop).toEqual(['\n\n']);
    expect(req.n).toBe(1);
    expect(req.seed).toBe(7);
    expect(req.presencePenalty).toBe(0.5);
    expect(req.frequencyPenalty).toBe(-0.5);
    expect(req.responseFormat).toEqual({ type: 'json_schema', name: 'x', schema: { type: 'object' }, strict: true });
    expect(req.reasoning).toEqual({ effort: 'high', enabled: true });
    expect(req.stream).toBe(true);
    expect(req.includeUsage).toBe(true);
    expect(req.user).toBe('user-42');
  });

  test('unknown top-level fields are kept in extras.openai', () => {
    expect(req.extras).toEqual({ openai: { logprobs: true, metadata: { team: 'a' } } });
  });
});

describe('openai decodeRequest: smaller shapes', () => {
  test('a plain chat has no system prompt, no tools and stream false', () => {
    const req = decode({ model: 'gpt-4o-mini', messages: user });
    expect(req).toEqual({
      model: 'gpt-4o-mini',
      system: [],
      messages: [{ role: 'user', content: [{ type: 'text', text: 'hi' }] }],
      tools: [],
      stream: false,
      extras: {},
    });
  });

  test('null for optional fields means "not set", as the SDK sends it', () => {
    const req = decode({ model: 'm', messages: user, max_tokens: null, temperature: null, stop: null, tools: null });
    expect(req.maxTokens).toBeUndefined();
    expect(req.temperature).toBeUndefined();
    expect(req.stop).toBeUndefined();
    expect(req.tools).toEqual([]);
  });

  test('a string stop becomes a one-item list; max_tokens is used without max_completion_tokens', () => {
    const req = decode({ model: 'm', messages: user, stop: 'END', max_tokens: 50 });
    expect(req.stop).toEqual(['END']);
    expect(req.maxTokens).toBe(50);
  });

  test('top_k (non-standard) becomes topK; 0 means disabled', () => {
    expect(decode({ model: 'm', messages: user, top_k: 40 }).topK).toBe(40);
    expect(decode({ model: 'm', messages: user, top_k: 0 }).topK).toBeUndefined();
  });

  test('reasoning_effort none turns reasoning off', () => {
    expect(decode({ model: 'm', messages: user, reasoning_effort: 'none' }).reasoning).toEqual({
      effort: 'none',
      enabled: false,
    });
  });

  test('json_object response format and string tool choices', () => {
    const req = decode({
      model: 'm',
      messages: user,
      response_format: { type: 'json_object' },
      tools: [{ type: 'function', function: { name: 'f', parameters: { type: 'object', properties: {} } } }],
      tool_choice: 'required',
    });
    expect(req.responseFormat).toEqual({ type: 'json' });
    expect(req.toolChoice).toEqual({ type: 'required' });
  });

  test('stream_options fields other than include_usage survive in extras', () => {
    const req = decode({ model: 'm', messages: user, stream: true, stream_options: { include_obfuscation: false } });
    expect(req.includeUsage).toBeUndefined();
    expect(req.extras.openai).toEqual({ stream_options: { include_obfuscation: false } });
  });

  test('assistant refusal and refusal parts become text; empty content with tool calls adds nothing', () => {
    const req = decode({
      model: 'm',
      messages: [
        ...user,
        { role: 'assistant', content: [{ type: 'refusal', refusal: 'I cannot.' }] },
        { role: 'assistant', content: null, refusal: 'No.' },
        { role: 'assistant', content: '', tool_calls: [{ id: 'c', type: 'function', function: { name: 'f', arguments: 'not json' } }] },
      ],
    });
    expect(req.messages[1]!.content).toEqual([{ type: 'text', text: 'I cannot.' }]);
    expect(req.messages[2]!.content).toEqual([{ type: 'text', text: 'No.' }]);
    // Invalid argument JSON still gives an object, as the canonical model promises.
    expect(req.messages[3]!.content).toEqual([{ type: 'tool_call', id: 'c', name: 'f', args: {} }]);
  });

  test('deprecated function calling pairs calls and results by function name', () => {
    const req = decode({
      model: 'm',
      messages: [
        ...user,
        { role: 'assistant', content: null, function_call: { name: 'lookup', arguments: '{"q":"x"}' } },
        { role: 'function', name: 'lookup', content: 'found' },
      ],
      functions: [{ name: 'lookup', parameters: { type: 'object', properties: { q: { type: 'string' } } } }],
      function_call: { name: 'lookup' },
    });
    expect(req.messages[1]!.content).toEqual([{ type: 'tool_call', id: 'lookup', name: 'lookup', args: { q: 'x' } }]);
    expect(req.messages[2]).toEqual({
      role: 'user',
      content: [{ type: 'tool_result', callId: 'lookup', name: 'lookup', content: [{ type: 'text', text: 'found' }] }],
    });
    expect(req.tools).toEqual([
      { name: 'lookup', parameters: { type: 'object', properties: { q: { type: 'string' } } } },
    ]);
    expect(req.toolChoice).toEqual({ type: 'tool', name: 'lookup' });
  });

  test('a tool result for an unknown call keeps its id but has no name', () => {
    const req = decode({ model: 'm', messages: [...user, { role: 'tool', tool_call_id: 'ghost', content: 'x' }] });
    expect(req.messages[1]!.content).toEqual([{ type: 'tool_result', callId: 'ghost', content: [{ type: 'text', text: 'x' }] }]);
  });

  // router-for-me/CLIProxyAPI#1670: agents send a tool's screenshot as image parts of the tool message.
  test('images in a tool message stay in the tool result', () => {
    const image = { type: 'image_url', image_url: { url: 'data:image/png;base64,AAAA' } };
    const req = decode({ model: 'm', messages: [...user, { role: 'tool', tool_call_id: 'c1', content: [{ type: 'text', text: 'shot' }, image] }] });
    expect(req.messages[1]!.content).toEqual([
      {
        type: 'tool_result',
        callId: 'c1',
        content: [{ type: 'text', text: 'shot' }, { type: 'image', source: { kind: 'base64', mediaType: 'image/png', data: 'AAAA' } }],
      },
    ]);
  });

  test('file_data without a data-URL prefix is taken as raw base64', () => {
    const req = decode({
      model: 'm',
      messages: [{ role: 'user', content: [{ type: 'file', file: { filename: 'r.pdf', file_data: 'JVBERi0=' } }] }],
    });
    expect(req.messages[0]!.content).toEqual([
      { type: 'file', source: { kind: 'base64', mediaType: 'application/pdf', data: 'JVBERi0=' }, filename: 'r.pdf' },
    ]);
  });
});

describe('openai decodeRequest: rejections name the problem', () => {
  const cases: Array<[string, unknown, string]> = [
    ['not an object', [1, 2], 'request body must be a JSON object'],
    ['a string body', 'hello', 'request body must be a JSON object'],
    ['missing model', { messages: user }, 'model: is required'],
    ['empty model', { model: '', messages: user }, 'model: must not be empty'],
    ['missing messages', { model: 'm' }, 'messages: is required'],
    ['empty messages', { model: 'm', messages: [] }, 'messages: must have at least 1 item(s)'],
    [
      'unknown role',
      { model: 'm', messages: [...user, { role: 'bot', content: 'x' }] },
      'messages.1.role: expected one of "system", "developer", "user", "assistant", "tool", "function", got "bot"',
    ],
    ['user without content', { model: 'm', messages: [{ role: 'user' }] }, 'messages.0.content: is required'],
    [
      'content of a wrong type',
      { model: 'm', messages: [{ role: 'user', content: 5 }] },
      'messages.0.content: expected string or an array, got 5',
    ],
    [
      'unknown part type',
      { model: 'm', messages: [{ role: 'user', content: [{ type: 'video', video: {} }] }] },
      'messages.0.content.0.type: expected one of "text", "image_url", "input_audio", "file", got "video"',
    ],
    [
      'image without url',
      { model: 'm', messages: [{ role: 'user', content: [{ type: 'image_url', image_url: {} }] }] },
      'messages.0.content.0.image_url.url: is required',
    ],
    [
      'image with a file path',
      { model: 'm', messages: [{ role: 'user', content: [{ type: 'image_url', image_url: { url: '/tmp/a.png' } }] }] },
      'messages.0.content.0.image_url.url: expected an http(s) URL or a base64 data URL',
    ],
    [
      'non-base64 data URL',
      { model: 'm', messages: [{ role: 'user', content: [{ type: 'image_url', image_url: { url: 'data:image/svg+xml,<svg/>' } }] }] },
      'messages.0.content.0.image_url.url: only base64 data URLs',
    ],
    [
      'file_id reference',
      { model: 'm', messages: [{ role: 'user', content: [{ type: 'file', file: { file_id: 'file-abc' } }] }] },
      'messages.0.content.0.file.file_id: file_id references are not supported, send file_data',
    ],
    [
      'audio in an unsupported format',
      { model: 'm', messages: [{ role: 'user', content: [{ type: 'input_audio', input_audio: { data: 'x', format: 'ogg' } }] }] },
      'messages.0.content.0.input_audio.format: expected one of "wav", "mp3", got "ogg"',
    ],
    [
      'image in a system message',
      { model: 'm', messages: [{ role: 'system', content: [{ type: 'image_url', image_url: { url: 'https://x/y.png' } }] }, ...user] },
      'messages.0.content.0.type: expected one of "text", got "image_url"',
    ],
    [
      'an unknown part type in a tool message',
      { model: 'm', messages: [...user, { role: 'tool', tool_call_id: 'c', content: [{ type: 'video', video: {} }] }] },
      'messages.1.content.0.type: expected one of "text", "image_url", "input_audio", "file", got "video"',
    ],
    [
      'tool message without tool_call_id',
      { model: 'm', messages: [...user, { role: 'tool', content: 'x' }] },
      'messages.1.tool_call_id: is required',
    ],
    [
      'tool call without id',
      { model: 'm', messages: [...user, { role: 'assistant', tool_calls: [{ type: 'function', function: { name: 'f', arguments: '{}' } }] }] },
      'messages.1.tool_calls.0.id: is required',
    ],
    ['negative max_tokens', { model: 'm', messages: user, max_tokens: -5 }, 'max_tokens: expected integer to be greater or equal to 1'],
    ['fractional max_completion_tokens', { model: 'm', messages: user, max_completion_tokens: 10.5 }, 'max_completion_tokens: expected integer, got 10.5'],
    ['NaN max_tokens', { model: 'm', messages: user, max_tokens: Number.NaN }, 'max_tokens: expected integer, got NaN'],
    ['temperature too high', { model: 'm', messages: user, temperature: 2.5 }, 'temperature: expected number to be less or equal to 2, got 2.5'],
    ['temperature as a string', { model: 'm', messages: user, temperature: '0.5' }, 'temperature: expected number or null, got "0.5"'],
    ['top_p above 1', { model: 'm', messages: user, top_p: 1.5 }, 'top_p: expected number to be less or equal to 1'],
    ['n of zero', { model: 'm', messages: user, n: 0 }, 'n: expected integer to be greater or equal to 1'],
    ['stop with a number', { model: 'm', messages: user, stop: ['a', 3] }, 'stop.1: expected string, got 3'],
    ['stream as a string', { model: 'm', messages: user, stream: 'yes' }, 'stream: expected boolean or null, got "yes"'],
    [
      'a non-function tool',
      { model: 'm', messages: user, tools: [{ type: 'custom', custom: { name: 'grammar' } }] },
      'tools.0.type: tool type "custom" is not supported; only "function" tools are',
    ],
    [
      'a tool without a name',
      { model: 'm', messages: user, tools: [{ type: 'function', function: { description: 'x' } }] },
      'tools.0.function.name: is required',
    ],
    [
      'an unknown tool_choice',
      { model: 'm', messages: user, tool_choice: 'maybe' },
      'tool_choice: expected one of "none", "auto", "required", got "maybe"',
    ],
    [
      'an unknown reasoning effort',
      { model: 'm', messages: user, reasoning_effort: 'extreme' },
      'reasoning_effort: expected one of "none", "minimal", "low", "medium", "high", "xhigh", "max", got "extreme"',
    ],
    [
      'json_schema without a schema',
      { model: 'm', messages: user, response_format: { type: 'json_schema', json_schema: { name: 'x' } } },
      'response_format.json_schema.schema: is required',
    ],
  ];

  for (const [name, body, message] of cases) {
    test(name, () => {
      const r = rejection(body);
      expect(r.status).toBe(400);
      expect(r.message).toStartWith(message);
    });
  }

  test('the offending path is reported as the param', () => {
    try {
      decode({ model: 'm', messages: [...user, { role: 'bot' }] });
      throw new Error('not rejected');
    } catch (e) {
      expect(e).toBeInstanceOf(ProxyError);
      expect((e as ProxyError).info.param).toBe('messages.1.role');
      expect((e as ProxyError).info.kind).toBe('invalid_request');
    }
  });
});
