import { afterAll, beforeAll, beforeEach, describe, expect, test } from 'bun:test';
import { ApiError, FinishReason, GoogleGenAI, type GenerateContentResponse } from '@google/genai';
import { parseSSE } from '../../../src/util/sse.ts';
import { geminiQuotaError, SKIP_SIGNATURE, startGeminiMock, type GeminiMock } from './gemini-mock.ts';

let mock: GeminiMock;

beforeAll(async () => {
  mock = await startGeminiMock({ key: 'AIzaSy-test-key' });
});
afterAll(async () => {
  await mock.stop();
});
beforeEach(() => mock.reset());

interface Sent {
  status: number;
  headers: Headers;
  text: string;
  // Response bodies are asserted deep and field by field; typing every Google shape here would add nothing.
  json: () => any;
}

async function send(
  path: string,
  body?: unknown,
  init: { method?: string; headers?: Record<string, string>; auth?: boolean } = {},
): Promise<Sent> {
  const headers: Record<string, string> = { 'content-type': 'application/json', ...init.headers };
  if (init.auth !== false) headers['x-goog-api-key'] = mock.key;
  const res = await fetch(`${mock.url}${path}`, {
    method: init.method ?? (body === undefined ? 'GET' : 'POST'),
    headers,
    body: body === undefined ? undefined : typeof body === 'string' ? body : JSON.stringify(body),
  });
  const text = await res.text();
  return { status: res.status, headers: res.headers, text, json: () => JSON.parse(text) };
}

const generate = (body: unknown, model = 'gemini-2.5-flash'): Promise<Sent> =>
  send(`/v1beta/models/${model}:generateContent`, body);

const user = (text: string) => ({ role: 'user', parts: [{ text }] });
const call = (name: string, args: Record<string, unknown> = {}, thoughtSignature?: string) => ({
  functionCall: { name, args },
  ...(thoughtSignature === undefined ? {} : { thoughtSignature }),
});
const answer = (name: string, output = 'ok') => ({ functionResponse: { name, response: { output } } });

/** Expects a 400 INVALID_ARGUMENT whose message is (or contains) the given text. */
async function expect400(res: Promise<Sent>, message: string, exact = true): Promise<any> {
  const r = await res;
  expect(r.status).toBe(400);
  const body = r.json();
  expect(body.error.code).toBe(400);
  expect(body.error.status).toBe('INVALID_ARGUMENT');
  if (exact) expect(body.error.message).toBe(message);
  else expect(body.error.message).toContain(message);
  return body;
}

function sdk(): GoogleGenAI {
  // SDK 3.3.0 defaults to /v1 for the Gemini API; the proxy (and this mock) speak /v1beta.
  return new GoogleGenAI({ apiKey: mock.key, httpOptions: { baseUrl: mock.url, apiVersion: 'v1beta' } });
}

async function collect(stream: AsyncGenerator<GenerateContentResponse>): Promise<GenerateContentResponse[]> {
  const out: GenerateContentResponse[] = [];
  for await (const chunk of stream) out.push(chunk);
  return out;
}

describe('auth', () => {
  test('no key at all: 403 PERMISSION_DENIED, as Google answers unregistered callers', async () => {
    const r = await send('/v1beta/models/gemini-2.5-flash:generateContent', { contents: [user('hi')] }, { auth: false });
    expect(r.status).toBe(403);
    expect(r.json().error).toEqual({
      code: 403,
      message:
        "Method doesn't allow unregistered callers (callers without established identity). Please use API Key or other form of API consumer identity to call this API.",
      status: 'PERMISSION_DENIED',
    });
    expect(mock.calls[0]?.status).toBe(403);
  });

  test('wrong key: 400 API_KEY_INVALID with ErrorInfo', async () => {
    const body = await expect400(
      send('/v1beta/models/gemini-2.5-flash:generateContent', { contents: [user('hi')] }, { auth: false, headers: { 'x-goog-api-key': 'nope' } }),
      'API key not valid. Please pass a valid API key.',
    );
    expect(body.error.details[0]).toMatchObject({ '@type': 'type.googleapis.com/google.rpc.ErrorInfo', reason: 'API_KEY_INVALID' });
  });

  test('the key may come as ?key=', async () => {
    const r = await send(`/v1beta/models/gemini-2.5-flash:generateContent?key=${mock.key}`, { contents: [user('hi')] }, { auth: false });
    expect(r.status).toBe(200);
    const bad = await send('/v1beta/models/gemini-2.5-flash:generateContent?key=wrong', { contents: [user('hi')] }, { auth: false });
    expect(bad.json().error.message).toBe('API key not valid. Please pass a valid API key.');
  });

  test('the key sent as a Bearer token is not an API key: 401 UNAUTHENTICATED', async () => {
    const r = await send(
      '/v1beta/models/gemini-2.5-flash:generateContent',
      { contents: [user('hi')] },
      { auth: false, headers: { authorization: `Bearer ${mock.key}` } },
    );
    expect(r.status).toBe(401);
    expect(r.json().error.status).toBe('UNAUTHENTICATED');
  });
});

