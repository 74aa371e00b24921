/**
 * The official Anthropic SDK, as a user calls it, against aiproxy with the openai-custom upstream
 * (the strict OpenAI mock): every request is converted Anthropic → canonical → Chat Completions and
 * every answer back, streaming and not.
 */
import { afterAll, beforeAll, describe, expect, test } from 'bun:test';
import Anthropic from '@anthropic-ai/sdk';
import { roughTokens, textChars } from '../helpers/mocks/mock-util.ts';
import { startStack, type Stack } from '../helpers/stack.ts';
import {
  EDIT_TOOL,
  MULTIBYTE,
  PDF_BASE64,
  PNG_BASE64,
  TIME_TOOL,
  WEATHER_TOOL,
  expectWellFormed,
  last,
  lastBody,
  streamAll,
  viaHeader,
  viaPrefix,
} from './anthropic-client-util.ts';

let s: Stack;
let client: Anthropic;
beforeAll(async () => {
  s = await startStack();
  client = viaPrefix(s, 'openai-custom');
});
afterAll(() => s.stop());

type OpenAIMessage = { role: string; content?: unknown; tool_calls?: Array<{ id: string; function: { name: string; arguments: string } }>; tool_call_id?: string };
const upstreamMessages = (): OpenAIMessage[] => lastBody(s.openai.calls).messages as OpenAIMessage[];

describe('Anthropic client → openai-custom: text', () => {
  test('non-streaming: text, system prompt, max_tokens and sampling reach OpenAI in its own form', async () => {
    const msg = await client.messages.create({
      model: 'gpt-4o',
      max_tokens: 100,
      system: [{ type: 'text', text: 'You are terse.' }, { type: 'text', text: 'Answer in English.' }],
      temperature: 0,
      top_p: 0.5,
      top_k: 40,
      stop_sequences: ['###'],
      metadata: { user_id: 'user-123' },
      messages: [{ role: 'user', content: 'Hello 你好' }],
      // The current SDK no longer types the sampling knobs, but older clients (and Claude Code) send them.
    } as Anthropic.MessageCreateParamsNonStreaming);
    expect(msg.type).toBe('message');
    expect(msg.role).toBe('assistant');
    expect(msg.id).toStartWith('msg_');
    expect(msg.model).toBe('gpt-4o');
    expect(msg.content).toHaveLength(1);
    expect(msg.content[0]).toMatchObject({ type: 'text', text: 'mock(openai) heard: Hello 你好' });
    expect(msg.stop_reason).toBe('end_turn');
    expect(msg.stop_sequence).toBeNull();

    const body = lastBody(s.openai.calls);
    expect(last(s.openai.calls).url).toBe('/v1/chat/completions');
    expect(body).toMatchObject({
      model: 'gpt-4o',
      max_tokens: 100,
      temperature: 0,
      top_p: 0.5,
      stop: ['###'],
      user: 'user-123',
      messages: [
        { role: 'system', content: 'You are terse.\n\nAnswer in English.' },
        { role: 'user', content: 'Hello 你好' },
      ],
    });
    // OpenAI has no top_k and rejects unknown parameters; the stream flag is absent on a unary call.
    expect(body.top_k).toBeUndefined();
    expect(body.stream).toBeUndefined();
  });

  test('streaming: exact Anthropic event grammar, multi-byte text split across network chunks', async () => {
    s.openai.queue({ text: MULTIBYTE, splitBytes: 5 });
    const { events, final, text } = await streamAll(client, {
      model: 'gpt-4o',
      max_tokens: 64,
      system: 'Be brief.',
      messages: [{ role: 'user', content: 'hi' }],
    });
    expectWellFormed(events);
    expect(text).toBe(MULTIBYTE);
    expect(final.content).toHaveLength(1);
    expect(final.content[0]).toMatchObject({ type: 'text', text: MULTIBYTE });
    expect(final.stop_reason).toBe('end_turn');
    expect(final.id).toStartWith('msg_');
    const body = lastBody(s.openai.calls);
    // aiproxy always asks OpenAI for the usage chunk, so it can report output tokens in message_delta.
    expect(body).toMatchObject({ stream: true, stream_options: { include_usage: true } });
    expect(body.messages).toEqual([
      { role: 'system', content: 'Be brief.' },
      { role: 'user', content: 'hi' },
    ]);
  });

  test('routing by X-Model-Provider header works the same as the path prefix', async () => {
    const msg = await viaHeader(s, 'openai-custom').messages.create({
      model: 'gpt-4o-mini',
      max_tokens: 16,
      messages: [{ role: 'user', content: 'via header' }],
    });
    expect(msg.content[0]).toMatchObject({ type: 'text', text: 'mock(openai) heard: via header' });
    expect(lastBody(s.openai.calls).model).toBe('gpt-4o-mini');
  });

  test('multi-turn history keeps roles and order; consecutive user turns are merged or kept valid', async () => {
    await client.messages.create({
      model: 'gpt-4o',
      max_tokens: 32,
      messages: [
        { role: 'user', content: 'My name is Ada.' },
        { role: 'assistant', content: [{ type: 'text', text: 'Hello Ada.' }] },
        { role: 'user', content: [{ type: 'text', text: 'What is my name?' }] },
        { role: 'user', content: 'Answer briefly.' },
      ],
    });
    const messages = upstreamMessages();
    expect(messages.map((m) => m.role)).toEqual(['user', 'assistant', 'user', 'user']);
    expect(messages[0]!.content).toBe('My name is Ada.');
    expect(messages[1]!.content).toBe('Hello Ada.');
    expect(messages[2]!.content).toBe('What is my name?');
    expect(messages[3]!.content).toBe('Answer briefly.');
  });

  test('a prefilled final assistant turn reaches OpenAI as the last assistant message', async () => {
    s.openai.queue({ text: '"ok"}' });
    const msg = await client.messages.create({
      model: 'gpt-4o',
      max_tokens: 32,
      messages: [
        { role: 'user', content: 'Reply in JSON.' },
        { role: 'assistant', content: '{"answer":' },
      ],
    });
    expect(upstreamMessages().at(-1)).toEqual({ role: 'assistant', content: '{"answer":' });
    expect(msg.content[0]).toMatchObject({ type: 'text', text: '"ok"}' });
  });
});

