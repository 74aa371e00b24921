import { afterAll, beforeAll, beforeEach, describe, expect, test } from 'bun:test';
import OpenAI from 'openai';
import { parseSSE } from '../../../src/util/sse.ts';
import { maskOpenAIKey, openaiErrorBody, startOpenAIMock } from './openai-mock.ts';
import type { MockServer } from './types.ts';

let mock: MockServer;
let client: OpenAI;

beforeAll(async () => {
  mock = await startOpenAIMock();
  client = new OpenAI({ apiKey: mock.key, baseURL: mock.url, maxRetries: 0 });
});
afterAll(async () => {
  await mock.stop();
});
beforeEach(() => {
  mock.reset();
});

const user = (content: string) => ({ role: 'user', content });

async function post(body: unknown, headers: Record<string, string> = {}): Promise<{ status: number; json: any }> {
  const res = await fetch(`${mock.url}/chat/completions`, {
    method: 'POST',
    headers: { authorization: `Bearer ${mock.key}`, 'content-type': 'application/json', ...headers },
    body: typeof body === 'string' ? body : JSON.stringify(body),
  });
  const text = await res.text();
  return { status: res.status, json: JSON.parse(text) };
}

/** Expects a 400 invalid_request_error and returns its error object. */
async function rejected(body: unknown): Promise<{ message: string; param: string | null; code: string | null }> {
  const { status, json } = await post(body);
  expect(status).toBe(400);
  expect(json.error.type).toBe('invalid_request_error');
  return json.error;
}

const toolCall = (id: string, name = 'get_weather') => ({
  id,
  type: 'function',
  function: { name, arguments: '{"city":"Paris"}' },
});

describe('openai mock: authentication', () => {
  test('missing Authorization is a 401 telling how to send the key', async () => {
    const res = await fetch(`${mock.url}/chat/completions`, { method: 'POST', body: '{}' });
    expect(res.status).toBe(401);
    const body: any = await res.json();
    expect(body.error.message).toStartWith("You didn't provide an API key.");
    expect(body.error).toMatchObject({ type: 'invalid_request_error', param: null, code: null });
  });

  test('a wrong key is a 401 invalid_api_key with the key masked', async () => {
    const wrong = 'sk-wrong-0123456789abcdefghij';
    const { status, json } = await post({}, { authorization: `Bearer ${wrong}` });
    expect(status).toBe(401);
    expect(json.error.code).toBe('invalid_api_key');
    expect(json.error.message).toBe(
      `Incorrect API key provided: sk-wrong${'*'.repeat(wrong.length - 12)}ghij. You can find your API key at https://platform.openai.com/account/api-keys.`,
    );
    expect(json.error.message).not.toContain(wrong);
  });

  test('maskOpenAIKey keeps 8 leading and 4 trailing characters', () => {
    expect(maskOpenAIKey('sk-abcdefghijklmnop')).toBe('sk-abcde*******mnop');
  });

  test('the SDK surfaces the 401 as AuthenticationError', async () => {
    const bad = new OpenAI({ apiKey: 'sk-nope-nope-nope', baseURL: mock.url, maxRetries: 0 });
    const err = await bad.chat.completions
      .create({ model: 'gpt-4o', messages: [{ role: 'user', content: 'x' }] })
      .catch((e: unknown) => e);
    expect(err).toBeInstanceOf(OpenAI.AuthenticationError);
  });
});

