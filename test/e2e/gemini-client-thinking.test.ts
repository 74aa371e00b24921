import { afterAll, beforeAll, describe, expect, test } from 'bun:test';
import { ThinkingLevel, type FunctionCall, type GenerateContentResponse, type Part } from '@google/genai';
import { isRecord } from '../../src/util/json.ts';
import { startStack, type Stack } from '../helpers/stack.ts';
import { answerText, collect, geminiClient, lastBody, UPSTREAMS } from './gemini-client-helpers.ts';

let s: Stack;
beforeAll(async () => {
  s = await startStack();
});
afterAll(() => s.stop());

const THINKING = 'The user wants the time. 時間を調べる… 🤔';
const TOOLS = [{ functionDeclarations: [{ name: 'get_time', parametersJsonSchema: { type: 'object', properties: { tz: { type: 'string' } } } }] }];
const parts = (res: GenerateContentResponse): Part[] => res.candidates?.[0]?.content?.parts ?? [];

describe.each(UPSTREAMS)('Gemini SDK → $provider: thinking', (up) => {
  test('thinkingBudget reaches the upstream in its own form', async () => {
    const g = geminiClient(s, up.provider);
    await g.models.generateContent({
      model: up.reasoningModel,
      contents: 'think',
      config: { maxOutputTokens: 4096, thinkingConfig: { thinkingBudget: 2048, includeThoughts: true } },
    });
    const body = lastBody(up.mock(s));
    if (up.provider === 'openai-custom') {
      // 2048 tokens is Google's own "low" (protocols.md §6.7); reasoning models take max_completion_tokens.
      expect(body).toMatchObject({ reasoning_effort: 'low', max_completion_tokens: 4096 });
    } else {
      expect(body).toMatchObject({ thinking: { type: 'enabled', budget_tokens: 2048 }, max_tokens: 4096 });
    }
  });

  test('thinkingLevel HIGH and a zero budget map to the upstream’s high and off', async () => {
    const g = geminiClient(s, up.provider);
    await g.models.generateContent({ model: up.reasoningModel, contents: 'x', config: { maxOutputTokens: 30000, thinkingConfig: { thinkingLevel: ThinkingLevel.HIGH } } });
    const high = lastBody(up.mock(s));
    await g.models.generateContent({ model: up.reasoningModel, contents: 'x', config: { thinkingConfig: { thinkingBudget: 0 } } });
    const off = lastBody(up.mock(s));
    if (up.provider === 'openai-custom') {
      expect(high.reasoning_effort).toBe('high');
      // o3-mini cannot think less than 'low' (it refuses 'none'): off is the least it takes.
      expect(off.reasoning_effort).toBe('low');
    } else {
      expect(high.thinking).toEqual({ type: 'enabled', budget_tokens: 24576 });
      expect(off.thinking).toBeUndefined();
    }
  });

  test('thinking comes back as thought parts, apart from the answer text (non-streaming)', async () => {
    up.mock(s).queue({ thinking: THINKING, text: 'It is noon.' });
    const g = geminiClient(s, up.provider);
    const res = await g.models.generateContent({
      model: up.reasoningModel,
      contents: 'time?',
      config: { thinkingConfig: { thinkingBudget: 2048, includeThoughts: true } },
    });
    expect(res.text).toBe('It is noon.');
    const p = parts(res);
    expect(p.filter((x) => x.thought).map((x) => x.text)).toEqual([THINKING]);
    expect(p.filter((x) => !x.thought).map((x) => x.text)).toEqual(['It is noon.']);
  });

  test('streaming: thought chunks first, then answer chunks; never mixed', async () => {
    up.mock(s).queue({ thinking: THINKING, text: 'It is noon. 正午です。', splitBytes: 3 });
    const g = geminiClient(s, up.provider);
    const { text, thoughts, chunks } = await collect(
      await g.models.generateContentStream({
        model: up.reasoningModel,
        contents: 'time?',
        config: { thinkingConfig: { thinkingBudget: 2048, includeThoughts: true } },
      }),
    );
    expect(thoughts).toBe(THINKING);
    expect(text).toBe('It is noon. 正午です。');
    const kinds = chunks.flatMap((c) => (c.candidates?.[0]?.content?.parts ?? []).filter((x) => x.text).map((x) => (x.thought ? 'T' : 'A')));
    expect(kinds.join('')).toMatch(/^T+A+$/);
  });

  for (const thinkingConfig of [{ thinkingBudget: 2048 }, { thinkingBudget: 2048, includeThoughts: false }]) {
    test(`without includeThoughts: true no thought reaches the client, streaming or not (${JSON.stringify(thinkingConfig)})`, async () => {
      up.mock(s).queue({ thinking: THINKING, text: 'It is noon.' }, { thinking: THINKING, text: 'It is noon.' });
      const g = geminiClient(s, up.provider);
      const whole = await g.models.generateContent({ model: up.reasoningModel, contents: 'time?', config: { thinkingConfig } });
      const streamed = await collect(await g.models.generateContentStream({ model: up.reasoningModel, contents: 'time?', config: { thinkingConfig } }));
      expect(parts(whole).filter((x) => x.thought)).toEqual([]);
      expect(answerText(whole)).toBe('It is noon.');
      expect(streamed.thoughts).toBe('');
      expect(streamed.text).toBe('It is noon.');
      expect(JSON.stringify([whole, streamed.chunks])).not.toContain('時間を調べる');
    });
  }

  test('a tool loop with thinking on but thoughts hidden still continues with the upstream’s own thinking', async () => {
    const g = geminiClient(s, up.provider);
    const chat = g.chats.create({ model: up.reasoningModel, config: { tools: TOOLS, thinkingConfig: { thinkingBudget: 2048 } } });
    up.mock(s).queue({ thinking: THINKING, toolCalls: [{ name: 'get_time', args: { tz: 'UTC' } }] }, { text: 'It is 12:00 UTC.' });
    const { chunks, thoughts } = await collect(await chat.sendMessageStream({ message: 'What time is it?' }));
    expect(thoughts).toBe('');
    const call = chunks.flatMap((c) => c.functionCalls ?? [])[0];
    expect(call).toMatchObject({ name: 'get_time', args: { tz: 'UTC' } });
    const message: Part[] = [{ functionResponse: { id: call!.id, name: 'get_time', response: { output: '12:00' } } }];
    expect((await collect(await chat.sendMessageStream({ message }))).text).toBe('It is 12:00 UTC.');
    if (up.provider === 'claude-custom') {
      // The signed block comes back from the proxy's own memory of the call (the mock checks it).
      const body = lastBody(up.mock(s));
      expect(body.thinking).toEqual({ type: 'enabled', budget_tokens: 2048 });
      const assistant = ((body.messages as unknown[]).filter(isRecord)[1]!.content ?? []) as Array<Record<string, unknown>>;
      expect(assistant.map((b) => b.type)).toEqual(['thinking', 'tool_use']);
      expect(assistant[0]).toMatchObject({ thinking: THINKING });
    }
  });

  for (const streaming of [false, true]) {
    test(`a tool loop with thinking on continues with the upstream’s own thinking (${streaming ? 'streaming' : 'non-streaming'})`, async () => {
      const g = geminiClient(s, up.provider);
      const config = { tools: TOOLS, thinkingConfig: { thinkingBudget: 2048, includeThoughts: true } };
      const chat = g.chats.create({ model: up.reasoningModel, config });
      up.mock(s).queue({ thinking: THINKING, toolCalls: [{ name: 'get_time', args: { tz: 'UTC' } }] }, { text: 'It is 12:00 UTC.' });

      let call: FunctionCall | undefined;
      if (streaming) {
        const { chunks, thoughts } = await collect(await chat.sendMessageStream({ message: 'What time is it?' }));
        expect(thoughts).toBe(THINKING);
        call = chunks.flatMap((c) => c.functionCalls ?? [])[0];
      } else {
        const r = await chat.sendMessage({ message: 'What time is it?' });
        expect(parts(r)[0]).toMatchObject({ thought: true, text: THINKING });
        call = r.functionCalls?.[0];
      }
      expect(call?.name).toBe('get_time');

      const message: Part[] = [{ functionResponse: { id: call!.id, name: 'get_time', response: { output: '12:00' } } }];
      const answer = streaming ? (await collect(await chat.sendMessageStream({ message }))).text : answerText(await chat.sendMessage({ message }));
      expect(answer).toBe('It is 12:00 UTC.');

      const body = lastBody(up.mock(s));
      const messages = (body.messages as unknown[]).filter(isRecord);
      if (up.provider === 'claude-custom') {
        // Thinking stays on for the continuation, led by the signed thinking block Anthropic issued
        // (the mock rejects a signature it did not issue for exactly this text).
        expect(body.thinking).toEqual({ type: 'enabled', budget_tokens: 2048 });
        const assistant = messages[1]!.content as Array<Record<string, unknown>>;
        expect(assistant.map((b) => b.type)).toEqual(['thinking', 'tool_use']);
        expect(assistant[0]).toMatchObject({ thinking: THINKING });
      } else {
        // OpenAI takes no reasoning history; the call and its result are all it needs.
        expect(messages.map((m) => m.role)).toEqual(['user', 'assistant', 'tool']);
        expect(JSON.stringify(messages)).not.toContain('時間を調べる');
      }
    });
  }
});
