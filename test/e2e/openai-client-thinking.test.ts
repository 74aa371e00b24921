/**
 * Reasoning from an `openai` SDK client through aiproxy: `reasoning_effort` reaches Anthropic as a
 * thinking budget and Gemini as a thinkingConfig, and thinking comes back as `reasoning_content`
 * (the DeepSeek-style extension), never mixed into the answer text, streaming and not.
 */
import { afterAll, beforeAll, describe, expect, test } from 'bun:test';
import type OpenAI from 'openai';
import { startStack, type Stack } from '../helpers/stack.ts';
import { CLAUDE, GEMINI, UPSTREAMS, clientFor, collect, dig, lastBody, lastCall } from './openai-client-util.ts';

let s: Stack;
beforeAll(async () => {
  s = await startStack();
});
afterAll(() => s.stop());

const THINKING = 'The user wants a greeting… 考えている. Keep it short.';
const ANSWER = 'Hello there!';

/** The wire message: the SDK types lack the reasoning_content extension. */
type WireMessage = OpenAI.ChatCompletionMessage & { reasoning_content?: string };

describe('reasoning_effort reaches the upstream in its own form', () => {
  test('claude-custom: a thinking budget below max_tokens; sampling the API forbids with thinking is left out', async () => {
    const client = clientFor(s, CLAUDE.name);
    await client.chat.completions.create({
      model: CLAUDE.model,
      reasoning_effort: 'high',
      max_completion_tokens: 32000,
      temperature: 0.2,
      messages: [{ role: 'user', content: 'think' }],
    });
    let body = lastBody(s.claude);
    expect(body.thinking).toEqual({ type: 'enabled', budget_tokens: 24576 });
    expect(body.max_tokens).toBe(32000);
    expect(body.temperature).toBeUndefined();

    // A budget that does not fit under max_tokens is shrunk to fit.
    await client.chat.completions.create({ model: CLAUDE.model, reasoning_effort: 'medium', max_completion_tokens: 4000, messages: [{ role: 'user', content: 'think' }] });
    body = lastBody(s.claude);
    expect(body.max_tokens).toBe(4000);
    expect(dig(body, 'thinking', 'budget_tokens')).toBeLessThan(4000);
    expect(dig(body, 'thinking', 'budget_tokens')).toBeGreaterThanOrEqual(1024);

    await client.chat.completions.create({ model: CLAUDE.model, reasoning_effort: 'none', messages: [{ role: 'user', content: 'no thinking' }] });
    expect(dig(lastBody(s.claude), 'thinking', 'type') ?? 'disabled').toBe('disabled');
  });

  test('gemini-cli 2.5: thinkingBudget from the effort, thoughts included', async () => {
    const client = clientFor(s, GEMINI.name);
    await client.chat.completions.create({ model: 'gemini-2.5-flash', reasoning_effort: 'low', messages: [{ role: 'user', content: 'think' }] });
    expect(dig(lastBody(s.gemini), 'generationConfig', 'thinkingConfig')).toEqual({ thinkingBudget: 1024, includeThoughts: true });
    await client.chat.completions.create({ model: 'gemini-2.5-flash', reasoning_effort: 'none', messages: [{ role: 'user', content: 'quick' }] });
    expect(dig(lastBody(s.gemini), 'generationConfig', 'thinkingConfig', 'thinkingBudget')).toBe(0);
  });

  test('gemini-cli 3: a thinkingLevel and never a budget beside it', async () => {
    await clientFor(s, GEMINI.name).chat.completions.create({
      model: 'gemini-3-flash-preview',
      reasoning_effort: 'high',
      messages: [{ role: 'user', content: 'think' }],
    });
    expect(dig(lastBody(s.gemini), 'generationConfig', 'thinkingConfig')).toEqual({ thinkingLevel: 'HIGH', includeThoughts: true });
  });

  // BerriAI/litellm#18245: Gemini 3 Flash has MINIMAL and MEDIUM of its own; Pro has LOW and HIGH only.
  test.each([
    ['gemini-3-flash-preview', 'minimal', 'MINIMAL'],
    ['gemini-3-flash-preview', 'medium', 'MEDIUM'],
    ['gemini-3-flash-preview', 'none', 'MINIMAL'],
    ['gemini-3.1-flash-lite-preview', 'minimal', 'MINIMAL'],
    ['gemini-3-pro-preview', 'minimal', 'LOW'],
    ['gemini-3-pro-preview', 'medium', 'HIGH'],
  ] as const)('gemini-cli %s: reasoning_effort %s is thinkingLevel %s', async (model, effort, level) => {
    const res = await clientFor(s, GEMINI.name).chat.completions.create({ model, reasoning_effort: effort, messages: [{ role: 'user', content: 'think' }] });
    expect(res.choices[0]!.message.content).toBeTruthy();
    expect(lastCall(s.gemini).status).toBe(200);
    expect(dig(lastBody(s.gemini), 'generationConfig', 'thinkingConfig', 'thinkingLevel')).toBe(level);
  });
});