describe('openai mock: request validation', () => {
  test('a body that is not JSON', async () => {
    const err = await rejected('{"model": ');
    expect(err.message).toStartWith('We could not parse the JSON body of your request.');
  });

  test('unknown top-level parameters are named', async () => {
    expect((await rejected({ model: 'gpt-4o', messages: [user('x')], top_k: 40 })).message).toBe(
      'Unrecognized request argument supplied: top_k',
    );
    expect((await rejected({ model: 'gpt-4o', messages: [user('x')], top_k: 4, thinking: {} })).message).toBe(
      'Unrecognized request arguments supplied: top_k, thinking',
    );
  });

  test('every documented parameter is accepted', async () => {
    const { status } = await post({
      model: 'gpt-4o',
      messages: [{ role: 'developer', content: 'be terse, answer in JSON' }, user('x')],
      audio: null, frequency_penalty: 0, logit_bias: { '50256': -100 }, logprobs: true, top_logprobs: 2,
      max_completion_tokens: 100, metadata: { a: 'b' }, modalities: ['text'], n: 1, parallel_tool_calls: true,
      prediction: null, presence_penalty: 0, prompt_cache_key: 'k', reasoning_effort: 'low',
      response_format: { type: 'json_object' }, safety_identifier: 's', seed: 1, service_tier: 'auto', stop: ['###'],
      store: false, stream: false, temperature: 1.5, top_p: 1, user: 'u', verbosity: 'medium', web_search_options: {},
      tools: [{ type: 'function', function: { name: 'f', parameters: { type: 'object', properties: {} } } }],
      tool_choice: 'auto',
    });
    expect(status).toBe(200);
  });

  test('model and messages are required; messages must not be empty', async () => {
    expect((await rejected({ messages: [user('x')] })).message).toBe('you must provide a model parameter');
    expect(await rejected({ model: 'gpt-4o' })).toMatchObject({
      message: "Missing required parameter: 'messages'.",
      param: 'messages',
      code: 'missing_required_parameter',
    });
    expect(await rejected({ model: 'gpt-4o', messages: [] })).toMatchObject({ param: 'messages', code: 'empty_array' });
  });

  test('roles are checked', async () => {
    expect(await rejected({ model: 'gpt-4o', messages: [{ role: 'model', content: 'x' }] })).toMatchObject({
      message: "Invalid value: 'model'. Supported values are: 'system', 'assistant', 'user', 'function', 'tool', and 'developer'.",
      param: 'messages[0].role',
      code: 'invalid_value',
    });
  });

  test("DeepSeek's models know no developer role", async () => {
    const body = { model: 'deepseek-chat', messages: [{ role: 'developer', content: 'x' }, { role: 'user', content: 'hi' }] };
    expect((await rejected(body)).message).toStartWith(
      'Failed to deserialize the JSON body into the target type: messages[0].role: unknown variant `developer`, expected one of `system`, `user`, `assistant`, `tool`',
    );
    expect((await post({ ...body, model: 'gpt-4o' })).status).toBe(200);
  });

  test('DeepSeek refuses an empty tools array, which OpenAI takes', async () => {
    const body = { model: 'deepseek-chat', tools: [], messages: [{ role: 'user', content: 'hi' }] };
    expect((await rejected(body)).message).toBe("Invalid 'tools': empty array. Expected an array with minimum length 1, but got an empty array instead.");
    expect((await post({ ...body, model: 'gpt-4o' })).status).toBe(200);
  });

  test("DeepSeek's thinking models take no forced tool choice", async () => {
    const tools = [{ type: 'function', function: { name: 'f', parameters: { type: 'object', properties: {} } } }];
    const body = (model: string, tool_choice: unknown) => ({ model, tools, tool_choice, messages: [{ role: 'user', content: 'hi' }] });
    for (const choice of ['required', { type: 'function', function: { name: 'f' } }]) {
      expect((await rejected(body('deepseek-v4-pro', choice))).message).toBe('Thinking mode does not support this tool_choice');
      expect((await post(body('deepseek-chat', choice))).status).toBe(200);
    }
    expect((await post(body('deepseek-v4-flash', 'auto'))).status).toBe(200);
    expect((await rejected(body('glm-4.6', 'required'))).message).toBe('Tool choice must be auto');
    expect((await post(body('glm-4.6', 'auto'))).status).toBe(200);
  });

  test("DashScope's Qwen3 open models and QwQ answer only streamed", async () => {
    const body = (model: string, stream?: boolean) => ({ model, messages: [{ role: 'user', content: 'hi' }], ...(stream ? { stream } : {}) });
    for (const model of ['qwen3-32b', 'qwen3-235b-a22b-thinking-2507', 'qwq-plus']) {
      expect((await post(body(model))).json).toMatchObject({
        error: { code: 'invalid_parameter_error', message: 'parameter.enable_thinking must be set to false for non-streaming calls' },
      });
      const streamed = await fetch(`${mock.url}/chat/completions`, {
        method: 'POST',
        headers: { authorization: `Bearer ${mock.key}`, 'content-type': 'application/json' },
        body: JSON.stringify(body(model, true)),
      });
      expect(streamed.status).toBe(200);
      expect(await streamed.text()).toEndWith('data: [DONE]\n\n');
    }
    for (const model of ['qwen3-235b-a22b-instruct-2507', 'qwen-plus', 'qwen3-coder-plus']) expect((await post(body(model))).status).toBe(200);
  });

  test('content parts must suit the role', async () => {
    const err = await rejected({
      model: 'gpt-4o',
      messages: [{ role: 'system', content: [{ type: 'image_url', image_url: { url: 'https://x/a.png' } }] }, user('x')],
    });
    expect(err).toMatchObject({ param: 'messages[0].content[0].type', code: 'invalid_value' });
  });

  test('part payloads: data URLs, audio formats, tool_call_id', async () => {
    const userParts = (part: unknown) => ({ model: 'gpt-4o', messages: [{ role: 'user', content: [part] }] });
    expect(await rejected(userParts({ type: 'image_url', image_url: { url: 'data:image/png,notbase64' } }))).toMatchObject({
      param: 'messages[0].content[0].image_url.url',
      code: 'invalid_value',
    });
    expect(await rejected(userParts({ type: 'input_audio', input_audio: { data: 'AAAA', format: 'ogg' } }))).toMatchObject({
      message: "Invalid value: 'ogg'. Supported values are: 'wav' and 'mp3'.",
      param: 'messages[0].content[0].input_audio.format',
    });
    const noId = await rejected({
      model: 'gpt-4o',
      messages: [user('x'), { role: 'assistant', tool_calls: [toolCall('call_a')] }, { role: 'tool', content: 'r' }],
    });
    expect(noId).toMatchObject({
      message: "Missing parameter 'tool_call_id': messages with role 'tool' must have a 'tool_call_id'.",
      param: 'messages.[2].tool_call_id',
    });
  });

  test('tool calls must be answered by tool messages for every id', async () => {
    const err = await rejected({
      model: 'gpt-4o',
      messages: [
        user('weather?'),
        { role: 'assistant', content: null, tool_calls: [toolCall('call_a'), toolCall('call_b')] },
        { role: 'tool', tool_call_id: 'call_a', content: '21C' },
        user('thanks'),
      ],
    });
    expect(err.message).toBe(
      "An assistant message with 'tool_calls' must be followed by tool messages responding to each 'tool_call_id'. The following tool_call_ids did not have response messages: call_b",
    );
    expect(err.param).toBe('messages.[1].role');
  });

  test('a tool message must answer a preceding tool call', async () => {
    const expected = "Invalid parameter: messages with role 'tool' must be a response to a preceeding message with 'tool_calls'.";
    const orphan = await rejected({ model: 'gpt-4o', messages: [user('x'), { role: 'tool', tool_call_id: 'call_a', content: 'r' }] });
    expect(orphan).toMatchObject({ message: expected, param: 'messages.[1].role' });
    const wrongId = await rejected({
      model: 'gpt-4o',
      messages: [
        user('x'),
        { role: 'assistant', tool_calls: [toolCall('call_a')] },
        { role: 'tool', tool_call_id: 'call_a', content: 'r' },
        { role: 'tool', tool_call_id: 'call_zzz', content: 'r' },
      ],
    });
    expect(wrongId.message).toBe(expected);
  });

  test('a complete tool round trip is accepted', async () => {
    const { status } = await post({
      model: 'gpt-4o',
      messages: [
        user('weather?'),
        { role: 'assistant', content: null, tool_calls: [toolCall('call_a'), toolCall('call_b', 'get_time')] },
        { role: 'tool', tool_call_id: 'call_b', content: 'noon' },
        { role: 'tool', tool_call_id: 'call_a', content: [{ type: 'text', text: '21C' }] },
      ],
      tools: [
        { type: 'function', function: { name: 'get_weather' } },
        { type: 'function', function: { name: 'get_time' } },
      ],
    });
    expect(status).toBe(200);
  });

  test('tool-call arguments must be a JSON string and tool_calls non-empty', async () => {
    const obj = await rejected({
      model: 'gpt-4o',
      messages: [
        user('x'),
        { role: 'assistant', tool_calls: [{ id: 'call_a', type: 'function', function: { name: 'f', arguments: { a: 1 } } }] },
        { role: 'tool', tool_call_id: 'call_a', content: 'r' },
      ],
    });
    expect(obj).toMatchObject({ param: 'messages[1].tool_calls[0].function.arguments', code: 'invalid_type' });
    const empty = await rejected({ model: 'gpt-4o', messages: [user('x'), { role: 'assistant', content: 'a', tool_calls: [] }] });
    expect(empty.code).toBe('empty_array');
  });

  test('stream_options only with stream: true', async () => {
    for (const stream of [undefined, false]) {
      const err = await rejected({ model: 'gpt-4o', messages: [user('x')], stream, stream_options: { include_usage: true } });
      expect(err).toMatchObject({
        message: "The 'stream_options' parameter is only allowed when 'stream' is enabled.",
        param: 'stream_options',
      });
    }
  });

  test('function names follow ^[a-zA-Z0-9_-]{1,64}$', async () => {
    const tools = (name: string) => ({ model: 'gpt-4o', messages: [user('x')], tools: [{ type: 'function', function: { name } }] });
    expect(await rejected(tools('mcp.read:file'))).toMatchObject({ param: 'tools[0].function.name', code: 'invalid_value' });
    expect(await rejected(tools('a'.repeat(65)))).toMatchObject({ code: 'string_above_max_length' });
    expect((await post(tools('a'.repeat(64)))).status).toBe(200);
  });

  test('max_tokens and max_completion_tokens together', async () => {
    expect(await rejected({ model: 'gpt-4o', messages: [user('x')], max_tokens: 10, max_completion_tokens: 10 })).toMatchObject({
      message: "Setting 'max_tokens' and 'max_completion_tokens' at the same time is not supported.",
      code: 'invalid_parameter_combination',
    });
  });

  test('tool_choice and parallel_tool_calls need tools', async () => {
    expect((await rejected({ model: 'gpt-4o', messages: [user('x')], tool_choice: 'auto' })).param).toBe('tool_choice');
    expect((await rejected({ model: 'gpt-4o', messages: [user('x')], parallel_tool_calls: false })).param).toBe(
      'parallel_tool_calls',
    );
  });

  test('a strict function needs every object closed and every property required (laravel/ai#506)', async () => {
    const fn = (parameters: Record<string, unknown>, strict: boolean) => ({ model: 'gpt-4o', messages: [user('x')], tools: [{ type: 'function', function: { name: 'read', parameters, strict } }] });
    const optional = { type: 'object', properties: { path: { type: 'string' }, limit: { type: 'integer' } }, required: ['path'], additionalProperties: false };
    expect(await rejected(fn(optional, true))).toMatchObject({
      message: "Invalid schema for function 'read': In context=(), 'required' is required to be supplied and to be an array including every key in properties. Missing 'limit'.",
      param: 'tools[0].function.parameters',
      code: 'invalid_function_parameters',
    });
    expect((await post(fn(optional, false))).status).toBe(200);
    expect((await post(fn({ ...optional, required: ['path', 'limit'] }, true))).status).toBe(200);
  });

  test('ranges OpenAI enforces that other providers do not', async () => {
    expect((await rejected({ model: 'gpt-4o', messages: [user('x')], temperature: 2.5 })).code).toBe('decimal_above_max_value');
    expect((await rejected({ model: 'gpt-4o', messages: [user('x')], stop: ['a', 'b', 'c', 'd', 'e'] })).code).toBe(
      'array_above_max_length',
    );
    expect((await rejected({ model: 'gpt-4o', messages: [user('x')], reasoning_effort: 'huge' })).code).toBe('invalid_value');
  });

  test('an end-user id longer than 64 characters is rejected', async () => {
    expect(await rejected({ model: 'gpt-4o', messages: [user('x')], user: 'u'.repeat(65) })).toMatchObject({
      message: "Invalid 'user': string too long. Expected a string with maximum length 64, but got a string with length 65 instead.",
      param: 'user',
      code: 'string_above_max_length',
    });
    expect((await post({ model: 'gpt-4o', messages: [user('x')], user: 'u'.repeat(64) })).status).toBe(200);
  });

  test('rejected requests are recorded with their status and body', async () => {
    await post({ model: 'gpt-4o', messages: [user('x')], top_k: 1 });
    expect(mock.calls).toHaveLength(1);
    expect(mock.calls[0]).toMatchObject({ method: 'POST', url: '/v1/chat/completions', status: 400, aborted: false });
    expect((mock.calls[0]!.body as any).top_k).toBe(1);
    expect(mock.calls[0]!.headers.authorization).toBe(`Bearer ${mock.key}`);
  });

  test('a rejected request does not consume a queued reply', async () => {
    mock.queue({ text: 'queued' });
    await rejected({ model: 'gpt-4o', messages: [] });
    const res = await client.chat.completions.create({ model: 'gpt-4o', messages: [{ role: 'user', content: 'x' }] });
    expect(res.choices[0]!.message.content).toBe('queued');
  });

  test('unknown paths are 404 Invalid URL', async () => {
    const res = await fetch(`${mock.url}/completions`, { method: 'POST', headers: { authorization: `Bearer ${mock.key}` } });
    expect(res.status).toBe(404);
    expect(((await res.json()) as any).error.message).toBe('Invalid URL (POST /v1/completions)');
  });
});

