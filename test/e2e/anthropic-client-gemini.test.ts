/**
 * The official Anthropic SDK, as a user calls it, against aiproxy with the gemini-cli upstream (the
 * strict Gemini API mock, which rejects uncleaned schemas, broken turn structure and missing or
 * foreign thought signatures on Gemini 3).
 */
import { afterAll, beforeAll, describe, expect, test } from 'bun:test';
import Anthropic from '@anthropic-ai/sdk';
import { estimateTokens, promptChars } from '../helpers/mocks/gemini-mock-reply.ts';
import { SKIP_SIGNATURE, startGeminiMock } from '../helpers/mocks/gemini-mock.ts';
import { startProxy } from '../helpers/proxy.ts';
import { startStack, type Stack } from '../helpers/stack.ts';
import {
  EDIT_TOOL,
  MULTIBYTE,
  PDF_BASE64,
  PNG_BASE64,
  TIME_TOOL,
  WEATHER_TOOL,
  allKeys,
  expectWellFormed,
  last,
  lastBody,
  startImageServer,
  streamAll,
  viaHeader,
  viaPrefix,
} from './anthropic-client-util.ts';

let s: Stack;
let client: Anthropic;
let images: ReturnType<typeof startImageServer>;
beforeAll(async () => {
  // The image server is on 127.0.0.1, which aiproxy refuses to fetch unless told it may.
  s = await startStack(undefined, ['--allow-private-media-urls', 'true']);
  client = viaPrefix(s, 'gemini-cli');
  images = startImageServer();
});
afterAll(async () => {
  await Promise.all([s.stop(), images.stop()]);
});

interface GeminiPart {
  text?: string;
  thought?: boolean;
  thoughtSignature?: string;
  inlineData?: { mimeType: string; data: string };
  functionCall?: { name: string; args: Record<string, unknown> };
  functionResponse?: { name: string; response: Record<string, unknown> };
}
interface GeminiContent {
  role: string;
  parts: GeminiPart[];
}
const contents = (): GeminiContent[] => lastBody(s.gemini.calls).contents as GeminiContent[];

describe('Anthropic client → gemini-cli: text', () => {
  test('non-streaming: text, system prompt and sampling reach Gemini in its own form', async () => {
    const msg = await client.messages.create({
      model: 'gemini-2.5-flash',
      max_tokens: 100,
      system: [{ type: 'text', text: 'You are terse.' }, { type: 'text', text: 'Answer in English.' }],
      temperature: 0,
      top_p: 0.5,
      top_k: 40,
      stop_sequences: ['###'],
      messages: [{ role: 'user', content: 'Hello 你好' }],
      // The current SDK no longer types the sampling knobs, but older clients (and Claude Code) send them.
    } as Anthropic.MessageCreateParamsNonStreaming);
    expect(msg.id).toStartWith('msg_');
    expect(msg.content).toHaveLength(1);
    expect(msg.content[0]).toMatchObject({ type: 'text', text: 'mock(gemini) heard: Hello 你好' });
    expect(msg.stop_reason).toBe('end_turn');

    expect(last(s.gemini.calls).url).toBe('/v1beta/models/gemini-2.5-flash:generateContent');
    const body = lastBody(s.gemini.calls);
    expect(body.systemInstruction).toEqual({ parts: [{ text: 'You are terse.\n\nAnswer in English.' }] });
    expect(body.contents).toEqual([{ role: 'user', parts: [{ text: 'Hello 你好' }] }]);
    // temperature 0 is a real value and must survive.
    // No `thinking` asked and 100 tokens, which Gemini 2.5's unasked thinking would spend: thinking goes off.
    expect(body.generationConfig).toEqual({
      temperature: 0,
      topP: 0.5,
      topK: 40,
      maxOutputTokens: 100,
      stopSequences: ['###'],
      thinkingConfig: { thinkingBudget: 0 },
    });
  });

  test('streaming over alt=sse: exact Anthropic event grammar, multi-byte text split across network chunks', async () => {
    s.gemini.queue({ text: MULTIBYTE, splitBytes: 3 });
    const { events, final, text } = await streamAll(client, {
      model: 'gemini-2.5-flash',
      max_tokens: 64,
      messages: [{ role: 'user', content: 'hi' }],
    });
    expectWellFormed(events);
    expect(last(s.gemini.calls).url).toBe('/v1beta/models/gemini-2.5-flash:streamGenerateContent?alt=sse');
    expect(text).toBe(MULTIBYTE);
    expect(final.content).toHaveLength(1);
    expect(final.content[0]).toMatchObject({ type: 'text', text: MULTIBYTE });
    expect(final.stop_reason).toBe('end_turn');
  });

  test('routing by X-Model-Provider header', async () => {
    const msg = await viaHeader(s, 'gemini-cli').messages.create({
      model: 'gemini-3-flash-preview',
      max_tokens: 16,
      messages: [{ role: 'user', content: 'via header' }],
    });
    expect(msg.content[0]).toMatchObject({ type: 'text', text: 'mock(gemini) heard: via header' });
    expect(last(s.gemini.calls).url).toBe('/v1beta/models/gemini-3-flash-preview:generateContent');
  });

  test('multi-turn history: assistant → model, consecutive user turns merged, history ends with the user', async () => {
    await client.messages.create({
      model: 'gemini-2.5-flash',
      max_tokens: 32,
      messages: [
        { role: 'user', content: 'My name is Ada.' },
        { role: 'assistant', content: 'Hello Ada.' },
        { role: 'user', content: 'What is my name?' },
        { role: 'user', content: [{ type: 'text', text: '' }, { type: 'text', text: 'Answer briefly.' }] },
      ],
    });
    expect(last(s.gemini.calls).status).toBe(200);
    expect(contents()).toEqual([
      { role: 'user', parts: [{ text: 'My name is Ada.' }] },
      { role: 'model', parts: [{ text: 'Hello Ada.' }] },
      { role: 'user', parts: [{ text: 'What is my name?' }, { text: 'Answer briefly.' }] },
    ]);
  });
});

