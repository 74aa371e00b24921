import { afterAll, beforeAll, describe, expect, test } from 'bun:test';
import Anthropic from '@anthropic-ai/sdk';
import OpenAI from 'openai';
import { SSE_HEAD, startFaultServer, type FaultConnection, type FaultServer } from '../helpers/fault-upstream.ts';
import { startProxy, type TestProxy } from '../helpers/proxy.ts';
import { eventually } from '../helpers/stack.ts';
import { CompletionAsChunk } from '../../src/proxy/completion-chunk.ts';
import { ErrorFieldAsData } from '../../src/proxy/error-field.ts';

/**
 * Errors that local OpenAI-compatible servers write into a 200 text/event-stream outside SSE's `data:`
 * field: llama.cpp's server through 2025 as an `error:` field before `data: [DONE]`
 * (ggml-org/llama.cpp#16109, coddy-project/coddy-agent#106), Lemonade as its backend's bare JSON error
 * body (lemonade-sdk/lemonade#2826). A converted stream reports that error (a context overflow then
 * reaches Claude Code as "prompt is too long", which it compacts on), not an empty or cut answer; a
 * relayed one that held only Lemonade's body ends with that error rather than "truncated", and
 * llama.cpp's `error:` line is relayed as the `data: {"error": …}` event its SDK raises.
 */
let up: FaultServer;
let proxy: TestProxy;
let body = '';

beforeAll(async () => {
  up = await startFaultServer((c: FaultConnection) => {
    c.head(200, SSE_HEAD);
    c.write(body);
    c.socket.end();
  });
  proxy = await startProxy(['--model-provider', 'openai-custom', '--openai-base-url', `${up.url}/v1`, '--openai-api-key', 'sk-up', '--keepalive-ms', '0']);
});
afterAll(async () => {
  await proxy.stop();
  await up.stop();
});

const LLAMA_CPP =
  'error: {"code":400,"message":"the request exceeds the available context size. try increasing the context size or enable context shift","type":"invalid_request_error"}\n\ndata: [DONE]\n\n';
const LEMONADE =
  '{"error":{"code":400,"message":"request (6009 tokens) exceeds the available context size (4096 tokens), try increasing it","type":"exceed_context_size_error","n_prompt_tokens":6009,"n_ctx":4096}}';

const anthropic = (): Anthropic => new Anthropic({ apiKey: proxy.key, baseURL: proxy.url, maxRetries: 0 });
const params = { model: 'qwen3-coder', max_tokens: 64, messages: [{ role: 'user' as const, content: 'hi' }] };

async function failure(p: Promise<unknown>): Promise<InstanceType<typeof Anthropic.APIError>> {
  const err = await p.then(() => undefined, (e: unknown) => e);
  expect(err).toBeInstanceOf(Anthropic.APIError);
  return err as InstanceType<typeof Anthropic.APIError>;
}

