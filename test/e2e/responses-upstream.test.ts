/**
 * The openaiResponses-custom upstream: OpenAI's Responses API behind aiproxy (the strict OpenAI mock's
 * `/v1/responses`), driven by the official SDKs of every client protocol. Chat Completions, Anthropic and
 * Gemini clients are converted; a Responses client is relayed byte for byte.
 */
import { afterAll, beforeAll, beforeEach, describe, expect, test } from 'bun:test';
import Anthropic from '@anthropic-ai/sdk';
import { FinishReason } from '@google/genai';
import OpenAI from 'openai';
import { encodeContinuity } from '../../src/protocols/responses/items.ts';
import { encryptedReasoningBlob } from '../helpers/mocks/openai-mock.ts';
import type { RecordedCall } from '../helpers/mocks/types.ts';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { startProxy } from '../helpers/proxy.ts';
import { startStack, type Stack } from '../helpers/stack.ts';
import { WEATHER_TOOL, expectWellFormed, streamAll } from './anthropic-client-util.ts';
import { collect, geminiClient } from './gemini-client-helpers.ts';

const PROVIDER = 'openaiResponses-custom';
let s: Stack;
let openai: OpenAI;
let anthropic: Anthropic;

beforeAll(async () => {
  s = await startStack(`${PROVIDER},openai-custom,claude-custom,gemini-cli`);
  openai = new OpenAI({ apiKey: s.proxy.key, baseURL: `${s.proxy.url}/${PROVIDER}/v1`, maxRetries: 0 });
  anthropic = new Anthropic({ apiKey: s.proxy.key, baseURL: `${s.proxy.url}/${PROVIDER}`, maxRetries: 0 });
});
afterAll(() => s.stop());
beforeEach(() => s.openai.reset());

const responsesCalls = (): RecordedCall[] => s.openai.calls.filter((c) => c.url.startsWith('/v1/responses'));
function lastResponsesBody(): Record<string, unknown> {
  const call = responsesCalls().at(-1);
  if (!call) throw new Error('no call reached /v1/responses');
  expect(call.status).toBe(200);
  return call.body as Record<string, unknown>;
}

describe('Chat Completions client → openaiResponses-custom', () => {
  test('non-streaming: the conversation arrives as Responses input, the answer as a chat completion', async () => {
    const res = await openai.chat.completions.create({
      model: 'gpt-4.1',
      messages: [
        { role: 'system', content: 'Be brief.' },
        { role: 'user', content: 'Hello 你好' },
      ],
      max_tokens: 5,
      temperature: 0.2,
      stop: ['###'],
      seed: 7,
    });
    expect(res.choices[0]!.message.content).toBe('mock(openai) heard: Hello 你好');
    expect(res.choices[0]!.finish_reason).toBe('stop');
    expect(res.usage!.prompt_tokens).toBeGreaterThan(0);
    const body = lastResponsesBody();
    expect(body).toMatchObject({ model: 'gpt-4.1', instructions: 'Be brief.', input: [{ type: 'message', role: 'user', content: 'Hello 你好' }], max_output_tokens: 16, temperature: 0.2, store: false });
    for (const k of ['messages', 'stop', 'seed', 'max_tokens']) expect(body).not.toHaveProperty(k);
    // Never the proxy's key upstream: the account's own.
    expect(responsesCalls().at(-1)!.headers.authorization).toBe(`Bearer ${s.openai.key}`);
  });


  test("verbosity (gpt-5) arrives as text.verbosity beside text.format, not dropped (BerriAI/litellm#34979)", async () => {
    const schema = { type: 'object', properties: { a: { type: 'string' } }, required: ['a'], additionalProperties: false };
    await openai.chat.completions.create({
      model: 'gpt-5.4',
      messages: [{ role: 'user', content: 'hi' }],
      verbosity: 'low',
      response_format: { type: 'json_schema', json_schema: { name: 'r', schema, strict: true } },
    });
    const body = lastResponsesBody();
    expect(body.text).toEqual({ format: { type: 'json_schema', name: 'r', schema, strict: true }, verbosity: 'low' });
    expect(body).not.toHaveProperty('verbosity');
  });
  // A refusal part read as content made chat.completions.parse JSON.parse "I'm sorry, …" and throw
  // (Oaklight/llm-rosetta#429: a converter that made refusals text; pydantic/pydantic-ai#4310 the symptom).
  test('a structured-output refusal arrives as message.refusal with null content: parse gives parsed null, streamed and not', async () => {
    const refusal = "I'm sorry, I cannot assist with that request.";
    const schema = { type: 'object', properties: { city: { type: 'string' } }, required: ['city'], additionalProperties: false };
    const response_format = { type: 'json_schema' as const, json_schema: { name: 'place', schema, strict: true } };
    s.openai.queue({ refusal }, { refusal });
    const res = await openai.chat.completions.parse({ model: 'gpt-4.1', messages: [{ role: 'user', content: 'Where?' }], response_format });
    expect(res.choices[0]!.message).toMatchObject({ content: null, refusal, parsed: null });
    expect(res.choices[0]!.finish_reason).toBe('stop');
    const stream = openai.chat.completions.stream({ model: 'gpt-4.1', messages: [{ role: 'user', content: 'Where?' }], response_format });
    let deltas = '';
    stream.on('refusal.delta', (e) => {
      deltas += e.delta;
    });
    const final = await stream.finalChatCompletion();
    expect(final.choices[0]!.message).toMatchObject({ refusal, parsed: null });
    expect(final.choices[0]!.message.content ?? '').toBe('');
    expect(deltas).toBe(refusal);
  });

  test('streaming with usage: every word arrives, the usage chunk last', async () => {
    s.openai.queue({ text: 'one two three four', usage: { input: 11, output: 4 } });
    const stream = await openai.chat.completions.create({ model: 'gpt-4.1', messages: [{ role: 'user', content: 'count' }], stream: true, stream_options: { include_usage: true } });
    let text = '';
    let usage: OpenAI.CompletionUsage | undefined;
    let finish: string | null | undefined;
    for await (const chunk of stream) {
      text += chunk.choices[0]?.delta.content ?? '';
      finish ??= chunk.choices[0]?.finish_reason;
      if (chunk.usage) usage = chunk.usage;
    }
    expect(text).toBe('one two three four');
    expect(finish).toBe('stop');
    expect(usage).toMatchObject({ prompt_tokens: 11, completion_tokens: 4 });
    expect(lastResponsesBody().stream).toBe(true);
  });

  test('a tool loop: the call streams back, and the next turn sends call and output as a pair', async () => {
    s.openai.queue({ toolCalls: [{ name: 'get_weather', args: { city: 'Oslo' } }] });
    const tools: OpenAI.ChatCompletionTool[] = [{ type: 'function', function: { name: 'get_weather', description: 'weather', parameters: { type: 'object', properties: { city: { type: 'string' } } } } }];
    const stream = await openai.chat.completions.create({ model: 'gpt-4.1', messages: [{ role: 'user', content: 'weather in Oslo?' }], tools, stream: true });
    let id = '';
    let name = '';
    let args = '';
    let finish: string | null | undefined;
    for await (const chunk of stream) {
      const call = chunk.choices[0]?.delta.tool_calls?.[0];
      if (call?.id) id = call.id;
      if (call?.function?.name) name = call.function.name;
      args += call?.function?.arguments ?? '';
      finish ??= chunk.choices[0]?.finish_reason;
    }
    expect({ name, args: JSON.parse(args), finish }).toEqual({ name: 'get_weather', args: { city: 'Oslo' }, finish: 'tool_calls' });
    expect(lastResponsesBody().tools).toEqual([{ type: 'function', name: 'get_weather', description: 'weather', parameters: { type: 'object', properties: { city: { type: 'string' } } }, strict: false }]);

    const res = await openai.chat.completions.create({
      model: 'gpt-4.1',
      tools,
      messages: [
        { role: 'user', content: 'weather in Oslo?' },
        { role: 'assistant', content: null, tool_calls: [{ id, type: 'function', function: { name, arguments: args } }] },
        { role: 'tool', tool_call_id: id, content: '3C and snow' },
      ],
    });
    expect(res.choices[0]!.message.content).toContain('3C and snow');
    expect((lastResponsesBody().input as unknown[]).slice(1)).toEqual([
      { type: 'function_call', call_id: id, name: 'get_weather', arguments: '{"city":"Oslo"}' },
      { type: 'function_call_output', call_id: id, output: '3C and snow' },
    ]);
  });
});