describe('routes', () => {
  test('unknown paths get an HTML 404, as Google front ends answer', async () => {
    const r = await send('/v1/chat/completions', { contents: [user('hi')] });
    expect(r.status).toBe(404);
    expect(r.headers.get('content-type')).toContain('text/html');
    expect(mock.calls[0]).toMatchObject({ method: 'POST', url: '/v1/chat/completions', status: 404 });
  });

  test('unknown model: 404 NOT_FOUND naming the model and method', async () => {
    const r = await send('/v1beta/models/gpt-4o:generateContent', { contents: [user('hi')] });
    expect(r.status).toBe(404);
    expect(r.json().error).toEqual({
      code: 404,
      status: 'NOT_FOUND',
      message:
        'models/gpt-4o is not found for API version v1beta, or is not supported for generateContent. Call ListModels to see the list of available models and their supported methods.',
    });
  });

  test('model list: names carry the models/ prefix and paging works', async () => {
    const all = (await send('/v1beta/models')).json();
    expect(all.models.length).toBeGreaterThan(3);
    for (const m of all.models) expect(m.name).toMatch(/^models\/(gemini|gemma)-/);
    expect(all.nextPageToken).toBeUndefined();
    const first = (await send('/v1beta/models?pageSize=2')).json();
    expect(first.models).toHaveLength(2);
    const second = (await send(`/v1beta/models?pageSize=2&pageToken=${first.nextPageToken}`)).json();
    expect(second.models[0].name).toBe(all.models[2].name);
  });

  test('the SDK lists models through the mock', async () => {
    const pager = await sdk().models.list();
    const names: string[] = [];
    for await (const m of pager) names.push(m.name ?? '');
    expect(names).toContain('models/gemini-2.5-flash');
  });

  test('single model lookup', async () => {
    const r = await send('/v1beta/models/gemini-2.5-pro');
    expect(r.json()).toMatchObject({ name: 'models/gemini-2.5-pro', supportedGenerationMethods: expect.arrayContaining(['generateContent']) });
    expect((await send('/v1beta/models/claude-3')).status).toBe(404);
  });

  test('countTokens takes {contents} or {generateContentRequest}', async () => {
    const a = await send('/v1beta/models/gemini-2.5-flash:countTokens', { contents: [user('count these words please')] });
    expect(a.status).toBe(200);
    expect(a.json().totalTokens).toBeGreaterThan(0);
    const b = await send('/v1beta/models/gemini-2.5-flash:countTokens', {
      generateContentRequest: { model: 'models/gemini-2.5-flash', contents: [user('count these words please')], systemInstruction: { parts: [{ text: 'be terse' }] } },
    });
    expect(b.json().totalTokens).toBeGreaterThan(a.json().totalTokens);
    const unknown = await send('/v1beta/models/gemini-2.5-flash:countTokens', { generateContentRequest: { model: 'models/my-alias', contents: [user('x')] } });
    expect(unknown.status).toBe(404);
    const sdkCount = await sdk().models.countTokens({ model: 'gemini-2.5-flash', contents: 'hello' });
    expect(sdkCount.totalTokens).toBeGreaterThan(0);
  });

  test('countTokens is as strict as generateContent', async () => {
    await expect400(send('/v1beta/models/gemini-2.5-flash:countTokens', {}), '* CountTokensRequest.contents: contents is not specified\n');
    await expect400(
      send('/v1beta/models/gemini-2.5-flash:countTokens', { generateContentRequest: { contents: [{ role: 'user', parts: [] }] } }),
      '* CountTokensRequest.generate_content_request.contents[0].parts: contents.parts must not be empty.\n',
    );
    await expect400(
      send('/v1beta/models/gemini-2.5-flash:countTokens', { contents: [user('x')], foo: 1 }),
      'Invalid JSON payload received. Unknown name "foo": Cannot find field.',
    );
  });
});

describe('proto strictness', () => {
  test('unknown top-level field, with a BadRequest field violation', async () => {
    const body = await expect400(generate({ contents: [user('hi')], foo: 1 }), 'Invalid JSON payload received. Unknown name "foo": Cannot find field.');
    expect(body.error.details).toEqual([
      {
        '@type': 'type.googleapis.com/google.rpc.BadRequest',
        fieldViolations: [{ description: 'Invalid JSON payload received. Unknown name "foo": Cannot find field.' }],
      },
    ]);
  });

  test.each([
    [{ generationConfig: { foo: 1 } }, `Unknown name "foo" at 'generation_config': Cannot find field.`],
    [{ generationConfig: { thinkingConfig: { budget: 1 } } }, `Unknown name "budget" at 'generation_config.thinking_config': Cannot find field.`],
    [{ generationConfig: { max_tokens: 5 } }, `Unknown name "max_tokens" at 'generation_config': Cannot find field.`],
    [{ toolConfig: { functionCallingConfig: { mode: 'ANY', allowed: ['x'] } } }, `Unknown name "allowed" at 'tool_config.function_calling_config': Cannot find field.`],
    [{ safetySettings: [{ category: 'HARM_CATEGORY_HARASSMENT', threshold: 'OFF', level: 1 }] }, `Unknown name "level" at 'safety_settings[0]': Cannot find field.`],
    [{ tools: [{ functionDeclarations: [{ name: 'f', strict: true }] }] }, `Unknown name "strict" at 'tools[0].function_declarations[0]': Cannot find field.`],
    [{ tools: [{ type: 'function' }] }, `Unknown name "type" at 'tools[0]': Cannot find field.`],
    [{ systemInstruction: { parts: [{ text: 'x', cache_control: {} }] } }, `Unknown name "cache_control" at 'system_instruction.parts[0]': Cannot find field.`],
  ])('unknown nested field %#', async (extra, message) => {
    await expect400(generate({ contents: [user('hi')], ...extra }), `Invalid JSON payload received. ${message}`);
  });

  test('unknown fields in Content and Part', async () => {
    await expect400(
      generate({ contents: [{ role: 'user', parts: [{ text: 'hi' }], name: 'bob' }] }),
      `Invalid JSON payload received. Unknown name "name" at 'contents[0]': Cannot find field.`,
    );
    await expect400(
      generate({ contents: [{ role: 'user', parts: [{ type: 'text', text: 'hi' }] }] }),
      `Invalid JSON payload received. Unknown name "type" at 'contents[0].parts[0]': Cannot find field.`,
    );
    await expect400(
      generate({ contents: [user('hi'), { role: 'model', parts: [{ functionCall: { name: 'f', args: {}, call_id: 'x' } }] }] }),
      `Invalid JSON payload received. Unknown name "call_id" at 'contents[1].parts[0].function_call': Cannot find field.`,
    );
  });

  test('every problem is reported at once, one line each', async () => {
    const body = await expect400(generate({ contents: [user('hi')], a: 1, generationConfig: { b: 2 } }), '', false);
    expect(body.error.message.split('\n')).toHaveLength(2);
    expect(body.error.details[0].fieldViolations).toHaveLength(2);
  });

  test('snake_case names are accepted like camelCase ones', async () => {
    const r = await generate({
      system_instruction: { parts: [{ text: 'terse' }] },
      contents: [{ role: 'user', parts: [{ text: 'look' }, { inline_data: { mime_type: 'image/png', data: 'iVBORw0KGgo=' } }] }],
      generation_config: { max_output_tokens: 100, top_k: 64, thinking_config: { include_thoughts: true, thinking_budget: 1024 } },
      safety_settings: [{ category: 'HARM_CATEGORY_HARASSMENT', threshold: 'OFF' }],
      tool_config: { function_calling_config: { mode: 'AUTO' } },
      tools: [{ function_declarations: [{ name: 'f', parameters_json_schema: { type: 'object', additionalProperties: false } }] }],
    });
    expect(r.status).toBe(200);
  });

  test('a lone object where a list is expected is accepted (Google docs send "parts": {...})', async () => {
    expect((await generate({ contents: { parts: { text: 'hi' } } })).status).toBe(200);
  });

  test('wrongly typed values', async () => {
    await expect400(generate({ contents: [user('hi')], generationConfig: { temperature: 'hot' } }), `Invalid value at 'generation_config.temperature' (TYPE_FLOAT), "hot"`);
    await expect400(generate({ contents: [user('hi')], generationConfig: { maxOutputTokens: 1.5 } }), `Invalid value at 'generation_config.max_output_tokens' (TYPE_INT32), 1.5`);
    await expect400(
      generate({ contents: [user('hi')], toolConfig: { functionCallingConfig: { mode: 'SOMETIMES' } } }),
      `Invalid value at 'tool_config.function_calling_config.mode' (type.googleapis.com/google.ai.generativelanguage.v1beta.FunctionCallingConfig.Mode), "SOMETIMES"`,
    );
    await expect400(
      generate({ contents: [{ role: 'user', parts: [{ inlineData: { mimeType: 'image/png', data: 'not base64!' } }] }] }),
      `Invalid value at 'contents[0].parts[0].inline_data.data' (TYPE_BYTES), Base64 decoding failed for "not base64!"`,
    );
    await expect400(generate({ contents: [user('hi')], systemInstruction: 'be terse' }), `Invalid value at 'system_instruction' (type.googleapis.com/google.ai.generativelanguage.v1beta.Content), "be terse"`);
  });

  test('invalid JSON and non-object bodies', async () => {
    await expect400(generate('{"contents": ['), 'Invalid JSON payload received. Unexpected token.');
    await expect400(generate([user('hi')]), 'Invalid JSON payload received. Root element must be a message.');
  });
});