describe('openai mock: what newer models refuse', () => {
  const tools = [{ type: 'function', function: { name: 'f', parameters: { type: 'object', properties: {} } } }];
  const ask = (model: string, extra: Record<string, unknown>) => ({ model, messages: [user('hi')], ...extra });

  test('stop on o3, o4-mini and gpt-5; parallel_tool_calls on the o-series', async () => {
    for (const model of ['o3', 'o4-mini-2025-04-16', 'gpt-5.2', 'openai/gpt-5-nano']) {
      expect(await rejected(ask(model, { stop: ['x'] }))).toMatchObject({
        message: "Unsupported parameter: 'stop' is not supported with this model.",
        param: 'stop',
        code: 'unsupported_parameter',
      });
    }
    expect((await post(ask('o3-mini', { stop: ['x'] }))).status).toBe(200);
    expect((await rejected(ask('o1', { tools, parallel_tool_calls: false }))).param).toBe('parallel_tool_calls');
  });

  test('reasoning_effort values per model, in the API\'s words', async () => {
    expect((await rejected(ask('gpt-5.1', { reasoning_effort: 'minimal' }))).message).toBe(
      "Unsupported value: 'reasoning_effort' does not support 'minimal' with this model. Supported values are: 'none', 'low', 'medium', and 'high'.",
    );
    expect((await rejected(ask('gpt-5-mini-2025-08-07', { reasoning_effort: 'xhigh' }))).code).toBe('unsupported_value');
    expect((await rejected(ask('gpt-5.2-chat-latest', { reasoning_effort: 'high' }))).message).toContain("Supported values are: 'medium'.");
    expect((await post(ask('gpt-5.2', { reasoning_effort: 'xhigh' }))).status).toBe(200);
  });

  test('verbosity other than the default on the models before gpt-5', async () => {
    expect((await rejected(ask('gpt-4o', { verbosity: 'low' }))).message).toBe(
      "Unsupported value: 'verbosity' does not support 'low' with this model. Supported values are: 'medium'.",
    );
    expect((await post(ask('gpt-4o', { verbosity: 'medium' }))).status).toBe(200);
    expect((await post(ask('gpt-5.2', { verbosity: 'low' }))).status).toBe(200);
  });

  test('function tools with reasoning: gpt-5.4 refuses an effort; gpt-5.6 anything but "none"', async () => {
    expect((await rejected(ask('gpt-5.4', { tools, reasoning_effort: 'low' }))).message).toBe(
      'Function tools with reasoning_effort are not supported for gpt-5.4 in /v1/chat/completions. Please use /v1/responses instead.',
    );
    expect((await post(ask('gpt-5.4', { tools }))).status).toBe(200);
    expect((await rejected(ask('gpt-5.6-terra', { tools }))).message).toContain("set reasoning_effort to 'none'");
    expect((await post(ask('gpt-5.6-terra', { tools, reasoning_effort: 'none' }))).status).toBe(200);
  });

  test('the search models refuse sampling; reasoning models max_tokens and penalties', async () => {
    expect(await rejected(ask('gpt-4o-search-preview', { temperature: 0.5, top_p: 1 }))).toMatchObject({
      message: 'Model incompatible request arguments supplied: temperature, top_p',
      param: null,
    });
    expect((await rejected(ask('o3-mini', { max_tokens: 10 }))).message).toContain("Use 'max_completion_tokens' instead.");
    expect((await rejected(ask('gpt-5-mini', { presence_penalty: 0.5 }))).param).toBe('presence_penalty');
  });
});

