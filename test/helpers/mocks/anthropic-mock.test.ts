import { afterAll, beforeAll, beforeEach, describe, expect, test } from 'bun:test';
import Anthropic from '@anthropic-ai/sdk';
import { parseSSE } from '../../../src/util/sse.ts';
import { anthropicErrorBody, startAnthropicMock } from './anthropic-mock.ts';
import type { MockServer } from './types.ts';

let mock: MockServer;
let client: Anthropic;

beforeAll(async () => {
  mock = await startAnthropicMock();
  client = new Anthropic({ apiKey: mock.key, baseURL: mock.url, maxRetries: 0 });
});
afterAll(async () => {
  await mock.stop();
});
beforeEach(() => {
  mock.reset();
});

const MODEL = 'claude-sonnet-4-5';
// A 1×1 PNG, so image checks see real PNG bytes.
const PNG =
  'iVBORw0KGgoAAAANSUhEUgAAAAEAAAABCAQAAAC1HAwCAAAAC0lEQVR42mNkYAAAAAYAAjCB0C8AAAAASUVORK5CYII=';

function headers(extra: Record<string, string> = {}): Record<string, string> {
  return { 'x-api-key': mock.key, 'anthropic-version': '2023-06-01', 'content-type': 'application/json', ...extra };
}

async function post(body: unknown, extra: Record<string, string> = {}, path = '/v1/messages') {
  const res = await fetch(`${mock.url}${path}`, {
    method: 'POST',
    headers: headers(extra),
    body: typeof body === 'string' ? body : JSON.stringify(body),
  });
  return { status: res.status, json: (await res.json()) as any, headers: res.headers };
}

/** Expects a 400 invalid_request_error and returns its message. */
async function rejected(body: unknown, extra: Record<string, string> = {}): Promise<string> {
  const { status, json } = await post(body, extra);
  expect(status).toBe(400);
  expect(json.type).toBe('error');
  expect(json.error.type).toBe('invalid_request_error');
  expect(json.request_id).toMatch(/^req_/);
  return json.error.message;
}

const req = (extra: Record<string, unknown> = {}) => ({
  model: MODEL,
  max_tokens: 1024,
  messages: [{ role: 'user', content: 'hi' }],
  ...extra,
});

const weatherTool = { name: 'get_weather', description: 'w', input_schema: { type: 'object', properties: {} } };
const toolTurn = (id = 'toolu_01A') => ({
  role: 'assistant',
  content: [{ type: 'tool_use', id, name: 'get_weather', input: { city: 'Paris' } }],
});
const resultTurn = (id = 'toolu_01A', extra: unknown[] = []) => ({
  role: 'user',
  content: [{ type: 'tool_result', tool_use_id: id, content: '21C' }, ...extra],
});

describe('anthropic mock: authentication and headers', () => {
  test('a missing key is a 401 authentication_error with a request id', async () => {
    const res = await fetch(`${mock.url}/v1/messages`, {
      method: 'POST',
      headers: { 'anthropic-version': '2023-06-01' },
      body: JSON.stringify(req()),
    });
    expect(res.status).toBe(401);
    const body: any = await res.json();
    expect(body).toMatchObject({ type: 'error', error: { type: 'authentication_error', message: 'x-api-key header is required' } });
    expect(res.headers.get('request-id')).toBe(body.request_id);
  });

  test('a wrong key is a 401 "invalid x-api-key", a Bearer token with the key is accepted', async () => {
    const wrong = await post(req(), { 'x-api-key': 'sk-ant-wrong' });
    expect(wrong.status).toBe(401);
    expect(wrong.json.error).toEqual({ type: 'authentication_error', message: 'invalid x-api-key' });
    const res = await fetch(`${mock.url}/v1/messages`, {
      method: 'POST',
      headers: { authorization: `Bearer ${mock.key}`, 'anthropic-version': '2023-06-01' },
      body: JSON.stringify(req()),
    });
    expect(res.status).toBe(200);
  });

  test('anthropic-version is required', async () => {
    const res = await fetch(`${mock.url}/v1/messages`, {
      method: 'POST',
      headers: { 'x-api-key': mock.key },
      body: JSON.stringify(req()),
    });
    expect(res.status).toBe(400);
    expect(((await res.json()) as any).error).toEqual({
      type: 'invalid_request_error',
      message: 'anthropic-version: header is required',
    });
  });
});