describe('Anthropic client → gemini-cli: media', () => {
  test('base64 images and PDFs become inlineData; an http image URL is fetched by aiproxy and inlined', async () => {
    const hitsBefore = images.hits();
    await client.messages.create({
      model: 'gemini-2.5-flash',
      max_tokens: 32,
      messages: [
        {
          role: 'user',
          content: [
            { type: 'text', text: 'Compare.' },
            { type: 'image', source: { type: 'base64', media_type: 'image/png', data: PNG_BASE64 } },
            { type: 'image', source: { type: 'url', url: `${images.url}/cat.png` } },
            { type: 'document', source: { type: 'base64', media_type: 'application/pdf', data: PDF_BASE64 } },
          ],
        },
      ],
    });
    expect(images.hits()).toBe(hitsBefore + 1);
    expect(last(s.gemini.calls).status).toBe(200);
    expect(contents()[0]!.parts).toEqual([
      { text: 'Compare.' },
      { inlineData: { mimeType: 'image/png', data: PNG_BASE64 } },
      { inlineData: { mimeType: 'image/png', data: PNG_BASE64 } },
      { inlineData: { mimeType: 'application/pdf', data: PDF_BASE64 } },
    ]);
  });

  test('an image URL that cannot be fetched is a 400 for the client, and nothing is sent upstream', async () => {
    const callsBefore = s.gemini.calls.length;
    const err = await client.messages
      .create({
        model: 'gemini-2.5-flash',
        max_tokens: 32,
        messages: [{ role: 'user', content: [{ type: 'image', source: { type: 'url', url: `${images.url}/missing.png` } }] }],
      })
      .catch((e: unknown) => e);
    expect(err).toBeInstanceOf(Anthropic.BadRequestError);
    expect((err as InstanceType<typeof Anthropic.APIError>).error).toMatchObject({ type: 'error', error: { type: 'invalid_request_error' } });
    expect(s.gemini.calls.length).toBe(callsBefore);
  });
});