describe('openai mock: limits other protocols do not have', () => {
  const ask = (extra: Record<string, unknown>, model = 'gpt-4o') => ({ model, messages: [user('hi')], ...extra });

  test('max tokens above the model\'s output ceiling, in the API\'s words; unknown models pass', async () => {
    expect(await rejected(ask({ max_tokens: 32000 }))).toMatchObject({
      message: 'max_tokens is too large: 32000. This model supports at most 16384 completion tokens, whereas you provided 32000.',
      param: 'max_tokens',
      code: 'invalid_value',
    });
    expect((await rejected(ask({ max_completion_tokens: 200000 }, 'o3'))).param).toBe('max_completion_tokens');
    expect((await post(ask({ max_tokens: 32768 }, 'gpt-4.1'))).status).toBe(200);
    expect((await post(ask({ max_tokens: 200000 }, 'qwen3-coder'))).status).toBe(200);
  });

  test('json_object needs "json" somewhere in the messages', async () => {
    expect((await rejected(ask({ response_format: { type: 'json_object' } }))).message).toBe(
      "'messages' must contain the word 'json' in some form, to use 'response_format' of type 'json_object'.",
    );
    const said = { model: 'gpt-4o', messages: [{ role: 'system', content: 'Reply in JSON.' }, user('hi')] };
    expect((await post({ ...said, response_format: { type: 'json_object' } })).status).toBe(200);
  });

  test('file_data takes PDFs only', async () => {
    const file = (type: string) => [
      user('hi'),
      { role: 'user', content: [{ type: 'file', file: { file_data: `data:${type};base64,aGk=`, filename: 'f' } }] },
    ];
    expect(await rejected({ model: 'gpt-4o', messages: file('text/plain') })).toMatchObject({
      param: 'messages[1].content[0].file.file_data',
      code: 'invalid_value',
    });
    expect((await post({ model: 'gpt-4o', messages: file('application/pdf') })).status).toBe(200);
  });
});

