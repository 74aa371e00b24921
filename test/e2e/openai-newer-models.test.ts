/**
 * Anthropic and Gemini clients against OpenAI's newer models through openai-custom. Those models refuse
 * what older ones took: function tools with reasoning (gpt-5.2/5.4/5.5; gpt-5.6 and gpt-6 unless
 * reasoning_effort is "none"), effort values outside each model's own list, `stop` (o3, o4-mini, gpt-5),
 * `parallel_tool_calls` (o-series), sampling on the search models. The strict OpenAI mock answers them
 * with the API's own 400s, so each test fails unless aiproxy shapes the request for the model.
 */
import { afterAll, beforeAll, describe, expect, test } from 'bun:test';
import type Anthropic from '@anthropic-ai/sdk';
import { startStack, type Stack } from '../helpers/stack.ts';
import { lastBody, viaPrefix, WEATHER_TOOL } from './anthropic-client-util.ts';
import { geminiClient } from './gemini-client-helpers.ts';

let s: Stack;
let claude: Anthropic;
beforeAll(async () => {
  s = await startStack();
  claude = viaPrefix(s, 'openai-custom');
});
afterAll(() => s.stop());

const sent = (): Record<string, unknown> => lastBody(s.openai.calls);

describe('newer OpenAI models through openai-custom: function tools and reasoning', () => {
  test('Claude Code-like turn (tools, thinking budget) to gpt-5.5: the tools go up without reasoning_effort', async () => {
    s.openai.queue({ toolCalls: [{ name: 'get_weather', args: { city: 'Paris' } }] });
    const msg = await claude.messages.create({
      model: 'gpt-5.5',
      max_tokens: 8000,
      thinking: { type: 'enabled', budget_tokens: 4000 },
      tools: [WEATHER_TOOL],
      messages: [{ role: 'user', content: 'weather in Paris?' }],
    });
    expect(msg.stop_reason).toBe('tool_use');
    expect(sent()).toMatchObject({ model: 'gpt-5.5', max_completion_tokens: 8000 });
    expect(sent()).not.toHaveProperty('reasoning_effort');
  });

  for (const model of ['gpt-5.6-terra', 'gpt-6-sol']) {
    test(`adaptive thinking with an effort, tools, to ${model}: reasoning_effort "none", the only value it takes with tools`, async () => {
      s.openai.queue({ toolCalls: [{ name: 'get_weather', args: { city: 'Oslo' } }] });
      const msg = await claude.messages.create({
        model,
        max_tokens: 4000,
        thinking: { type: 'adaptive' },
        output_config: { effort: 'high' },
        tools: [WEATHER_TOOL],
        messages: [{ role: 'user', content: 'weather in Oslo?' }],
      } as Anthropic.MessageCreateParamsNonStreaming);
      expect(msg.stop_reason).toBe('tool_use');
      expect(sent()).toMatchObject({ model, reasoning_effort: 'none' });
    });
  }

  test('gpt-5.6 with tools and no thinking asked: still "none", as its default reasoning is refused with tools', async () => {
    await claude.messages.create({
      model: 'gpt-5.6-luna',
      max_tokens: 100,
      tools: [WEATHER_TOOL],
      messages: [{ role: 'user', content: 'hi' }],
    });
    expect(sent()).toMatchObject({ reasoning_effort: 'none' });
  });

  test('without tools the effort the client asked for goes up', async () => {
    await claude.messages.create({
      model: 'gpt-5.4',
      max_tokens: 4000,
      thinking: { type: 'enabled', budget_tokens: 2000 },
      messages: [{ role: 'user', content: 'hi' }],
    });
    expect(sent()).toMatchObject({ reasoning_effort: 'low' });
  });
});