describe('Anthropic client → gemini-cli: tools', () => {
  test('rich JSON-Schema declarations are cleaned to what Gemini accepts, keeping their meaning', async () => {
    await client.messages.create({
      model: 'gemini-2.5-flash',
      max_tokens: 32,
      tools: [EDIT_TOOL, WEATHER_TOOL],
      messages: [{ role: 'user', content: 'edit it' }],
    });
    expect(last(s.gemini.calls).status).toBe(200);
    const tools = lastBody(s.gemini.calls).tools as Array<{ functionDeclarations: Array<{ name: string; parameters: Record<string, unknown> }> }>;
    const [edit, weather] = tools[0]!.functionDeclarations;
    const keys = allKeys(edit!.parameters);
    for (const banned of ['$schema', '$defs', '$ref', 'additionalProperties', 'exclusiveMaximum', 'default']) expect(keys.has(banned)).toBe(false);
    expect(edit!.parameters).toMatchObject({
      type: 'OBJECT',
      required: ['path', 'edits'],
      properties: {
        mode: { type: 'STRING', enum: ['replace', 'append'] },
        edits: { type: 'ARRAY', minItems: 1, items: { type: 'OBJECT', required: ['old', 'new'], properties: { old: { type: 'STRING' }, new: { type: 'STRING' } } } },
        options: { type: 'OBJECT', properties: { dry_run: { type: 'BOOLEAN' }, encoding: { type: 'STRING', nullable: true } } },
        timeout_s: { type: 'INTEGER', nullable: true, minimum: 0 },
      },
    });
    // A format Gemini lacks is kept for the model as a hint, not sent as a field it would reject.
    const path = (edit!.parameters.properties as Record<string, Record<string, unknown>>).path!;
    expect(path.format).toBeUndefined();
    expect(path.description).toContain('uri-reference');
    expect(weather).toMatchObject({ name: 'get_weather', parameters: { type: 'OBJECT', required: ['city'] } });
  });

  test.each([
    [{ type: 'auto' } as const, { mode: 'AUTO' }],
    [{ type: 'any' } as const, { mode: 'ANY' }],
    [{ type: 'none' } as const, { mode: 'NONE' }],
    [{ type: 'tool', name: 'get_time' } as const, { mode: 'ANY', allowedFunctionNames: ['get_time'] }],
  ])('tool_choice %j → functionCallingConfig %j', async (choice, wanted) => {
    await client.messages.create({
      model: 'gemini-2.5-flash',
      max_tokens: 32,
      tools: [WEATHER_TOOL, TIME_TOOL],
      tool_choice: choice,
      messages: [{ role: 'user', content: 'go' }],
    });
    expect(last(s.gemini.calls).status).toBe(200);
    expect(lastBody(s.gemini.calls).toolConfig).toEqual({ functionCallingConfig: wanted });
  });

  test('parallel calls, non-streaming: synthesised unique ids, tool_use stop reason though Gemini said STOP', async () => {
    s.gemini.queue({ toolCalls: [{ name: 'get_weather', args: { city: 'Paris' } }, { name: 'get_time', args: { tz: 'CET' } }] });
    const msg = await client.messages.create({
      model: 'gemini-2.5-flash',
      max_tokens: 64,
      tools: [WEATHER_TOOL, TIME_TOOL],
      messages: [{ role: 'user', content: 'weather and time?' }],
    });
    expect(msg.stop_reason).toBe('tool_use');
    const calls = msg.content as Anthropic.ToolUseBlock[];
    expect(calls.map((c) => [c.type, c.name, c.input])).toEqual([
      ['tool_use', 'get_weather', { city: 'Paris' }],
      ['tool_use', 'get_time', { tz: 'CET' }],
    ]);
    expect(calls[0]!.id).toMatch(/^[A-Za-z0-9_-]+$/);
    expect(calls[0]!.id).not.toBe(calls[1]!.id);
  });

  test('an MCP tool name longer than Gemini takes (Claude Code allows 128) goes up shortened and comes back whole', async () => {
    const name = 'mcp__claude_ai_Google_Workspace__google_drive_search_documents_by_owner_and_date';
    expect(name.length).toBeGreaterThan(64);
    const tool = { name, description: 'Search Drive', input_schema: { type: 'object' as const, properties: { q: { type: 'string' } } } };
    s.gemini.queue({ toolCalls: [{ name: name.slice(0, 60), args: { q: 'budget' } }] });
    const msg = await client.messages.create({ model: 'gemini-2.5-flash', max_tokens: 64, tools: [tool], messages: [{ role: 'user', content: 'find it' }] });
    const call = msg.content[0] as Anthropic.ToolUseBlock;
    expect([msg.stop_reason, call.name, call.input]).toEqual(['tool_use', name, { q: 'budget' }]);
    const declared = (lastBody(s.gemini.calls).tools as Array<{ functionDeclarations: Array<{ name: string }> }>)[0]!.functionDeclarations[0]!.name;
    expect(declared.length).toBeLessThanOrEqual(64);

    // The tool loop's next turn: history with the long name reaches Gemini under the same short one.
    s.gemini.queue({ text: 'Found it.' });
    const next = await client.messages.create({
      model: 'gemini-2.5-flash',
      max_tokens: 64,
      tools: [tool],
      messages: [
        { role: 'user', content: 'find it' },
        { role: 'assistant', content: [call] },
        { role: 'user', content: [{ type: 'tool_result', tool_use_id: call.id, content: 'budget.xlsx' }] },
      ],
    });
    expect(next.content).toMatchObject([{ type: 'text', text: 'Found it.' }]);
    expect(contents()[1]!.parts[0]!.functionCall!.name).toBe(declared);
  });

  test('parallel calls, streaming: whole tool_use blocks with their input in input_json_delta', async () => {
    s.gemini.queue({ text: 'Checking.', toolCalls: [{ name: 'get_weather', args: { city: 'Zürich' } }, { name: 'get_time', args: { tz: 'Asia/Tokyo' } }] });
    const { events, final } = await streamAll(client, {
      model: 'gemini-2.5-flash',
      max_tokens: 64,
      tools: [WEATHER_TOOL, TIME_TOOL],
      messages: [{ role: 'user', content: 'go' }],
    });
    expectWellFormed(events);
    expect(final.stop_reason).toBe('tool_use');
    expect(final.content.map((b) => b.type)).toEqual(['text', 'tool_use', 'tool_use']);
    expect(final.content[1]).toMatchObject({ name: 'get_weather', input: { city: 'Zürich' } });
    expect(final.content[2]).toMatchObject({ name: 'get_time', input: { tz: 'Asia/Tokyo' } });
  });

  for (const model of ['gemini-2.5-flash', 'gemini-3-flash-preview']) {
    for (const streaming of [false, true]) {
      test(`full tool loop on ${model} (${streaming ? 'streaming' : 'non-streaming'}): named responses in call order, signatures carried back`, async () => {
        const tools = [WEATHER_TOOL, TIME_TOOL];
        const ask = async (messages: Anthropic.MessageParam[]): Promise<Anthropic.Message> => {
          const params = { model, max_tokens: 128, tools, messages };
          return streaming ? (await streamAll(client, params)).final : client.messages.create(params);
        };
        const history: Anthropic.MessageParam[] = [{ role: 'user', content: 'Weather and time in Paris?' }];

        s.gemini.queue({ toolCalls: [{ name: 'get_weather', args: { city: 'Paris' } }, { name: 'get_time', args: { tz: 'Europe/Paris' } }] });
        const turn1 = await ask(history);
        expect(turn1.stop_reason).toBe('tool_use');
        const [weather, time] = turn1.content as Anthropic.ToolUseBlock[];
        history.push({ role: 'assistant', content: turn1.content });
        history.push({
          role: 'user',
          content: [
            { type: 'tool_result', tool_use_id: time!.id, content: [{ type: 'text', text: '14:05' }] },
            { type: 'tool_result', tool_use_id: weather!.id, content: 'service down', is_error: true },
            { type: 'text', text: 'Summarise, please.' },
          ],
        });

        s.gemini.queue({ text: 'It is 14:05; the weather service is down.' });
        const turn2 = await ask(history);
        // The strict mock accepted the history: call/response adjacency, counts, names and signatures.
        expect(last(s.gemini.calls).status).toBe(200);
        expect(turn2.stop_reason).toBe('end_turn');
        expect(turn2.content).toMatchObject([{ type: 'text', text: 'It is 14:05; the weather service is down.' }]);
        const sent = contents();
        expect(sent.map((c) => c.role)).toEqual(['user', 'model', 'user']);
        expect(sent[1]!.parts.map((p) => p.functionCall)).toEqual([
          { name: 'get_weather', args: { city: 'Paris' } },
          { name: 'get_time', args: { tz: 'Europe/Paris' } },
        ]);
        // The signature Gemini issued on the first call comes back, not the bypass value.
        const signature = sent[1]!.parts[0]!.thoughtSignature;
        expect(signature).toBeDefined();
        expect(signature).not.toBe(SKIP_SIGNATURE);
        expect(s.gemini.issuedSignatures.has(signature!)).toBe(true);
        // Responses in call order, named, objects; the text the user added comes after them.
        expect(sent[2]!.parts).toEqual([
          { functionResponse: { name: 'get_weather', response: { error: 'service down' } } },
          { functionResponse: { name: 'get_time', response: { output: '14:05' } } },
          { text: 'Summarise, please.' },
        ]);

        // A third turn replays the same calls under the same ids; Gemini still sees a valid history.
        history.push({ role: 'assistant', content: turn2.content }, { role: 'user', content: 'Thanks!' });
        await ask(history);
        expect(last(s.gemini.calls).status).toBe(200);
        expect(contents().map((c) => c.role)).toEqual(['user', 'model', 'user', 'model', 'user']);
      });
    }
  }

  test('gemini-3 returning its own call ids: the ids reach the client and the signature still comes back', async () => {
    const gemini = await startGeminiMock({ functionCallIds: true });
    const proxy = await startProxy(['--model-provider', 'gemini-cli', '--gemini-base-url', gemini.url, '--gemini-api-key', gemini.key]);
    try {
      const withIds = new Anthropic({ apiKey: proxy.key, baseURL: proxy.url, maxRetries: 0 });
      const params = { model: 'gemini-3-flash-preview', max_tokens: 64, tools: [WEATHER_TOOL] };
      const history: Anthropic.MessageParam[] = [{ role: 'user', content: 'Weather in Oslo?' }];
      gemini.queue({ toolCalls: [{ name: 'get_weather', args: { city: 'Oslo' } }] });
      const turn1 = await withIds.messages.create({ ...params, messages: history });
      const call = turn1.content[0] as Anthropic.ToolUseBlock;
      expect(call.id).toMatch(/^[a-z0-9]{8}$/);
      history.push({ role: 'assistant', content: turn1.content }, { role: 'user', content: [{ type: 'tool_result', tool_use_id: call.id, content: '-3C' }] });
      await withIds.messages.create({ ...params, messages: history });
      expect(last(gemini.calls).status).toBe(200);
      const sent = (lastBody(gemini.calls).contents as GeminiContent[])[1]!.parts[0]!;
      expect(sent.functionCall).toMatchObject({ name: 'get_weather', args: { city: 'Oslo' } });
      expect(gemini.issuedSignatures.has(sent.thoughtSignature ?? '')).toBe(true);
    } finally {
      await Promise.all([proxy.stop(), gemini.stop()]);
    }
  });

  test('gemini-3: a tool_use from history aiproxy never saw gets the documented bypass signature', async () => {
    await client.messages.create({
      model: 'gemini-3-flash-preview',
      max_tokens: 64,
      tools: [WEATHER_TOOL],
      messages: [
        { role: 'user', content: 'Weather?' },
        { role: 'assistant', content: [{ type: 'tool_use', id: 'toolu_01FromElsewhere', name: 'get_weather', input: { city: 'Oslo' } }] },
        { role: 'user', content: [{ type: 'tool_result', tool_use_id: 'toolu_01FromElsewhere', content: '-3C' }] },
      ],
    });
    expect(last(s.gemini.calls).status).toBe(200);
    expect(contents()[1]!.parts[0]).toEqual({ functionCall: { name: 'get_weather', args: { city: 'Oslo' } }, thoughtSignature: SKIP_SIGNATURE });
  });

  test('an Anthropic thinking signature is never forwarded to Gemini', async () => {
    await client.messages.create({
      model: 'gemini-3-flash-preview',
      max_tokens: 64,
      tools: [WEATHER_TOOL],
      messages: [
        { role: 'user', content: 'Weather?' },
        {
          role: 'assistant',
          content: [
            { type: 'thinking', thinking: 'I should call the tool.', signature: 'EqQBCkYIARgCIkBanthropicSignature==' },
            { type: 'tool_use', id: 'toolu_02Elsewhere', name: 'get_weather', input: { city: 'Oslo' } },
          ],
        },
        { role: 'user', content: [{ type: 'tool_result', tool_use_id: 'toolu_02Elsewhere', content: '-3C' }] },
      ],
    });
    expect(last(s.gemini.calls).status).toBe(200);
    const model = contents()[1]!;
    expect(model.parts).toEqual([{ functionCall: { name: 'get_weather', args: { city: 'Oslo' } }, thoughtSignature: SKIP_SIGNATURE }]);
  });
});