describe('openai mock: non-streaming replies', () => {
  test('default reply echoes the last user text, with realistic ids and usage', async () => {
    const res = await client.chat.completions.create({
      model: 'gpt-4o-mini',
      messages: [
        { role: 'user', content: 'first' },
        { role: 'assistant', content: 'ok' },
        { role: 'user', content: [{ type: 'text', text: 'hello' }, { type: 'text', text: 'world' }] },
      ],
    });
    expect(res.id).toMatch(/^chatcmpl-/);
    expect(res.object).toBe('chat.completion');
    expect(res.model).toBe('gpt-4o-mini');
    expect(res.choices[0]!.message.content).toBe('mock(openai) heard: hello world');
    expect(res.choices[0]!.finish_reason).toBe('stop');
    expect(res.usage!.prompt_tokens).toBeGreaterThan(0);
    expect(res.usage!.completion_tokens).toBeGreaterThan(0);
    expect(res.usage!.total_tokens).toBe(res.usage!.prompt_tokens + res.usage!.completion_tokens);
  });

  test('tool calls, reasoning, finish and usage from the MockReply', async () => {
    mock.queue({
      thinking: 'need weather',
      toolCalls: [
        { name: 'get_weather', args: { city: 'Paris' } },
        { name: 'get_time', args: {} },
      ],
      usage: { input: 100, output: 40, cached: 60, reasoning: 10 },
    });
    const res = await client.chat.completions.create({ model: 'gpt-4o', messages: [{ role: 'user', content: 'x' }] });
    const msg = res.choices[0]!.message;
    expect(msg.content).toBeNull();
    expect((msg as unknown as { reasoning_content: string }).reasoning_content).toBe('need weather');
    expect(msg.tool_calls!.map((t) => (t.type === 'function' ? [t.function.name, JSON.parse(t.function.arguments)] : []))).toEqual([
      ['get_weather', { city: 'Paris' }],
      ['get_time', {}],
    ]);
    expect(msg.tool_calls![0]!.id).toMatch(/^call_/);
    expect(res.choices[0]!.finish_reason).toBe('tool_calls');
    expect(res.usage).toMatchObject({
      prompt_tokens: 100,
      completion_tokens: 40,
      total_tokens: 140,
      prompt_tokens_details: { cached_tokens: 60 },
      completion_tokens_details: { reasoning_tokens: 10 },
    });
  });

  test('replies are used in order, then the default', async () => {
    mock.queue({ text: 'one' }, { text: 'two', finish: 'length' });
    const ask = () => client.chat.completions.create({ model: 'gpt-4o', messages: [{ role: 'user', content: 'q' }] });
    const a = await ask();
    const b = await ask();
    const c = await ask();
    expect(a.choices[0]!.message.content).toBe('one');
    expect(b.choices[0]!).toMatchObject({ message: { content: 'two' }, finish_reason: 'length' });
    expect(c.choices[0]!.message.content).toBe('mock(openai) heard: q');
  });

  test('an error reply is sent as given, headers included', async () => {
    const body = openaiErrorBody({ message: 'Rate limit reached', type: 'requests', param: null, code: 'rate_limit_exceeded' });
    mock.queue({ error: { status: 429, body, headers: { 'retry-after': '7' } } });
    const err = await client.chat.completions
      .create({ model: 'gpt-4o', messages: [{ role: 'user', content: 'x' }] })
      .catch((e: unknown) => e);
    expect(err).toBeInstanceOf(OpenAI.RateLimitError);
    expect((err as InstanceType<typeof OpenAI.RateLimitError>).headers.get('retry-after')).toBe('7');
    expect((err as InstanceType<typeof OpenAI.RateLimitError>).code).toBe('rate_limit_exceeded');
    expect(mock.calls[0]!.status).toBe(429);
  });

  test('models list and retrieve', async () => {
    const ids: string[] = [];
    for await (const m of client.models.list()) ids.push(m.id);
    expect(ids).toContain('gpt-4o');
    expect((await client.models.retrieve('gpt-4o')).object).toBe('model');
    expect(await client.models.retrieve('nope').catch((e: unknown) => e)).toBeInstanceOf(OpenAI.NotFoundError);
  });
});