describe('Anthropic client → openai-custom: media', () => {
  test('base64 images and PDFs become image_url data URLs and file parts; http image URLs stay URLs', async () => {
    await client.messages.create({
      model: 'gpt-4o',
      max_tokens: 32,
      messages: [
        {
          role: 'user',
          content: [
            { type: 'text', text: 'What is in these?' },
            { type: 'image', source: { type: 'base64', media_type: 'image/png', data: PNG_BASE64 } },
            { type: 'image', source: { type: 'url', url: 'https://example.com/cat.jpg' } },
            { type: 'document', source: { type: 'base64', media_type: 'application/pdf', data: PDF_BASE64 }, title: 'spec.pdf' },
          ],
        },
      ],
    });
    expect(last(s.openai.calls).status).toBe(200);
    expect(upstreamMessages()[0]!.content).toEqual([
      { type: 'text', text: 'What is in these?' },
      { type: 'image_url', image_url: { url: `data:image/png;base64,${PNG_BASE64}` } },
      { type: 'image_url', image_url: { url: 'https://example.com/cat.jpg' } },
      { type: 'file', file: { file_data: `data:application/pdf;base64,${PDF_BASE64}`, filename: 'spec.pdf' } },
    ]);
  });
});

describe('Anthropic client → openai-custom: tools', () => {
  test('rich JSON-Schema declarations reach OpenAI as function tools, schema intact', async () => {
    await client.messages.create({
      model: 'gpt-4o',
      max_tokens: 32,
      tools: [EDIT_TOOL, WEATHER_TOOL],
      messages: [{ role: 'user', content: 'edit it' }],
    });
    const tools = lastBody(s.openai.calls).tools as Array<{ type: string; function: { name: string; description?: string; parameters: unknown } }>;
    expect(tools).toEqual([
      { type: 'function', function: { name: 'edit_file', description: 'Apply edits to a file.', parameters: EDIT_TOOL.input_schema } },
      { type: 'function', function: { name: 'get_weather', description: 'Current weather for a city.', parameters: WEATHER_TOOL.input_schema } },
    ]);
  });

  test.each([
    [{ type: 'auto' } as const, 'auto', undefined],
    [{ type: 'any' } as const, 'required', undefined],
    [{ type: 'none' } as const, 'none', undefined],
    [{ type: 'tool', name: 'get_time' } as const, { type: 'function', function: { name: 'get_time' } }, undefined],
    [{ type: 'auto', disable_parallel_tool_use: true } as const, 'auto', false],
  ])('tool_choice %j → OpenAI tool_choice %j, parallel_tool_calls %j', async (choice, wanted, parallel) => {
    await client.messages.create({
      model: 'gpt-4o',
      max_tokens: 32,
      tools: [WEATHER_TOOL, TIME_TOOL],
      tool_choice: choice,
      messages: [{ role: 'user', content: 'go' }],
    });
    const body = lastBody(s.openai.calls);
    expect(body.tool_choice).toEqual(wanted);
    expect(body.parallel_tool_calls).toBe(parallel);
  });

  test('parallel tool calls, non-streaming: tool_use blocks with OpenAI ids and object inputs', async () => {
    s.openai.queue({ toolCalls: [{ name: 'get_weather', args: { city: 'Paris', unit: 'c' } }, { name: 'get_time', args: { tz: 'CET' } }] });
    const msg = await client.messages.create({
      model: 'gpt-4o',
      max_tokens: 64,
      tools: [WEATHER_TOOL, TIME_TOOL],
      messages: [{ role: 'user', content: 'weather and time in Paris?' }],
    });
    expect(msg.stop_reason).toBe('tool_use');
    expect(msg.content.map((b) => b.type)).toEqual(['tool_use', 'tool_use']);
    const [a, b] = msg.content as Anthropic.ToolUseBlock[];
    expect([a!.name, a!.input, b!.name, b!.input]).toEqual(['get_weather', { city: 'Paris', unit: 'c' }, 'get_time', { tz: 'CET' }]);
    expect(a!.id).toMatch(/^call_/);
    expect(a!.id).not.toBe(b!.id);
  });

  test('parallel tool calls, streaming: one tool_use block per call with input_json_delta fragments', async () => {
    s.openai.queue({
      text: 'Checking.',
      toolCalls: [{ name: 'get_weather', args: { city: 'Zürich — 東京' } }, { name: 'get_time', args: { tz: 'Asia/Tokyo' } }],
      splitBytes: 11,
    });
    const { events, final } = await streamAll(client, {
      model: 'gpt-4o',
      max_tokens: 64,
      tools: [WEATHER_TOOL, TIME_TOOL],
      messages: [{ role: 'user', content: 'go' }],
    });
    expectWellFormed(events);
    expect(final.stop_reason).toBe('tool_use');
    expect(final.content.map((b) => b.type)).toEqual(['text', 'tool_use', 'tool_use']);
    expect(final.content[0]).toMatchObject({ text: 'Checking.' });
    expect(final.content[1]).toMatchObject({ name: 'get_weather', input: { city: 'Zürich — 東京' } });
    expect(final.content[2]).toMatchObject({ name: 'get_time', input: { tz: 'Asia/Tokyo' } });
    // Arguments arrive in several fragments, as OpenAI streams them.
    expect(events.filter((e) => e.type === 'content_block_delta' && e.delta.type === 'input_json_delta').length).toBeGreaterThan(2);
  });

  for (const streaming of [false, true]) {
    test(`full tool loop (${streaming ? 'streaming' : 'non-streaming'}): results paired with their calls by id, in call order, ids stable across turns`, async () => {
      const tools = [WEATHER_TOOL, TIME_TOOL];
      const ask = async (messages: Anthropic.MessageParam[]): Promise<Anthropic.Message> => {
        const params = { model: 'gpt-4o', max_tokens: 128, tools, messages };
        return streaming ? (await streamAll(client, params)).final : client.messages.create(params);
      };
      const history: Anthropic.MessageParam[] = [{ role: 'user', content: 'Weather and time in Paris?' }];

      s.openai.queue({ toolCalls: [{ name: 'get_weather', args: { city: 'Paris' } }, { name: 'get_time', args: { tz: 'Europe/Paris' } }] });
      const turn1 = await ask(history);
      expect(turn1.stop_reason).toBe('tool_use');
      const [weather, time] = turn1.content as Anthropic.ToolUseBlock[];
      history.push({ role: 'assistant', content: turn1.content });
      // The client answers out of order and marks one result as an error.
      history.push({
        role: 'user',
        content: [
          { type: 'tool_result', tool_use_id: time!.id, content: [{ type: 'text', text: '14:05' }] },
          { type: 'tool_result', tool_use_id: weather!.id, content: 'service down', is_error: true },
        ],
      });

      s.openai.queue({ text: 'It is 14:05; the weather service is down.' });
      const turn2 = await ask(history);
      expect(turn2.stop_reason).toBe('end_turn');
      expect(turn2.content).toMatchObject([{ type: 'text', text: 'It is 14:05; the weather service is down.' }]);
      const sent = upstreamMessages();
      expect(sent.map((m) => m.role)).toEqual(['user', 'assistant', 'tool', 'tool']);
      expect(sent[1]!.tool_calls!.map((c) => [c.id, c.function.name, JSON.parse(c.function.arguments)])).toEqual([
        [weather!.id, 'get_weather', { city: 'Paris' }],
        [time!.id, 'get_time', { tz: 'Europe/Paris' }],
      ]);
      // OpenAI wants the tool messages in call order, whatever order the client listed them in; a tool
      // message has no error flag, so the failed one says so in its text.
      expect(sent.slice(2).map((m) => [m.tool_call_id, m.content])).toEqual([
        [weather!.id, 'Error: service down'],
        [time!.id, '14:05'],
      ]);

      history.push({ role: 'assistant', content: turn2.content }, { role: 'user', content: 'Thanks!' });
      await ask(history);
      const third = upstreamMessages();
      expect(third.map((m) => m.role)).toEqual(['user', 'assistant', 'tool', 'tool', 'assistant', 'user']);
      expect(third[1]!.tool_calls!.map((c) => c.id)).toEqual([weather!.id, time!.id]);
    });
  }
});

