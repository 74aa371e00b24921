/**
 * Self-test of the OpenAI mock's `POST /v1/responses` request checks (and `/v1/responses/input_tokens`):
 * each refusal with the real API's status, wording, param and code; input item pairing; encrypted
 * reasoning round trips. Replies and streams are covered in openai-mock-responses.test.ts.
 */
import { afterAll, beforeAll, beforeEach, describe, expect, test } from 'bun:test';
import OpenAI from 'openai';
import { encryptedReasoningBlob, startOpenAIMock } from './openai-mock.ts';
import { postResponses, type Json } from './openai-mock-responses-client.ts';
import type { MockServer } from './types.ts';

let mock: MockServer;
let client: OpenAI;

beforeAll(async () => {
  mock = await startOpenAIMock();
  client = new OpenAI({ apiKey: mock.key, baseURL: mock.url, maxRetries: 0, timeout: 5_000 });
});
afterAll(async () => {
  await mock.stop();
});
beforeEach(() => {
  mock.reset();
});

const post = (body: unknown, key?: string): ReturnType<typeof postResponses> => postResponses(mock, body, key);

/** Expects a 400 invalid_request_error and returns its error object. */
async function rejected(body: unknown): Promise<{ message: string; param: string | null; code: string | null }> {
  const { status, json } = await post(body);
  expect(status).toBe(400);
  expect(json.error.type).toBe('invalid_request_error');
  return json.error;
}

const weatherTool = {
  type: 'function' as const,
  name: 'get_weather',
  description: 'Weather for a city',
  parameters: { type: 'object', properties: { city: { type: 'string' } }, required: ['city'], additionalProperties: false },
  strict: true,
};

describe('openai responses mock: input items', () => {
  test('an issued reasoning blob round-trips with store false; a made-up one is refused', async () => {
    mock.queue({ thinking: 'plan', toolCalls: [{ name: 'get_weather', args: { city: 'Paris' } }] });
    const first = await client.responses.create({ ...streamless(), include: ['reasoning.encrypted_content'] });
    const [rs, call] = first.output as Json[];
    const history = [{ role: 'user', content: 'weather?' }, rs, call, { type: 'function_call_output', call_id: call!.call_id, output: '21C and sunny' }];
    const second = await client.responses.create({ ...streamless(), input: history as OpenAI.Responses.ResponseInput });
    expect(second.output_text).toBe('mock(openai) heard: 21C and sunny');

    const forged = history.map((i) => (i === rs ? { ...rs, encrypted_content: encryptedReasoningBlob() } : i));
    expect(await rejected({ ...streamless(), input: forged })).toMatchObject({ code: 'invalid_encrypted_content', param: null });
    const { encrypted_content: _drop, ...bare } = rs!;
    const missing = await rejected({ ...streamless(), input: history.map((i) => (i === rs ? bare : i)) });
    expect(missing.message).toBe(
      `Item with id '${rs!.id}' not found. Items are not persisted when \`store\` is set to false. Try again with \`store\` set to true, or remove this item from your input.`,
    );
    // As Codex replays it, without its id: nothing says which item it was.
    const { id: _id, ...anonymous } = bare;
    const unnamed = await rejected({ ...streamless(), input: history.map((i) => (i === rs ? anonymous : i)) });
    expect(unnamed).toMatchObject({ message: "Missing required parameter: 'input[1].encrypted_content'.", param: 'input[1].encrypted_content', code: 'missing_required_parameter' });
  });

  test('a function_call_output needs its function_call earlier in the input', async () => {
    const err = await rejected({ model: 'gpt-4.1', input: [{ role: 'user', content: 'x' }, { type: 'function_call_output', call_id: 'call_zz', output: 'r' }] });
    expect(err).toMatchObject({ message: 'No tool call found for function call output with call_id call_zz.', param: 'input' });
  });

  test('assistant content takes output_text or refusal only; Chat-style items are refused', async () => {
    const assistant = await rejected({ model: 'gpt-4.1', input: [{ role: 'assistant', content: [{ type: 'input_text', text: 'hi' }] }] });
    expect(assistant).toMatchObject({
      message: "Invalid value: 'input_text'. Supported values are: 'output_text' and 'refusal'.",
      param: 'input[0].content[0]',
    });
    const tool = await rejected({ model: 'gpt-4.1', input: [{ role: 'tool', tool_call_id: 'c', content: 'r' }] });
    expect(tool.param).toBe('input[0].role');
    const calls = await rejected({ model: 'gpt-4.1', input: [{ role: 'assistant', content: 'x', tool_calls: [] }] });
    expect(calls).toMatchObject({ message: "Unknown parameter: 'input[0].tool_calls'.", code: 'unknown_parameter' });
    const chatPart = await rejected({ model: 'gpt-4.1', input: [{ role: 'user', content: [{ type: 'text', text: 'x' }] }] });
    expect(chatPart.param).toBe('input[0].content[0]');
  });
});