describe('error dialects of local servers', () => {
  test("llama.cpp's `error:` field: the Anthropic client's stream fails with the overflow, as Anthropic words it", async () => {
    body = LLAMA_CPP;
    const err = await failure(anthropic().messages.stream(params).finalMessage());
    expect(err.message).toContain('prompt is too long');
    expect(err.message).toContain('the request exceeds the available context size');
  });

  test("Lemonade's bare JSON error: streamed and whole, the overflow with its token counts", async () => {
    body = LEMONADE;
    const streamed = await failure(anthropic().messages.stream(params).finalMessage());
    expect(streamed.message).toContain('prompt is too long: 6009 tokens > 4096 maximum');
    const whole = await failure(anthropic().messages.create(params));
    expect(whole.status).toBe(400);
    expect(whole.message).toContain('prompt is too long: 6009 tokens > 4096 maximum');
  });

  test('a Chat Completions client asking whole (the stream gathered) gets the error with its status', async () => {
    body = LLAMA_CPP;
    const openai = new OpenAI({ apiKey: proxy.key, baseURL: `${proxy.url}/v1`, maxRetries: 0 });
    // qwq-plus answers only as a stream: the whole answer is gathered from one.
    const err = await openai.chat.completions.create({ model: 'qwq-plus', messages: [{ role: 'user', content: 'hi' }] }).then(() => undefined, (e: unknown) => e);
    expect(err).toBeInstanceOf(OpenAI.APIError);
    expect((err as InstanceType<typeof OpenAI.APIError>).status).toBe(400);
    expect((err as Error).message).toContain('the request exceeds the available context size');
  });

  test("Lemonade's bare JSON error relayed to a Chat Completions client: the stream ends with that error, coded as an overflow", async () => {
    body = LEMONADE;
    const openai = new OpenAI({ apiKey: proxy.key, baseURL: `${proxy.url}/v1`, maxRetries: 0 });
    const err = await (async () => {
      for await (const _ of await openai.chat.completions.create({ model: 'gpt-4o', stream: true, messages: [{ role: 'user', content: 'hi' }] })) {
        // no chunk comes
      }
    })().then(() => undefined, (e: unknown) => e);
    expect(err).toBeInstanceOf(OpenAI.APIError);
    expect((err as Error).message).toContain('request (6009 tokens) exceeds the available context size (4096 tokens)');
    expect((err as InstanceType<typeof OpenAI.APIError>).code).toBe('context_length_exceeded');
  });

  test("llama.cpp's `error:` field relayed to a Chat Completions client: its SDK raises the error, the log says it failed", async () => {
    body = LLAMA_CPP;
    const openai = new OpenAI({ apiKey: proxy.key, baseURL: `${proxy.url}/v1`, maxRetries: 0 });
    const res = await fetch(`${proxy.url}/v1/chat/completions`, {
      method: 'POST',
      headers: { authorization: `Bearer ${proxy.key}`, 'content-type': 'application/json', 'x-request-id': 'llama-error-field' },
      body: JSON.stringify({ model: 'gpt-4o', stream: true, messages: [{ role: 'user', content: 'hi' }] }),
    });
    expect(await res.text()).toBe(
      'data: {"error":{"code":400,"message":"the request exceeds the available context size. try increasing the context size or enable context shift","type":"invalid_request_error"}}\n\ndata: [DONE]\n\n',
    );
    await eventually(() => proxy.logs.some((l) => l.includes('rid=llama-error-field ')));
    expect(proxy.logs.find((l) => l.includes('rid=llama-error-field '))).toContain('the request exceeds the available context size');
    const err = await (async () => {
      for await (const _ of await openai.chat.completions.create({ model: 'gpt-4o', stream: true, messages: [{ role: 'user', content: 'hi' }] })) {
        // no chunk comes
      }
    })().then(() => undefined, (e: unknown) => e);
    expect(err).toBeInstanceOf(OpenAI.APIError);
    expect((err as Error).message).toContain('the request exceeds the available context size');
  });
});

describe('a bare JSON error line, then data: [DONE] (decolua/9router#3492)', () => {
  test('relayed to a Chat Completions client: its SDK raises the error instead of reading an empty answer', async () => {
    body = '{"error":{"message":"the request exceeds the available context size","code":400}}\ndata: [DONE]\n\n';
    const openai = new OpenAI({ apiKey: proxy.key, baseURL: `${proxy.url}/v1`, maxRetries: 0 });
    let text = '';
    const err = await (async () => {
      for await (const c of await openai.chat.completions.create({ model: 'gpt-4o', stream: true, messages: [{ role: 'user', content: 'hi' }] })) {
        text += c.choices[0]?.delta?.content ?? '';
      }
    })().then(() => undefined, (e: unknown) => e);
    expect(text).toBe('');
    expect(err).toBeInstanceOf(OpenAI.APIError);
    expect((err as Error).message).toContain('the request exceeds the available context size');
  });
});

/**
 * The whole completion as one `data:` line (object "chat.completion", `choices[].message`), then
 * `data: [DONE]`: a relayed Chat Completions client reads it as the chunk it stands for, not an empty answer.
 */