describe('content rules', () => {
  test('contents missing or empty', async () => {
    await expect400(generate({}), '* GenerateContentRequest.contents: contents is not specified\n');
    await expect400(generate({ contents: [] }), '* GenerateContentRequest.contents: contents is not specified\n');
  });

  test('roles are user or model only', async () => {
    for (const role of ['assistant', 'system', 'function']) {
      await expect400(generate({ contents: [{ role, parts: [{ text: 'hi' }] }] }), 'Please use a valid role: user, model.');
    }
    // A content without a role is a user turn.
    expect((await generate({ contents: [{ parts: [{ text: 'hi' }] }] })).status).toBe(200);
  });

  test('parts must not be empty', async () => {
    await expect400(
      generate({ contents: [user('hi'), { role: 'model', parts: [] }, user('again')] }),
      '* GenerateContentRequest.contents[1].parts: contents.parts must not be empty.\n',
    );
    await expect400(generate({ contents: [{ role: 'user' }] }), '* GenerateContentRequest.contents[0].parts: contents.parts must not be empty.\n');
  });

  test('a part needs a data field; an empty text is no data, even with a signature', async () => {
    const msg = (i: number, j: number) => `* GenerateContentRequest.contents[${i}].parts[${j}].data: required oneof field 'data' must have one initialized field\n`;
    await expect400(generate({ contents: [user('hi'), { role: 'model', parts: [{ text: '' }] }, user('x')] }), msg(1, 0));
    await expect400(generate({ contents: [{ role: 'user', parts: [{ thought: true }] }] }), msg(0, 0));
    await expect400(
      generate({ contents: [user('hi'), { role: 'model', parts: [{ text: 'a' }, { text: '', thoughtSignature: 'c2ln' }] }, user('x')] }),
      msg(1, 1),
    );
    await expect400(
      generate({ contents: [{ role: 'user', parts: [{ text: '' }, { text: '' }] }] }),
      `${msg(0, 0)}${msg(0, 1)}`,
    );
  });

  test('exactly one data field per part', async () => {
    await expect400(
      generate({ contents: [{ role: 'user', parts: [{ text: 'hi', inlineData: { mimeType: 'image/png', data: 'AAAA' } }] }] }),
      `Invalid value at 'contents[0].parts[0]' (oneof), oneof field 'data' is already set. Cannot set 'inlineData'`,
    );
  });

  test('system instruction parts follow the same rules', async () => {
    await expect400(
      generate({ contents: [user('hi')], systemInstruction: { parts: [{ text: '' }] } }),
      "* GenerateContentRequest.system_instruction.parts[0].data: required oneof field 'data' must have one initialized field\n",
    );
  });

  test('fileData must name an uploaded file, a Cloud Storage object or a YouTube video, not any URL', async () => {
    const withFile = (fileUri: string) => ({ contents: [{ role: 'user', parts: [{ text: 'what?' }, { fileData: { mimeType: 'image/png', fileUri } }] }] });
    await expect400(generate(withFile('https://example.com/cat.png')), 'Invalid or unsupported file uri: https://example.com/cat.png');
    for (const ok of ['https://generativelanguage.googleapis.com/v1beta/files/abc123', 'gs://bucket/cat.png', 'https://www.youtube.com/watch?v=x']) {
      expect((await generate(withFile(ok))).status).toBe(200);
    }
  });

  test('functionResponse needs a name and an object response', async () => {
    const history = (response: unknown) => ({
      contents: [user('hi'), { role: 'model', parts: [call('f')] }, { role: 'user', parts: [response] }],
    });
    await expect400(
      generate(history({ functionResponse: { response: { output: 'x' } } })),
      '* GenerateContentRequest.contents[2].parts[0].function_response.name: Name cannot be empty.\n',
    );
    await expect400(
      generate(history({ functionResponse: { name: 'f', response: '21C' } })),
      `Invalid value at 'contents[2].parts[0].function_response.response' (type.googleapis.com/google.protobuf.Struct), "21C"`,
    );
    await expect400(
      generate(history({ functionResponse: { name: 'f', response: [1, 2] } })),
      `Invalid JSON payload received. Unknown name "response" at 'contents[2].parts[0].function_response': Proto field is not repeating, cannot start list.`,
    );
    await expect400(
      generate(history({ functionResponse: { name: 'f' } })),
      '* GenerateContentRequest.contents[2].parts[0].function_response.response: Response cannot be empty.\n',
    );
    await expect400(
      generate({ contents: [user('hi'), { role: 'model', parts: [{ functionCall: { args: {} } }] }, { role: 'user', parts: [answer('f')] }] }),
      '* GenerateContentRequest.contents[1].parts[0].function_call.name: Name cannot be empty.\n',
    );
  });

  test('function responses: one per call, right after the call turn', async () => {
    const calls = { role: 'model', parts: [call('a'), call('b')] };
    await expect400(
      generate({ contents: [user('hi'), calls, { role: 'user', parts: [answer('a')] }] }),
      'Please ensure that the number of function response parts is equal to the number of function call parts of the function call turn.',
    );
    await expect400(
      generate({ contents: [user('hi'), calls, user('never mind')] }),
      'Please ensure that the number of function response parts is equal to the number of function call parts of the function call turn.',
    );
    await expect400(
      generate({ contents: [user('hi'), { role: 'model', parts: [{ text: 'hm' }] }, { role: 'user', parts: [answer('a')] }] }),
      'Please ensure that function response turn comes immediately after a function call turn.',
    );
    // Responses may share the turn with text.
    const ok = await generate({ contents: [user('hi'), calls, { role: 'user', parts: [answer('a'), answer('b'), { text: 'and?' }] }] });
    expect(ok.status).toBe(200);
  });

  test('a function call turn must follow a user or function-response turn', async () => {
    const msg = 'Please ensure that function call turn comes immediately after a user turn or after a function response turn.';
    await expect400(generate({ contents: [{ role: 'model', parts: [call('f')] }, { role: 'user', parts: [answer('f')] }] }), msg);
    await expect400(
      generate({ contents: [user('hi'), { role: 'model', parts: [{ text: 'let me check' }] }, { role: 'model', parts: [call('f')] }, { role: 'user', parts: [answer('f')] }] }),
      msg,
    );
    const chained = await generate({
      contents: [user('hi'), { role: 'model', parts: [call('f')] }, { role: 'user', parts: [answer('f')] }, { role: 'model', parts: [call('g')] }, { role: 'user', parts: [answer('g')] }],
    });
    expect(chained.status).toBe(200);
  });
});