function streamless(): { model: string; input: string; store: false; reasoning: { effort: 'low' }; tools: [typeof weatherTool] } {
  return { model: 'o3-mini', input: 'weather?', store: false, reasoning: { effort: 'low' }, tools: [weatherTool] };
}

describe('openai responses mock: request validation', () => {
  test('unknown parameters, Chat Completions fields included, are named', async () => {
    for (const [extra, param] of [
      [{ messages: [] }, 'messages'],
      [{ max_tokens: 10 }, 'max_tokens'],
      [{ stream: true, stream_options: { include_usage: true } }, 'stream_options.include_usage'],
    ] as const) {
      expect(await rejected({ model: 'gpt-4.1', input: 'x', ...extra })).toEqual({
        message: `Unknown parameter: '${param}'.`,
        type: 'invalid_request_error',
        param,
        code: 'unknown_parameter',
      } as never);
    }
  });

  test('model and input are required; max_output_tokens is at least 16', async () => {
    expect((await rejected({ input: 'x' })).message).toBe("Missing required parameter: 'model'.");
    expect((await rejected({ model: 'gpt-4.1' })).param).toBe('input');
    expect(await rejected({ model: 'gpt-4.1', input: 'x', max_output_tokens: 8 })).toMatchObject({
      message: "Invalid 'max_output_tokens': integer below minimum value. Expected a value >= 16, but got 8 instead.",
      code: 'integer_below_min_value',
    });
  });

  test("max_output_tokens above the model's output limit is refused; a model the mock does not know is not checked", async () => {
    expect(await rejected({ model: 'gpt-4o', input: 'x', max_output_tokens: 32000 })).toEqual({
      message: 'max_output_tokens is too large: 32000. This model supports at most 16384 output tokens, whereas you provided 32000.',
      type: 'invalid_request_error',
      param: 'max_output_tokens',
      code: 'invalid_value',
    } as never);
    expect((await rejected({ model: 'gpt-4.1', input: 'x', max_output_tokens: 65536 })).message).toContain('supports at most 32768 output tokens');
    for (const [model, max] of [['gpt-4o', 16384], ['gpt-4.1', 32768], ['some-local-model', 1_000_000]] as const) {
      expect((await post({ model, input: 'x', max_output_tokens: max })).status).toBe(200);
    }
  });

  test('tools are flat, strict schemas are checked, tool_choice names a declared tool', async () => {
    const nested = { type: 'function', function: { name: 'f', parameters: { type: 'object', properties: {} } } };
    expect((await rejected({ model: 'gpt-4.1', input: 'x', tools: [nested] })).message).toBe("Missing required parameter: 'tools[0].name'.");
    const loose = { type: 'function', name: 'f', strict: true, parameters: { type: 'object', properties: { a: { type: 'string' } } } };
    expect(await rejected({ model: 'gpt-4.1', input: 'x', tools: [loose] })).toMatchObject({
      message: "Invalid schema for function 'f': In context=(), 'additionalProperties' is required to be supplied and to be false.",
      param: 'tools[0].parameters',
      code: 'invalid_function_parameters',
    });
    const partial = { ...loose, parameters: { ...loose.parameters, additionalProperties: false, required: [] } };
    expect((await rejected({ model: 'gpt-4.1', input: 'x', tools: [partial] })).message).toEndWith("Missing 'a'.");
    expect((await post({ model: 'gpt-4.1', input: 'x', tools: [{ ...loose, strict: false }] })).status).toBe(200);
    expect((await rejected({ model: 'gpt-4.1', input: 'x', tools: [weatherTool], tool_choice: { type: 'function', name: 'nope' } })).message).toBe(
      "Tool choice 'nope' not found in 'tools' parameter.",
    );
    expect((await rejected({ model: 'gpt-4.1', input: 'x', text: { format: { type: 'json_schema', schema: {} } } })).param).toBe('text.format.name');
  });

  test('input_file reads documents: audio or video in file_data is refused, a PDF or text file is taken', async () => {
    const file = (mediaType: string) => ({
      model: 'gpt-4.1',
      input: [{ role: 'user', content: [{ type: 'input_text', text: 'x' }, { type: 'input_file', filename: 'f', file_data: `data:${mediaType};base64,AAAA` }] }],
    });
    for (const t of ['audio/wav', 'video/mp4']) {
      expect(await rejected(file(t))).toMatchObject({ param: 'input[0].content[1].file_data', code: 'unsupported_file' });
    }
    for (const t of ['application/pdf', 'text/plain']) expect((await post(file(t))).status).toBe(200);
  });

  test("json_object needs the word 'json' in the input messages, not just the instructions", async () => {
    const format = { format: { type: 'json_object' } };
    expect(await rejected({ model: 'gpt-4.1', instructions: 'reply in JSON', input: 'hi', text: format })).toMatchObject({
      message: "Response input messages must contain the word 'json' in some form to use 'text.format' of type 'json_object'.",
      param: 'input',
    });
    expect((await post({ model: 'gpt-4.1', input: 'answer as json', text: format })).status).toBe(200);
  });

  test('reasoning needs a reasoning model; reasoning models refuse sampling', async () => {
    expect(await rejected({ model: 'gpt-4.1', input: 'x', reasoning: { effort: 'low' } })).toMatchObject({
      message: "Unsupported parameter: 'reasoning.effort' is not supported with this model.",
      param: 'reasoning.effort',
    });
    expect((await rejected({ model: 'gpt-4o', input: 'x', include: ['reasoning.encrypted_content'] })).param).toBe('include');
    expect(await rejected({ model: 'o3-mini', input: 'x', temperature: 0.2 })).toMatchObject({
      message: "Unsupported parameter: 'temperature' is not supported with this model.",
      param: 'temperature',
    });
    expect((await post({ model: 'o3-mini', input: 'x', temperature: 1 })).status).toBe(200);
  });

  test('stored state is never found: previous_response_id', async () => {
    expect(await rejected({ model: 'gpt-4.1', input: 'x', store: false, previous_response_id: 'resp_abc' })).toMatchObject({
      message: "Previous response with id 'resp_abc' not found.",
      param: 'previous_response_id',
    });
  });

  test('every documented parameter is accepted', async () => {
    const { status } = await post({
      model: 'gpt-5', input: [{ role: 'developer', content: 'terse' }, { role: 'user', content: 'x' }], instructions: 'sys',
      max_output_tokens: 256, temperature: 1, top_p: 1, tools: [weatherTool], tool_choice: 'auto', parallel_tool_calls: true,
      reasoning: { effort: 'medium', summary: 'auto' }, text: { format: { type: 'text' }, verbosity: 'low' }, stream: false,
      store: false, include: ['reasoning.encrypted_content'], truncation: 'disabled', metadata: { a: 'b' }, user: 'u',
      safety_identifier: 's', prompt_cache_key: 'k', service_tier: 'auto', background: false, max_tool_calls: 4, top_logprobs: 0,
    });
    expect(status).toBe(200);
  });

  test('a rejected request is recorded and does not consume a queued reply', async () => {
    mock.queue({ text: 'kept' });
    await rejected({ model: 'gpt-4.1', input: 'x', seed: 1 });
    expect(mock.calls[0]!.status).toBe(400);
    expect((await client.responses.create({ model: 'gpt-4.1', input: 'x' })).output_text).toBe('kept');
  });
});