describe('Anthropic client → openai-custom: structured output and odd histories', () => {
  test('output_config.format json_schema → response_format json_schema', async () => {
    const schema = { type: 'object', properties: { answer: { type: 'string' } }, required: ['answer'], additionalProperties: false };
    s.openai.queue({ text: '{"answer":"42"}' });
    const msg = await client.messages.create({
      model: 'gpt-4o',
      max_tokens: 64,
      output_config: { format: { type: 'json_schema', schema } },
      messages: [{ role: 'user', content: 'answer in JSON' }],
    });
    expect(lastBody(s.openai.calls).response_format).toEqual({ type: 'json_schema', json_schema: { name: 'response', schema } });
    expect(msg.content[0]).toMatchObject({ type: 'text', text: '{"answer":"42"}' });
  });

  test("the structured-outputs beta's top-level output_format → response_format json_schema", async () => {
    // Today's TypeScript SDK rewrites it to output_config.format itself; older SDKs, other languages and
    // the beta's curl examples send it as it is.
    const schema = { type: 'object', properties: { answer: { type: 'string' } }, required: ['answer'], additionalProperties: false };
    s.openai.queue({ text: '{"answer":"42"}' });
    const res = await fetch(`${s.proxy.url}/v1/messages`, {
      method: 'POST',
      headers: {
        'x-api-key': s.proxy.key,
        'anthropic-version': '2023-06-01',
        'anthropic-beta': 'structured-outputs-2025-11-13',
        'content-type': 'application/json',
      },
      body: JSON.stringify({ model: 'gpt-4o', max_tokens: 64, output_format: { type: 'json_schema', schema }, messages: [{ role: 'user', content: 'answer in JSON' }] }),
      signal: AbortSignal.timeout(10_000),
    });
    expect(res.status).toBe(200);
    expect(((await res.json()) as { content: unknown[] }).content[0]).toMatchObject({ type: 'text', text: '{"answer":"42"}' });
    expect(lastBody(s.openai.calls).response_format).toEqual({ type: 'json_schema', json_schema: { name: 'response', schema } });
    expect(lastBody(s.openai.calls)).not.toHaveProperty('output_format');
  });

  // Anthropic's strict tool use leaves parameters optional (Claude Code's Read: offset, limit), OpenAI's strict
  // mode answers that 400 invalid_function_parameters (laravel/ai#506).
  test('strict tools: one with an optional parameter goes without strict mode instead of being refused; one OpenAI takes keeps it', async () => {
    const optional = { type: 'object' as const, properties: { path: { type: 'string' }, limit: { type: 'integer' } }, required: ['path'], additionalProperties: false };
    const closed = { ...optional, required: ['path', 'limit'] };
    const tools = [{ name: 'read', input_schema: optional, strict: true }, { name: 'stat', input_schema: closed, strict: true }];
    s.openai.queue({ toolCalls: [{ name: 'read', args: { path: 'a.txt' } }] }, { toolCalls: [{ name: 'read', args: { path: 'a.txt' } }] });
    const msg = await client.messages.create({ model: 'gpt-4o', max_tokens: 64, tools, messages: [{ role: 'user', content: 'read a.txt' }] });
    expect(msg.content.find((b) => b.type === 'tool_use')).toMatchObject({ name: 'read', input: { path: 'a.txt' } });
    expect(lastBody(s.openai.calls).tools).toEqual([
      { type: 'function', function: { name: 'read', parameters: optional, strict: false } },
      { type: 'function', function: { name: 'stat', parameters: closed, strict: true } },
    ]);
    const { final } = await streamAll(client, { model: 'gpt-4o', max_tokens: 64, tools, messages: [{ role: 'user', content: 'read a.txt' }] });
    expect(final.content.find((b) => b.type === 'tool_use')).toMatchObject({ name: 'read', input: { path: 'a.txt' } });
  });

  test('a call the client never answered still gets a tool message, so OpenAI accepts the history', async () => {
    await client.messages.create({
      model: 'gpt-4o',
      max_tokens: 64,
      tools: [WEATHER_TOOL, TIME_TOOL],
      messages: [
        { role: 'user', content: 'both?' },
        {
          role: 'assistant',
          content: [
            { type: 'tool_use', id: 'toolu_01A', name: 'get_weather', input: { city: 'Rome' } },
            { type: 'tool_use', id: 'toolu_01B', name: 'get_time', input: {} },
          ],
        },
        { role: 'user', content: [{ type: 'tool_result', tool_use_id: 'toolu_01A', content: 'sunny' }, { type: 'text', text: 'go on' }] },
      ],
    });
    expect(last(s.openai.calls).status).toBe(200);
    const sent = upstreamMessages();
    expect(sent.map((m) => [m.role, m.tool_call_id])).toEqual([
      ['user', undefined],
      ['assistant', undefined],
      ['tool', 'toolu_01A'],
      ['tool', 'toolu_01B'],
      ['user', undefined],
    ]);
    expect(sent[1]!.tool_calls!.map((c) => c.function.arguments)).toEqual(['{"city":"Rome"}', '{}']);
  });

  test('Anthropic server tools (web_search) are not sent to OpenAI', async () => {
    await client.messages.create({
      model: 'gpt-4o',
      max_tokens: 64,
      tools: [WEATHER_TOOL, { type: 'web_search_20250305', name: 'web_search', max_uses: 3 }],
      messages: [{ role: 'user', content: 'search' }],
    });
    expect(last(s.openai.calls).status).toBe(200);
    expect((lastBody(s.openai.calls).tools as Array<{ function: { name: string } }>).map((t) => t.function.name)).toEqual(['get_weather']);
  });

  test('an invalid Anthropic request is rejected by aiproxy in Anthropic\'s words, before any upstream call', async () => {
    const before = s.openai.calls.length;
    const res = await fetch(`${s.proxy.url}/openai-custom/v1/messages`, {
      method: 'POST',
      headers: { 'x-api-key': s.proxy.key, 'anthropic-version': '2023-06-01', 'content-type': 'application/json' },
      body: JSON.stringify({ model: 'gpt-4o', messages: [{ role: 'user', content: 'x' }] }),
    });
    expect(res.status).toBe(400);
    expect(await res.json()).toMatchObject({ type: 'error', error: { type: 'invalid_request_error', message: 'max_tokens: Field required' } });
    expect(s.openai.calls.length).toBe(before);
  });
});