describe('media in tool results', () => {
  const png = { mimeType: 'image/png', data: 'iVBORw0KGgo=' };
  const turns = (results: unknown[]) => ({
    contents: [user('look'), { role: 'model', parts: [call('shot', {}, SKIP_SIGNATURE)] }, { role: 'user', parts: results }],
  });

  test('Gemini 3 refuses media beside function responses and takes it inside; Gemini 2.5 takes it beside', async () => {
    const beside = turns([answer('shot'), { inlineData: png }]);
    await expect400(generate(beside, 'gemini-3-pro-preview'), 'Requests ending with a model turn are not supported.');
    expect((await generate(beside, 'gemini-2.5-pro')).status).toBe(200);
    const inside = turns([{ functionResponse: { name: 'shot', response: { output: 'ok' }, parts: [{ inlineData: png }] } }]);
    expect((await generate(inside, 'gemini-3-pro-preview')).status).toBe(200);
  });
});

describe('tool declarations', () => {
  const withParams = (parameters: unknown, where: 'parameters' | 'responseSchema' = 'parameters') =>
    where === 'parameters'
      ? { contents: [user('hi')], tools: [{ functionDeclarations: [{ name: 'f', parameters }] }] }
      : { contents: [user('hi')], generationConfig: { responseMimeType: 'application/json', responseSchema: parameters } };

  test.each([
    ['additionalProperties', { type: 'object', properties: { a: { type: 'string' } }, additionalProperties: false }, 'tools[0].function_declarations[0].parameters'],
    ['$schema', { $schema: 'http://json-schema.org/draft-07/schema#', type: 'object', properties: { a: { type: 'string' } } }, 'tools[0].function_declarations[0].parameters'],
    ['$ref', { type: 'object', properties: { a: { $ref: '#/$defs/A' } } }, 'tools[0].function_declarations[0].parameters.properties[0].value'],
    ['$defs', { type: 'object', properties: { a: { type: 'string' } }, $defs: { A: { type: 'string' } } }, 'tools[0].function_declarations[0].parameters'],
    ['const', { type: 'object', properties: { a: { type: 'string', const: 'x' } } }, 'tools[0].function_declarations[0].parameters.properties[0].value'],
    ['exclusiveMinimum', { type: 'object', properties: { n: { type: 'number' }, a: { type: 'integer', exclusiveMinimum: 0 } } }, 'tools[0].function_declarations[0].parameters.properties[1].value'],
    ['propertyNames', { type: 'object', properties: { a: { type: 'object', properties: { b: { type: 'string' } }, propertyNames: { pattern: '^x' } } } }, 'tools[0].function_declarations[0].parameters.properties[0].value'],
    ['patternProperties', { type: 'object', properties: { a: { type: 'string' } }, patternProperties: { '^x': { type: 'string' } } }, 'tools[0].function_declarations[0].parameters'],
    ['examples', { type: 'object', properties: { a: { type: 'array', items: { type: 'string', examples: ['x'] } } } }, 'tools[0].function_declarations[0].parameters.properties[0].value.items'],
  ])('parameters reject JSON-Schema keyword %s', async (keyword, schema, at) => {
    await expect400(generate(withParams(schema)), `Invalid JSON payload received. Unknown name "${keyword}" at '${at}': Cannot find field.`);
  });

  test('type arrays, null type and non-string enums are rejected', async () => {
    await expect400(
      generate(withParams({ type: 'object', properties: { a: { type: ['string', 'null'] } } })),
      `Invalid JSON payload received. Unknown name "type" at 'tools[0].function_declarations[0].parameters.properties[0].value': Proto field is not repeating, cannot start list.`,
    );
    await expect400(
      generate(withParams({ type: 'object', properties: { a: { anyOf: [{ type: 'string' }, { type: 'null' }] } } })),
      `Invalid value at 'tools[0].function_declarations[0].parameters.properties[0].value.any_of[1].type' (type.googleapis.com/google.ai.generativelanguage.v1beta.Type), "null"`,
    );
    await expect400(
      generate(withParams({ type: 'object', properties: { level: { type: 'integer', enum: [1, 2] } } })),
      `Invalid value at 'tools[0].function_declarations[0].parameters.properties[0].value.enum[0]' (TYPE_STRING), 1\nInvalid value at 'tools[0].function_declarations[0].parameters.properties[0].value.enum[1]' (TYPE_STRING), 2`,
    );
  });

  test('string formats other than enum and date-time are rejected', async () => {
    await expect400(
      generate(withParams({ type: 'OBJECT', properties: { site: { type: 'STRING', format: 'uri' } } })),
      "* GenerateContentRequest.tools[0].function_declarations[0].parameters.properties[site].format: only 'enum' and 'date-time' are supported for STRING type\n",
    );
    expect((await generate(withParams({ type: 'object', properties: { at: { type: 'string', format: 'date-time' } } }))).status).toBe(200);
  });

  test('every schema node: a type unless anyOf, items on ARRAY only, properties and required on OBJECT only, string enums without ""', async () => {
    const at = '* GenerateContentRequest.tools[0].function_declarations[0].parameters';
    await expect400(
      generate(withParams({ type: 'object', properties: { value: {}, meta: { description: 'x' } } })),
      `${at}.properties[value].type: must be specified when not using one_of, any_of or all_of fields\n` +
        `${at}.properties[meta].type: must be specified when not using one_of, any_of or all_of fields\n`,
    );
    await expect400(generate(withParams({ type: 'object', properties: { tags: { type: 'array' } } })), `${at}.properties[tags].items: missing field.\n`);
    await expect400(
      generate(withParams({ type: 'object', properties: { f: { type: 'object', items: { type: 'string' }, properties: { a: { type: 'string' } } } } })),
      `${at}.properties[f].items: field predicate failed:  == Type.ARRAY\n`,
    );
    await expect400(
      generate(withParams({ type: 'object', properties: { data: { type: 'string', properties: { a: { type: 'string' } }, required: ['a'] } } })),
      `${at}.properties[data].properties: only allowed for OBJECT type\n${at}.properties[data].required: only allowed for OBJECT type\n`,
    );
    await expect400(
      generate(withParams({ type: 'object', properties: { o: { type: 'object', properties: {} } } })),
      `${at}.properties[o].properties: should be non-empty for OBJECT type\n`,
    );
    await expect400(
      generate(withParams({ type: 'object', properties: { a: { type: 'string' } }, required: ['a', 'ref'] })),
      `${at}.required[1]: property is not defined\n`,
    );
    await expect400(
      generate(withParams({ type: 'object', properties: { mode: { type: 'integer', enum: ['1', '2'] } } })),
      `${at}.properties[mode].enum: only allowed for STRING type\n`,
    );
    await expect400(
      generate(withParams({ type: 'object', properties: { op: { type: 'string', enum: ['resume', ''] } } })),
      `${at}.properties[op].enum[1]: cannot be empty\n`,
    );
    // anyOf stands in for a type; an OBJECT with no properties at all (a free-form map) is fine.
    const fine = { type: 'object', properties: { v: { anyOf: [{ type: 'string' }, { type: 'integer' }] }, m: { type: 'object' } }, required: ['v'] };
    expect((await generate(withParams(fine))).status).toBe(200);
  });

  test('mode ANY refuses a function declared without parameters, with no detail; AUTO takes it', async () => {
    const body = (mode: string, parameters?: unknown) => ({
      contents: [user('hi')],
      tools: [{ functionDeclarations: [{ name: 'now', ...(parameters === undefined ? {} : { parameters }) }] }],
      toolConfig: { functionCallingConfig: { mode } },
    });
    await expect400(generate(body('ANY')), 'Request contains an invalid argument.');
    expect((await generate(body('ANY', { type: 'OBJECT' }))).status).toBe(200);
    expect((await generate(body('AUTO'))).status).toBe(200);
  });

  test('responseSchema is the same OpenAPI subset', async () => {
    await expect400(
      generate(withParams({ type: 'object', properties: { a: { type: 'string' } }, additionalProperties: false }, 'responseSchema')),
      `Invalid JSON payload received. Unknown name "additionalProperties" at 'generation_config.response_schema': Cannot find field.`,
    );
  });

  test("responseJsonSchema: a $ref beside keywords other than $-ones is refused (google-gemini/gemini-cli#4758)", async () => {
    const withJsonSchema = (schema: unknown) => ({ contents: [user('hi')], generationConfig: { responseMimeType: 'application/json', responseJsonSchema: schema } });
    const defs = { Hero: { type: 'object', properties: { name: { type: 'string' } } } };
    await expect400(
      generate(withJsonSchema({ type: 'object', properties: { draft: { $ref: '#/$defs/Hero', description: 'd' } }, $defs: defs })),
      "schema at properties.draft can only contain properties starting with '$' when $ref is present",
    );
    expect((await generate(withJsonSchema({ type: 'object', properties: { draft: { $ref: '#/$defs/Hero' } }, $defs: defs }))).status).toBe(200);
  });

  test('the OpenAPI subset itself, upper or lower case types, passes; parametersJsonSchema takes any JSON Schema', async () => {
    const subset = {
      type: 'OBJECT',
      properties: {
        city: { type: 'string', description: 'x', enum: ['a', 'b'], nullable: true },
        tags: { type: 'array', items: { type: 'string' }, minItems: '1', maxItems: 3 },
        n: { type: 'number', minimum: 0, maximum: 10, default: 1 },
        any: { anyOf: [{ type: 'string' }, { type: 'integer' }] },
      },
      required: ['city'],
      propertyOrdering: ['city', 'tags'],
    };
    expect((await generate(withParams(subset))).status).toBe(200);
    const jsonSchema = {
      contents: [user('hi')],
      tools: [{ functionDeclarations: [{ name: 'f', parametersJsonSchema: { $schema: 'x', type: 'object', additionalProperties: false, properties: { a: { type: ['string', 'null'], const: 'x' } } } }] }],
    };
    expect((await generate(jsonSchema)).status).toBe(200);
  });

  test('function names: letter or underscore first, [A-Za-z0-9_.:-], at most 64', async () => {
    const msg =
      '* GenerateContentRequest.tools[0].function_declarations[0].name: Invalid function name. Must start with a letter or an underscore. Must be a-z, A-Z, 0-9, or contain underscores (_), dots (.), colons (:), or dashes (-), with a maximum length of 64.\n';
    for (const name of ['1abc', 'has space', 'x'.repeat(65), '', 'a/b']) {
      await expect400(generate({ contents: [user('hi')], tools: [{ functionDeclarations: [{ name }] }] }), msg);
    }
    expect((await generate({ contents: [user('hi')], tools: [{ functionDeclarations: [{ name: '_ns.tool:v1-x' }] }] })).status).toBe(200);
  });
});