describe('Anthropic client → gemini-cli: structured output and odd histories', () => {
  test('output_config.format json_schema → responseMimeType + responseJsonSchema', async () => {
    const schema = { type: 'object', properties: { answer: { type: 'string' } }, required: ['answer'], additionalProperties: false };
    s.gemini.queue({ text: '{"answer":"42"}' });
    const msg = await client.messages.create({
      model: 'gemini-2.5-flash',
      max_tokens: 64,
      output_config: { format: { type: 'json_schema', schema } },
      messages: [{ role: 'user', content: 'answer in JSON' }],
    });
    expect(last(s.gemini.calls).status).toBe(200);
    expect(lastBody(s.gemini.calls).generationConfig).toMatchObject({ responseMimeType: 'application/json', responseJsonSchema: schema });
    expect(msg.content[0]).toMatchObject({ type: 'text', text: '{"answer":"42"}' });
  });

  test('a call the client never answered still gets a response part, so Gemini accepts the history', async () => {
    await client.messages.create({
      model: 'gemini-2.5-flash',
      max_tokens: 64,
      tools: [WEATHER_TOOL, TIME_TOOL],
      messages: [
        { role: 'user', content: 'both?' },
        {
          role: 'assistant',
          content: [
            { type: 'text', text: 'Checking both.' },
            { type: 'tool_use', id: 'toolu_01A', name: 'get_weather', input: { city: 'Rome' } },
            { type: 'tool_use', id: 'toolu_01B', name: 'get_time', input: {} },
          ],
        },
        { role: 'user', content: [{ type: 'tool_result', tool_use_id: 'toolu_01A', content: '{"sky":"sunny","temp_c":24}' }] },
      ],
    });
    expect(last(s.gemini.calls).status).toBe(200);
    const [, model, results] = contents();
    expect(model!.parts.map((p) => p.functionCall?.name ?? p.text)).toEqual(['Checking both.', 'get_weather', 'get_time']);
    expect(results!.parts.map((p) => p.functionResponse?.name)).toEqual(['get_weather', 'get_time']);
    // A JSON object result is passed as the response object itself.
    expect(results!.parts[0]!.functionResponse!.response).toEqual({ sky: 'sunny', temp_c: 24 });
  });

  test('Anthropic server tools are not sent to Gemini', async () => {
    await client.messages.create({
      model: 'gemini-2.5-flash',
      max_tokens: 64,
      tools: [WEATHER_TOOL, { type: 'web_search_20250305', name: 'web_search', max_uses: 3 }],
      messages: [{ role: 'user', content: 'search' }],
    });
    expect(last(s.gemini.calls).status).toBe(200);
    expect(lastBody(s.gemini.calls).tools).toEqual([
      { functionDeclarations: [{ name: 'get_weather', description: 'Current weather for a city.', parameters: expect.any(Object) }] },
    ]);
  });
});