describe('Anthropic client → openaiResponses-custom', () => {
  test("thinking and a tool call stream back; OpenAI's encrypted reasoning returns with the next turn", async () => {
    s.openai.queue({ thinking: 'The user wants the weather; call the tool.', toolCalls: [{ name: 'get_weather', args: { location: 'Oslo' } }] });
    const first = await streamAll(anthropic, {
      model: 'gpt-5.1',
      max_tokens: 2000,
      thinking: { type: 'enabled', budget_tokens: 1024 },
      tools: [WEATHER_TOOL],
      messages: [{ role: 'user', content: 'Weather in Oslo?' }],
    });
    expectWellFormed(first.events);
    const sent = lastResponsesBody();
    expect(sent).toMatchObject({ reasoning: { effort: 'low', summary: 'auto' }, include: ['reasoning.encrypted_content'], store: false, max_output_tokens: 2000 });
    expect(first.final.stop_reason).toBe('tool_use');
    const [thinking, toolUse] = first.final.content as [Anthropic.ThinkingBlock, Anthropic.ToolUseBlock];
    expect(thinking.type).toBe('thinking');
    expect(thinking.thinking).toBe('The user wants the weather; call the tool.');
    expect(thinking.signature).toMatch(/^openai:rs_\S+ \S+/);
    expect(toolUse).toMatchObject({ type: 'tool_use', name: 'get_weather', input: { location: 'Oslo' } });

    // Claude Code sends the assistant turn back as it got it; the mock accepts only a blob it issued.
    const second = await anthropic.messages.create({
      model: 'gpt-5.1',
      max_tokens: 2000,
      thinking: { type: 'enabled', budget_tokens: 1024 },
      tools: [WEATHER_TOOL],
      messages: [
        { role: 'user', content: 'Weather in Oslo?' },
        { role: 'assistant', content: first.final.content as Anthropic.ContentBlockParam[] },
        { role: 'user', content: [{ type: 'tool_result', tool_use_id: toolUse.id, content: '3C' }] },
      ],
    });
    expect(second.content.at(-1)).toMatchObject({ type: 'text', text: 'mock(openai) heard: 3C' });
    const input = lastResponsesBody().input as Array<Record<string, unknown>>;
    const [, id, blob] = /^openai:(\S+) (\S+)$/.exec(thinking.signature)!;
    expect(input.slice(1)).toEqual([
      { type: 'reasoning', id, summary: [{ type: 'summary_text', text: 'The user wants the weather; call the tool.' }], encrypted_content: blob },
      { type: 'function_call', call_id: toolUse.id, name: 'get_weather', arguments: '{"location":"Oslo"}' },
      { type: 'function_call_output', call_id: toolUse.id, output: '3C' },
    ]);
  });

  test('an organisation OpenAI has not verified: the summary refusal is retried without, and not asked again', async () => {
    const refusal = {
      status: 400,
      body: { error: { message: 'Your organization must be verified to generate reasoning summaries.', type: 'invalid_request_error', param: 'reasoning.summary', code: 'unsupported_value' } },
    };
    // A member of its own, so the refusal remembered here does not leak into the other tests' account.
    const isolated = await startStack(PROVIDER);
    isolated.openai.queue({ error: refusal }, { text: 'fine without' });
    const client = new Anthropic({ apiKey: isolated.proxy.key, baseURL: isolated.proxy.url, maxRetries: 0 });
    try {
      const params = { model: 'o4-mini', max_tokens: 500, thinking: { type: 'enabled' as const, budget_tokens: 1024 }, messages: [{ role: 'user' as const, content: 'hi' }] };
      const msg = await client.messages.create(params);
      expect((msg.content.at(-1) as Anthropic.TextBlock).text).toBe('fine without');
      const calls = isolated.openai.calls;
      expect(calls.map((c) => [c.status, (c.body as { reasoning?: unknown }).reasoning])).toEqual([
        [400, { effort: 'low', summary: 'auto' }],
        [200, { effort: 'low' }],
      ]);
      await client.messages.create(params);
      expect((calls.at(-1)!.body as { reasoning?: unknown }).reasoning).toEqual({ effort: 'low' });
    } finally {
      await isolated.stop();
    }
  });

  test('a rate limit reaches the client as its own 429 with the retry hint; a stream that fails mid-way ends in an error event', async () => {
    s.openai.queue({
      error: { status: 429, headers: { 'retry-after': '7' }, body: { error: { message: 'Rate limit reached for gpt-4.1', type: 'requests', param: null, code: 'rate_limit_exceeded' } } },
    });
    const err = await anthropic.messages.create({ model: 'gpt-4.1', max_tokens: 100, messages: [{ role: 'user', content: 'hi' }] }).catch((e: unknown) => e);
    expect(err).toBeInstanceOf(Anthropic.RateLimitError);
    expect((err as InstanceType<typeof Anthropic.APIError>).headers?.get('retry-after')).toBe('7');
    expect((err as Error).message).toContain('Rate limit reached for gpt-4.1');

    s.openai.queue({ text: 'a b c d e f', midStreamErrorAfter: 2 });
    const stream = anthropic.messages.stream({ model: 'gpt-4.1', max_tokens: 100, messages: [{ role: 'user', content: 'hi' }] });
    const failure = await stream.finalMessage().catch((e: unknown) => e);
    expect(failure).toBeInstanceOf(Error);
    expect(String((failure as Error).message)).toMatch(/server had an error/i);
  });

  // Anthropic's strict tool use leaves parameters optional, OpenAI's strict mode refuses that (laravel/ai#506).
  test("a strict tool with an optional parameter is called without strict mode instead of refused; one OpenAI's strict mode takes keeps it", async () => {
    const optional = { type: 'object' as const, properties: { path: { type: 'string' }, limit: { type: 'integer' } }, required: ['path'], additionalProperties: false };
    const closed = { ...optional, required: ['path', 'limit'] };
    s.openai.queue({ toolCalls: [{ name: 'read', args: { path: 'a.txt' } }] });
    const msg = await anthropic.messages.create({
      model: 'gpt-4.1',
      max_tokens: 100,
      tools: [{ name: 'read', input_schema: optional, strict: true }, { name: 'stat', input_schema: closed, strict: true }],
      messages: [{ role: 'user', content: 'read a.txt' }],
    });
    expect(msg.content.find((b) => b.type === 'tool_use')).toMatchObject({ name: 'read', input: { path: 'a.txt' } });
    expect(lastResponsesBody().tools).toEqual([
      { type: 'function', name: 'read', parameters: optional, strict: false },
      { type: 'function', name: 'stat', parameters: closed, strict: true },
    ]);
  });

  test("cache writes OpenAI counts apart (input_tokens_details.cache_write_tokens) reach Claude Code as cache_creation_input_tokens, streamed or not", async () => {
    // OpenAI's prompt caching guide, as quoted in mindroom-ai/mindroom#2134: GPT-5.6 on bills writes at 1.25x.
    const usage = { input: 2600, output: 30, cached: 2000, cacheWrite: 400 };
    const params = { model: 'gpt-5.6', max_tokens: 100, messages: [{ role: 'user' as const, content: 'hi' }] };
    const expected = { input_tokens: 200, cache_read_input_tokens: 2000, cache_creation_input_tokens: 400, output_tokens: 30 };
    s.openai.queue({ text: 'ok', usage });
    expect((await anthropic.messages.create(params)).usage).toMatchObject(expected);
    s.openai.queue({ text: 'ok', usage });
    expect((await anthropic.messages.stream(params).finalMessage()).usage).toMatchObject(expected);
    // The total is unchanged: input, read and written add up to what OpenAI counted.
    expect(s.proxy.logs.at(-1)).toContain('in=2600 out=30');
  });

  test('count_tokens asks OpenAI\'s input_tokens endpoint with the converted prompt', async () => {
    const res = await anthropic.messages.countTokens({ model: 'gpt-4.1', system: 'sys', messages: [{ role: 'user', content: 'count these words please' }], tools: [WEATHER_TOOL] });
    expect(res.input_tokens).toBeGreaterThan(0);
    const call = s.openai.calls.at(-1)!;
    expect(call.url).toBe('/v1/responses/input_tokens');
    expect(call.status).toBe(200);
    expect(Object.keys(call.body as object).sort()).toEqual(['input', 'instructions', 'model', 'tools']);
  });
});