describe('newer OpenAI models through openai-custom: effort values each model takes', () => {
  test('Gemini client, small thinking budget → gpt-5.1: "minimal" (refused there) becomes "low"; stop stays behind', async () => {
    const ai = geminiClient(s, 'openai-custom');
    const res = await ai.models.generateContent({
      model: 'gpt-5.1',
      contents: 'hello',
      config: { stopSequences: ['END'], temperature: 0.2, thinkingConfig: { thinkingBudget: 512 } },
    });
    expect(res.text).toContain('hello');
    expect(sent()).toMatchObject({ model: 'gpt-5.1', reasoning_effort: 'low' });
    for (const p of ['stop', 'temperature']) expect(sent()).not.toHaveProperty(p);
  });

  test('Gemini client, thinking off → gpt-5-mini (no "none"): the least it takes, "minimal"', async () => {
    const ai = geminiClient(s, 'openai-custom');
    await ai.models.generateContent({ model: 'gpt-5-mini-2025-08-07', contents: 'hello', config: { thinkingConfig: { thinkingBudget: 0 } } });
    expect(sent()).toMatchObject({ reasoning_effort: 'minimal' });
  });

  test('Anthropic effort "max" → gpt-5.2: "xhigh"; → gpt-5.2-chat-latest: "medium", its only value', async () => {
    const ask = (model: string) =>
      claude.messages.create({
        model,
        max_tokens: 1000,
        thinking: { type: 'adaptive' },
        output_config: { effort: 'max' },
        messages: [{ role: 'user', content: 'hi' }],
      } as Anthropic.MessageCreateParamsNonStreaming);
    await ask('gpt-5.2');
    expect(sent()).toMatchObject({ reasoning_effort: 'xhigh' });
    await ask('gpt-5.2-chat-latest');
    expect(sent()).toMatchObject({ reasoning_effort: 'medium' });
  });
});

describe('newer OpenAI models through openai-custom: parameters they refuse', () => {
  test('o4-mini: no stop and no parallel_tool_calls (both 400 there), the rest of the request intact', async () => {
    s.openai.queue({ toolCalls: [{ name: 'get_weather', args: { city: 'Rome' } }] });
    const msg = await claude.messages.create({
      model: 'o4-mini-2025-04-16',
      max_tokens: 2000,
      stop_sequences: ['###'],
      tools: [WEATHER_TOOL],
      tool_choice: { type: 'auto', disable_parallel_tool_use: true },
      messages: [{ role: 'user', content: 'weather in Rome?' }],
    });
    expect(msg.stop_reason).toBe('tool_use');
    expect(sent()).toMatchObject({ max_completion_tokens: 2000, tool_choice: 'auto' });
    for (const p of ['stop', 'parallel_tool_calls']) expect(sent()).not.toHaveProperty(p);
  });

  test('Gemini client with sampling settings → gpt-4o-mini-search-preview: none of them go up', async () => {
    const ai = geminiClient(s, 'openai-custom');
    const res = await ai.models.generateContent({
      model: 'gpt-4o-mini-search-preview',
      contents: 'news?',
      config: { temperature: 0.4, topP: 0.9, presencePenalty: 0.5, frequencyPenalty: 0.5 },
    });
    expect(res.text).toContain('news?');
    for (const p of ['temperature', 'top_p', 'presence_penalty', 'frequency_penalty']) expect(sent()).not.toHaveProperty(p);
  });

  test('older models keep what the client chose', async () => {
    await claude.messages.create({
      model: 'gpt-4.1',
      max_tokens: 100,
      temperature: 0.3,
      stop_sequences: ['###'],
      tools: [WEATHER_TOOL],
      tool_choice: { type: 'auto', disable_parallel_tool_use: true },
      messages: [{ role: 'user', content: 'hi' }],
      // The current SDK no longer types the sampling knobs; older clients still send them.
    } as Anthropic.MessageCreateParamsNonStreaming);
    expect(sent()).toMatchObject({ temperature: 0.3, stop: ['###'], parallel_tool_calls: false });
    await claude.messages.create({ model: 'o3-mini', max_tokens: 100, stop_sequences: ['###'], messages: [{ role: 'user', content: 'hi' }] });
    expect(sent()).toMatchObject({ stop: ['###'] });
  });
});
