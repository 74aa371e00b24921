import { afterAll, beforeAll, describe, expect, test } from 'bun:test';
import { FinishReason, GoogleGenAI, Type } from '@google/genai';
import { isRecord } from '../../src/util/json.ts';
import { startAnthropicMock } from '../helpers/mocks/anthropic-mock.ts';
import type { MockServer } from '../helpers/mocks/types.ts';
import { startProxy, type TestProxy } from '../helpers/proxy.ts';
import { startStack, type Stack } from '../helpers/stack.ts';
import { collect, geminiClient, lastBody, lastCall, MULTIBYTE, PNG_1X1, UPSTREAMS } from './gemini-client-helpers.ts';

let s: Stack;
let imageServer: ReturnType<typeof Bun.serve>;
beforeAll(async () => {
  s = await startStack();
  // A remote image for fileData parts; only a Gemini upstream would need it fetched.
  imageServer = Bun.serve({
    hostname: '127.0.0.1',
    port: 0,
    fetch: () => new Response(Buffer.from(PNG_1X1, 'base64'), { headers: { 'content-type': 'image/png' } }),
  });
});
afterAll(async () => {
  await imageServer.stop(true);
  await s.stop();
});

/** Messages as the OpenAI mock got them, or Anthropic turns as the Anthropic mock got them. */
const upstreamMessages = (body: Record<string, unknown>): Array<Record<string, unknown>> =>
  (Array.isArray(body.messages) ? body.messages : []).filter(isRecord);

/** The text of one upstream message, whatever its shape (string, OpenAI parts, Anthropic blocks). */
function messageText(m: Record<string, unknown>): string {
  if (typeof m.content === 'string') return m.content;
  if (!Array.isArray(m.content)) return '';
  return m.content
    .filter(isRecord)
    .map((b) => (typeof b.text === 'string' ? b.text : ''))
    .join('');
}

/** One SSE event as @google/genai 1.x finds it: at the start of what it has not read yet. */
const GENAI_1X_EVENT = /^\s*data: (.*)(?:\n\n|\r\r|\r\n\r\n)/;