test('count_tokens: a Responses server without the input_tokens endpoint (404) gets the local estimate, not an error', async () => {
  s.openai.queue({ error: { status: 404, body: { error: { message: 'Invalid URL (POST /v1/responses/input_tokens)', type: 'invalid_request_error', param: null, code: null } } } });
  const res = await anthropic.messages.countTokens({ model: 'gpt-4.1', messages: [{ role: 'user', content: 'x'.repeat(400) }] });
  expect(s.openai.calls.at(-1)!.status).toBe(404);
  // About one token per four characters.
  expect(res.input_tokens).toBeGreaterThanOrEqual(100);
  expect(res.input_tokens).toBeLessThan(120);
});

describe('Gemini client → openaiResponses-custom', () => {
  test("with includeThoughts: the summary streams as thought parts, and OpenAI's reasoning returns through thoughtSignature", async () => {
    s.openai.queue({ thinking: 'Plan the greeting.', text: 'Hallo!' });
    const gemini = geminiClient(s, PROVIDER);
    const config = { thinkingConfig: { includeThoughts: true, thinkingBudget: 2048 } };
    const res = await gemini.models.generateContent({ model: 'o4-mini', contents: 'greet me', config });
    const parts = res.candidates![0]!.content!.parts!;
    expect(parts.filter((p) => p.thought).map((p) => p.text).join('')).toBe('Plan the greeting.');
    expect(parts.filter((p) => !p.thought).map((p) => p.text).join('')).toBe('Hallo!');
    expect(lastResponsesBody().reasoning).toEqual({ effort: 'low', summary: 'auto' });
    const signed = parts.filter((p) => p.thoughtSignature);
    expect(signed.length).toBe(1);

    await gemini.models.generateContent({ model: 'o4-mini', contents: [{ role: 'user', parts: [{ text: 'greet me' }] }, { role: 'model', parts }, { role: 'user', parts: [{ text: 'again' }] }], config });
    const input = lastResponsesBody().input as Array<Record<string, unknown>>;
    // Accepted by the mock only because the blob is the one it issued.
    expect(input[1]).toMatchObject({ type: 'reasoning', id: expect.stringMatching(/^rs_/), encrypted_content: expect.any(String) });
  });

  test('a streamed answer, the system instruction as instructions', async () => {
    s.openai.queue({ text: 'Hallo Welt, wie geht es' });
    const gemini = geminiClient(s, PROVIDER);
    const out = await collect(await gemini.models.generateContentStream({ model: 'gpt-4.1', contents: 'Sag hallo', config: { systemInstruction: 'Deutsch', maxOutputTokens: 64 } }));
    expect(out.text).toBe('Hallo Welt, wie geht es');
    expect(lastResponsesBody()).toMatchObject({ instructions: 'Deutsch', max_output_tokens: 64, input: [{ type: 'message', role: 'user', content: 'Sag hallo' }] });
  });
});