for (const u of UPSTREAMS) {
  const models = u === GEMINI ? ['gemini-2.5-flash', 'gemini-3-flash-preview'] : [u.model];
  for (const model of models) {
    describe(`OpenAI client → ${u.name} (${model}): thinking comes back as reasoning_content`, () => {
      test('non-streaming: reasoning_content holds the thinking, content only the answer', async () => {
        u.mock(s).queue({ thinking: THINKING, text: ANSWER });
        const res = await clientFor(s, u.name).chat.completions.create({
          model,
          reasoning_effort: 'medium',
          messages: [{ role: 'user', content: 'greet me' }],
        });
        const message = res.choices[0]!.message as WireMessage;
        expect(message.reasoning_content).toBe(THINKING);
        expect(message.content).toBe(ANSWER);
        expect(res.choices[0]!.finish_reason).toBe('stop');
      });

      test('streaming (split bytes): reasoning deltas first, then content; never mixed', async () => {
        u.mock(s).queue({ thinking: THINKING, text: ANSWER, splitBytes: 2 });
        const got = await collect(
          await clientFor(s, u.name).chat.completions.create({
            model,
            stream: true,
            reasoning_effort: 'medium',
            messages: [{ role: 'user', content: 'greet me' }],
          }),
        );
        expect(got.reasoning).toBe(THINKING);
        expect(got.content).toBe(ANSWER);
        expect(got.finishReason).toBe('stop');
        const firstContent = got.chunks.findIndex((c) => Boolean(c.choices[0]?.delta.content));
        const lastReasoning = got.chunks.findLastIndex((c) => Boolean((c.choices[0]?.delta as { reasoning_content?: string } | undefined)?.reasoning_content));
        expect(lastReasoning).toBeGreaterThanOrEqual(0);
        expect(lastReasoning).toBeLessThan(firstContent);
        for (const c of got.chunks) {
          const delta = c.choices[0]?.delta as { content?: string | null; reasoning_content?: string } | undefined;
          expect(Boolean(delta?.content) && Boolean(delta?.reasoning_content)).toBe(false);
        }
      });

      test('reasoning usage: reasoning tokens are part of completion_tokens', async () => {
        u.mock(s).queue({ thinking: THINKING, text: ANSWER, usage: { input: 50, output: 30, reasoning: 20 } });
        const res = await clientFor(s, u.name).chat.completions.create({ model, reasoning_effort: 'low', messages: [{ role: 'user', content: 'x' }] });
        expect(res.usage).toMatchObject({ prompt_tokens: 50, completion_tokens: 30, total_tokens: 80 });
        // Anthropic reports no separate thinking count; Gemini's thoughtsTokenCount is the reasoning count.
        expect(res.usage!.completion_tokens_details!.reasoning_tokens).toBe(u === CLAUDE ? 0 : 20);
      });
    });
  }
}

