/**
 * Self-test of the OpenAI mock's `POST /v1/responses`, driven by the official SDK: Response objects
 * from MockReplies, the typed event stream and its in-band failure, authentication. Request checks
 * are covered in openai-mock-responses-validate.test.ts.
 */
import { afterAll, beforeAll, beforeEach, describe, expect, test } from 'bun:test';
import OpenAI from 'openai';
import { parseSSE } from '../../../src/util/sse.ts';
import { startOpenAIMock } from './openai-mock.ts';
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

/** Raw SSE events of a streaming call, as `{event, data}` with data parsed. */
async function rawEvents(body: Json): Promise<Array<{ event?: string; data: Json }>> {
  const { status, text } = await post({ ...body, stream: true });
  expect(status).toBe(200);
  expect(text).not.toContain('[DONE]');
  return parseSSE(text).map((m) => ({ event: m.event, data: JSON.parse(m.data) }));
}

/**
 * Replaces ids and timestamps so two renderings of the same reply compare equal, and drops the
 * fields the SDK's stream helper adds itself (`parsed`, `parsed_arguments`, `output_parsed`).
 */
function shape(r: unknown): unknown {
  return JSON.parse(
    JSON.stringify(r, (k, v) => {
      if (['parsed', 'parsed_arguments', 'output_parsed'].includes(k)) return undefined;
      return ['id', 'call_id', 'created_at', 'completed_at', 'encrypted_content'].includes(k) ? typeof v : v;
    }),
  );
}

const weatherTool = {
  type: 'function' as const,
  name: 'get_weather',
  description: 'Weather for a city',
  parameters: { type: 'object', properties: { city: { type: 'string' } }, required: ['city'], additionalProperties: false },
  strict: true,
};

describe('openai responses mock: authentication', () => {
  test('a wrong key is a 401 invalid_api_key; the SDK raises AuthenticationError', async () => {
    const { status, json } = await post({ model: 'gpt-4.1', input: 'x' }, 'sk-wrong-0123456789abcdefghij');
    expect(status).toBe(401);
    expect(json.error.code).toBe('invalid_api_key');
    const bad = new OpenAI({ apiKey: 'sk-nope-nope-nope', baseURL: mock.url, maxRetries: 0, timeout: 5_000 });
    const err = await bad.responses.create({ model: 'gpt-4.1', input: 'x' }).catch((e: unknown) => e);
    expect(err).toBeInstanceOf(OpenAI.AuthenticationError);
  });
});