describe('anthropic mock: request validation', () => {
  test('bodies that are not JSON, or carry lone surrogates', async () => {
    expect(await rejected('{"model":')).toStartWith('The request body is not valid JSON');
    const lone = JSON.stringify(req({ messages: [{ role: 'user', content: 'a\ud83d b' }] }));
    expect(lone).toContain('\\ud83d');
    expect(await rejected(lone)).toMatch(/^The request body is not valid JSON: no low surrogate in string: line 1 column \d+ \(char \d+\)$/);
    // A correctly paired emoji passes.
    expect((await post(req({ messages: [{ role: 'user', content: 'a 🌍 b' }] }))).status).toBe(200);
  });

  test('unknown top-level fields, and beta-only fields without their beta', async () => {
    expect(await rejected(req({ reasoning_effort: 'high' }))).toBe('reasoning_effort: Extra inputs are not permitted');
    const cm = { context_management: { edits: [] } };
    expect(await rejected(req(cm))).toBe('context_management: Extra inputs are not permitted');
    expect((await post(req(cm), { 'anthropic-beta': 'context-management-2025-06-27' })).status).toBe(200);
  });

  test('model and max_tokens are required', async () => {
    expect(await rejected({ model: MODEL, messages: [{ role: 'user', content: 'x' }] })).toBe('max_tokens: Field required');
    expect(await rejected({ max_tokens: 10, messages: [{ role: 'user', content: 'x' }] })).toBe('model: Field required');
    expect(await rejected(req({ max_tokens: 10.5 }))).toBe('max_tokens: Input should be a valid integer');
  });

  test('messages: non-empty list, user/assistant roles, user first', async () => {
    expect(await rejected(req({ messages: [] }))).toBe('messages: at least one message is required');
    expect(
      await rejected(req({ messages: [{ role: 'user', content: 'a' }, { role: 'system', content: 'b' }] })),
    ).toBe("messages.1.role: Input should be 'user' or 'assistant'");
    expect(await rejected(req({ messages: [{ role: 'assistant', content: 'a' }, { role: 'user', content: 'b' }] }))).toBe(
      'messages: first message must use the "user" role',
    );
  });

  test('every message has content except an optional final assistant prefill', async () => {
    const empty = 'all messages must have non-empty content except for the optional final assistant message';
    expect(await rejected(req({ messages: [{ role: 'user', content: '' }] }))).toBe(`messages.0: ${empty}`);
    expect(
      await rejected(req({ messages: [{ role: 'user', content: 'a' }, { role: 'assistant', content: [] }, { role: 'user', content: 'b' }] })),
    ).toBe(`messages.1: ${empty}`);
    const prefill = await post(req({ messages: [{ role: 'user', content: 'a' }, { role: 'assistant', content: '' }] }));
    expect(prefill.status).toBe(200);
  });

  test('text blocks must be non-empty and not only whitespace; a prefill cannot end in whitespace', async () => {
    const blocks = (text: string) => req({ messages: [{ role: 'user', content: [{ type: 'text', text: 'a' }, { type: 'text', text }] }] });
    expect(await rejected(blocks(''))).toBe('messages: text content blocks must be non-empty');
    expect(await rejected(blocks(' \n'))).toBe('messages: text content blocks must contain non-whitespace text');
    expect(await rejected(req({ messages: [{ role: 'user', content: 'a' }, { role: 'assistant', content: 'Sure, ' }] }))).toBe(
      'messages: final assistant content cannot end with trailing whitespace',
    );
  });

  test('every tool_use needs its tool_result in the next message', async () => {
    const msg = await rejected(
      req({
        tools: [weatherTool],
        messages: [{ role: 'user', content: 'w?' }, toolTurn('toolu_01A'), { role: 'user', content: 'never mind' }],
      }),
    );
    expect(msg).toBe(
      'messages.1: `tool_use` ids were found without `tool_result` blocks immediately after: toolu_01A. Each `tool_use` block must have a corresponding `tool_result` block in the next message.',
    );
  });

  test('a tool_result must answer a tool_use of the previous message', async () => {
    const msg = await rejected(
      req({
        messages: [{ role: 'user', content: 'w?' }, toolTurn('toolu_01A'), resultTurn('toolu_01A', [{ type: 'tool_result', tool_use_id: 'toolu_X', content: 'r' }])],
      }),
    );
    expect(msg).toBe(
      'messages.2.content.1: unexpected `tool_use_id` found in `tool_result` blocks: toolu_X. Each `tool_result` block must have a corresponding `tool_use` block in the previous message.',
    );
  });

  test('a proper tool round trip is accepted', async () => {
    const { status } = await post(
      req({
        tools: [weatherTool],
        messages: [{ role: 'user', content: 'w?' }, toolTurn('toolu_01A'), resultTurn('toolu_01A', [{ type: 'text', text: 'and tomorrow?' }])],
      }),
    );
    expect(status).toBe(200);
  });

  test('consecutive same-role messages count as one turn for the pairing', async () => {
    const { status } = await post(
      req({
        tools: [{ name: 'get_weather', input_schema: { type: 'object' } }],
        messages: [
          { role: 'user', content: 'w?' },
          toolTurn('toolu_01A'),
          { role: 'assistant', content: 'checking' },
          resultTurn('toolu_01A'),
          { role: 'user', content: 'thanks' },
        ],
      }),
    );
    expect(status).toBe(200);
  });

  test('tool blocks in the history need declared tools', async () => {
    const history = [{ role: 'user', content: 'w?' }, toolTurn('toolu_01A'), resultTurn('toolu_01A')];
    expect(await rejected(req({ messages: history }))).toBe('Requests which include `tool_use` or `tool_result` blocks must define tools.');
    const { status } = await post(req({ messages: history, tools: [{ name: 'get_weather', input_schema: { type: 'object' } }], tool_choice: { type: 'none' } }));
    expect(status).toBe(200);
  });

  test('tool_use blocks: input must be an object, ids must match the pattern', async () => {
    const bad = (block: Record<string, unknown>) =>
      req({ messages: [{ role: 'user', content: 'w?' }, { role: 'assistant', content: [block] }, resultTurn('toolu_01A')] });
    expect(await rejected(bad({ type: 'tool_use', id: 'toolu_01A', name: 'f', input: '{"a":1}' }))).toBe(
      'messages.1.content.0.tool_use.input: Input should be a valid dictionary',
    );
    expect(await rejected(bad({ type: 'tool_use', id: 'call:01A', name: 'f', input: {} }))).toBe(
      "messages.1.content.0.tool_use.id: String should match pattern '^[a-zA-Z0-9_-]+$'",
    );
  });

  test('unknown fields inside blocks are rejected', async () => {
    const msg = await rejected(
      req({ messages: [{ role: 'user', content: [{ type: 'text', text: 'a', thought: true }] }] }),
    );
    expect(msg).toBe('messages.0.content.0.text.thought: Extra inputs are not permitted');
  });

  test('thinking blocks need a signature this mock issued, over unmodified text', async () => {
    const withThinking = (block: Record<string, unknown>) =>
      req({
        messages: [
          { role: 'user', content: 'q' },
          { role: 'assistant', content: [block, { type: 'text', text: 'answer' }] },
          { role: 'user', content: 'more' },
        ],
      });
    expect(await rejected(withThinking({ type: 'thinking', thinking: 'hmm', signature: 'Zm9yZ2Vk' }))).toBe(
      'messages.1.content.0: Invalid `signature` in `thinking` block',
    );
    expect(await rejected(withThinking({ type: 'thinking', thinking: 'hmm' }))).toBe(
      'messages.1.content.0.thinking.signature: Field required',
    );
    expect(await rejected(withThinking({ type: 'redacted_thinking', data: 'abc' }))).toBe(
      'messages.1.content.0: Invalid `data` in `redacted_thinking` block',
    );

    mock.queue({ thinking: 'deep thought', text: 'answer' });
    const issued = await client.messages.create({ model: MODEL, max_tokens: 100, messages: [{ role: 'user', content: 'q' }] });
    const thinking = issued.content[0];
    if (thinking?.type !== 'thinking') throw new Error('expected a thinking block');
    expect((await post(withThinking({ type: 'thinking', thinking: thinking.thinking, signature: thinking.signature }))).status).toBe(200);
    expect(await rejected(withThinking({ type: 'thinking', thinking: 'edited', signature: thinking.signature }))).toBe(
      'messages.1.content.0: Invalid `signature` in `thinking` block',
    );
  });

  test('thinking budget: at least 1024 and below max_tokens', async () => {
    expect(await rejected(req({ thinking: { type: 'enabled', budget_tokens: 512 } }))).toBe(
      'thinking.enabled.budget_tokens: Input should be greater than or equal to 1024',
    );
    expect(await rejected(req({ max_tokens: 2000, thinking: { type: 'enabled', budget_tokens: 2000 } }))).toStartWith(
      '`max_tokens` must be greater than `thinking.budget_tokens`.',
    );
    expect((await post(req({ max_tokens: 2000, thinking: { type: 'enabled', budget_tokens: 1024 } }))).status).toBe(200);
  });

  test('with thinking on: temperature only 1, no top_k, no forced tool use', async () => {
    const thinking = { type: 'enabled', budget_tokens: 1024 };
    const base = { max_tokens: 4096, thinking };
    expect(await rejected(req({ ...base, temperature: 0.7 }))).toStartWith(
      '`temperature` may only be set to 1 when thinking is enabled.',
    );
    expect((await post(req({ ...base, temperature: 1 }))).status).toBe(200);
    expect(await rejected(req({ ...base, top_k: 40 }))).toStartWith('`top_k` must be unset when thinking is enabled.');
    expect(await rejected(req({ ...base, tools: [weatherTool], tool_choice: { type: 'any' } }))).toBe(
      'Thinking may not be enabled when tool_choice forces tool use.',
    );
    expect(await rejected(req({ ...base, tools: [weatherTool], tool_choice: { type: 'tool', name: 'get_weather' } }))).toBe(
      'Thinking may not be enabled when tool_choice forces tool use.',
    );
    expect((await post(req({ ...base, tools: [weatherTool], tool_choice: { type: 'auto' } }))).status).toBe(200);
  });

  test('with thinking on, the assistant turn being answered must start with its thinking block', async () => {
    const msg = await rejected(
      req({
        max_tokens: 4096,
        thinking: { type: 'enabled', budget_tokens: 1024 },
        tools: [weatherTool],
        messages: [{ role: 'user', content: 'w?' }, toolTurn(), resultTurn()],
      }),
    );
    expect(msg).toStartWith('messages.1.content.0.type: Expected `thinking` or `redacted_thinking`, but found `tool_use`.');
  });

  test('tools need an object input_schema, valid and unique names', async () => {
    const tool = (t: Record<string, unknown>) => req({ tools: [t] });
    expect(await rejected(tool({ name: 'f' }))).toBe('tools.0.custom.input_schema: Field required');
    expect(await rejected(tool({ name: 'f', input_schema: { properties: {} } }))).toBe('tools.0.custom.input_schema.type: Field required');
    expect(await rejected(tool({ name: 'f', input_schema: { type: 'string' } }))).toBe(
      "tools.0.custom.input_schema.type: Input should be 'object'",
    );
    expect(await rejected(tool({ name: 'mcp.read', input_schema: { type: 'object' } }))).toBe(
      "tools.0.custom.name: String should match pattern '^[a-zA-Z0-9_-]{1,64}$'",
    );
    expect(await rejected(tool({ name: 'f', parameters: {}, input_schema: { type: 'object' } }))).toBe(
      'tools.0.custom.parameters: Extra inputs are not permitted',
    );
    expect(await rejected(req({ tools: [weatherTool, weatherTool] }))).toBe('tools: Tool names must be unique.');
  });

  test('images: only jpeg/png/gif/webp, and the bytes must match the declared type', async () => {
    const image = (media_type: string) =>
      req({ messages: [{ role: 'user', content: [{ type: 'image', source: { type: 'base64', media_type, data: PNG } }, { type: 'text', text: 'what?' }] }] });
    expect(await rejected(image('image/bmp'))).toBe(
      "messages.0.content.0.image.source.base64.media_type: Input should be 'image/jpeg', 'image/png', 'image/gif' or 'image/webp'",
    );
    expect(await rejected(image('image/jpeg'))).toContain('specified using the image/jpeg media type, but the image appears to be a image/png image');
    expect((await post(image('image/png'))).status).toBe(200);
  });

  test('documents, cache_control, tool_choice and system blocks are checked too', async () => {
    const doc = { type: 'document', source: { type: 'base64', media_type: 'application/msword', data: 'AAAA' } };
    expect(await rejected(req({ messages: [{ role: 'user', content: [doc, { type: 'text', text: 'sum up' }] }] }))).toBe(
      "messages.0.content.0.document.source.base64.media_type: Input should be 'application/pdf'",
    );
    const cached = { type: 'text', text: 'a', cache_control: { type: 'ephemeral', scope: 'global' } };
    expect(await rejected(req({ messages: [{ role: 'user', content: [cached] }] }))).toBe(
      'messages.0.content.0.text.cache_control.ephemeral.scope: Extra inputs are not permitted',
    );
    expect(await rejected(req({ tools: [weatherTool], tool_choice: { type: 'required' } }))).toBe(
      "tool_choice: Input tag 'required' found using 'type' does not match any of the expected tags: 'auto', 'any', 'tool', 'none'",
    );
    expect(await rejected(req({ system: [{ type: 'text', text: '' }] }))).toBe('system: text content blocks must be non-empty');
    const ok = await post(
      req({ system: [{ type: 'text', text: 'terse', cache_control: { type: 'ephemeral', ttl: '1h' } }], tools: [weatherTool], tool_choice: { type: 'none' } }),
    );
    expect(ok.status).toBe(200);
  });

  test('with thinking on, top_p must be at least 0.95', async () => {
    const thinking = { type: 'enabled', budget_tokens: 1024 };
    expect(await rejected(req({ max_tokens: 4096, thinking, top_p: 0.9 }))).toStartWith(
      '`top_p` must be greater than or equal to 0.95 or unset when thinking is enabled.',
    );
    expect((await post(req({ max_tokens: 4096, thinking, top_p: 0.95 }))).status).toBe(200);
  });

  test('sampling limits and stop sequences', async () => {
    expect(await rejected(req({ temperature: 1.5 }))).toBe('temperature: Input should be less than or equal to 1');
    expect(await rejected(req({ stop_sequences: ['\n'] }))).toBe('stop_sequences: each stop sequence must contain non-whitespace');
    expect(await rejected(req({ stop_sequences: [''] }))).toBe('stop_sequences: each stop sequence must be non-empty');
    expect(await rejected(req({ metadata: { session: 'x' } }))).toBe('metadata.session: Extra inputs are not permitted');
  });

  test('per-model refusals: output ceilings, forced tool use, disabled thinking', async () => {
    expect(await rejected(req({ model: 'claude-3-haiku-20240307', max_tokens: 8192 }))).toBe(
      'max_tokens: 8192 > 4096, which is the maximum allowed number of output tokens for claude-3-haiku-20240307',
    );
    expect((await post(req({ model: 'claude-3-5-haiku-20241022', max_tokens: 8192 }))).status).toBe(200);
    const forced = { tools: [weatherTool], tool_choice: { type: 'any' } };
    expect(await rejected(req({ model: 'claude-fable-5-1', ...forced }))).toBe('tool_choice: type "tool" and "any" are not supported for this model.');
    expect((await post(req({ model: 'claude-fable-5', ...forced }))).status).toBe(200);
    expect(await rejected(req({ model: 'claude-fable-5', thinking: { type: 'disabled' } }))).toStartWith('"thinking.type.disabled" is not supported for this model.');
    expect(await rejected(req({ model: 'claude-opus-5-5', thinking: { type: 'disabled' } }))).toStartWith('"thinking.type.disabled" is not supported');
    const off = { thinking: { type: 'disabled' } };
    expect((await post(req({ model: 'claude-opus-5', ...off, output_config: { effort: 'high' } }))).status).toBe(200);
    expect(await rejected(req({ model: 'claude-opus-5', ...off, output_config: { effort: 'max' } }))).toBe(
      "output_config.effort 'max' is not supported when thinking is disabled on this model. Use effort 'high' or below, or enable thinking.",
    );
  });

  test('a tool input_schema with a root oneOf, anyOf or allOf is refused', async () => {
    const tool = { name: 'run', input_schema: { type: 'object', oneOf: [{ required: ['a'] }, { required: ['b'] }] } };
    expect(await rejected(req({ tools: [weatherTool, tool] }))).toBe(
      'tools.1.custom.input_schema: input_schema does not support oneOf, allOf, or anyOf at the top level',
    );
  });

  test('structured outputs: open objects and value bounds are refused, closed schemas accepted', async () => {
    const format = (schema: unknown) => req({ output_config: { format: { type: 'json_schema', schema } } });
    const closed = { type: 'object', properties: { n: { type: 'integer' }, tags: { type: 'array', minItems: 1, items: { type: 'string' } } }, additionalProperties: false };
    expect((await post(format(closed))).status).toBe(200);
    expect(await rejected(format({ type: 'object', properties: {} }))).toBe(
      "output_config.format.schema: For 'object' type, 'additionalProperties' must be explicitly set to false",
    );
    expect(await rejected(format({ ...closed, properties: { o: { type: 'object', additionalProperties: true } } }))).toStartWith(
      "output_config.format.schema: For 'object' type, 'additionalProperties: true' is not supported.",
    );
    expect(await rejected(format({ ...closed, properties: { n: { type: 'number', minimum: 0, maximum: 1 } } }))).toBe(
      "output_config.format.schema: For 'number' type, properties maximum, minimum are not supported",
    );
    expect(await rejected(format({ ...closed, properties: { t: { type: 'array', minItems: 2, items: { type: 'string' } } } }))).toBe(
      "output_config.format.schema: For 'array' type, 'minItems' values other than 0 or 1 are not supported",
    );
  });

  test('rejected requests are recorded with status and body', async () => {
    await rejected(req({ top_k: -1 }));
    expect(mock.calls).toHaveLength(1);
    expect(mock.calls[0]).toMatchObject({ method: 'POST', url: '/v1/messages', status: 400, aborted: false });
    expect((mock.calls[0]!.body as any).top_k).toBe(-1);
  });

  test('unknown paths are 404 not_found_error', async () => {
    const res = await fetch(`${mock.url}/v1/complete`, { method: 'POST', headers: headers(), body: '{}' });
    expect(res.status).toBe(404);
    expect(((await res.json()) as any).error.type).toBe('not_found_error');
  });
});