test('Gemini client → openaiResponses-custom: audio and video inlineData do not make OpenAI refuse the request', async () => {
  const gemini = geminiClient(s, PROVIDER);
  const res = await gemini.models.generateContent({
    model: 'gpt-4.1',
    contents: [
      {
        role: 'user',
        parts: [
          { text: 'what do you make of these?' },
          { inlineData: { mimeType: 'audio/mpeg', data: 'SUQzBAAAAAAAI1RTU0U=' } },
          { inlineData: { mimeType: 'video/mp4', data: 'AAAAGGZ0eXBtcDQy' } },
          { inlineData: { mimeType: 'application/pdf', data: 'JVBERi0xLjQK' } },
        ],
      },
    ],
  });
  expect(res.candidates?.[0]?.finishReason).toBe(FinishReason.STOP);
  const content = (lastResponsesBody().input as Array<{ content: Array<Record<string, unknown>> }>)[0]!.content;
  expect(content.map((p) => p.type)).toEqual(['input_text', 'input_text', 'input_text', 'input_file']);
  expect(content[1]!.text).toContain('audio/mpeg');
  expect(content[3]).toMatchObject({ file_data: 'data:application/pdf;base64,JVBERi0xLjQK' });
});

describe('Responses client → openaiResponses-custom: relayed as it came', () => {
  test('non-streaming: the body arrives byte for byte and the answer is the upstream\'s own', async () => {
    const params = { model: 'gpt-4.1', input: 'hello there', instructions: 'x', store: false, metadata: { run: '1' } };
    const res = await openai.responses.create(params);
    expect(res.output_text).toBe('mock(openai) heard: hello there');
    expect(res.id).toStartWith('resp_');
    const call = responsesCalls().at(-1)!;
    expect(JSON.parse(call.text)).toEqual(params);
  });

  test('streaming: the SDK stream helper reads the upstream\'s events through aiproxy', async () => {
    s.openai.queue({ text: 'streamed words here' });
    const stream = openai.responses.stream({ model: 'gpt-4.1', input: 'go' });
    let deltas = '';
    stream.on('response.output_text.delta', (e) => {
      deltas += e.delta;
    });
    const final = await stream.finalResponse();
    expect(deltas).toBe('streamed words here');
    expect(final.output_text).toBe('streamed words here');
  });

  test("a history holding aiproxy's own items is still relayed, with just those items made readable to OpenAI", async () => {
    // An OpenAI reasoning item as Codex replays it (no id), issued by the mock.
    s.openai.queue({ thinking: 'hmm', text: 'ok' });
    const issued = await openai.responses.create({ model: 'gpt-5.1', input: 'think', include: ['reasoning.encrypted_content'], store: false, reasoning: { effort: 'low' } });
    s.openai.reset();
    const rs = (issued.output as unknown as Array<Record<string, unknown>>).find((i) => i.type === 'reasoning')!;
    expect(rs).toBeDefined();
    const codexReasoning = { type: 'reasoning', summary: [], encrypted_content: rs.encrypted_content };
    const ownCompaction = { type: 'compaction', encrypted_content: encodeContinuity({ kind: 'summary', text: 'We fixed the parser.' }) };
    // OpenAI's reasoning that went through a converted turn, and Claude's, both wrapped by aiproxy.
    const wrappedOpenAI = { type: 'reasoning', summary: [], encrypted_content: encodeContinuity({ kind: 'thinking', signature: { family: 'openai', value: `${String(rs.id)} ${String(rs.encrypted_content)}` } }) };
    const wrappedClaude = { type: 'reasoning', summary: [{ type: 'summary_text', text: 'claude thought' }], encrypted_content: encodeContinuity({ kind: 'thinking', signature: { family: 'anthropic', value: 'EqQB' } }) };
    const input = [ownCompaction, codexReasoning, wrappedOpenAI, wrappedClaude, { role: 'user', content: 'what next?' }];
    const res = await openai.responses.create({ model: 'gpt-5.1', input: input as never, store: false });
    expect(res.output_text).toBe('mock(openai) heard: what next?');
    const sent = JSON.parse(responsesCalls().at(-1)!.text);
    expect(sent.input).toEqual([
      { type: 'message', role: 'user', content: [{ type: 'input_text', text: 'The earlier part of this conversation was compacted. Its summary:\n\nWe fixed the parser.' }] },
      codexReasoning,
      { type: 'reasoning', id: rs.id, summary: [], encrypted_content: rs.encrypted_content },
      { role: 'user', content: 'what next?' },
    ]);
    expect(sent.store).toBe(false);
  });
});

