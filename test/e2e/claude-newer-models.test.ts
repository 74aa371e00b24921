/**
 * OpenAI and Gemini clients against the newest Claude models through claude-custom. Those models
 * refuse what older ones took: temperature with top_p (since the 4.5 models), and any sampling
 * parameter or a thinking budget (Opus 4.7/4.8 and the 5 family). The strict Anthropic mock answers
 * them with the API's own 400s, so each test fails unless aiproxy shapes the request for the model.
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
});