describe('Anthropic client → gemini-cli: thinking', () => {
  test('2.5: budget_tokens → thinkingBudget with includeThoughts; thought parts come back as a thinking block', async () => {
    s.gemini.queue({ thinking: 'Let me think… 考える', text: 'Forty-two.' });
    const msg = await client.messages.create({
      model: 'gemini-2.5-flash',
      max_tokens: 4096,
      thinking: { type: 'enabled', budget_tokens: 2048 },
      messages: [{ role: 'user', content: 'Meaning of life?' }],
    });
    expect((lastBody(s.gemini.calls).generationConfig as Record<string, unknown>).thinkingConfig).toEqual({ thinkingBudget: 2048, includeThoughts: true });
    expect(msg.content.map((b) => b.type)).toEqual(['thinking', 'text']);
    expect(msg.content[0]).toMatchObject({ thinking: 'Let me think… 考える' });
    expect(msg.content[1]).toMatchObject({ text: 'Forty-two.' });
  });

  test('3: streaming, thinking → thinkingLevel; thought deltas in their own block, never in the answer text', async () => {
    s.gemini.queue({ thinking: 'Step one. Step two.', text: 'Done.' });
    const { events, final, text } = await streamAll(client, {
      model: 'gemini-3-flash-preview',
      max_tokens: 4096,
      thinking: { type: 'enabled', budget_tokens: 16000 },
      messages: [{ role: 'user', content: 'think' }],
    });
    expectWellFormed(events);
    expect((lastBody(s.gemini.calls).generationConfig as Record<string, unknown>).thinkingConfig).toEqual({ thinkingLevel: 'HIGH', includeThoughts: true });
    expect(text).toBe('Done.');
    expect(final.content.map((b) => b.type)).toEqual(['thinking', 'text']);
    expect(final.content[0]).toMatchObject({ thinking: 'Step one. Step two.' });
  });

  test('adaptive with display omitted → dynamic budget, thoughts not requested', async () => {
    s.gemini.queue({ thinking: 'hidden', text: 'visible' });
    const msg = await client.messages.create({
      model: 'gemini-2.5-flash',
      max_tokens: 64,
      thinking: { type: 'adaptive', display: 'omitted' },
      messages: [{ role: 'user', content: 'quick' }],
    });
    expect((lastBody(s.gemini.calls).generationConfig as Record<string, unknown>).thinkingConfig).toEqual({ thinkingBudget: -1, includeThoughts: false });
    expect(msg.content.map((b) => b.type)).toEqual(['text']);
  });

  test('the current SDK\'s thinking {type:"between_tools"} is accepted and asks Gemini to think', async () => {
    await client.messages.create({
      model: 'gemini-2.5-flash',
      max_tokens: 64,
      thinking: { type: 'between_tools' },
      tools: [WEATHER_TOOL],
      messages: [{ role: 'user', content: 'weather?' }],
    });
    expect(last(s.gemini.calls).status).toBe(200);
    expect((lastBody(s.gemini.calls).generationConfig as Record<string, unknown>).thinkingConfig).toEqual({ thinkingBudget: -1, includeThoughts: true });
  });

  test('thinking disabled → budget 0 on 2.5-flash', async () => {
    await client.messages.create({
      model: 'gemini-2.5-flash',
      max_tokens: 64,
      thinking: { type: 'disabled' },
      messages: [{ role: 'user', content: 'quick' }],
    });
    expect(last(s.gemini.calls).status).toBe(200);
    expect((lastBody(s.gemini.calls).generationConfig as Record<string, unknown>).thinkingConfig).toEqual({ thinkingBudget: 0 });
  });
});