describe.each(UPSTREAMS)('Gemini SDK → $provider: text, system, history, media', (up) => {
  test('generateContent: the answer text, STOP and usage reach the client; the upstream got the user text', async () => {
    const g = geminiClient(s, up.provider);
    const res = await g.models.generateContent({ model: up.model, contents: 'Hello 你好' });
    expect(res.text).toBe(`mock(${up.heard}) heard: Hello 你好`);
    expect(res.candidates?.[0]?.finishReason).toBe(FinishReason.STOP);
    const u = res.usageMetadata!;
    expect(u.promptTokenCount).toBeGreaterThan(0);
    expect(u.candidatesTokenCount).toBeGreaterThan(0);
    expect(u.totalTokenCount).toBe(u.promptTokenCount! + u.candidatesTokenCount! + (u.thoughtsTokenCount ?? 0));
    const body = lastBody(up.mock(s));
    expect(body.model).toBe(up.model);
    expect(upstreamMessages(body).map((m) => [m.role, messageText(m)])).toEqual([['user', 'Hello 你好']]);
  });

  test('routing by X-Model-Provider header reaches the same upstream', async () => {
    const before = up.mock(s).calls.length;
    const res = await geminiClient(s, up.provider, 'header').models.generateContent({ model: up.model, contents: 'via header' });
    expect(res.text).toBe(`mock(${up.heard}) heard: via header`);
    expect(up.mock(s).calls.length).toBe(before + 1);
  });

  test("with apiVersion '' (Roo Code's Gemini provider on a custom base URL) the versionless paths work, streaming and not", async () => {
    // The SDK then asks for {baseUrl}/models/{model}:generateContent, with no /v1beta.
    const g = new GoogleGenAI({
      apiKey: s.proxy.key,
      httpOptions: { baseUrl: s.proxy.url, apiVersion: '', headers: { 'x-model-provider': up.provider } },
    });
    const res = await g.models.generateContent({ model: up.model, contents: 'no version' });
    expect(res.text).toBe(`mock(${up.heard}) heard: no version`);
    const streamed = await collect(await g.models.generateContentStream({ model: up.model, contents: 'no version, streamed' }));
    expect(streamed.text).toBe(`mock(${up.heard}) heard: no version, streamed`);
  });

  test('systemInstruction becomes the upstream system prompt; sampling settings carry over', async () => {
    const g = geminiClient(s, up.provider);
    await g.models.generateContent({
      model: up.model,
      contents: 'hi',
      config: { systemInstruction: 'Be terse. 簡潔に。', temperature: 0, topP: 0.5, maxOutputTokens: 77, stopSequences: ['###'] },
    });
    const body = lastBody(up.mock(s));
    if (up.provider === 'openai-custom') {
      expect(upstreamMessages(body)[0]).toEqual({ role: 'system', content: 'Be terse. 簡潔に。' });
      expect(body).toMatchObject({ temperature: 0, top_p: 0.5, max_tokens: 77, stop: ['###'] });
    } else {
      expect(body.system).toEqual([{ type: 'text', text: 'Be terse. 簡潔に。' }]);
      expect(body).toMatchObject({ temperature: 0, max_tokens: 77, stop_sequences: ['###'] });
      expect(body).not.toHaveProperty('top_p'); // never with temperature: Claude 4.5 and later refuse both
    }
  });

  test('JSON output: responseJsonSchema and plain JSON mode reach the upstream in its own form', async () => {
    const g = geminiClient(s, up.provider);
    const schema = { type: 'object', properties: { answer: { type: 'string' } }, required: ['answer'] };
    await g.models.generateContent({
      model: up.model,
      contents: 'json please',
      config: { responseMimeType: 'application/json', responseJsonSchema: schema, seed: 7, presencePenalty: 0.5, candidateCount: 1 },
    });
    const withSchema = lastBody(up.mock(s));
    await g.models.generateContent({ model: up.model, contents: 'json please', config: { responseMimeType: 'application/json' } });
    const plain = lastBody(up.mock(s));
    if (up.provider === 'openai-custom') {
      expect(withSchema).toMatchObject({ response_format: { type: 'json_schema', json_schema: { schema } }, seed: 7, presence_penalty: 0.5, n: 1 });
      expect(plain.response_format).toEqual({ type: 'json_object' });
    } else {
      // Anthropic has no seed, penalties or n: they are dropped rather than rejected upstream.
      // Anthropic's structured outputs take only closed objects (output-schema.ts).
      expect(withSchema.output_config).toEqual({ format: { type: 'json_schema', schema: { ...schema, additionalProperties: false } } });
      expect(Object.keys(withSchema)).not.toContain('seed');
      expect(JSON.stringify(plain.system)).toContain('JSON');
    }
  });

  test('enum output (text/x.enum): the upstream is held to the values by structured output, the client gets the bare value, streaming or not', async () => {
    const g = geminiClient(s, up.provider);
    const values = ['POSITIVE', 'NEGATIVE', 'NEUTRAL'];
    const config = { responseMimeType: 'text/x.enum', responseSchema: { type: Type.STRING, enum: values } };
    const wrapped = { type: 'object', properties: { value: { type: 'string', enum: values } }, required: ['value'], additionalProperties: false };
    // What the upstream answers under that schema.
    up.mock(s).queue({ text: '{"value":"NEGATIVE"}' });
    const res = await g.models.generateContent({ model: up.model, contents: 'The food was cold.', config });
    expect(res.text).toBe('NEGATIVE');
    const body = lastBody(up.mock(s));
    if (up.provider === 'openai-custom') {
      expect(body.response_format).toEqual({ type: 'json_schema', json_schema: { name: 'enum_answer', schema: wrapped, strict: true } });
    } else {
      expect(body.output_config).toEqual({ format: { type: 'json_schema', schema: wrapped } });
    }
    up.mock(s).queue({ text: '{"value": "POSITIVE"}', splitBytes: 3 });
    const streamed = await collect(await g.models.generateContentStream({ model: up.model, contents: 'Lovely!', config }));
    expect(streamed.text).toBe('POSITIVE');
    expect(streamed.chunks.at(-1)?.candidates?.[0]?.finishReason).toBe(FinishReason.STOP);
  });

  test('generateContentStream: multi-byte text split every two bytes arrives whole, last chunk has STOP and usage', async () => {
    up.mock(s).queue({ text: MULTIBYTE, splitBytes: 2 });
    const g = geminiClient(s, up.provider);
    const { text, chunks } = await collect(await g.models.generateContentStream({ model: up.model, contents: 'hi' }));
    expect(text).toBe(MULTIBYTE);
    const last = chunks.at(-1)!;
    expect(last.candidates?.[0]?.finishReason).toBe(FinishReason.STOP);
    expect(last.usageMetadata?.candidatesTokenCount).toBeGreaterThan(0);
    // Only the last chunk finishes.
    expect(chunks.slice(0, -1).every((c) => c.candidates?.[0]?.finishReason === undefined)).toBe(true);
    expect(lastBody(up.mock(s)).stream).toBe(true);
  });

  // JSON.stringify leaves U+2028/U+2029 raw; @google/genai 1.x (the Gemini CLI's) reads an event as
  // /^\s*data: (.*)(?:\n\n|\r\r|\r\n\r\n)/, whose `.` stops at them, and then read nothing more.
  test('generateContentStream: U+2028 and U+2029 in text and call arguments do not end the stream for genai 1.x', async () => {
    const odd = 'one\u2028two\u2029three';
    up.mock(s).queue({ text: odd, toolCalls: [{ name: 'note', args: { text: odd } }] });
    const res = await fetch(`${s.proxy.url}/${up.provider}/v1beta/models/${up.model}:streamGenerateContent?alt=sse`, {
      method: 'POST',
      headers: { 'x-goog-api-key': s.proxy.key, 'content-type': 'application/json' },
      body: JSON.stringify({ contents: [{ role: 'user', parts: [{ text: 'hi' }] }], tools: [{ functionDeclarations: [{ name: 'note', parametersJsonSchema: { type: 'object' } }] }] }),
    });
    let rest = await res.text();
    const parts: Array<{ text?: string; functionCall?: { args?: { text?: string } } }> = [];
    for (let m = GENAI_1X_EVENT.exec(rest); m; m = GENAI_1X_EVENT.exec(rest)) {
      parts.push(...(JSON.parse(m[1]!) as { candidates: Array<{ content: { parts: typeof parts } }> }).candidates[0]!.content.parts);
      rest = rest.slice(m[0].length);
    }
    expect(rest).toBe('');
    expect(parts.map((p) => p.text ?? '').join('')).toBe(odd);
    expect(parts.find((p) => p.functionCall)?.functionCall?.args?.text).toBe(odd);
  });

  test('chats: a multi-turn conversation carries the whole history, non-streaming and streaming turns alike', async () => {
    const g = geminiClient(s, up.provider);
    const chat = g.chats.create({ model: up.model, config: { systemInstruction: 'You remember names.' } });
    const r1 = await chat.sendMessage({ message: 'My name is Ada.' });
    expect(r1.text).toBe(`mock(${up.heard}) heard: My name is Ada.`);
    // A streamed turn: the SDK records each chunk as its own model content.
    up.mock(s).queue({ text: 'Nice to meet you, Ada. 🙂' });
    const streamed = await collect(await chat.sendMessageStream({ message: 'Remember it.' }));
    expect(streamed.text).toBe('Nice to meet you, Ada. 🙂');
    const r3 = await chat.sendMessage({ message: 'What is my name?' });
    expect(r3.text).toBe(`mock(${up.heard}) heard: What is my name?`);

    const turns = upstreamMessages(lastBody(up.mock(s)))
      .filter((m) => m.role !== 'system')
      .map((m) => [m.role, messageText(m)]);
    expect(turns).toEqual([
      ['user', 'My name is Ada.'],
      ['assistant', `mock(${up.heard}) heard: My name is Ada.`],
      ['user', 'Remember it.'],
      ['assistant', 'Nice to meet you, Ada. 🙂'],
      ['user', 'What is my name?'],
    ]);
  });

  test('history that opens with a model turn and repeats roles is made acceptable to the upstream', async () => {
    const g = geminiClient(s, up.provider);
    const res = await g.models.generateContent({
      model: up.model,
      contents: [
        { role: 'model', parts: [{ text: 'How can I help?' }] },
        { role: 'user', parts: [{ text: 'one' }] },
        { role: 'user', parts: [{ text: '' }, { text: 'two' }] },
      ],
    });
    expect(res.text).toContain('two');
    expect(lastCall(up.mock(s)).status).toBe(200);
  });

  test('images and PDFs: inlineData becomes the upstream’s base64 form; fileData URLs stay URLs', async () => {
    const g = geminiClient(s, up.provider);
    const imageUrl = `http://127.0.0.1:${imageServer.port}/cat.png`;
    await g.models.generateContent({
      model: up.model,
      contents: [
        {
          role: 'user',
          parts: [
            { text: 'What is in these?' },
            { inlineData: { mimeType: 'image/png', data: PNG_1X1 } },
            { fileData: { mimeType: 'image/png', fileUri: imageUrl } },
            { inlineData: { mimeType: 'application/pdf', data: 'JVBERi0xLjQK' } },
          ],
        },
      ],
    });
    const content = upstreamMessages(lastBody(up.mock(s)))[0]!.content;
    if (up.provider === 'openai-custom') {
      expect(content).toEqual([
        { type: 'text', text: 'What is in these?' },
        { type: 'image_url', image_url: { url: `data:image/png;base64,${PNG_1X1}` } },
        { type: 'image_url', image_url: { url: imageUrl } },
        { type: 'file', file: { file_data: 'data:application/pdf;base64,JVBERi0xLjQK', filename: 'document.pdf' } },
      ]);
    } else {
      expect(content).toEqual([
        { type: 'text', text: 'What is in these?' },
        { type: 'image', source: { type: 'base64', media_type: 'image/png', data: PNG_1X1 } },
        { type: 'image', source: { type: 'url', url: imageUrl } },
        { type: 'document', source: { type: 'base64', media_type: 'application/pdf', data: 'JVBERi0xLjQK' } },
      ]);
    }
  });

  test('a length cut reaches the client as MAX_TOKENS, streaming and not', async () => {
    const g = geminiClient(s, up.provider);
    const finish = up.provider === 'openai-custom' ? 'length' : 'max_tokens';
    up.mock(s).queue({ text: 'cut sho', finish }, { text: 'cut sho', finish });
    const res = await g.models.generateContent({ model: up.model, contents: 'long story', config: { maxOutputTokens: 3 } });
    expect(res.candidates?.[0]?.finishReason).toBe(FinishReason.MAX_TOKENS);
    expect(res.text).toBe('cut sho');
    const { chunks, text } = await collect(
      await g.models.generateContentStream({ model: up.model, contents: 'long story', config: { maxOutputTokens: 3 } }),
    );
    expect(text).toBe('cut sho');
    expect(chunks.at(-1)?.candidates?.[0]?.finishReason).toBe(FinishReason.MAX_TOKENS);
  });

  test('usage per protocols.md §6.6: cached and reasoning tokens land in Gemini’s fields, streaming and not', async () => {
    const g = geminiClient(s, up.provider);
    const usage = { input: 120, output: 40, cached: 30, reasoning: 10 };
    up.mock(s).queue({ text: 'ok', usage }, { text: 'ok', usage });
    const res = await g.models.generateContent({ model: up.model, contents: 'count' });
    const { chunks } = await collect(await g.models.generateContentStream({ model: up.model, contents: 'count' }));
    for (const u of [res.usageMetadata!, chunks.at(-1)!.usageMetadata!]) {
      expect(u.promptTokenCount).toBe(120);
      expect(u.cachedContentTokenCount).toBe(30);
      expect(u.totalTokenCount).toBe(160);
      if (up.provider === 'openai-custom') {
        // OpenAI reports reasoning inside completion tokens; Gemini counts thoughts apart from candidates.
        expect(u.thoughtsTokenCount).toBe(10);
        expect(u.candidatesTokenCount).toBe(30);
      } else {
        // Anthropic does not split thinking out of output_tokens.
        expect(u.candidatesTokenCount! + (u.thoughtsTokenCount ?? 0)).toBe(40);
      }
    }
  });

  test("a REST body written as Google's cookbook writes it: lone objects for lists, enum names in lower case", async () => {
    // google-gemini/cookbook quickstarts/rest/Function_calling_config_REST.ipynb; the Gemini API answers it.
    const res = await fetch(`${s.proxy.url}/${up.provider}/v1beta/models/${up.model}:generateContent`, {
      method: 'POST',
      headers: { 'x-goog-api-key': s.proxy.key, 'content-type': 'application/json' },
      body: JSON.stringify({
        system_instruction: { parts: { text: 'You are a lighting bot.' } },
        tools: { function_declarations: { name: 'set_light_color', parameters: { type: 'object', properties: { rgb_hex: { type: 'string' } } } } },
        tool_config: { function_calling_config: { mode: 'any', allowed_function_names: ['set_light_color'] } },
        contents: { role: 'user', parts: { text: 'Make this place PURPLE!' } },
      }),
    });
    expect(res.status).toBe(200);
    const body = lastBody(up.mock(s));
    if (up.provider === 'openai-custom') {
      expect(upstreamMessages(body).map((m) => [m.role, messageText(m)])).toEqual([
        ['system', 'You are a lighting bot.'],
        ['user', 'Make this place PURPLE!'],
      ]);
      expect(body.tool_choice).toEqual({ type: 'function', function: { name: 'set_light_color' } });
    } else {
      expect(body.system).toEqual([{ type: 'text', text: 'You are a lighting bot.' }]);
      expect(upstreamMessages(body).map((m) => [m.role, messageText(m)])).toEqual([['user', 'Make this place PURPLE!']]);
      expect(body.tool_choice).toEqual({ type: 'tool', name: 'set_light_color' });
    }
  });

  test('countTokens answers with a positive total', async () => {
    const g = geminiClient(s, up.provider);
    const before = up.mock(s).calls.length;
    const res = await g.models.countTokens({ model: up.model, contents: 'How many tokens is this sentence, roughly?' });
    expect(res.totalTokens).toBeGreaterThan(0);
    if (up.provider === 'claude-custom') {
      // Anthropic has a counter: the proxy asks it and relays its number.
      const call = lastCall(up.mock(s));
      expect(call.url).toBe('/v1/messages/count_tokens');
      const direct = await fetch(`${s.claude.url}/v1/messages/count_tokens`, {
        method: 'POST',
        headers: { 'x-api-key': s.claude.key, 'anthropic-version': '2023-06-01', 'content-type': 'application/json' },
        body: JSON.stringify(call.body),
      });
      expect(res.totalTokens).toBe(((await direct.json()) as { input_tokens: number }).input_tokens);
    } else {
      // OpenAI has none: a local estimate, and no upstream call.
      expect(up.mock(s).calls.length).toBe(before);
    }
  });

  test('countTokens in the generateContentRequest form counts system prompt and tools too', async () => {
    const count = async (withExtras: boolean, field = 'generateContentRequest'): Promise<number> => {
      const generateContentRequest: Record<string, unknown> = {
        model: `models/${up.model}`,
        contents: [{ role: 'user', parts: [{ text: 'What is the weather?' }] }],
      };
      if (withExtras) {
        generateContentRequest.systemInstruction = { parts: [{ text: 'You are a weather bot with a long, detailed system prompt.' }] };
        generateContentRequest.tools = [
          { functionDeclarations: [{ name: 'weather.get', parametersJsonSchema: { type: 'object', properties: { city: { type: 'string' } } } }] },
        ];
      }
      const res = await fetch(`${s.proxy.url}/${up.provider}/v1beta/models/${up.model}:countTokens`, {
        method: 'POST',
        headers: { 'x-goog-api-key': s.proxy.key, 'content-type': 'application/json' },
        body: JSON.stringify({ [field]: generateContentRequest }),
      });
      expect(res.status).toBe(200);
      return ((await res.json()) as { totalTokens: number }).totalTokens;
    };
    const bare = await count(false);
    const full = await count(true);
    expect(full).toBeGreaterThan(bare);
    // Google's parser takes the proto field name in snake_case too.
    expect(await count(true, 'generate_content_request')).toBe(full);
    if (up.provider === 'claude-custom') {
      const body = lastBody(up.mock(s));
      expect(body.system).toEqual([{ type: 'text', text: 'You are a weather bot with a long, detailed system prompt.' }]);
      expect(body.tools).toMatchObject([{ name: 'weather_get' }]);
    }
  });
});