describe('openai responses mock: non-streaming', () => {
  test('default reply echoes the last user text as a message item', async () => {
    const res = await client.responses.create({
      model: 'gpt-4.1',
      instructions: 'be terse',
      input: [
        { role: 'user', content: 'first' },
        { type: 'message', role: 'assistant', content: [{ type: 'output_text', text: 'ok', annotations: [] }] },
        { role: 'user', content: [{ type: 'input_text', text: 'hello' }, { type: 'input_text', text: 'world' }] },
        // The SDK types assistant history as an output message with id and status; the API takes it without.
      ] as OpenAI.Responses.ResponseInput,
    });
    expect(res.id).toMatch(/^resp_[0-9a-f]+$/);
    expect(res).toMatchObject({ object: 'response', status: 'completed', model: 'gpt-4.1', instructions: 'be terse', error: null });
    expect(res.output_text).toBe('mock(openai) heard: hello world');
    const msg = res.output[0]!;
    expect(msg).toMatchObject({ type: 'message', role: 'assistant', status: 'completed' });
    expect(msg.id).toMatch(/^msg_/);
    const u = res.usage!;
    expect(u.input_tokens).toBeGreaterThan(0);
    expect(u.total_tokens).toBe(u.input_tokens + u.output_tokens);
    expect(u.input_tokens_details.cached_tokens).toBe(0);
  });

  test('tool calls are flat function_call items; no message without explicit text', async () => {
    mock.queue({ toolCalls: [{ name: 'get_weather', args: { city: 'Paris' } }], usage: { input: 50, output: 9, cached: 20 } });
    const res = await client.responses.create({ model: 'gpt-4.1', input: 'weather?', tools: [weatherTool] });
    expect(res.output).toHaveLength(1);
    const call = res.output[0]!;
    expect(call).toMatchObject({ type: 'function_call', status: 'completed', name: 'get_weather', arguments: '{"city":"Paris"}' });
    expect(call.type === 'function_call' && call.call_id).toMatch(/^call_/);
    expect(call.id).toMatch(/^fc_/);
    expect(res.tools[0]).toMatchObject({ type: 'function', name: 'get_weather', strict: true });
    expect(res.usage).toMatchObject({ input_tokens: 50, output_tokens: 9, total_tokens: 59, input_tokens_details: { cached_tokens: 20 } });
  });

  test('reasoning item: summary only when asked for, encrypted_content only when included', async () => {
    mock.queue({ thinking: 'think hard', text: 'done' }, { thinking: 'think hard', text: 'done' });
    const plain = await client.responses.create({ model: 'o3-mini', input: 'q', reasoning: { effort: 'low' } });
    expect(plain.output[0]).toMatchObject({ type: 'reasoning', summary: [] });
    expect(plain.output[0]!.id).toMatch(/^rs_/);
    expect('encrypted_content' in plain.output[0]!).toBe(false);
    expect(plain.usage!.output_tokens_details.reasoning_tokens).toBeGreaterThan(0);

    const full = await client.responses.create({
      model: 'gpt-5',
      input: 'q',
      store: false,
      reasoning: { effort: 'low', summary: 'auto' },
      include: ['reasoning.encrypted_content'],
    });
    const rs = full.output[0]!;
    expect(rs).toMatchObject({ type: 'reasoning', summary: [{ type: 'summary_text', text: 'think hard' }] });
    expect(rs.type === 'reasoning' && rs.encrypted_content).toStartWith('gAAAAA');
    expect(full.output_text).toBe('done');
    expect(full.reasoning).toMatchObject({ effort: 'low', summary: 'auto' });
  });

  test('finish max_output_tokens makes the response incomplete', async () => {
    mock.queue({ text: 'cut', finish: 'max_output_tokens' });
    const res = await client.responses.create({ model: 'gpt-4.1', input: 'q', max_output_tokens: 16 });
    expect(res).toMatchObject({ status: 'incomplete', incomplete_details: { reason: 'max_output_tokens' }, max_output_tokens: 16 });
  });

  test('an error reply is sent as given', async () => {
    mock.queue({ error: { status: 429, body: { error: { message: 'slow down', type: 'requests', param: null, code: 'rate_limit_exceeded' } } } });
    const err = await client.responses.create({ model: 'gpt-4.1', input: 'x' }).catch((e: unknown) => e);
    expect(err).toBeInstanceOf(OpenAI.RateLimitError);
  });
});

