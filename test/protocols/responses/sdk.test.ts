import { afterAll, beforeAll, describe, expect, test } from 'bun:test';
import OpenAI from 'openai';
import type { CanonicalRequest, StreamEvent } from '../../../src/core/index.ts';
import { encodeResponsesResponse, responsesCodec } from '../../../src/protocols/responses/index.ts';
import { encodeAll } from './stream-helpers.ts';

/**
 * The real `openai` SDK against the encoders' output, served over HTTP: `responses.stream()` validates
 * every event against its accumulated snapshot and `finalResponse()` must come out whole.
 */

let server: ReturnType<typeof Bun.serve>;
/** What the fake route answers next, and what the SDK sent it. */
let reply: { body: string; type: string } = { body: '', type: 'text/event-stream' };
let lastRequest: unknown;

beforeAll(() => {
  server = Bun.serve({
    hostname: '127.0.0.1',
    port: 0,
    async fetch(req) {
      if (new URL(req.url).pathname !== '/v1/responses') return new Response('not found', { status: 404 });
      lastRequest = await req.json();
      return new Response(reply.body, { headers: { 'content-type': reply.type } });
    },
  });
});

afterAll(() => {
  server.stop(true);
});

const client = () => new OpenAI({ baseURL: `http://127.0.0.1:${server.port}/v1`, apiKey: 'x', maxRetries: 0, timeout: 5_000 });

const usage = { inputTokens: 40, outputTokens: 12, cacheReadTokens: 8, reasoningTokens: 3 };
const start: StreamEvent = { type: 'start', id: 'msg_sdk', model: 'upstream' };