describe('Gemini SDK → claude-custom behind a gateway that takes output_config.effort only (Bedrock)', () => {
  // "output_config.format: Extra inputs are not permitted" for every JSON-schema request
  // (BerriAI/litellm#28312, vectorize-io/hindsight#3300): the schema is asked for in the system prompt instead.
  let bedrock: MockServer;
  let gateway: TestProxy;
  beforeAll(async () => {
    bedrock = await startAnthropicMock({ outputConfigKeys: ['effort'] });
    gateway = await startProxy(['--model-provider', 'claude-custom', '--claude-base-url', bedrock.url, '--claude-api-key', bedrock.key]);
  });
  afterAll(async () => {
    await Promise.all([gateway.stop(), bedrock.stop()]);
  });

  test('sent again with the schema in words, streaming or not; the next request goes so at once', async () => {
    const g = new GoogleGenAI({ apiKey: gateway.key, httpOptions: { baseUrl: gateway.url, apiVersion: 'v1beta' } });
    const schema = { type: 'object', properties: { answer: { type: 'string' } }, required: ['answer'] };
    const config = { systemInstruction: 'Be brief.', responseMimeType: 'application/json', responseJsonSchema: schema };
    const before = bedrock.calls.length;
    const res = await g.models.generateContent({ model: 'claude-sonnet-4-5', contents: 'json please', config });
    expect(res.candidates?.[0]?.finishReason).toBe(FinishReason.STOP);
    expect(bedrock.calls.length - before).toBe(2);
    expect(bedrock.calls.at(-2)?.status).toBe(400);
    const body = lastBody(bedrock);
    expect(body).not.toHaveProperty('output_config');
    const system = body.system as Array<{ text: string }>;
    expect(system[0]?.text).toBe('Be brief.');
    expect(system.at(-1)?.text).toContain(JSON.stringify({ ...schema, additionalProperties: false }));

    const again = bedrock.calls.length;
    const out = await collect(await g.models.generateContentStream({ model: 'claude-sonnet-4-5', contents: 'json please', config }));
    expect(out.text.length).toBeGreaterThan(0);
    expect(bedrock.calls.length - again).toBe(1);
    expect(lastBody(bedrock)).not.toHaveProperty('output_config');
  });
});