describe('openai responses mock: streaming', () => {
  const reply = {
    thinking: 'let me think about it',
    text: 'It is sunny in Paris today',
    toolCalls: [{ name: 'get_weather', args: { city: 'Paris' } }],
    usage: { input: 30, output: 20, reasoning: 5 },
  };
  const request = {
    model: 'gpt-5',
    input: 'weather?',
    tools: [weatherTool],
    store: false,
    reasoning: { effort: 'low' as const, summary: 'auto' as const },
    include: ['reasoning.encrypted_content' as const],
  };

  test('responses.stream gives the same finalResponse as a non-streaming call', async () => {
    mock.queue(reply, reply);
    const once = await client.responses.create(request);
    const stream = client.responses.stream(request);
    const deltas: string[] = [];
    stream.on('response.output_text.delta', (e) => deltas.push(e.delta));
    const final = await stream.finalResponse();
    expect(deltas.length).toBeGreaterThan(2);
    expect(deltas.join('')).toBe(reply.text);
    expect(shape(final)).toEqual(shape(once));
    expect(final.output_text).toBe(reply.text);
  });

  test('wire format: typed event frames, no [DONE]', async () => {
    mock.queue(reply);
    const res = await fetch(`${mock.url}/responses`, {
      method: 'POST',
      headers: { authorization: `Bearer ${mock.key}`, 'content-type': 'application/json' },
      body: JSON.stringify({ ...request, stream: true }),
      signal: AbortSignal.timeout(5_000),
    });
    expect(res.headers.get('content-type')).toStartWith('text/event-stream');
    const text = await res.text();
    expect(text).toStartWith('event: response.created\ndata: {');
    expect(text).not.toContain('[DONE]');
    const events = parseSSE(text);
    events.forEach((e, i) => {
      const data = JSON.parse(e.data);
      expect(data.type).toBe(e.event!);
      expect(data.sequence_number).toBe(i);
    });
  });

  test('raw SDK events come in the documented order with increasing sequence_number', async () => {
    mock.queue(reply);
    const events: Array<{ event: string; data: Json }> = [];
    for await (const ev of await client.responses.create({ ...request, stream: true })) events.push({ event: ev.type, data: ev });
    events.forEach((e, i) => expect(e.data.sequence_number).toBe(i));
    // Collapse runs of deltas so the order reads as the protocol describes it.
    const types = events.map((e) => e.event).filter((t, i, all) => !(t.endsWith('.delta') && all[i - 1] === t));
    expect(types).toEqual([
      'response.created',
      'response.in_progress',
      'response.output_item.added',
      'response.reasoning_summary_part.added',
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
      'response.output_item.added',
      'response.function_call_arguments.delta',
      'response.function_call_arguments.done',
      'response.output_item.done',
      'response.completed',
    ]);
    expect(events[0]!.data.response).toMatchObject({ status: 'in_progress', output: [] });
    const added = events.filter((e) => e.event === 'response.output_item.added').map((e) => e.data.item);
    expect(added[0].encrypted_content).toBeUndefined();
    expect(added[1]).toMatchObject({ status: 'in_progress', content: [] });
    expect(added[2]).toMatchObject({ status: 'in_progress', arguments: '' });
    const argDeltas = events.filter((e) => e.event === 'response.function_call_arguments.delta');
    expect(argDeltas.length).toBeGreaterThanOrEqual(2);
    const done = events.filter((e) => e.event === 'response.output_item.done').map((e) => e.data.item);
    expect(done[0].encrypted_content).toStartWith('gAAAAA');
    expect(events.at(-1)!.data.response).toMatchObject({ status: 'completed', usage: { total_tokens: 50 } });
  });

  test('no summary events when no summary was requested', async () => {
    mock.queue({ thinking: 'quiet', text: 'hi' });
    const events = await rawEvents({ model: 'o3-mini', input: 'x' });
    expect(events.some((e) => e.event!.startsWith('response.reasoning_summary'))).toBe(false);
    expect(events.find((e) => e.event === 'response.output_item.done')!.data.item).toMatchObject({ type: 'reasoning', summary: [] });
  });

  test('midStreamErrorAfter ends the stream with response.failed', async () => {
    mock.queue({ text: 'one two three four five', midStreamErrorAfter: 2 });
    const events = await rawEvents({ model: 'gpt-4.1', input: 'x' });
    const last = events.at(-1)!;
    expect(last.event).toBe('response.failed');
    expect(last.data.sequence_number).toBe(events.length - 1);
    expect(last.data.response).toMatchObject({ status: 'failed', error: { code: 'server_error' } });
    expect(events.filter((e) => e.event === 'response.output_text.delta')).toHaveLength(2);

    mock.queue({ text: 'one two three four five', midStreamErrorAfter: 2 });
    // The SDK's stream helper settles on the failed response rather than throwing.
    const failed = await client.responses.stream({ model: 'gpt-4.1', input: 'x' }).finalResponse();
    expect(failed).toMatchObject({ status: 'failed', error: { code: 'server_error' }, output: [] });
  });

  test('truncateAfter closes without a terminal event; incomplete ends with response.incomplete', async () => {
    mock.queue({ text: 'one two three', truncateAfter: 1 }, { text: 'cut short', finish: 'max_output_tokens' });
    const cut = await rawEvents({ model: 'gpt-4.1', input: 'x' });
    expect(cut.at(-1)!.event).toBe('response.output_text.delta');
    const incomplete = await rawEvents({ model: 'gpt-4.1', input: 'x' });
    expect(incomplete.at(-1)!.data.response).toMatchObject({ status: 'incomplete', incomplete_details: { reason: 'max_output_tokens' } });
  });
});