describe('openai responses mock: POST /v1/responses/input_tokens', () => {
  test('the SDK counts a prompt; usage.input and errors of a queued reply apply', async () => {
    const counted = await client.responses.inputTokens.count({ model: 'gpt-4.1', instructions: 'sys', input: 'count these words', tools: [weatherTool] });
    expect(counted.object).toBe('response.input_tokens');
    expect(counted.input_tokens).toBeGreaterThan(0);
    mock.queue({ usage: { input: 321, output: 0 } });
    expect((await client.responses.inputTokens.count({ model: 'gpt-4.1', input: 'x' })).input_tokens).toBe(321);
    expect(mock.calls.at(-1)!.url).toBe('/v1/responses/input_tokens');
  });

  test('generation settings and malformed items are refused as on /v1/responses', async () => {
    const res = await fetch(`${mock.url}/responses/input_tokens`, {
      method: 'POST',
      headers: { authorization: `Bearer ${mock.key}`, 'content-type': 'application/json' },
      body: JSON.stringify({ model: 'gpt-4.1', input: 'x', max_output_tokens: 100 }),
      signal: AbortSignal.timeout(5_000),
    });
    expect(res.status).toBe(400);
    expect(((await res.json()) as Json).error).toMatchObject({ param: 'max_output_tokens', code: 'unknown_parameter' });
    const err = await client.responses.inputTokens
      .count({ model: 'gpt-4.1', input: [{ type: 'function_call_output', call_id: 'call_x', output: 'r' }] })
      .catch((e: unknown) => e);
    expect(err).toBeInstanceOf(OpenAI.BadRequestError);
  });
});