describe('thinking across a tool loop', () => {
  const tools: OpenAI.ChatCompletionTool[] = [
    { type: 'function', function: { name: 'lookup', parameters: { type: 'object', properties: { q: { type: 'string' } }, required: ['q'] } } },
  ];

  /** Turn 1 as the application sees it, streamed or not: reasoning, and the calls to answer. */
  async function firstTurn(client: OpenAI, model: string, stream: boolean): Promise<{ reasoning: string; calls: OpenAI.ChatCompletionMessageFunctionToolCall[] }> {
    const params = { model, reasoning_effort: 'low' as const, max_completion_tokens: 4096, tools, messages: [{ role: 'user' as const, content: 'look it up' }] };
    if (stream) {
      const got = await collect(await client.chat.completions.create({ ...params, stream: true }));
      expect(got.finishReason).toBe('tool_calls');
      return {
        reasoning: got.reasoning,
        calls: got.toolCalls.map((c) => ({ id: c.id, type: 'function' as const, function: { name: c.name, arguments: c.arguments }, ...(c.extra_content ? { extra_content: c.extra_content } : {}) })),
      };
    }
    const res = await client.chat.completions.create(params);
    expect(res.choices[0]!.finish_reason).toBe('tool_calls');
    const m = res.choices[0]!.message as WireMessage;
    return { reasoning: m.reasoning_content ?? '', calls: m.tool_calls as OpenAI.ChatCompletionMessageFunctionToolCall[] };
  }

  for (const u of UPSTREAMS) {
    const model = u === GEMINI ? 'gemini-3-flash-preview' : u.model;
    for (const stream of [false, true]) {
      for (const echoReasoning of [true, false]) {
        test(`${u.name}: thinking stays on through the loop; unsigned reasoning never goes back (${stream ? 'stream' : 'non-stream'}, reasoning_content ${echoReasoning ? 'echoed' : 'dropped'})`, async () => {
          const client = clientFor(s, u.name);
          u.mock(s).queue({ thinking: THINKING, toolCalls: [{ name: 'lookup', args: { q: 'ß' } }], splitBytes: stream ? 7 : undefined });
          const t1 = await firstTurn(client, model, stream);
          expect(t1.reasoning).toBe(THINKING);
          const call = t1.calls[0]!;

          // Clients built for DeepSeek-style APIs send reasoning_content back with the assistant turn; others drop it.
          const assistant = { role: 'assistant', content: null, tool_calls: t1.calls, ...(echoReasoning ? { reasoning_content: t1.reasoning } : {}) } as OpenAI.ChatCompletionAssistantMessageParam;
          u.mock(s).queue({ thinking: 'Now answer.', text: 'Found it.' });
          const second = await client.chat.completions.create({
            model,
            reasoning_effort: 'low',
            max_completion_tokens: 4096,
            tools,
            messages: [{ role: 'user', content: 'look it up' }, assistant, { role: 'tool', tool_call_id: call.id, content: 'result' }],
          });
          expect(lastCall(u.mock(s)).status).toBe(200);
          expect(second.choices[0]!.message.content).toBe('Found it.');
          expect((second.choices[0]!.message as WireMessage).reasoning_content).toBe('Now answer.');
          const body = lastBody(u.mock(s));
          if (u === CLAUDE) {
            // An OpenAI client cannot carry Anthropic's signature; aiproxy puts the signed block it
            // received back in front of the tool_use (the mock checks the signature), so thinking stays on.
            expect(dig(body, 'messages', 1, 'content')).toEqual([
              { type: 'thinking', thinking: THINKING, signature: expect.any(String) },
              { type: 'tool_use', id: call.id, name: 'lookup', input: { q: 'ß' } },
            ]);
            expect(body.thinking).toEqual({ type: 'enabled', budget_tokens: 1024 });
          } else {
            // gemini-cli strips thought text from history; the call keeps its signature.
            const parts = dig(body, 'contents', 1, 'parts') as unknown[];
            expect(parts.some((p) => dig(p, 'thought') === true)).toBe(false);
            expect(s.gemini.issuedSignatures.has(dig(parts, 0, 'thoughtSignature') as string)).toBe(true);
            expect(dig(body, 'generationConfig', 'thinkingConfig', 'thinkingLevel')).toBe('LOW');
          }
        });
      }
    }
  }

  test('claude-custom: a history aiproxy never saw turns thinking off for the continuation instead of failing', async () => {
    s.claude.queue({ text: 'ok' });
    const res = await clientFor(s, CLAUDE.name).chat.completions.create({
      model: CLAUDE.model,
      reasoning_effort: 'low',
      tools,
      messages: [
        { role: 'user', content: 'look it up' },
        { role: 'assistant', content: null, tool_calls: [{ id: 'toolu_unknown123', type: 'function', function: { name: 'lookup', arguments: '{"q":"x"}' } }] },
        { role: 'tool', tool_call_id: 'toolu_unknown123', content: 'r' },
      ],
    });
    expect(res.choices[0]!.message.content).toBe('ok');
    expect(lastBody(s.claude).thinking).toBeUndefined();
  });
});