describe('Anthropic client → openai-custom: reasoning', () => {
  test('thinking budget becomes reasoning_effort on a reasoning model; reasoning_content comes back as a thinking block', async () => {
    s.openai.queue({ thinking: 'Let me think… 考える', text: 'Forty-two.' });
    const msg = await client.messages.create({
      model: 'o3-mini',
      max_tokens: 4096,
      thinking: { type: 'enabled', budget_tokens: 2048 },
      messages: [{ role: 'user', content: 'Meaning of life?' }],
    });
    const body = lastBody(s.openai.calls);
    expect(body.reasoning_effort).toBe('low');
    expect(body.max_completion_tokens).toBe(4096);
    expect(body.max_tokens).toBeUndefined();
    expect(msg.content.map((b) => b.type)).toEqual(['thinking', 'text']);
    expect(msg.content[0]).toMatchObject({ thinking: 'Let me think… 考える' });
    expect(msg.content[1]).toMatchObject({ text: 'Forty-two.' });
  });

  test('streaming: thinking deltas form their own block before the text, never mixed into it', async () => {
    s.openai.queue({ thinking: 'Step one. Step two.', text: 'Done.', splitBytes: 5 });
    const { events, final, text } = await streamAll(client, {
      model: 'o3-mini',
      max_tokens: 4096,
      thinking: { type: 'enabled', budget_tokens: 16000 },
      messages: [{ role: 'user', content: 'think' }],
    });
    expectWellFormed(events);
    expect(lastBody(s.openai.calls).reasoning_effort).toBe('high');
    expect(text).toBe('Done.');
    expect(final.content.map((b) => b.type)).toEqual(['thinking', 'text']);
    expect(final.content[0]).toMatchObject({ thinking: 'Step one. Step two.' });
  });

  test('earlier thinking blocks in the history are not sent to OpenAI', async () => {
    await client.messages.create({
      model: 'o3-mini',
      max_tokens: 2048,
      thinking: { type: 'enabled', budget_tokens: 1024 },
      messages: [
        { role: 'user', content: 'Q1' },
        { role: 'assistant', content: [{ type: 'thinking', thinking: 'secret chain', signature: '' }, { type: 'text', text: 'A1' }] },
        { role: 'user', content: 'Q2' },
      ],
    });
    expect(upstreamMessages()).toEqual([
      { role: 'user', content: 'Q1' },
      { role: 'assistant', content: 'A1' },
      { role: 'user', content: 'Q2' },
    ]);
  });
});