describe('openai SDK: client.responses.stream()', () => {
  test('thinking, text, parallel function calls and a custom tool call', async () => {
    reply = {
      type: 'text/event-stream',
      body: encodeAll(
        [
          start,
          { type: 'thinking', text: 'Plan: ' },
          { type: 'thinking', text: 'call tools.' },
          { type: 'thinking_signature', signature: { family: 'anthropic', value: 'EqQB' } },
          { type: 'text', text: 'Checking ' },
          { type: 'text', text: 'the weather.' },
          { type: 'tool_call_start', index: 0, id: 'call_a', name: 'get_weather', signature: { family: 'gemini', value: 'CiQB' } },
          { type: 'tool_call_delta', index: 0, args: '{"city":"Paris"}' },
          { type: 'tool_call_start', index: 1, id: 'call_b', name: 'get_weather' },
          { type: 'tool_call_delta', index: 1, args: '{"city":' },
          { type: 'tool_call_delta', index: 1, args: '"Rome"}' },
          { type: 'tool_call_start', index: 2, id: 'call_p', name: 'apply_patch' },
          { type: 'tool_call_delta', index: 2, args: '{"input":"*** Begin Patch\\n*** End Patch"}' },
          { type: 'tool_call_end', index: 0 },
          { type: 'tool_call_end', index: 1 },
          { type: 'tool_call_end', index: 2 },
          { type: 'finish', reason: 'tool_calls', usage },
        ],
        { model: 'gpt-5', request: { tools: [{ type: 'custom', name: 'apply_patch' }] } },
      ),
    };
    const stream = client().responses.stream({
      model: 'gpt-5',
      input: 'weather?',
      tools: [
        { type: 'function', name: 'get_weather', parameters: { type: 'object', properties: { city: { type: 'string' } } }, strict: false },
        { type: 'custom', name: 'apply_patch' },
      ],
    });
    const seen: string[] = [];
    let textDeltas = '';
    stream.on('response.output_text.delta', (e) => (textDeltas += e.delta));
    for await (const event of stream) seen.push(event.type);
    const res = await stream.finalResponse();

    expect(seen[0]).toBe('response.created');
    expect(seen.at(-1)).toBe('response.completed');
    expect(textDeltas).toBe('Checking the weather.');
    expect(res.status).toBe('completed');
    expect(res.output_text).toBe('Checking the weather.');
    expect(res.output.map((i) => i.type)).toEqual(['reasoning', 'message', 'reasoning', 'function_call', 'function_call', 'custom_tool_call']);
    const calls = res.output.filter((i) => i.type === 'function_call');
    expect(calls.map((c) => [c.call_id, c.name, c.arguments])).toEqual([
      ['call_a', 'get_weather', '{"city":"Paris"}'],
      ['call_b', 'get_weather', '{"city":"Rome"}'],
    ]);
    const custom = res.output.find((i) => i.type === 'custom_tool_call');
    expect(custom).toMatchObject({ call_id: 'call_p', name: 'apply_patch', input: '*** Begin Patch\n*** End Patch' });
    expect(res.usage).toEqual({
      input_tokens: 40,
      input_tokens_details: { cached_tokens: 8, cache_write_tokens: 0 },
      output_tokens: 12,
      output_tokens_details: { reasoning_tokens: 3 },
      total_tokens: 52,
    });
    const reasoning = res.output[0];
    expect(reasoning?.type === 'reasoning' && reasoning.summary).toEqual([{ type: 'summary_text', text: 'Plan: call tools.' }]);

    // What the SDK sent decodes, and the answer's items decode back as the next turn's history.
    const sent = lastRequest as Record<string, unknown>;
    expect(sent.stream).toBe(true);
    const req: CanonicalRequest = responsesCodec.decodeRequest({ ...sent, input: [{ role: 'user', content: 'weather?' }, ...res.output] });
    expect(req.stream).toBe(true);
    expect(req.messages[1]!.content.map((p) => p.type)).toEqual(['thinking', 'text', 'tool_call', 'tool_call', 'tool_call']);
  });

  test('a length finish resolves with an incomplete response', async () => {
    reply = {
      type: 'text/event-stream',
      body: encodeAll([start, { type: 'text', text: 'Once upon' }, { type: 'finish', reason: 'length', usage }]),
    };
    const res = await client().responses.stream({ model: 'gpt-5', input: 'story' }).finalResponse();
    expect(res.status).toBe('incomplete');
    expect(res.incomplete_details).toEqual({ reason: 'max_output_tokens' });
    expect(res.output_text).toBe('Once upon');
  });

  test('an error mid-stream makes the SDK throw with the message', async () => {
    reply = {
      type: 'text/event-stream',
      body: encodeAll([
        start,
        { type: 'text', text: 'Partial' },
        { type: 'error', error: { status: 502, kind: 'api_error', message: 'upstream connection reset' } },
      ]),
    };
    const stream = client().responses.stream({ model: 'gpt-5', input: 'hi' });
    const err = await stream.finalResponse().then(
      () => undefined,
      (e: unknown) => e,
    );
    expect(err).toBeInstanceOf(OpenAI.APIError);
    expect((err as InstanceType<typeof OpenAI.APIError>).message).toContain('upstream connection reset');
    expect((err as InstanceType<typeof OpenAI.APIError>).code).toBe('server_error');
  });
});

describe('openai SDK: client.responses.create() without stream', () => {
  test('the non-streaming Response parses, with output_text and function calls', async () => {
    const body = encodeResponsesResponse({
      id: 'msg_1',
      model: 'gpt-5',
      content: [
        { type: 'thinking', text: 'quick' },
        { type: 'text', text: 'Sure.' },
        { type: 'tool_call', id: 'call_1', name: 'lookup', args: { q: 'x' } },
      ],
      finishReason: 'tool_calls',
      usage,
    });
    reply = { type: 'application/json', body: JSON.stringify(body) };
    const res = await client().responses.create({ model: 'gpt-5', input: 'hi' });
    expect(res.id).toBe('resp_msg_1');
    expect(res.output_text).toBe('Sure.');
    expect(res.output.find((i) => i.type === 'function_call')).toMatchObject({ call_id: 'call_1', name: 'lookup', arguments: '{"q":"x"}' });
    expect(res.usage?.total_tokens).toBe(52);
  });
});
