/**
 * OpenAI and Gemini clients against the newest Claude models through claude-custom. Those models
 * refuse what older ones took: temperature with top_p (since the 4.5 models), and any sampling
 * parameter or a thinking budget (Opus 4.7/4.8 and the 5 family), forced tool use (Fable 5.1, Opus
 * 5.5), max_tokens above the model's ceiling (claude-3-haiku 4096, Opus 4.5 64000). The strict
 * Anthropic mock answers them with the API's own 400s, so each test fails unless aiproxy shapes the
 * request for the model.
 */
import { afterAll, beforeAll, describe, expect, test } from 'bun:test';
import { startStack, type Stack } from '../helpers/stack.ts';
import { geminiClient } from './gemini-client-helpers.ts';
import { clientFor, lastBody } from './openai-client-util.ts';

let s: Stack;
beforeAll(async () => {
  s = await startStack();
});
afterAll(() => s.stop());

describe('newer Claude models through claude-custom', () => {
  test('OpenAI client, Sonnet 5: temperature and top_p stay behind, reasoning_effort becomes adaptive thinking', async () => {
    const client = clientFor(s, 'claude-custom');
    const res = await client.chat.completions.create({
      model: 'claude-sonnet-5',
      messages: [{ role: 'user', content: 'hello' }],
      temperature: 0.7,
      top_p: 0.9,
      reasoning_effort: 'high',
      max_completion_tokens: 2000,
    });
    expect(res.choices[0]!.message.content).toContain('hello');
    const body = lastBody(s.claude);
    expect(body).toMatchObject({ model: 'claude-sonnet-5', thinking: { type: 'adaptive' }, output_config: { effort: 'high' } });
    for (const p of ['temperature', 'top_p', 'top_k']) expect(body).not.toHaveProperty(p);
  });

  test('Gemini client (Gemini CLI defaults), Opus 4.8: a thinking budget becomes an effort; no sampling goes up', async () => {
    const ai = geminiClient(s, 'claude-custom');
    const res = await ai.models.generateContent({
      model: 'claude-opus-4-8',
      contents: 'hello',
      config: { temperature: 0, topP: 1, topK: 64, thinkingConfig: { thinkingBudget: 8192, includeThoughts: true } },
    });
    expect(res.text).toContain('hello');
    const body = lastBody(s.claude);
    expect(body).toMatchObject({ thinking: { type: 'adaptive' }, output_config: { effort: 'medium' } });
    for (const p of ['temperature', 'top_p', 'top_k']) expect(body).not.toHaveProperty(p);
  });

  test('Gemini client (Gemini CLI defaults), Sonnet 4.5 with thinking off: temperature only, not with top_p', async () => {
    const ai = geminiClient(s, 'claude-custom');
    await ai.models.generateContent({ model: 'claude-sonnet-4-5', contents: 'hello', config: { temperature: 0, topP: 1, topK: 64 } });
    const body = lastBody(s.claude);
    expect(body).toMatchObject({ temperature: 0, top_k: 64 });
    expect(body).not.toHaveProperty('top_p');
  });

  test('older models keep the sampling a client chose', async () => {
    const client = clientFor(s, 'claude-custom');
    await client.chat.completions.create({ model: 'claude-3-7-sonnet-20250219', messages: [{ role: 'user', content: 'hi' }], top_p: 0.5 });
    expect(lastBody(s.claude)).toMatchObject({ top_p: 0.5 });
    await client.chat.completions.create({ model: 'claude-opus-4-20250514', messages: [{ role: 'user', content: 'hi' }], temperature: 0.3 });
    expect(lastBody(s.claude)).toMatchObject({ model: 'claude-opus-4-20250514', temperature: 0.3 });
  });

  test('Gemini client without maxOutputTokens, claude-3-haiku: the default max_tokens stays under its 4096 ceiling', async () => {
    const ai = geminiClient(s, 'claude-custom');
    const res = await ai.models.generateContent({ model: 'claude-3-haiku-20240307', contents: 'hello' });
    expect(res.text).toContain('hello');
    expect(lastBody(s.claude)).toMatchObject({ model: 'claude-3-haiku-20240307', max_tokens: 4096 });
  });

  test('OpenAI client asking more than Opus 4.5 can write gets its ceiling', async () => {
    const client = clientFor(s, 'claude-custom');
    await client.chat.completions.create({ model: 'claude-opus-4-5-20251101', messages: [{ role: 'user', content: 'hi' }], max_completion_tokens: 100000 });
    expect(lastBody(s.claude)).toMatchObject({ max_tokens: 64000 });
  });

  test('OpenAI client forcing tools, Fable 5.1 and Opus 5.5: tool_choice becomes auto, the tools stay', async () => {
    const client = clientFor(s, 'claude-custom');
    const tools = [{ type: 'function' as const, function: { name: 'get_weather', parameters: { type: 'object', properties: {} } } }];
    const messages = [{ role: 'user' as const, content: 'weather?' }];
    await client.chat.completions.create({ model: 'claude-fable-5-1', messages, tools, tool_choice: 'required' });
    expect(lastBody(s.claude)).toMatchObject({ tool_choice: { type: 'auto' }, tools: [{ name: 'get_weather' }] });
    await client.chat.completions.create({ model: 'claude-opus-5-5', messages, tools, tool_choice: { type: 'function', function: { name: 'get_weather' } } });
    expect(lastBody(s.claude)).toMatchObject({ tool_choice: { type: 'auto' } });
  });

  test('no thinking asked: Opus 5 and Sonnet 5 are told thinking disabled (they think by default); Fable 5 gets no thinking field', async () => {
    const client = clientFor(s, 'claude-custom');
    const tools = [{ type: 'function' as const, function: { name: 'get_weather', parameters: { type: 'object', properties: {} } } }];
    await client.chat.completions.create({ model: 'claude-opus-5', messages: [{ role: 'user', content: 'hi' }], reasoning_effort: 'none' as never });
    expect(lastBody(s.claude)).toMatchObject({ thinking: { type: 'disabled' } });
    expect(lastBody(s.claude)).not.toHaveProperty('output_config');
    // With thinking off the forced choice stays forced.
    await client.chat.completions.create({ model: 'claude-sonnet-5', messages: [{ role: 'user', content: 'hi' }], reasoning_effort: 'none' as never, tools, tool_choice: 'required' });
    expect(lastBody(s.claude)).toMatchObject({ thinking: { type: 'disabled' }, tool_choice: { type: 'any' } });
    const ai = geminiClient(s, 'claude-custom');
    const res = await ai.models.generateContent({ model: 'claude-fable-5', contents: 'hello', config: { thinkingConfig: { thinkingBudget: 0 } } });
    expect(res.text).toContain('hello');
    expect(lastBody(s.claude)).not.toHaveProperty('thinking');
  });
});