describe('anthropic mock: non-streaming replies', () => {
  test('default reply echoes the last user text with realistic id, model and usage', async () => {
    const msg = await client.messages.create({
      model: MODEL,
      max_tokens: 100,
      messages: [
        { role: 'user', content: 'first' },
        { role: 'assistant', content: 'ok' },
        { role: 'user', content: [{ type: 'text', text: 'hello' }, { type: 'text', text: 'there' }] },
      ],
    });
    expect(msg.id).toMatch(/^msg_/);
    expect(msg.model).toBe(MODEL);
    expect(msg.content).toEqual([{ type: 'text', text: 'mock(anthropic) heard: hello there', citations: null }]);
    expect(msg.stop_reason).toBe('end_turn');
    expect(msg.usage.input_tokens).toBeGreaterThan(0);
    expect(msg.usage.output_tokens).toBeGreaterThan(0);
  });

  test('usage follows Anthropic accounting: input_tokens exclude cached tokens', async () => {
    mock.queue({ text: 'x', usage: { input: 100, output: 30, cached: 60 } });
    const msg = await client.messages.create(req() as Anthropic.MessageCreateParamsNonStreaming);
    expect(msg.usage).toMatchObject({ input_tokens: 40, cache_read_input_tokens: 60, cache_creation_input_tokens: 0, output_tokens: 30 });
  });

  test('tool calls give tool_use blocks and stop_reason tool_use; finish can be forced', async () => {
    mock.queue({ toolCalls: [{ name: 'get_weather', args: { city: 'Paris' } }, { name: 'get_time', args: {} }] }, { text: 'cut', finish: 'max_tokens' });
    const a = await client.messages.create(req() as Anthropic.MessageCreateParamsNonStreaming);
    expect(a.stop_reason).toBe('tool_use');
    expect(a.content.map((b) => (b.type === 'tool_use' ? [b.name, b.input, b.id.startsWith('toolu_')] : b.type))).toEqual([
      ['get_weather', { city: 'Paris' }, true],
      ['get_time', {}, true],
    ]);
    const b = await client.messages.create(req() as Anthropic.MessageCreateParamsNonStreaming);
    expect(b.stop_reason).toBe('max_tokens');
  });

  test('error replies are sent as given: 429 with retry-after, 529 overloaded', async () => {
    mock.queue(
      { error: { status: 429, body: anthropicErrorBody('rate_limit_error', 'slow down'), headers: { 'retry-after': '12' } } },
      { error: { status: 529, body: anthropicErrorBody('overloaded_error', 'Overloaded') } },
    );
    const first = await client.messages.create(req() as Anthropic.MessageCreateParamsNonStreaming).catch((e: unknown) => e);
    expect(first).toBeInstanceOf(Anthropic.RateLimitError);
    expect((first as InstanceType<typeof Anthropic.RateLimitError>).headers?.get('retry-after')).toBe('12');
    const second = await client.messages.create(req() as Anthropic.MessageCreateParamsNonStreaming).catch((e: unknown) => e);
    expect(second).toBeInstanceOf(Anthropic.APIError);
    expect((second as InstanceType<typeof Anthropic.APIError>).status).toBe(529);
    expect(((second as InstanceType<typeof Anthropic.APIError>).error as any).error.type).toBe('overloaded_error');
  });

  test('count_tokens answers {input_tokens} and grows with the prompt; it takes no max_tokens', async () => {
    const small = await client.messages.countTokens({ model: MODEL, messages: [{ role: 'user', content: 'hi' }] });
    const big = await client.messages.countTokens({ model: MODEL, messages: [{ role: 'user', content: 'hi '.repeat(400) }] });
    expect(small.input_tokens).toBeGreaterThan(0);
    expect(big.input_tokens).toBeGreaterThan(small.input_tokens + 100);
    const { status, json } = await post(req(), {}, '/v1/messages/count_tokens');
    expect(status).toBe(400);
    expect(json.error.message).toBe('max_tokens: Extra inputs are not permitted');
  });

  test('models list pages with has_more/last_id, and retrieve', async () => {
    const ids: string[] = [];
    for await (const m of client.models.list({ limit: 2 })) ids.push(m.id);
    expect(ids).toEqual(['claude-sonnet-4-5-20250929', 'claude-opus-4-1-20250805', 'claude-3-5-haiku-20241022']);
    expect(mock.calls.map((c) => c.url)).toEqual(['/v1/models?limit=2', '/v1/models?limit=2&after_id=claude-opus-4-1-20250805']);
    expect((await client.models.retrieve('claude-opus-4-1-20250805')).display_name).toBe('Claude Opus 4.1');
    expect((await client.models.retrieve('claude-opus-4-1')).id).toBe('claude-opus-4-1-20250805');
    expect(await client.models.retrieve('claude-opus-4-0').catch((e: unknown) => e)).toBeInstanceOf(Anthropic.NotFoundError);
    expect(await client.models.retrieve('claude-nope').catch((e: unknown) => e)).toBeInstanceOf(Anthropic.NotFoundError);
  });
});

