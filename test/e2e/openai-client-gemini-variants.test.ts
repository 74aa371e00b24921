/**
 * The `openai` SDK against a Gemini upstream that behaves like some of Google's front ends and newer
 * models do: SSE events separated by CRLF, and function calls that carry their own ids.
 */
import { afterAll, beforeAll, describe, expect, test } from 'bun:test';
import OpenAI from 'openai';
import { startGeminiMock, type GeminiMock } from '../helpers/mocks/gemini-mock.ts';
import { startProxy, type TestProxy } from '../helpers/proxy.ts';
import { MULTIBYTE, collect, dig, lastBody } from './openai-client-util.ts';

let gemini: GeminiMock;
let proxy: TestProxy;
let client: OpenAI;
beforeAll(async () => {
  gemini = await startGeminiMock({ sseLineEnding: 'crlf', functionCallIds: true });
  proxy = await startProxy(['--model-provider', 'gemini-cli', '--gemini-base-url', gemini.url, '--gemini-api-key', gemini.key]);
  client = new OpenAI({ apiKey: proxy.key, baseURL: `${proxy.url}/v1`, maxRetries: 0 });
});
afterAll(async () => {
  await Promise.all([proxy.stop(), gemini.stop()]);
});

const tools: OpenAI.ChatCompletionTool[] = [
  { type: 'function', function: { name: 'get_weather', parameters: { type: 'object', properties: { city: { type: 'string' } } } } },
];

describe('OpenAI client → gemini-cli with CRLF events and function-call ids', () => {
  test('CRLF-separated events split into single bytes still stream the exact text', async () => {
    gemini.queue({ thinking: 'hmm… 思考', text: MULTIBYTE, splitBytes: 1 });
    const got = await collect(
      await client.chat.completions.create({ model: 'gemini-2.5-flash', stream: true, reasoning_effort: 'low', messages: [{ role: 'user', content: 'hi' }] }),
    );
    expect(got.content).toBe(MULTIBYTE);
    expect(got.reasoning).toBe('hmm… 思考');
    expect(got.finishReason).toBe('stop');
  });

  test('an id Gemini gave a call is the id the client sees, and the loop closes with it', async () => {
    gemini.queue({ toolCalls: [{ name: 'get_weather', args: { city: 'Lima' } }] });
    const got = await collect(
      await client.chat.completions.create({ model: 'gemini-3-flash-preview', stream: true, tools, messages: [{ role: 'user', content: 'Lima?' }] }),
    );
    const call = got.toolCalls[0]!;
    // The mock's ids are 8 lower-case characters; aiproxy keeps them instead of inventing `call_…` ones.
    expect(call.id).toMatch(/^[a-z0-9]{8}$/);
    expect(got.finishReason).toBe('tool_calls');
    gemini.queue({ text: 'Mild.' });
    const res = await client.chat.completions.create({
      model: 'gemini-3-flash-preview',
      tools,
      messages: [
        { role: 'user', content: 'Lima?' },
        { role: 'assistant', content: null, tool_calls: [{ id: call.id, type: 'function', function: { name: call.name, arguments: call.arguments }, extra_content: call.extra_content } as OpenAI.ChatCompletionMessageFunctionToolCall] },
        { role: 'tool', tool_call_id: call.id, content: '18°C' },
      ],
    });
    expect(res.choices[0]!.message.content).toBe('Mild.');
    expect(dig(lastBody(gemini), 'contents', 2, 'parts', 0, 'functionResponse', 'name')).toBe('get_weather');
  });
});