describe('thinking config', () => {
  const thinking = (thinkingConfig: unknown) => ({ contents: [user('hi')], generationConfig: { thinkingConfig } });

  test('thinkingBudget and thinkingLevel not both', async () => {
    await expect400(generate(thinking({ thinkingBudget: 1024, thinkingLevel: 'HIGH' }), 'gemini-3-pro-preview'), 'thinking_budget and thinking_level are not supported together.');
  });

  test('thinkingLevel only on Gemini 3', async () => {
    await expect400(generate(thinking({ thinkingLevel: 'LOW' })), 'Thinking level is not supported for this model.');
    expect((await generate(thinking({ thinkingLevel: 'low' }), 'gemini-3-flash-preview')).status).toBe(200);
  });

  test('Gemini 2.x: no JSON mode beside callable functions; mode NONE and Gemini 3 take it', async () => {
    const body = (mode?: string) => ({
      contents: [user('hi')],
      tools: [{ functionDeclarations: [{ name: 'f' }] }],
      ...(mode ? { toolConfig: { functionCallingConfig: { mode } } } : {}),
      generationConfig: { responseMimeType: 'application/json' },
    });
    await expect400(generate(body()), "Function calling with a response mime type: 'application/json' is unsupported");
    await expect400(generate(body('ANY')), "Function calling with a response mime type: 'application/json' is unsupported");
    expect((await generate(body('NONE'))).status).toBe(200);
    expect((await generate(body(), 'gemini-3-flash-preview')).status).toBe(200);
  });

  test('Pro models cannot turn thinking off', async () => {
    await expect400(generate(thinking({ thinkingBudget: 0 }), 'gemini-2.5-pro'), 'Budget 0 is invalid. This model only works in thinking mode.');
    expect((await generate(thinking({ thinkingBudget: 0 }))).status).toBe(200);
  });
});