test('/v1/responses/input_tokens against a Responses server without a counter: the estimate, not its 404', async () => {
  s.openai.queue({ error: { status: 404, body: { error: { message: 'Invalid URL (POST /v1/responses/input_tokens)', type: 'invalid_request_error', param: null, code: null } } } });
  const res = await openai.responses.inputTokens.count({ model: 'gpt-4.1', input: 'x'.repeat(400) });
  expect(res.object).toBe('response.input_tokens');
  expect(res.input_tokens).toBeGreaterThanOrEqual(100);
  // Asked once: the 404 is not asked again by the converted path.
  expect(responsesCalls().filter((c) => c.url === '/v1/responses/input_tokens').length).toBe(1);
});

describe('refusals the same request gets past without one part', () => {
  test("encrypted reasoning another account issued: sent again without it, relayed or converted", async () => {
    // What a pool's previous member (another organisation) issued: this account cannot read it.
    const foreign = encryptedReasoningBlob();
    const relayed = await openai.responses.create({
      model: 'gpt-5.1',
      store: false,
      input: [{ role: 'user', content: 'q' }, { type: 'reasoning', summary: [], encrypted_content: foreign }, { type: 'message', role: 'assistant', content: [{ type: 'output_text', text: 'a' }] }, { role: 'user', content: 'go on' }] as never,
    });
    expect(relayed.output_text).toBe('mock(openai) heard: go on');
    const [refused, retried] = responsesCalls().slice(-2);
    expect(refused!.status).toBe(400);
    expect(retried!.status).toBe(200);
    expect(JSON.parse(retried!.text).input.map((i: { type?: string }) => i.type ?? 'message')).toEqual(['message', 'message', 'message']);

    const converted = await anthropic.messages.create({
      model: 'gpt-5.1',
      max_tokens: 100,
      messages: [
        { role: 'user', content: 'q' },
        { role: 'assistant', content: [{ type: 'thinking', thinking: 'old', signature: `openai:rs_0123 ${foreign}` }, { type: 'text', text: 'a' }] },
        { role: 'user', content: 'again' },
      ],
    });
    expect((converted.content.at(-1) as Anthropic.TextBlock).text).toBe('mock(openai) heard: again');
    expect(responsesCalls().slice(-2).map((c) => c.status)).toEqual([400, 200]);
  });

  test("Codex's own reasoning.summary from an unverified organisation: retried without, then not asked again", async () => {
    const isolated = await startStack(PROVIDER);
    const refusal = {
      status: 400,
      body: { error: { message: 'Your organization must be verified to generate reasoning summaries.', type: 'invalid_request_error', param: 'reasoning.summary', code: 'unsupported_value' } },
    };
    isolated.openai.queue({ error: refusal });
    const client = new OpenAI({ apiKey: isolated.proxy.key, baseURL: `${isolated.proxy.url}/v1`, maxRetries: 0 });
    try {
      const params = { model: 'gpt-5.1-codex', input: 'hi', store: false, reasoning: { effort: 'medium' as const, summary: 'auto' as const } };
      expect((await client.responses.create(params)).output_text).toBe('mock(openai) heard: hi');
      await client.responses.create(params);
      expect(isolated.openai.calls.map((c) => [c.status, (c.body as { reasoning?: unknown }).reasoning])).toEqual([
        [400, { effort: 'medium', summary: 'auto' }],
        [200, { effort: 'medium' }],
        [200, { effort: 'medium' }],
      ]);
    } finally {
      await isolated.stop();
    }
  });
});

