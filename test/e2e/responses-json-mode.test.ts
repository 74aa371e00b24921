/**
 * JSON mode converted to the Responses API (`text.format: {type: "json_object"}`): api.openai.com answers
 * 400 "Response input messages must contain the word 'json' in some form …" unless an input message says
 * it; `instructions` (where the system prompt goes) does not count. The strict mock enforces the rule.
 */
import { afterAll, beforeAll, beforeEach, describe, expect, test } from 'bun:test';
import OpenAI from 'openai';
import { JSON_INSTRUCTION } from '../../src/core/request.ts';
import { startStack, type Stack } from '../helpers/stack.ts';
import { PNG_BASE64 } from './anthropic-client-util.ts';
import { geminiClient } from './gemini-client-helpers.ts';

const PROVIDER = 'openaiResponses-custom';
let s: Stack;
let openai: OpenAI;

beforeAll(async () => {
  s = await startStack(`${PROVIDER},openai-custom,claude-custom,gemini-cli`);
  openai = new OpenAI({ apiKey: s.proxy.key, baseURL: `${s.proxy.url}/${PROVIDER}/v1`, maxRetries: 0 });
});
afterAll(() => s.stop());
beforeEach(() => s.openai.reset());

function upstreamInput(): Array<{ type: string; role?: string; content?: unknown }> {
  const call = s.openai.calls.filter((c) => c.url.startsWith('/v1/responses')).at(-1)!;
  expect(call.status).toBe(200);
  const body = call.body as { input: Array<{ type: string; role?: string; content?: unknown }>; text: unknown };
  expect(body.text).toEqual({ format: { type: 'json_object' } });
  return body.input;
}
const instruction = { type: 'message', role: 'developer', content: JSON_INSTRUCTION };

describe('JSON mode → openaiResponses-custom', () => {
  test('no message says json: the instruction goes first in `input`, and OpenAI takes the request', async () => {
    const res = await openai.chat.completions.create({ model: 'gpt-4.1', messages: [{ role: 'user', content: 'list three colors' }], response_format: { type: 'json_object' } });
    expect(res.choices[0]!.message.content).toContain('list three colors');
    const input = upstreamInput();
    expect(input[0]).toEqual(instruction);
    expect(input).toHaveLength(2);
  });

  test('json said only in the system prompt (instructions) is not enough: the instruction is still added', async () => {
    await openai.chat.completions.create({
      model: 'gpt-4.1',
      messages: [
        { role: 'system', content: 'Reply in JSON.' },
        { role: 'user', content: 'list three colors' },
      ],
      response_format: { type: 'json_object' },
    });
    expect(upstreamInput()[0]).toEqual(instruction);
  });

  test('a message that says json already, in one of its parts: nothing added', async () => {
    const image = { type: 'image_url' as const, image_url: { url: `data:image/png;base64,${PNG_BASE64}` } };
    await openai.chat.completions.create({
      model: 'gpt-4.1',
      messages: [{ role: 'user', content: [image, { type: 'text', text: 'its colors as JSON' }] }],
      response_format: { type: 'json_object' },
    });
    const input = upstreamInput();
    expect(input).toHaveLength(1);
    expect(input[0]).toMatchObject({ role: 'user', content: [{ type: 'input_image' }, { type: 'input_text', text: 'its colors as JSON' }] });
  });

  test('streaming too', async () => {
    const stream = await openai.chat.completions.create({ model: 'gpt-4.1', messages: [{ role: 'user', content: 'list three colors' }], response_format: { type: 'json_object' }, stream: true });
    let text = '';
    for await (const chunk of stream) text += chunk.choices[0]?.delta.content ?? '';
    expect(text).toContain('list three colors');
    expect(upstreamInput()[0]).toEqual(instruction);
  });

  test('Gemini’s responseMimeType application/json (no schema) is JSON mode as well', async () => {
    const res = await geminiClient(s, PROVIDER).models.generateContent({ model: 'gpt-4.1', contents: 'list three colors', config: { responseMimeType: 'application/json' } });
    expect(res.text).toContain('list three colors');
    expect(upstreamInput()[0]).toEqual(instruction);
  });
});