describe('Gemini 3 thought signatures', () => {
  const model = 'gemini-3-flash-preview';
  const toolTurn = (signature?: string) => ({
    contents: [user('weather?'), { role: 'model', parts: [call('get_weather', { city: 'Paris' }, signature)] }, { role: 'user', parts: [answer('get_weather', '21C')] }],
  });

  test('a missing signature on the current turn is a 400 naming the call and its position', async () => {
    await expect400(
      generate(toolTurn(), model),
      'Function call is missing a thought_signature in functionCall parts. This is required for tools to work correctly, and missing thought_signature may lead to degraded model performance. Additional data, function call `default_api:get_weather` , position 2. Please refer to https://ai.google.dev/gemini-api/docs/thought-signatures for more details.',
    );
    // Gemini 2.5 does not validate.
    expect((await generate(toolTurn())).status).toBe(200);
  });

  test('a signature this server never issued is corrupted; the documented bypass value is accepted', async () => {
    await expect400(generate(toolTurn('Zm9yZWlnbg=='), model), 'Corrupted thought signature.');
    expect((await generate(toolTurn(SKIP_SIGNATURE), model)).status).toBe(200);
  });

  test('an issued signature makes the round trip', async () => {
    mock.queue({ toolCalls: [{ name: 'get_weather', args: { city: 'Paris' } }] });
    const first = (await generate({ contents: [user('weather?')] }, model)).json();
    const part = first.candidates[0].content.parts[0];
    expect(mock.issuedSignatures.has(part.thoughtSignature)).toBe(true);
    const second = await generate(toolTurn(part.thoughtSignature), model);
    expect(second.status).toBe(200);
  });

  test('only the first call of a parallel turn needs one, and only turns after the last user text are checked', async () => {
    const parallel = {
      contents: [
        user('old question'),
        { role: 'model', parts: [call('old')] },
        { role: 'user', parts: [answer('old')] },
        { role: 'model', parts: [{ text: 'done' }] },
        user('new question'),
        { role: 'model', parts: [call('a', {}, SKIP_SIGNATURE), call('b')] },
        { role: 'user', parts: [answer('a'), answer('b')] },
      ],
    };
    expect((await generate(parallel, model)).status).toBe(200);
    const secondStep = structuredClone(parallel);
    secondStep.contents.push({ role: 'model', parts: [call('c')] }, { role: 'user', parts: [answer('c')] });
    await expect400(generate(secondStep, model), 'default_api:c` , position 8.', false);
  });

  test('the SDK chat echoes signatures back and the mock accepts them', async () => {
    mock.queue({ toolCalls: [{ name: 'get_weather', args: { city: 'Paris' } }] }, { text: 'It is 21C.' });
    const chat = sdk().chats.create({ model });
    const first = await chat.sendMessage({ message: 'weather in Paris?' });
    expect(first.functionCalls?.[0]?.name).toBe('get_weather');
    const second = await chat.sendMessage({ message: [{ functionResponse: { name: 'get_weather', response: { output: '21C' } } }] });
    expect(second.text).toBe('It is 21C.');
    expect(mock.calls.map((c) => c.status)).toEqual([200, 200]);
  });
});

describe('non-streaming replies', () => {
  test('default reply echoes the last user text, in the full response shape', async () => {
    const r = await generate({ contents: [user('first'), { role: 'model', parts: [{ text: 'ok' }] }, { role: 'user', parts: [{ text: 'hello ' }, { text: 'there' }] }] });
    expect(r.status).toBe(200);
    const body = r.json();
    expect(body.candidates).toEqual([{ content: { parts: [{ text: 'mock(gemini) heard: hello there' }], role: 'model' }, finishReason: 'STOP', index: 0 }]);
    expect(body.modelVersion).toBe('gemini-2.5-flash');
    expect(body.responseId).toMatch(/^[A-Za-z0-9]{20,}$/);
    const u = body.usageMetadata;
    expect(u.promptTokenCount).toBeGreaterThan(0);
    expect(u.totalTokenCount).toBe(u.promptTokenCount + u.candidatesTokenCount);
  });

  test('tool calls: no ids, no default text, finishReason STOP, signature on the first call only', async () => {
    mock.queue({ toolCalls: [{ name: 'a', args: { x: 1 } }, { name: 'b', args: {} }] });
    const body = (await generate({ contents: [user('go')] })).json();
    const [c] = body.candidates;
    expect(c.finishReason).toBe('STOP');
    expect(c.content.parts).toHaveLength(2);
    expect(c.content.parts[0].functionCall).toEqual({ name: 'a', args: { x: 1 } });
    expect(mock.issuedSignatures.has(c.content.parts[0].thoughtSignature)).toBe(true);
    expect(c.content.parts[1]).toEqual({ functionCall: { name: 'b', args: {} } });
  });

  test('usage maps like the canonical model: cached inside input, reasoning inside output', async () => {
    mock.queue({ text: 'x', thinking: 'hmm', usage: { input: 100, output: 30, cached: 40, reasoning: 10 } });
    const r = await sdk().models.generateContent({ model: 'gemini-2.5-flash', contents: 'hi', config: { thinkingConfig: { includeThoughts: true } } });
    expect(r.usageMetadata).toMatchObject({ promptTokenCount: 100, cachedContentTokenCount: 40, candidatesTokenCount: 20, thoughtsTokenCount: 10, totalTokenCount: 130 });
    expect(r.candidates?.[0]?.content?.parts?.[0]).toEqual({ text: 'hmm', thought: true });
    expect(r.text).toBe('x');
  });

  test('thoughts are only returned with includeThoughts, but always counted', async () => {
    mock.queue({ text: 'x', thinking: 'secret reasoning' });
    const body = (await generate({ contents: [user('hi')] })).json();
    expect(body.candidates[0].content.parts).toEqual([{ text: 'x' }]);
    expect(body.usageMetadata.thoughtsTokenCount).toBeGreaterThan(0);
  });

  test('forced finish reason and an empty answer has no parts at all', async () => {
    mock.queue({ text: '', finish: 'MAX_TOKENS' });
    const body = (await generate({ contents: [user('hi')] })).json();
    expect(body.candidates[0]).toEqual({ content: { role: 'model' }, finishReason: 'MAX_TOKENS', index: 0 });
  });

  test('Gemini 3 signs the last part of a plain answer', async () => {
    const body = (await generate({ contents: [user('hi')] }, 'gemini-3-pro-preview')).json();
    const parts = body.candidates[0].content.parts;
    expect(mock.issuedSignatures.has(parts.at(-1).thoughtSignature)).toBe(true);
  });

  test('functionCallIds option puts ids on calls', async () => {
    const withIds = await startGeminiMock({ functionCallIds: true });
    try {
      withIds.queue({ toolCalls: [{ name: 'f', args: {} }] });
      const r = await fetch(`${withIds.url}/v1beta/models/gemini-3-flash-preview:generateContent?key=${withIds.key}`, {
        method: 'POST',
        body: JSON.stringify({ contents: [user('x')] }),
      });
      const body: any = await r.json();
      expect(body.candidates[0].content.parts.at(-1).functionCall.id).toMatch(/^[a-z0-9]{8}$/);
    } finally {
      await withIds.stop();
    }
  });
});