/** Reads a streaming response as raw byte chunks (bounded by the stream itself). */
async function rawChunks(body: unknown): Promise<{ status: number; chunks: Uint8Array[] }> {
  const res = await fetch(`${mock.url}/chat/completions`, {
    method: 'POST',
    headers: { authorization: `Bearer ${mock.key}`, 'content-type': 'application/json' },
    body: JSON.stringify(body),
  });
  const chunks: Uint8Array[] = [];
  for await (const c of res.body!) chunks.push(c);
  return { status: res.status, chunks };
}

const concat = (chunks: Uint8Array[]): string => new TextDecoder().decode(Buffer.concat(chunks));

describe('openai mock: streaming', () => {
  test('the SDK rebuilds text from several deltas; usage only with include_usage', async () => {
    mock.queue({ text: 'one two three four' });
    const chunks = [];
    const stream = await client.chat.completions.create({
      model: 'gpt-4o',
      messages: [{ role: 'user', content: 'x' }],
      stream: true,
      stream_options: { include_usage: true },
    });
    for await (const c of stream) chunks.push(c);
    const text = chunks.map((c) => c.choices[0]?.delta.content ?? '').join('');
    expect(text).toBe('one two three four');
    expect(chunks.filter((c) => c.choices[0]?.delta.content).length).toBe(4);
    expect(chunks[0]!.choices[0]!.delta.role).toBe('assistant');
    const finishIdx = chunks.findIndex((c) => c.choices[0]?.finish_reason === 'stop');
    const last = chunks[chunks.length - 1]!;
    expect(finishIdx).toBe(chunks.length - 2);
    expect(last.choices).toEqual([]);
    expect(last.usage!.total_tokens).toBeGreaterThan(0);
    expect(new Set(chunks.map((c) => c.id)).size).toBe(1);

    const plain = await client.chat.completions.create({ model: 'gpt-4o', messages: [{ role: 'user', content: 'x' }], stream: true });
    const plainChunks = [];
    for await (const c of plain) plainChunks.push(c);
    expect(plainChunks.some((c) => c.usage)).toBe(false);
    expect(plainChunks[plainChunks.length - 1]!.choices[0]!.finish_reason).toBe('stop');
  });

  test('wire format: data-only frames ending in [DONE]', async () => {
    const { chunks } = await rawChunks({ model: 'gpt-4o', messages: [user('hi')], stream: true });
    const msgs = parseSSE(concat(chunks));
    expect(msgs.every((m) => m.event === undefined)).toBe(true);
    expect(msgs[msgs.length - 1]!.data).toBe('[DONE]');
    expect(JSON.parse(msgs[0]!.data).object).toBe('chat.completion.chunk');
  });

  test('parallel tool calls stream by index with arguments in fragments', async () => {
    mock.queue({
      toolCalls: [
        { name: 'get_weather', args: { city: 'Paris', days: [1, 2, 3] } },
        { name: 'get_time', args: { tz: 'Europe/Paris' } },
      ],
    });
    const runner = client.chat.completions.stream({ model: 'gpt-4o', messages: [{ role: 'user', content: 'x' }] });
    const deltas: number[] = [];
    runner.on('chunk', (c) => {
      for (const tc of c.choices[0]?.delta.tool_calls ?? []) if (tc.function?.arguments) deltas.push(tc.index);
    });
    const final = await runner.finalChatCompletion();
    const calls = final.choices[0]!.message.tool_calls!;
    expect(calls.map((t) => (t.type === 'function' ? t.function.name : ''))).toEqual(['get_weather', 'get_time']);
    expect(calls.map((t) => (t.type === 'function' ? JSON.parse(t.function.arguments) : null))).toEqual([
      { city: 'Paris', days: [1, 2, 3] },
      { tz: 'Europe/Paris' },
    ]);
    expect(final.choices[0]!.finish_reason).toBe('tool_calls');
    expect(deltas.filter((i) => i === 0).length).toBeGreaterThan(1);
    expect(deltas).toContain(1);
  });

  test('reasoning arrives as reasoning_content deltas before the text', async () => {
    mock.queue({ thinking: 'let me see', text: 'answer' });
    const stream = await client.chat.completions.create({ model: 'gpt-4o', messages: [{ role: 'user', content: 'x' }], stream: true });
    let reasoning = '';
    let order = '';
    for await (const c of stream) {
      const d = c.choices[0]?.delta as { reasoning_content?: string; content?: string } | undefined;
      if (d?.reasoning_content) {
        reasoning += d.reasoning_content;
        order += 'r';
      }
      if (d?.content) order += 'c';
    }
    expect(reasoning).toBe('let me see');
    expect(order).toMatch(/^r+c+$/);
  });

  test('midStreamErrorAfter: the SDK raises the in-band error after N content chunks', async () => {
    mock.queue({ text: 'a b c d e', midStreamErrorAfter: 2 });
    const stream = await client.chat.completions.create({ model: 'gpt-4o', messages: [{ role: 'user', content: 'x' }], stream: true });
    let text = '';
    const err = await (async () => {
      for await (const c of stream) text += c.choices[0]?.delta.content ?? '';
    })().catch((e: unknown) => e);
    expect(err).toBeInstanceOf(OpenAI.APIError);
    expect((err as Error).message).toContain('The server had an error');
    expect(text).toBe('a b ');
  });

  test('truncateAfter: the body ends without finish chunk or [DONE]', async () => {
    mock.queue({ text: 'a b c d e', truncateAfter: 3 });
    const { status, chunks } = await rawChunks({ model: 'gpt-4o', messages: [user('x')], stream: true });
    expect(status).toBe(200);
    const msgs = parseSSE(concat(chunks));
    expect(msgs.some((m) => m.data === '[DONE]')).toBe(false);
    const content = msgs.map((m) => JSON.parse(m.data).choices[0]?.delta.content ?? '').join('');
    expect(content).toBe('a b c ');
    expect(msgs.some((m) => JSON.parse(m.data).choices[0]?.finish_reason)).toBe(false);
  });

  test('splitBytes writes frames in pieces that split multi-byte characters', async () => {
    // A 4-byte character always straddles a piece boundary when pieces are at most 3 bytes; several of
    // them keep the check meaningful even if the client's reads merge a few pieces.
    const text = 'hé 🌍🌍🌍 日本 🎉🎉🎉';
    mock.queue({ text, splitBytes: 3 }, { text, splitBytes: 3 });
    const body = { model: 'gpt-4o', messages: [user('x')], stream: true, stream_options: { include_obfuscation: false } };
    const sdkRead = (async () => {
      const stream = await client.chat.completions.create({ ...body, messages: [{ role: 'user', content: 'x' }], stream: true });
      let out = '';
      for await (const c of stream) out += c.choices[0]?.delta.content ?? '';
      return out;
    })();
    const [{ chunks }, sdkText] = await Promise.all([rawChunks(body), sdkRead]);

    const frames = parseSSE(concat(chunks)).length;
    expect(chunks.length).toBeGreaterThan(frames * 10);
    const strict = new TextDecoder('utf-8', { fatal: true });
    const undecodable = chunks.filter((c) => {
      try {
        strict.decode(c);
        return false;
      } catch {
        return true;
      }
    });
    expect(undecodable.length).toBeGreaterThan(0);
    const content = parseSSE(concat(chunks))
      .filter((m) => m.data !== '[DONE]')
      .map((m) => JSON.parse(m.data).choices[0]?.delta.content ?? '')
      .join('');
    expect(content).toBe(text);
    expect(sdkText).toBe(text);
    expect(frames).toBe(7);
  });

  test('headerDelayMs and chunkDelayMs pace the response', async () => {
    mock.queue({ text: 'a b c', headerDelayMs: 150, chunkDelayMs: 40 });
    const t0 = performance.now();
    const res = await fetch(`${mock.url}/chat/completions`, {
      method: 'POST',
      headers: { authorization: `Bearer ${mock.key}`, 'content-type': 'application/json' },
      body: JSON.stringify({ model: 'gpt-4o', messages: [user('x')], stream: true }),
    });
    const tHeaders = performance.now() - t0;
    await res.text();
    const tBody = performance.now() - t0;
    expect(tHeaders).toBeGreaterThanOrEqual(140);
    // role + 3 deltas + finish + [DONE] = 6 frames, 5 gaps of 40 ms.
    expect(tBody - tHeaders).toBeGreaterThanOrEqual(180);
  });

  test('a client that disconnects mid-stream is recorded as aborted', async () => {
    mock.queue({ text: 'a b c d e f g h', chunkDelayMs: 30 });
    const ac = new AbortController();
    const res = await fetch(`${mock.url}/chat/completions`, {
      method: 'POST',
      headers: { authorization: `Bearer ${mock.key}`, 'content-type': 'application/json' },
      body: JSON.stringify({ model: 'gpt-4o', messages: [user('x')], stream: true }),
      signal: ac.signal,
    });
    const reader = res.body!.getReader();
    await reader.read();
    ac.abort();
    await reader.cancel().catch(() => undefined);
    for (let i = 0; i < 100 && !mock.calls[0]!.aborted; i++) await Bun.sleep(10);
    expect(mock.calls[0]!.aborted).toBe(true);
  });

  test('a stream read to the end is not aborted', async () => {
    const { status } = await rawChunks({ model: 'gpt-4o', messages: [user('x')], stream: true });
    expect(status).toBe(200);
    await Bun.sleep(20);
    expect(mock.calls[0]!.aborted).toBe(false);
  });
});

describe('openai mock: contract helpers', () => {
  test('waitForCalls resolves when the count is reached and rejects after its timeout', async () => {
    const waiting = mock.waitForCalls(2, 1000);
    await post({ model: 'gpt-4o', messages: [user('x')] });
    await post({ model: 'gpt-4o', messages: [user('y')] });
    await waiting;
    await expect(mock.waitForCalls(3, 50)).rejects.toThrow('expected 3 calls');
  });

  test('url is the /v1 base the proxy config wants', () => {
    expect(mock.url).toMatch(/^http:\/\/127\.0\.0\.1:\d+\/v1$/);
  });
});