describe("an output limit above the model's: Claude Code's max_tokens 32000, a Gemini client's maxOutputTokens 65536", () => {
  test('a model aiproxy knows gets max_output_tokens within its limit, streaming or not', async () => {
    const msg = await anthropic.messages.stream({ model: 'gpt-4o', max_tokens: 32000, messages: [{ role: 'user', content: 'hi' }] }).finalMessage();
    expect((msg.content.at(-1) as Anthropic.TextBlock).text).toBe('mock(openai) heard: hi');
    expect(lastResponsesBody().max_output_tokens).toBe(16384);
    const gemini = geminiClient(s, PROVIDER);
    const res = await gemini.models.generateContent({ model: 'gpt-4.1', contents: 'hi', config: { maxOutputTokens: 65536 } });
    expect(res.text).toBe('mock(openai) heard: hi');
    expect(lastResponsesBody().max_output_tokens).toBe(32768);
    // Within the limit it goes as asked.
    await anthropic.messages.create({ model: 'gpt-4o', max_tokens: 1000, messages: [{ role: 'user', content: 'hi' }] });
    expect(lastResponsesBody().max_output_tokens).toBe(1000);
  });

  test('a deployment under a name of its own: the ceiling OpenAI states is sent at once, then remembered', async () => {
    const isolated = await startStack(PROVIDER);
    const refusal = {
      status: 400,
      body: {
        error: {
          message: 'max_output_tokens is too large: 32000. This model supports at most 16384 output tokens, whereas you provided 32000.',
          type: 'invalid_request_error',
          param: 'max_output_tokens',
          code: 'invalid_value',
        },
      },
    };
    isolated.openai.queue({ error: refusal });
    const client = new Anthropic({ apiKey: isolated.proxy.key, baseURL: isolated.proxy.url, maxRetries: 0 });
    try {
      const ask = async (max_tokens: number) => {
        const msg = await client.messages.stream({ model: 'prod-4o', max_tokens, messages: [{ role: 'user', content: 'hi' }] }).finalMessage();
        return (msg.content.at(-1) as Anthropic.TextBlock).text;
      };
      expect(await ask(32000)).toBe('mock(openai) heard: hi');
      await ask(32000);
      await ask(100);
      expect(isolated.openai.calls.map((c) => [c.status, (c.body as { max_output_tokens?: unknown }).max_output_tokens])).toEqual([
        [400, 32000],
        [200, 16384],
        [200, 16384],
        [200, 100],
      ]);
    } finally {
      await isolated.stop();
    }
  });

  test('an output limit above the ceiling and encrypted reasoning another account issued: the retry without the reasoning stays within the ceiling', async () => {
    const foreign = encryptedReasoningBlob();
    const res = await openai.responses.create({
      model: 'o3',
      store: false,
      max_output_tokens: 200000,
      input: [{ role: 'user', content: 'q' }, { type: 'reasoning', summary: [], encrypted_content: foreign }, { type: 'message', role: 'assistant', content: [{ type: 'output_text', text: 'a' }] }, { role: 'user', content: 'go on' }] as never,
    });
    expect(res.output_text).toBe('mock(openai) heard: go on');
    const last = responsesCalls().at(-1)!;
    expect([last.status, (last.body as { max_output_tokens?: unknown }).max_output_tokens, (last.body as { input: unknown[] }).input.length]).toEqual([200, 100000, 3]);
  });

  test('a Responses client relayed to OpenAI: an output limit OpenAI refuses is sent again within it', async () => {
    const res = await openai.responses.create({ model: 'gpt-4o', input: 'hi', max_output_tokens: 100000 });
    expect(res.output_text).toBe('mock(openai) heard: hi');
    expect(responsesCalls().slice(-2).map((c) => [c.status, (c.body as { max_output_tokens?: unknown }).max_output_tokens])).toEqual([
      [400, 100000],
      [200, 16384],
    ]);
  });
});

describe('embeddings through openaiResponses-custom: OpenAI\'s own /embeddings at the same base URL', () => {
  test('an OpenAI client is relayed as it came; a Gemini client is converted to OpenAI\'s format', async () => {
    const res = await openai.embeddings.create({ model: 'text-embedding-3-small', input: ['alpha', 'beta'], encoding_format: 'float' });
    expect(res.data.map((d) => d.index)).toEqual([0, 1]);
    const call = s.openai.calls.at(-1)!;
    expect(call.url).toBe('/v1/embeddings');
    expect(JSON.parse(call.text)).toEqual({ model: 'text-embedding-3-small', input: ['alpha', 'beta'], encoding_format: 'float' });

    const gemini = geminiClient(s, PROVIDER);
    const out = await gemini.models.embedContent({ model: 'text-embedding-3-small', contents: ['gamma', 'delta'] });
    expect(out.embeddings?.length).toBe(2);
    expect(out.embeddings![0]!.values!.length).toBeGreaterThan(0);
    expect(s.openai.calls.at(-1)!.body).toMatchObject({ model: 'text-embedding-3-small', input: ['gamma', 'delta'] });
  });
});