describe('Anthropic client → gemini-cli: finish reasons and usage', () => {
  test('MAX_TOKENS → max_tokens, non-streaming and streaming', async () => {
    s.gemini.queue({ text: 'cut short', finish: 'MAX_TOKENS' }, { text: 'cut short', finish: 'MAX_TOKENS' });
    const msg = await client.messages.create({ model: 'gemini-2.5-flash', max_tokens: 2, messages: [{ role: 'user', content: 'x' }] });
    expect(msg.stop_reason).toBe('max_tokens');
    const { final } = await streamAll(client, { model: 'gemini-2.5-flash', max_tokens: 2, messages: [{ role: 'user', content: 'x' }] });
    expect(final.stop_reason).toBe('max_tokens');
  });

  test('SAFETY → refusal', async () => {
    s.gemini.queue({ text: 'I', finish: 'SAFETY' });
    const msg = await client.messages.create({ model: 'gemini-2.5-flash', max_tokens: 8, messages: [{ role: 'user', content: 'x' }] });
    expect(msg.stop_reason).toBe('refusal');
  });

  test('usage the mock computes reaches the client unchanged, streamed or not', async () => {
    const params = { model: 'gemini-2.5-flash', max_tokens: 64, system: 'Count carefully.', messages: [{ role: 'user' as const, content: 'How many tokens is this?' }] };
    const msg = await client.messages.create(params);
    const expected = estimateTokens(promptChars(lastBody(s.gemini.calls)));
    expect(msg.usage.input_tokens).toBe(expected);
    expect(msg.usage.output_tokens).toBe(estimateTokens((msg.content[0] as Anthropic.TextBlock).text.length));
    const { final, events } = await streamAll(client, params);
    const start = events[0]!;
    // Gemini reports the prompt in its first chunk, so message_start already has it.
    expect(start.type === 'message_start' && start.message.usage.input_tokens).toBe(expected);
    expect(final.usage).toMatchObject({ input_tokens: expected, output_tokens: msg.usage.output_tokens });
  });

  test('usage: cached tokens leave input_tokens, thoughts count as output (§6.6)', async () => {
    const usage = { input: 120, output: 45, cached: 100, reasoning: 20 };
    s.gemini.queue({ thinking: 'hmm', text: 'a', usage }, { thinking: 'hmm', text: 'b', usage });
    const params = {
      model: 'gemini-2.5-flash',
      max_tokens: 2048,
      thinking: { type: 'enabled' as const, budget_tokens: 1024 },
      messages: [{ role: 'user' as const, content: 'x' }],
    };
    const msg = await client.messages.create(params);
    expect(msg.usage).toMatchObject({ input_tokens: 20, cache_read_input_tokens: 100, cache_creation_input_tokens: 0, output_tokens: 45 });
    const { final } = await streamAll(client, params);
    expect(final.usage).toMatchObject({ input_tokens: 20, cache_read_input_tokens: 100, output_tokens: 45 });
  });
});

