/**
 * OpenAI, Anthropic and Gemini clients against Gemini-API models whose surface differs from Gemini 2.5's:
 * Gemma 3 (no system instruction, function calling or JSON mode), Gemma 4 (thinking by level, MINIMAL or
 * HIGH only) and Gemini 2.5 Flash Image (no thinking). The Gemini mock answers these with the live API's
 * 400s (src/protocols/gemini/model-rules.ts names the reports), so each test fails unless aiproxy shapes
 * the converted request for the model. (Gemini clients are passed through as they are.)
 */
import { afterAll, beforeAll, describe, expect, test } from 'bun:test';
import { startStack, type Stack } from '../helpers/stack.ts';
import { viaPrefix } from './anthropic-client-util.ts';
import { clientFor, dig, lastBody } from './openai-client-util.ts';

let s: Stack;
beforeAll(async () => {
  s = await startStack();
});
afterAll(() => s.stop());

const weather = { type: 'object', properties: { city: { type: 'string' } }, required: ['city'] };

describe('Gemma on the Gemini API through gemini-cli', () => {
  test('OpenAI client, Gemma 3: system prompt and JSON schema move into the first user turn; tools stay behind', async () => {
    const res = await clientFor(s, 'gemini-cli').chat.completions.create({
      model: 'gemma-3-27b-it',
      messages: [
        { role: 'system', content: 'You are terse.' },
        { role: 'user', content: 'hello' },
      ],
      tools: [{ type: 'function', function: { name: 'get_weather', parameters: weather } }],
      tool_choice: 'auto',
      response_format: { type: 'json_schema', json_schema: { name: 'w', schema: weather } },
    });
    expect(res.choices[0]!.message.content).toContain('hello');
    const body = lastBody(s.gemini);
    for (const k of ['systemInstruction', 'tools', 'toolConfig']) expect(body).not.toHaveProperty(k);
    expect(dig(body, 'generationConfig', 'responseMimeType')).toBeUndefined();
    expect(dig(body, 'generationConfig', 'responseJsonSchema')).toBeUndefined();
    const first = dig(body, 'contents', 0, 'parts', 0, 'text') as string;
    expect(first).toStartWith('You are terse.');
    expect(first).toContain('"city"');
    expect(dig(body, 'contents', 0, 'parts', 1, 'text')).toBe('hello');
  });

  test('Anthropic client (Claude Code shape), Gemma 3: answers instead of a 400', async () => {
    const msg = await viaPrefix(s, 'gemini-cli').messages.create({
      model: 'gemma-3-12b-it',
      max_tokens: 256,
      system: [{ type: 'text', text: 'You are Claude Code.' }],
      tools: [{ name: 'Read', description: 'Read a file', input_schema: { type: 'object', properties: { path: { type: 'string' } } } }],
      messages: [{ role: 'user', content: 'hello' }],
    });
    expect(msg.content[0]).toMatchObject({ type: 'text' });
    expect(JSON.stringify(msg.content)).toContain('hello');
    expect(lastBody(s.gemini)).not.toHaveProperty('systemInstruction');
  });

  test('Anthropic client, Gemma 4: a thinking budget becomes the HIGH level', async () => {
    const msg = await viaPrefix(s, 'gemini-cli').messages.create({
      model: 'gemma-4-31b-it',
      max_tokens: 16000,
      system: 'Be brief.',
      thinking: { type: 'enabled', budget_tokens: 8192 },
      messages: [{ role: 'user', content: 'hello' }],
    });
    expect(JSON.stringify(msg.content)).toContain('hello');
    const body = lastBody(s.gemini);
    expect(dig(body, 'generationConfig', 'thinkingConfig')).toEqual({ thinkingLevel: 'HIGH', includeThoughts: true });
    // Gemma 4 takes a system instruction, unlike Gemma 3.
    expect(dig(body, 'systemInstruction', 'parts', 0, 'text')).toBe('Be brief.');
  });

  test('OpenAI client, Gemma 4: reasoning_effort low is MINIMAL, the level it has below HIGH', async () => {
    await clientFor(s, 'gemini-cli').chat.completions.create({
      model: 'gemma-4-26b-a4b-it',
      messages: [{ role: 'user', content: 'hi' }],
      reasoning_effort: 'low',
    });
    expect(dig(lastBody(s.gemini), 'generationConfig', 'thinkingConfig', 'thinkingLevel')).toBe('MINIMAL');
  });
});

describe('Gemini models that cannot think', () => {
  test('OpenAI client, gemini-2.5-flash-image: reasoning_effort sends no thinkingConfig', async () => {
    const res = await clientFor(s, 'gemini-cli').chat.completions.create({
      model: 'gemini-2.5-flash-image',
      messages: [{ role: 'user', content: 'hello' }],
      reasoning_effort: 'medium',
    });
    expect(res.choices[0]!.message.content).toContain('hello');
    expect(dig(lastBody(s.gemini), 'generationConfig', 'thinkingConfig')).toBeUndefined();
  });
});