describe("Codex's compaction with openaiResponses-custom: OpenAI's own, relayed", () => {
  const history = [
    { role: 'user', content: 'fix the parser' },
    { type: 'message', role: 'assistant', content: [{ type: 'output_text', text: 'done' }] },
    { role: 'user', content: 'now the tests' },
  ];

  test('/v1/responses/compact goes to /responses/compact, and its compaction item goes back to OpenAI untouched', async () => {
    const compacted = await openai.responses.compact({ model: 'gpt-5.1-codex', input: history as never });
    const call = s.openai.calls.at(-1)!;
    expect(call.url).toBe('/v1/responses/compact');
    expect(JSON.parse(call.text)).toEqual({ model: 'gpt-5.1-codex', input: history });
    const item = (compacted.output as unknown as Array<Record<string, unknown>>).at(-1)!;
    expect(item.type).toBe('compaction');
    expect(String(item.encrypted_content)).toStartWith('gAAAAA');

    // The mock takes the item back only because it issued it: a relayed request, not a converted one.
    const next = await openai.responses.create({ model: 'gpt-5.1-codex', input: [item, { role: 'user', content: 'go on' }] as never });
    expect(next.output_text).toBe('mock(openai) heard: go on');
    expect(JSON.parse(s.openai.calls.at(-1)!.text).input[0]).toEqual(item);
  });

  test('a compaction_trigger item is relayed as well, streamed, and OpenAI answers it', async () => {
    const stream = openai.responses.stream({ model: 'gpt-5.1-codex', input: [...history, { type: 'compaction_trigger' }] as never, store: false });
    const final = await stream.finalResponse();
    expect((final.output as unknown as Array<{ type: string }>).map((i) => i.type)).toEqual(['compaction']);
    expect(JSON.parse(s.openai.calls.at(-1)!.text).input.at(-1)).toEqual({ type: 'compaction_trigger' });
  });
});

describe('compaction with a Responses server that has no compaction of its own', () => {
  test('a 404 from /responses/compact, or a 400 naming the trigger: summarised by the model instead, and not asked again', async () => {
    const isolated = await startStack(PROVIDER);
    const client = new OpenAI({ apiKey: isolated.proxy.key, baseURL: `${isolated.proxy.url}/v1`, maxRetries: 0 });
    const input = [{ role: 'user', content: 'fix the parser' }] as never;
    try {
      isolated.openai.queue({ error: { status: 404, body: { error: { message: 'Not Found', type: 'invalid_request_error', param: null, code: null } } } }, { text: 'Summary: parser fixed.' });
      const compacted = await client.responses.compact({ model: 'gpt-5.1', input });
      const item = (compacted.output as unknown as Array<Record<string, unknown>>).at(-1)!;
      expect(item.type).toBe('compaction');
      expect(String(item.encrypted_content)).toStartWith('aiproxy:');
      expect(isolated.openai.calls.map((c) => [c.url, c.status])).toEqual([
        ['/v1/responses/compact', 404],
        ['/v1/responses', 200],
      ]);
      // Known now: straight to the summary.
      await client.responses.compact({ model: 'gpt-5.1', input });
      expect(isolated.openai.calls.slice(2).map((c) => c.url)).toEqual(['/v1/responses']);
    } finally {
      await isolated.stop();
    }

    // A 404 about the model is the client's answer, not a missing endpoint.
    const third = await startStack(PROVIDER);
    const thirdClient = new OpenAI({ apiKey: third.proxy.key, baseURL: `${third.proxy.url}/v1`, maxRetries: 0 });
    try {
      third.openai.queue({ error: { status: 404, body: { error: { message: "The model 'gpt-5.1-typo' does not exist", type: 'invalid_request_error', param: null, code: 'model_not_found' } } } });
      const err = await thirdClient.responses.compact({ model: 'gpt-5.1-typo', input }).catch((e: unknown) => e);
      expect(err).toBeInstanceOf(OpenAI.NotFoundError);
      await thirdClient.responses.compact({ model: 'gpt-5.1', input });
      expect(third.openai.calls.map((c) => [c.url, c.status])).toEqual([
        ['/v1/responses/compact', 404],
        ['/v1/responses/compact', 200],
      ]);
    } finally {
      await third.stop();
    }

    const other = await startStack(PROVIDER);
    const otherClient = new OpenAI({ apiKey: other.proxy.key, baseURL: `${other.proxy.url}/v1`, maxRetries: 0 });
    try {
      const refusal = { error: { message: "Invalid value: 'compaction_trigger'. Supported values are: 'message', 'function_call'…", type: 'invalid_request_error', param: 'input[1].type', code: 'invalid_value' } };
      other.openai.queue({ error: { status: 400, body: refusal } }, { text: 'Summary: parser fixed.' });
      const res = await otherClient.responses.create({ model: 'gpt-5.1', input: [{ role: 'user', content: 'fix the parser' }, { type: 'compaction_trigger' }] as never, store: false });
      expect((res.output as unknown as Array<{ type: string }>).map((i) => i.type)).toEqual(['compaction']);
      expect(other.openai.calls.map((c) => c.status)).toEqual([400, 200]);
      // The summarising request, not the trigger, went upstream the second time.
      expect(JSON.stringify(other.openai.calls[1]!.body)).not.toContain('compaction_trigger');
    } finally {
      await other.stop();
    }
  });
});

describe('POST /v1/responses/input_tokens (the SDK\'s responses.inputTokens.count)', () => {
  const via = (provider: string): OpenAI => new OpenAI({ apiKey: s.proxy.key, baseURL: `${s.proxy.url}/${provider}/v1`, maxRetries: 0 });
  const params = { model: 'gpt-4.1', instructions: 'Be brief.', input: 'count these words for me please' };

  test("relayed to a Responses upstream's own counter", async () => {
    s.openai.queue({ usage: { input: 42, output: 0 } });
    const res = await via(PROVIDER).responses.inputTokens.count(params);
    expect(res).toEqual({ object: 'response.input_tokens', input_tokens: 42 });
    const call = s.openai.calls.at(-1)!;
    expect(call.url).toBe('/v1/responses/input_tokens');
    expect(JSON.parse(call.text)).toEqual(params);
  });

  test("converted for another upstream: Anthropic's count_tokens, or the local estimate", async () => {
    const claude = await via('claude-custom').responses.inputTokens.count({ ...params, model: 'claude-sonnet-4-5' });
    expect(claude.object).toBe('response.input_tokens');
    expect(claude.input_tokens).toBeGreaterThan(0);
    const call = s.claude.calls.at(-1)!;
    expect(call.url).toBe('/v1/messages/count_tokens');
    expect(call.body).toMatchObject({
      model: 'claude-sonnet-4-5',
      system: [{ type: 'text', text: 'Be brief.' }],
      messages: [{ role: 'user', content: [{ type: 'text', text: 'count these words for me please' }] }],
    });

    const before = s.openai.calls.length;
    const estimated = await via('openai-custom').responses.inputTokens.count(params);
    expect(estimated.input_tokens).toBeGreaterThan(5);
    expect(s.openai.calls.length).toBe(before);
  });
});