describe('Anthropic client → gemini-cli: count_tokens', () => {
  test('uses Gemini countTokens (wrapped with system and tools) and reports its total', async () => {
    const res = await client.messages.countTokens({
      model: 'gemini-2.5-flash',
      system: 'You are a helpful assistant.',
      tools: [EDIT_TOOL],
      messages: [{ role: 'user', content: 'Count me, 你好.' }],
    });
    const call = last(s.gemini.calls);
    expect(call.url).toBe('/v1beta/models/gemini-2.5-flash:countTokens');
    expect(call.status).toBe(200);
    const inner = (call.body as { generateContentRequest: Record<string, unknown> }).generateContentRequest;
    expect(inner.model).toBe('models/gemini-2.5-flash');
    expect(res.input_tokens).toBe(estimateTokens(promptChars(inner)));
  });

  test('an http image URL is fetched and inlined for counting too (Gemini cannot fetch it)', async () => {
    const hitsBefore = images.hits();
    const res = await client.messages.countTokens({
      model: 'gemini-2.5-flash',
      messages: [{ role: 'user', content: [{ type: 'text', text: 'What is this?' }, { type: 'image', source: { type: 'url', url: `${images.url}/cat.png` } }] }],
    });
    expect(last(s.gemini.calls).status).toBe(200);
    expect(images.hits()).toBe(hitsBefore + 1);
    expect(lastBody(s.gemini.calls)).toEqual({
      contents: [{ role: 'user', parts: [{ text: 'What is this?' }, { inlineData: { mimeType: 'image/png', data: PNG_BASE64 } }] }],
    });
    expect(res.input_tokens).toBe(estimateTokens(promptChars(lastBody(s.gemini.calls))));
  });

  test('plain messages use the bare contents form', async () => {
    const res = await client.messages.countTokens({ model: 'gemini-2.5-flash', messages: [{ role: 'user', content: 'hello there' }] });
    const body = lastBody(s.gemini.calls);
    expect(body).toEqual({ contents: [{ role: 'user', parts: [{ text: 'hello there' }] }] });
    expect(res.input_tokens).toBe(estimateTokens(promptChars(body)));
  });
});