async function rawStream(body: unknown): Promise<{ status: number; chunks: Uint8Array[] }> {
  const res = await fetch(`${mock.url}/v1/messages`, { method: 'POST', headers: headers(), body: JSON.stringify(body) });
  const chunks: Uint8Array[] = [];
  for await (const c of res.body!) chunks.push(c);
  return { status: res.status, chunks };
}

const concat = (chunks: Uint8Array[]): string => new TextDecoder().decode(Buffer.concat(chunks));

describe('anthropic mock: streaming', () => {
  test('the SDK rebuilds thinking, text and tool_use from the event stream', async () => {
    mock.queue({ thinking: 'let me check the weather', text: 'Checking now.', toolCalls: [{ name: 'get_weather', args: { city: 'Paris', units: 'metric' } }] });
    const stream = client.messages.stream({
      model: MODEL,
      max_tokens: 4096,
      thinking: { type: 'enabled', budget_tokens: 1024 },
      tools: [weatherTool as Anthropic.Tool],
      messages: [{ role: 'user', content: 'weather?' }],
    });
    const final = await stream.finalMessage();
    expect(final.stop_reason).toBe('tool_use');
    const [thinking, text, tool] = final.content;
    expect(thinking).toMatchObject({ type: 'thinking', thinking: 'let me check the weather' });
    expect(thinking?.type === 'thinking' && thinking.signature.length).toBeGreaterThan(20);
    expect(text).toMatchObject({ type: 'text', text: 'Checking now.' });
    expect(tool).toMatchObject({ type: 'tool_use', name: 'get_weather', input: { city: 'Paris', units: 'metric' } });
    expect(final.usage.output_tokens).toBeGreaterThan(1);

    // The blocks go back as they came, and the mock accepts the signature it issued.
    const next = await client.messages.create({
      model: MODEL,
      max_tokens: 4096,
      thinking: { type: 'enabled', budget_tokens: 1024 },
      tools: [weatherTool as Anthropic.Tool],
      messages: [
        { role: 'user', content: 'weather?' },
        { role: 'assistant', content: final.content },
        { role: 'user', content: [{ type: 'tool_result', tool_use_id: tool?.type === 'tool_use' ? tool.id : '', content: '21C' }] },
      ],
    });
    expect(next.content[0]).toMatchObject({ type: 'text', text: 'mock(anthropic) heard: ' });
  });

  test('wire format: event names, ping, indexed blocks, one signature_delta, cumulative message_delta', async () => {
    mock.queue({ thinking: 'a b', text: 'c d', toolCalls: [{ name: 'f', args: { long: 'value that spans fragments' } }], usage: { input: 50, output: 20, cached: 10 } });
    const { status, chunks } = await rawStream(req({ stream: true }));
    expect(status).toBe(200);
    const events = parseSSE(concat(chunks));
    for (const e of events) expect(JSON.parse(e.data).type).toBe(e.event);
    const names = events.map((e) => e.event);
    expect(names[0]).toBe('message_start');
    expect(names[1]).toBe('content_block_start');
    expect(names[2]).toBe('ping');
    expect(names.slice(-2)).toEqual(['message_delta', 'message_stop']);
    const data = events.map((e) => JSON.parse(e.data));
    const deltaTypes = data.filter((d) => d.type === 'content_block_delta').map((d) => `${d.index}:${d.delta.type}`);
    expect(deltaTypes.filter((t) => t === '0:signature_delta')).toHaveLength(1);
    expect(deltaTypes.indexOf('0:signature_delta')).toBe(deltaTypes.lastIndexOf('0:thinking_delta') + 1);
    expect(deltaTypes.filter((t) => t === '1:text_delta').length).toBe(2);
    expect(deltaTypes.filter((t) => t === '2:input_json_delta').length).toBeGreaterThan(2);
    expect(data.filter((d) => d.type === 'content_block_stop').map((d) => d.index)).toEqual([0, 1, 2]);
    expect(data[0].message.usage).toMatchObject({ input_tokens: 40, cache_read_input_tokens: 10 });
    expect(data.at(-2)).toMatchObject({ delta: { stop_reason: 'tool_use', stop_sequence: null }, usage: { output_tokens: 20 } });
  });

  test('midStreamErrorAfter sends event: error (overloaded) and the SDK raises it', async () => {
    mock.queue({ text: 'a b c d', midStreamErrorAfter: 1 });
    const { chunks } = await rawStream(req({ stream: true }));
    const events = parseSSE(concat(chunks));
    expect(events.at(-1)).toMatchObject({ event: 'error' });
    expect(JSON.parse(events.at(-1)!.data).error).toEqual({ type: 'overloaded_error', message: 'Overloaded' });
    expect(events.filter((e) => e.event === 'content_block_delta')).toHaveLength(1);

    mock.queue({ text: 'a b c d', midStreamErrorAfter: 2 });
    const stream = client.messages.stream(req() as Anthropic.MessageCreateParamsNonStreaming);
    const err = await stream.finalMessage().catch((e: unknown) => e);
    expect(err).toBeInstanceOf(Anthropic.APIError);
    expect(String((err as Error).message)).toContain('Overloaded');
  });

  test('truncateAfter closes the stream without message_delta/message_stop', async () => {
    mock.queue({ text: 'a b c d', truncateAfter: 2 });
    const { chunks } = await rawStream(req({ stream: true }));
    const names = parseSSE(concat(chunks)).map((e) => e.event);
    expect(names.filter((n) => n === 'content_block_delta')).toHaveLength(2);
    expect(names).not.toContain('message_stop');
    expect(names).not.toContain('message_delta');
  });

  test('splitBytes splits multi-byte characters; the SDK still reads the text', async () => {
    const text = 'żółw 🐢🐢🐢 ok';
    mock.queue({ text, splitBytes: 3 }, { text, splitBytes: 3 });
    const sdkRead = client.messages.stream(req() as Anthropic.MessageCreateParamsNonStreaming).finalText();
    const [{ chunks }, sdkText] = await Promise.all([rawStream(req({ stream: true })), sdkRead]);
    expect(chunks.length).toBeGreaterThan(parseSSE(concat(chunks)).length * 10);
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
    expect(sdkText).toBe(text);
  });

  test('a client that disconnects mid-stream is recorded as aborted', async () => {
    mock.queue({ text: 'a b c d e f g h', chunkDelayMs: 30 });
    const ac = new AbortController();
    const res = await fetch(`${mock.url}/v1/messages`, {
      method: 'POST',
      headers: headers(),
      body: JSON.stringify(req({ stream: true })),
      signal: ac.signal,
    });
    const reader = res.body!.getReader();
    await reader.read();
    ac.abort();
    await reader.cancel().catch(() => undefined);
    for (let i = 0; i < 100 && !mock.calls[0]!.aborted; i++) await Bun.sleep(10);
    expect(mock.calls[0]!.aborted).toBe(true);
  });

  test('url is the bare origin (the proxy appends /v1/messages)', () => {
    expect(mock.url).toMatch(/^http:\/\/127\.0\.0\.1:\d+$/);
  });
});