describe('streaming replies', () => {
  const model = 'gemini-2.5-flash';

  test('the SDK reconstructs text, thoughts, tool calls and the final usage', async () => {
    mock.queue({ text: 'Hello brave new world', thinking: 'think it through', toolCalls: [{ name: 'f', args: { q: 'x' } }, { name: 'g', args: {} }] });
    const chunks = await collect(
      await sdk().models.generateContentStream({ model, contents: 'hi', config: { thinkingConfig: { includeThoughts: true } } }),
    );
    expect(chunks.length).toBeGreaterThan(5);
    const parts = chunks.flatMap((c) => c.candidates?.[0]?.content?.parts ?? []);
    expect(parts.filter((p) => p.thought).map((p) => p.text).join('')).toBe('think it through');
    expect(parts.filter((p) => !p.thought && p.text !== undefined).map((p) => p.text).join('')).toBe('Hello brave new world');
    const calls = parts.filter((p) => p.functionCall);
    expect(calls.map((p) => p.functionCall)).toEqual([{ name: 'f', args: { q: 'x' } }, { name: 'g', args: {} }]);
    expect(mock.issuedSignatures.has(calls[0]?.thoughtSignature ?? '')).toBe(true);
    const last = chunks.at(-1);
    expect(last?.candidates?.[0]?.finishReason).toBe(FinishReason.STOP);
    expect(chunks.slice(0, -1).every((c) => c.candidates?.[0]?.finishReason === undefined)).toBe(true);
    // Usage on every chunk; the last one is the full count.
    expect(chunks.every((c) => (c.usageMetadata?.promptTokenCount ?? 0) > 0)).toBe(true);
    expect(last?.usageMetadata?.candidatesTokenCount).toBeGreaterThan(0);
    expect(last?.usageMetadata?.thoughtsTokenCount).toBeGreaterThan(0);
    expect(new Set(chunks.map((c) => c.responseId)).size).toBe(1);
  });

  test('raw SSE: data lines, blank-line separated, no event names and no [DONE]', async () => {
    const r = await send(`/v1beta/models/${model}:streamGenerateContent?alt=sse`, { contents: [user('a b c')] });
    expect(r.headers.get('content-type')).toBe('text/event-stream');
    expect(r.text).not.toContain('event:');
    expect(r.text).not.toContain('[DONE]');
    const events = parseSSE(r.text).map((m) => JSON.parse(m.data));
    expect(events.map((e) => e.candidates[0].content.parts[0].text).join('')).toBe('mock(gemini) heard: a b c');
  });

  test('Gemini 3 plain answers end with an empty text part carrying the signature', async () => {
    const chunks = await collect(await sdk().models.generateContentStream({ model: 'gemini-3-flash-preview', contents: 'hi' }));
    const lastParts = chunks.at(-1)?.candidates?.[0]?.content?.parts ?? [];
    expect(lastParts.at(-1)?.text).toBe('');
    expect(mock.issuedSignatures.has(lastParts.at(-1)?.thoughtSignature ?? '')).toBe(true);
  });

  test('without alt=sse the stream is one JSON array, delivered in pieces', async () => {
    mock.queue({ text: 'one two three', chunkDelayMs: 5 });
    const res = await fetch(`${mock.url}/v1beta/models/${model}:streamGenerateContent?key=${mock.key}`, {
      method: 'POST',
      body: JSON.stringify({ contents: [user('x')] }),
    });
    expect(res.headers.get('content-type')).toContain('application/json');
    const reader = res.body!.getReader();
    const decoder = new TextDecoder();
    const reads: string[] = [];
    for (let i = 0; i < 100; i++) {
      const { done, value } = await reader.read();
      if (done) break;
      reads.push(decoder.decode(value, { stream: true }));
    }
    expect(reads.length).toBeGreaterThan(1);
    expect(reads[0]?.startsWith('[')).toBe(true);
    const array = JSON.parse(reads.join(''));
    expect(array).toHaveLength(3);
    expect(array.map((c: any) => c.candidates[0].content.parts[0].text).join('')).toBe('one two three');
    expect(array[2].candidates[0].finishReason).toBe('STOP');
  });

  test('CRLF separators when asked, and the SDK still parses them', async () => {
    const crlf = await startGeminiMock({ sseLineEnding: 'crlf' });
    try {
      crlf.queue({ text: 'x y' });
      const raw = await fetch(`${crlf.url}/v1beta/models/${model}:streamGenerateContent?alt=sse&key=${crlf.key}`, {
        method: 'POST',
        body: JSON.stringify({ contents: [user('x')] }),
      });
      expect(await raw.text()).toMatch(/^data: \{.*\}\r\n\r\ndata: /);
      crlf.queue({ text: 'x y' });
      const ai = new GoogleGenAI({ apiKey: crlf.key, httpOptions: { baseUrl: crlf.url, apiVersion: 'v1beta' } });
      const chunks = await collect(await ai.models.generateContentStream({ model, contents: 'x' }));
      expect(chunks.map((c) => c.text).join('')).toBe('x y');
    } finally {
      await crlf.stop();
    }
  });

  test('splitBytes cuts frames into pieces, through multi-byte characters', async () => {
    mock.queue({ text: 'héllo wörld 🌍', splitBytes: 3 });
    const res = await fetch(`${mock.url}/v1beta/models/${model}:streamGenerateContent?alt=sse&key=${mock.key}`, {
      method: 'POST',
      body: JSON.stringify({ contents: [user('x')] }),
    });
    const sizes: number[] = [];
    const bytes: Uint8Array[] = [];
    const reader = res.body!.getReader();
    for (let i = 0; i < 5000; i++) {
      const { done, value } = await reader.read();
      if (done) break;
      sizes.push(value.length);
      bytes.push(value);
    }
    expect(sizes.length).toBeGreaterThan(20);
    // Pieces may be coalesced on the way, but never come in bigger than written unless merged.
    expect(Math.min(...sizes)).toBeLessThanOrEqual(3);
    const text = new TextDecoder().decode(Buffer.concat(bytes));
    expect(parseSSE(text).map((m) => JSON.parse(m.data).candidates[0].content.parts[0].text).join('')).toBe('héllo wörld 🌍');

    mock.queue({ text: 'wörld 🌍', splitBytes: 2 });
    const chunks = await collect(await sdk().models.generateContentStream({ model, contents: 'x' }));
    expect(chunks.map((c) => c.text).join('')).toBe('wörld 🌍');
  });

  test('midStreamErrorAfter: N chunks, then an in-band error the SDK raises', async () => {
    mock.queue({ text: 'a b c d e', midStreamErrorAfter: 2 });
    const raw = await send(`/v1beta/models/${model}:streamGenerateContent?alt=sse`, { contents: [user('x')] });
    const events = parseSSE(raw.text).map((m) => JSON.parse(m.data));
    expect(events).toHaveLength(3);
    expect(events[2]).toEqual({ error: { code: 503, message: 'The model is overloaded. Please try again later.', status: 'UNAVAILABLE' } });
    expect(events[1].candidates[0].finishReason).toBeUndefined();

    mock.queue({ text: 'a b c d e', midStreamErrorAfter: 2 });
    const seen: string[] = [];
    let caught: unknown;
    try {
      for await (const c of await sdk().models.generateContentStream({ model, contents: 'x' })) seen.push(c.text ?? '');
    } catch (e) {
      caught = e;
    }
    expect(seen).toEqual(['a ', 'b ']);
    expect(caught).toBeInstanceOf(ApiError);
    expect((caught as ApiError).status).toBe(503);
  });

  test('truncateAfter: N chunks and the connection ends, with no finishReason', async () => {
    mock.queue({ text: 'a b c d e', truncateAfter: 3 });
    const raw = await send(`/v1beta/models/${model}:streamGenerateContent?alt=sse`, { contents: [user('x')] });
    const events = parseSSE(raw.text).map((m) => JSON.parse(m.data));
    expect(events).toHaveLength(3);
    expect(events.every((e) => e.candidates[0].finishReason === undefined)).toBe(true);

    mock.queue({ text: 'a b c d e', truncateAfter: 2 });
    const array = await send(`/v1beta/models/${model}:streamGenerateContent`, { contents: [user('x')] });
    expect(array.text.startsWith('[')).toBe(true);
    expect(array.text.trimEnd().endsWith(']')).toBe(false);
    expect(() => JSON.parse(array.text)).toThrow();
  });

  test('errors on stream requests keep the SSE content type, as Google does', async () => {
    const r = await send('/v1beta/models/nope:streamGenerateContent?alt=sse', { contents: [user('x')] });
    expect(r.status).toBe(404);
    expect(r.headers.get('content-type')).toBe('text/event-stream');
    expect(r.json().error.status).toBe('NOT_FOUND');
  });

  test('a client that leaves mid-stream is recorded as aborted; a full read is not', async () => {
    mock.queue({ text: 'a b c d e f g h', chunkDelayMs: 30 });
    const ac = new AbortController();
    const res = await fetch(`${mock.url}/v1beta/models/${model}:streamGenerateContent?alt=sse&key=${mock.key}`, {
      method: 'POST',
      body: JSON.stringify({ contents: [user('x')] }),
      signal: ac.signal,
    });
    await res.body!.getReader().read();
    ac.abort();
    for (let i = 0; i < 100 && !mock.calls[0]?.aborted; i++) await Bun.sleep(10);
    expect(mock.calls[0]?.aborted).toBe(true);

    await send(`/v1beta/models/${model}:streamGenerateContent?alt=sse`, { contents: [user('x')] });
    expect(mock.calls[1]?.aborted).toBe(false);
  });
});