describe('a whole chat.completion line, then data: [DONE] (decolua/9router#3492)', () => {
  const completion = (message: Record<string, unknown>, finish = 'stop') => ({
    id: 'chatcmpl-whole',
    object: 'chat.completion',
    created: 1700000000,
    model: 'gpt-4o',
    choices: [{ index: 0, message: { role: 'assistant', ...message }, logprobs: null, finish_reason: finish }],
    usage: { prompt_tokens: 5, completion_tokens: 2, total_tokens: 7 },
  });
  const openai = () => new OpenAI({ apiKey: proxy.key, baseURL: `${proxy.url}/v1`, maxRetries: 0 });
  const params = { model: 'gpt-4o', stream: true as const, messages: [{ role: 'user' as const, content: 'hi' }] };

  test('relayed to a Chat Completions client: its SDK reads the answer, its finish and usage', async () => {
    body = `data: ${JSON.stringify(completion({ content: 'Hello there', refusal: null }))}\n\ndata: [DONE]\n\n`;
    let text = '';
    let finish: string | null | undefined;
    for await (const c of await openai().chat.completions.create(params)) {
      text += c.choices[0]?.delta?.content ?? '';
      finish ??= c.choices[0]?.finish_reason;
    }
    expect(text).toBe('Hello there');
    expect(finish).toBe('stop');
    // The SDK's stream helper gathers it into the completion it was.
    const final = await openai().chat.completions.stream({ ...params, stream_options: { include_usage: true } }).finalChatCompletion();
    expect(final.choices[0]!.message.content).toBe('Hello there');
    expect(final.usage?.total_tokens).toBe(7);
  });

  test('its tool calls are deltas with their index, as a client reading deltas gathers them', async () => {
    const call = { id: 'call_1', type: 'function', function: { name: 'get_weather', arguments: '{"city":"Paris"}' } };
    body = `data: ${JSON.stringify(completion({ content: null, tool_calls: [call] }, 'tool_calls'))}\n\ndata: [DONE]\n\n`;
    const tools = [{ type: 'function' as const, function: { name: 'get_weather', parameters: { type: 'object', properties: { city: { type: 'string' } } } } }];
    const deltas: unknown[] = [];
    for await (const c of await openai().chat.completions.create({ ...params, tools })) deltas.push(...(c.choices[0]?.delta?.tool_calls ?? []));
    expect(deltas).toEqual([{ index: 0, ...call }]);
    const final = await openai().chat.completions.stream({ ...params, tools }).finalChatCompletion();
    expect(final.choices[0]!.message.tool_calls).toEqual([{ id: 'call_1', type: 'function', function: { name: 'get_weather', arguments: '{"city":"Paris"}' } }] as never);
    expect(final.choices[0]!.finish_reason).toBe('tool_calls');
  });

  test('only that line is rewritten: the bytes around it go as they came', async () => {
    body = `: keep-alive\r\n\r\ndata:${JSON.stringify(completion({ content: 'Hi' }))}\r\n\r\ndata: [DONE]\r\n\r\n`;
    const res = await fetch(`${proxy.url}/v1/chat/completions`, {
      method: 'POST',
      headers: { authorization: `Bearer ${proxy.key}`, 'content-type': 'application/json' },
      body: JSON.stringify(params),
    });
    const chunk = { ...completion({}), object: 'chat.completion.chunk', choices: [{ index: 0, logprobs: null, finish_reason: 'stop', delta: { role: 'assistant', content: 'Hi' } }] };
    expect(await res.text()).toBe(`: keep-alive\r\n\r\ndata: ${JSON.stringify(chunk)}\r\n\r\ndata: [DONE]\r\n\r\n`);
  });
});