// Gemini 2.5 and 3 think unasked and bill the thoughts against maxOutputTokens: a UI's title request
// (max_tokens 50, no reasoning asked) came back empty, finish "length" (googleapis/python-genai#626,
// NousResearch/hermes-agent#91927).
describe('a small max_tokens without reasoning asked: Gemini answers instead of spending it on thoughts', () => {
  const LONG_THOUGHT = 'Let me consider a good short title for this conversation. '.repeat(10);
  const TITLE_REQUEST = { max_tokens: 50, messages: [{ role: 'user' as const, content: 'Write a 3-5 word title for: planning a weekend hike' }] };

  test.each([
    ['gemini-2.5-flash', { thinkingBudget: 0 }],
    ['gemini-3-flash-preview', { thinkingLevel: 'MINIMAL' }],
  ] as const)('%s, non-streaming: the title comes back; thinking goes off as far as the model allows', async (model, thinkingConfig) => {
    s.gemini.queue({ thinking: LONG_THOUGHT, text: 'Weekend Hike Plans' });
    const res = await clientFor(s, GEMINI.name).chat.completions.create({ model, ...TITLE_REQUEST });
    expect(res.choices[0]!.message.content).toBe('Weekend Hike Plans');
    expect(res.choices[0]!.finish_reason).toBe('stop');
    expect(dig(lastBody(s.gemini), 'generationConfig', 'thinkingConfig')).toEqual(thinkingConfig);
  });

  test('streaming with include_usage: the title streams and usage closes the stream', async () => {
    s.gemini.queue({ thinking: LONG_THOUGHT, text: 'Weekend Hike Plans' });
    const stream = await clientFor(s, GEMINI.name).chat.completions.create({
      model: 'gemini-2.5-flash',
      ...TITLE_REQUEST,
      stream: true,
      stream_options: { include_usage: true },
    });
    const out = await collect(stream);
    expect(out.content).toBe('Weekend Hike Plans');
    expect(out.finishReason).toBe('stop');
    expect(out.usage?.completion_tokens).toBeGreaterThan(0);
  });

  test('reasoning the client asked for, or room for thoughts and an answer, is left as it was', async () => {
    const client = clientFor(s, GEMINI.name);
    await client.chat.completions.create({ model: 'gemini-2.5-flash', reasoning_effort: 'low', ...TITLE_REQUEST });
    expect(dig(lastBody(s.gemini), 'generationConfig', 'thinkingConfig')).toEqual({ thinkingBudget: 1024, includeThoughts: true });
    await client.chat.completions.create({ model: 'gemini-2.5-flash', max_tokens: 4096, messages: TITLE_REQUEST.messages });
    expect(dig(lastBody(s.gemini), 'generationConfig', 'thinkingConfig')).toBeUndefined();
  });
});