describe('mock controls', () => {
  test('queued replies are used in order, then the default', async () => {
    mock.queue({ text: 'one' }, { text: 'two' });
    const texts: string[] = [];
    for (let i = 0; i < 3; i++) texts.push((await generate({ contents: [user('q')] })).json().candidates[0].content.parts[0].text);
    expect(texts).toEqual(['one', 'two', 'mock(gemini) heard: q']);
  });

  test('a rejected request does not use up a queued reply', async () => {
    mock.queue({ text: 'kept' });
    await generate({ contents: [] });
    expect((await generate({ contents: [user('q')] })).json().candidates[0].content.parts[0].text).toBe('kept');
  });

  test('error replies: a 429 with RetryInfo in the body and no Retry-After header', async () => {
    mock.queue({ error: geminiQuotaError('12s') });
    const r = await generate({ contents: [user('q')] });
    expect(r.status).toBe(429);
    expect(r.headers.get('retry-after')).toBeNull();
    const body = r.json();
    expect(body.error.status).toBe('RESOURCE_EXHAUSTED');
    expect(body.error.details).toContainEqual({ '@type': 'type.googleapis.com/google.rpc.RetryInfo', retryDelay: '12s' });
    expect(body.error.details.some((d: any) => d['@type'] === 'type.googleapis.com/google.rpc.QuotaFailure')).toBe(true);
    expect(mock.calls[0]?.status).toBe(429);

    mock.queue({ error: { status: 500, body: 'upstream exploded', headers: { 'x-extra': '1' } } });
    const raw = await generate({ contents: [user('q')] });
    expect([raw.status, raw.text, raw.headers.get('x-extra')]).toEqual([500, 'upstream exploded', '1']);

    mock.queue({ error: geminiQuotaError() });
    const err = await sdk().models.generateContent({ model: 'gemini-2.5-flash', contents: 'x' }).catch((e: unknown) => e);
    expect(err).toBeInstanceOf(ApiError);
    expect((err as ApiError).status).toBe(429);
  });

  test('headerDelayMs and chunkDelayMs slow the answer down', async () => {
    mock.queue({ headerDelayMs: 120 });
    let start = performance.now();
    await generate({ contents: [user('q')] });
    expect(performance.now() - start).toBeGreaterThanOrEqual(100);

    mock.queue({ text: 'a b c d', chunkDelayMs: 40 });
    start = performance.now();
    await send(`/v1beta/models/gemini-2.5-flash:streamGenerateContent?alt=sse`, { contents: [user('q')] });
    expect(performance.now() - start).toBeGreaterThanOrEqual(100);
  });

  test('calls record method, url, headers, parsed body and status', async () => {
    await generate({ contents: [user('rec')] });
    await send('/v1beta/models/gemini-2.5-flash:generateContent', 'not json');
    expect(mock.calls[0]).toMatchObject({
      method: 'POST',
      url: '/v1beta/models/gemini-2.5-flash:generateContent',
      body: { contents: [user('rec')] },
      status: 200,
      aborted: false,
    });
    expect(mock.calls[0]?.headers['x-goog-api-key']).toBe(mock.key);
    expect(mock.calls[1]).toMatchObject({ body: undefined, status: 400 });
  });

  test('waitForCalls resolves on the n-th call and fails after its timeout', async () => {
    const waiting = mock.waitForCalls(1, 1000);
    void generate({ contents: [user('q')] });
    await waiting;
    expect(mock.calls).toHaveLength(1);
    await expect(mock.waitForCalls(5, 50)).rejects.toThrow('waited 50ms');
  });

  test('reset clears calls and the queue', async () => {
    mock.queue({ text: 'dropped' });
    await send('/v1beta/models');
    mock.reset();
    expect(mock.calls).toHaveLength(0);
    expect((await generate({ contents: [user('q')] })).json().candidates[0].content.parts[0].text).toBe('mock(gemini) heard: q');
  });
});