describe('CompletionAsChunk', () => {
  const rewrite = (pieces: string[]): string => {
    const r = new CompletionAsChunk();
    const out = pieces.map((p) => new TextDecoder().decode(r.push(new TextEncoder().encode(p)))).join('');
    return out + new TextDecoder().decode(r.flush());
  };
  const whole = JSON.stringify({ id: 'c', object: 'chat.completion', choices: [{ index: 0, message: { role: 'assistant', content: 'Hi' }, finish_reason: 'stop' }] });
  const asChunk = JSON.stringify({ id: 'c', object: 'chat.completion.chunk', choices: [{ index: 0, finish_reason: 'stop', delta: { role: 'assistant', content: 'Hi' } }] });

  test('a whole completion line cut across chunks after its object is held to its end, then rewritten', () => {
    const text = `: ping\n\ndata: ${whole}\n\ndata: [DONE]\n\n`;
    for (const cut of [': ping\n\nda'.length, text.indexOf('"chat.completion"') + 18, text.indexOf('"Hi"')]) expect(rewrite([text.slice(0, cut), text.slice(cut)])).toBe(`: ping\n\ndata: ${asChunk}\n\ndata: [DONE]\n\n`);
    // The upstream ended inside it: it goes as it came.
    expect(rewrite([`data: ${whole.slice(0, 40)}`])).toBe(`data: ${whole.slice(0, 40)}`);
  });

  test('a whole completion whose keys come in order ("object" after the answer) is held to its end when a cut comes before its name', () => {
    // Go's maps, nlohmann::json (llama.cpp) and sort_keys write "choices" first: the name comes last.
    const sorted = JSON.stringify({ choices: [{ finish_reason: 'stop', index: 0, message: { content: 'Hi', role: 'assistant' } }], id: 'c', object: 'chat.completion' });
    const text = `data: ${sorted}\n\ndata: [DONE]\n\n`;
    for (const cut of [3, 40, text.indexOf('"object"')]) {
      const out = rewrite([text.slice(0, cut), text.slice(cut)]);
      expect(out).toContain('"object":"chat.completion.chunk"');
      expect(out).toContain('"delta":{"content":"Hi","role":"assistant"}');
    }
    // A comment that mentions data: is no data line: the first data line is still the one looked at.
    expect(rewrite([`: data: warming up\n\n${text}`])).toContain('"object":"chat.completion.chunk"');
  });

  test('a first chunk line cut before its end goes on as it came once it shows a chunk', () => {
    const r = new CompletionAsChunk();
    const line = `data: ${asChunk}\n\n`;
    const cut = line.indexOf('"delta"') + 8;
    const first = new TextEncoder().encode(line.slice(0, cut));
    expect(r.push(first)).toBe(first);
  });

  test('a chunked stream goes as it came, its chunks the same bytes, and is looked at no more', () => {
    const r = new CompletionAsChunk();
    const chunk = new TextEncoder().encode(`data: ${asChunk}\n\n`);
    expect(r.push(chunk)).toBe(chunk);
    // Once it showed chunks, a later line naming a whole completion (text quoting one) is not looked at.
    const later = new TextEncoder().encode(`data: ${whole}\n\n`);
    expect(r.push(later)).toBe(later);
    // Text that quotes one, or a line that is not data, goes as it came.
    const quoted = `data: ${JSON.stringify({ object: 'chat.completion.chunk', choices: [{ delta: { content: '"chat.completion"' } }] })}\n\n`;
    expect(rewrite([quoted])).toBe(quoted);
    expect(rewrite([`${whole}\n`])).toBe(`${whole}\n`);
  });
});

describe('ErrorFieldAsData', () => {
  const rewrite = (pieces: string[]): string => {
    const r = new ErrorFieldAsData();
    return pieces.map((p) => new TextDecoder().decode(r.push(new TextEncoder().encode(p)))).join('');
  };

  test('an `error:` line whose value is a JSON object, at any line start, becomes a data event', () => {
    expect(rewrite(['error: {"message":"x"}\r\n\r\n'])).toBe('data: {"error":{"message":"x"}}\r\n\r\n');
    expect(rewrite(['data: {"a":1}\n\n', 'error:{"message":"x"}\n\ndata: [DONE]\n\n'])).toBe('data: {"a":1}\n\ndata: {"error":{"message":"x"}}\n\ndata: [DONE]\n\n');
  });

  test('a bare JSON line with an error becomes a data event of its own; one without goes as it came', () => {
    expect(rewrite(['{"error":{"message":"x"}}\ndata: [DONE]\n\n'])).toBe('data: {"error":{"message":"x"}}\n\ndata: [DONE]\n\n');
    expect(rewrite(['data: {"a":1}\n\n{"error":{"message":"x"}}\r\n\r\n'])).toBe('data: {"a":1}\n\ndata: {"error":{"message":"x"}}\r\n\r\n');
    // Right after a data: line (an event not yet ended): that event is ended first, in a chunk or across two.
    expect(rewrite(['data: {"a":1}\n{"error":{"message":"x"}}\n\n'])).toBe('data: {"a":1}\n\ndata: {"error":{"message":"x"}}\n\n');
    expect(rewrite(['data: {"a":1}\n', 'error: {"message":"x"}\n\n'])).toBe('data: {"a":1}\n\ndata: {"error":{"message":"x"}}\n\n');
    const same = ['{"error":null,"id":"x"}\n\n', '{"id":"x"}\n\n'];
    expect(rewrite(same)).toBe(same.join(''));
  });

  test('anything else goes as it came: text that says error:, a value that is no object, a line cut inside', () => {
    const same = ['data: {"choices":[{"delta":{"content":"error: x\\nerror: {}"}}]}\n\n', 'error: boom\n\n', 'error: {"message":"x"', '}\n\n'];
    expect(rewrite(same)).toBe(same.join(''));
    expect(rewrite(['data: {"content":"', 'error: {}"}\n\n'])).toBe('data: {"content":"error: {}"}\n\n');
  });
});