describe("OpenAI's store of responses (store: true, background runs), through openaiResponses-custom", () => {
  test('retrieve, list input items and delete reach OpenAI; a stored response is gone once deleted', async () => {
    const created = await openai.responses.create({ model: 'gpt-4.1', input: 'remember this' });
    const plain = new OpenAI({ apiKey: s.proxy.key, baseURL: `${s.proxy.url}/v1`, maxRetries: 0 });
    const got = await plain.responses.retrieve(created.id);
    expect(got.id).toBe(created.id);
    expect(got.output_text).toBe('mock(openai) heard: remember this');
    expect(s.openai.calls.at(-1)!.url).toBe(`/v1/responses/${created.id}`);
    expect(s.openai.calls.at(-1)!.headers.authorization).toBe(`Bearer ${s.openai.key}`);

    const items = await plain.responses.inputItems.list(created.id, { limit: 5 });
    expect(items.data.map((i) => (i as { content?: unknown }).content)).toEqual(['remember this']);
    expect(s.openai.calls.at(-1)!.url).toBe(`/v1/responses/${created.id}/input_items?limit=5`);

    await plain.responses.delete(created.id);
    const err = await plain.responses.retrieve(created.id).catch((e: unknown) => e);
    expect(err).toBeInstanceOf(OpenAI.NotFoundError);
    expect((err as Error).message).toContain('not found');
  });

  test("the client's ?key= stays here; ids that are not OpenAI's (compact, input_tokens, dot segments) go nowhere", async () => {
    const created = await openai.responses.create({ model: 'gpt-4.1', input: 'keep' });
    const res = await fetch(`${s.proxy.url}/v1/responses/${created.id}?key=${s.proxy.key}&include[]=message.output_text.logprobs`);
    expect(res.status).toBe(200);
    expect(s.openai.calls.at(-1)!.url).toBe(`/v1/responses/${created.id}?include%5B%5D=message.output_text.logprobs`);
    const before = s.openai.calls.length;
    for (const path of ['/v1/responses/compact', '/v1/responses/input_tokens', '/v1/responses/%2e%2e/input_items']) {
      const r = await fetch(`${s.proxy.url}${path}`, { headers: { authorization: `Bearer ${s.proxy.key}` } });
      expect(r.status).toBe(404);
    }
    expect(s.openai.calls.length).toBe(before);
  });

  test('in a pool, a member that cannot be reached does not hide the one that holds the response', async () => {
    const dir = mkdtempSync(join(tmpdir(), 'aiproxy-stored-pool-'));
    const file = join(dir, 'pools.yaml');
    writeFileSync(file, `openaiResponses-custom:\n  - name: down\n    api_key: k\n    base_url: http://127.0.0.1:9/v1\n  - name: up\n    api_key: ${s.openai.key}\n    base_url: ${s.openai.url}\n`);
    const created = await openai.responses.create({ model: 'gpt-4.1', input: 'in the pool' });
    const p = await startProxy(['--provider-pools-file', file]);
    try {
      const res = await fetch(`${p.url}/v1/responses/${created.id}`, { headers: { authorization: `Bearer ${p.key}` } });
      expect(res.status).toBe(200);
      expect(((await res.json()) as { id: string }).id).toBe(created.id);
    } finally {
      await p.stop();
      rmSync(dir, { recursive: true, force: true });
    }
  });

  test('without an openaiResponses-custom provider: a 404 that says why', async () => {
    const bare = await startStack('openai-custom');
    try {
      const client = new OpenAI({ apiKey: bare.proxy.key, baseURL: `${bare.proxy.url}/v1`, maxRetries: 0 });
      const err = await client.responses.retrieve('resp_123').catch((e: unknown) => e);
      expect(err).toBeInstanceOf(OpenAI.NotFoundError);
      expect((err as Error).message).toContain('configure an openaiResponses-custom provider');
      expect(bare.openai.calls.length).toBe(0);
    } finally {
      await bare.stop();
    }
  });
});

describe('routing', () => {
  test('a model OpenAI serves through the Responses API only goes there even when openai-custom comes first', async () => {
    const routed = await startStack('openai-custom,openaiResponses-custom');
    try {
      const plain = new OpenAI({ apiKey: routed.proxy.key, baseURL: `${routed.proxy.url}/v1`, maxRetries: 0 });
      await plain.chat.completions.create({ model: 'gpt-5-codex', messages: [{ role: 'user', content: 'hi' }] });
      expect(routed.openai.calls.at(-1)!.url).toBe('/v1/responses');
      await plain.chat.completions.create({ model: 'gpt-4.1', messages: [{ role: 'user', content: 'hi' }] });
      expect(routed.openai.calls.at(-1)!.url).toBe('/v1/chat/completions');
    } finally {
      await routed.stop();
    }
  });
});