describe('Anthropic client → openai-custom: finish reasons and usage', () => {
  test('length → max_tokens, non-streaming and streaming', async () => {
    s.openai.queue({ text: 'cut', finish: 'length' }, { text: 'cut', finish: 'length' });
    const msg = await client.messages.create({ model: 'gpt-4o', max_tokens: 1, messages: [{ role: 'user', content: 'x' }] });
    expect(msg.stop_reason).toBe('max_tokens');
    const { final } = await streamAll(client, { model: 'gpt-4o', max_tokens: 1, messages: [{ role: 'user', content: 'x' }] });
    expect(final.stop_reason).toBe('max_tokens');
  });

  test('usage the mock computes reaches the client unchanged, streamed or not', async () => {
    const params = { model: 'gpt-4o', max_tokens: 64, messages: [{ role: 'user' as const, content: 'How many tokens is this prompt?' }] };
    const msg = await client.messages.create(params);
    const sent = lastBody(s.openai.calls);
    const expectedInput = roughTokens(textChars(sent.messages));
    expect(msg.usage.input_tokens).toBe(expectedInput);
    expect(msg.usage.output_tokens).toBe(roughTokens((msg.content[0] as Anthropic.TextBlock).text.length));
    const { final } = await streamAll(client, params);
    expect(final.usage).toMatchObject({ input_tokens: expectedInput, output_tokens: msg.usage.output_tokens });
  });

  test('usage: OpenAI prompt tokens include cached ones, Anthropic input_tokens do not (§6.6)', async () => {
    const usage = { input: 120, output: 45, cached: 100, reasoning: 20 };
    s.openai.queue({ text: 'a', usage }, { text: 'b', usage });
    const params = { model: 'o3-mini', max_tokens: 64, messages: [{ role: 'user' as const, content: 'x' }] };
    const msg = await client.messages.create(params);
    expect(msg.usage).toMatchObject({ input_tokens: 20, cache_read_input_tokens: 100, cache_creation_input_tokens: 0, output_tokens: 45 });
    const { final, events } = await streamAll(client, params);
    expect(final.usage).toMatchObject({ input_tokens: 20, cache_read_input_tokens: 100, output_tokens: 45 });
    const delta = events.find((e) => e.type === 'message_delta');
    expect(delta?.type === 'message_delta' && delta.usage.output_tokens).toBe(45);
  });
});

describe('Anthropic client → openai-custom: count_tokens', () => {
  test('a local estimate (OpenAI has no counter) that grows with the prompt, tools and images', async () => {
    const callsBefore = s.openai.calls.length;
    const small = await client.messages.countTokens({ model: 'gpt-4o', messages: [{ role: 'user', content: 'hi' }] });
    const big = await client.messages.countTokens({
      model: 'gpt-4o',
      system: 'You are a helpful assistant. '.repeat(20),
      tools: [EDIT_TOOL],
      messages: [
        {
          role: 'user',
          content: [
            { type: 'text', text: 'Describe this.' },
            { type: 'image', source: { type: 'base64', media_type: 'image/png', data: PNG_BASE64 } },
          ],
        },
      ],
    });
    expect(small.input_tokens).toBeGreaterThan(0);
    expect(big.input_tokens).toBeGreaterThan(small.input_tokens + 100);
    expect(s.openai.calls.length).toBe(callsBefore);
  });
});
