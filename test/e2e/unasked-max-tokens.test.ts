/**
 * A client whose API needs no max tokens (Chat Completions, Gemini), converted to Anthropic, which
 * requires one: the model's own output limit where aiproxy knows it (at most 32000, as Claude Code
 * asks), not a fixed 8192 that cut long answers; without streaming, what fits in timeouts.headers_ms at
 * the pace Anthropic's SDKs assume (10666 in the default 5 minutes), never above 10 minutes' worth
 * (21333), past which those SDKs refuse a non-streaming request and gateways answer 400; 8192 for a
 * model whose limit is unknown; room for a thinking budget above it either way.
 */
import { afterAll, beforeAll, describe, expect, test } from 'bun:test';
import { startStack, type Stack } from '../helpers/stack.ts';
import { CLAUDE, clientFor, dig, lastBody } from './openai-client-util.ts';
import { geminiClient } from './gemini-client-helpers.ts';

let s: Stack;
beforeAll(async () => {
  s = await startStack();
});
afterAll(() => s.stop());

const drain = async (stream: AsyncIterable<unknown>): Promise<void> => {
  for await (const _ of stream) void _;
};

describe('Chat Completions client without max_tokens → claude-custom', () => {
  const chat = (model: string, extra: Record<string, unknown> = {}, stream = false) =>
    clientFor(s, CLAUDE.name).chat.completions.create({ model, messages: [{ role: 'user', content: 'write a big file' }], stream, ...extra } as never);

  test.each([
    ['claude-sonnet-4-5', 32000],
    ['claude-opus-4-1', 32000],
    ['claude-3-5-haiku-20241022', 8192],
    ['claude-custom-unknown-model', 8192],
  ])('streaming, %s → max_tokens %d', async (model, expected) => {
    await drain((await chat(model, {}, true)) as unknown as AsyncIterable<unknown>);
    expect(lastBody(s.claude).max_tokens).toBe(expected);
  });

  test('non-streaming: what fits in the default 5-minute headers timeout at 128000 tokens an hour', async () => {
    await chat('claude-sonnet-4-5');
    expect(lastBody(s.claude).max_tokens).toBe(10666);
    await chat('claude-3-5-haiku-20241022');
    expect(lastBody(s.claude).max_tokens).toBe(8192);
  });

  test('reasoning_effort high: max_tokens above the budget, streaming and not', async () => {
    await drain((await chat('claude-sonnet-4-5', { reasoning_effort: 'high' }, true)) as unknown as AsyncIterable<unknown>);
    let body = lastBody(s.claude);
    expect(body.max_tokens).toBe(32000);
    expect(dig(body, 'thinking', 'budget_tokens')).toBe(24576);
    // The budget the client asked for is kept, with room for the answer above it, past 10666.
    await chat('claude-sonnet-4-5', { reasoning_effort: 'high' });
    body = lastBody(s.claude);
    expect(body.max_tokens).toBe(24576 + 4096);
    expect(dig(body, 'thinking', 'budget_tokens')).toBe(24576);
    await chat('claude-sonnet-4-5', { reasoning_effort: 'medium' });
    body = lastBody(s.claude);
    expect(body.max_tokens).toBe(8192 + 4096);
    expect(dig(body, 'thinking', 'budget_tokens')).toBe(8192);
  });

  test('a max_tokens the client set is kept', async () => {
    await chat('claude-sonnet-4-5', { max_tokens: 30000 });
    expect(lastBody(s.claude).max_tokens).toBe(30000);
  });
});

describe('Gemini client without maxOutputTokens → claude-custom', () => {
  test('streaming gets the model limit up to 32000, non-streaming what fits in the headers timeout', async () => {
    const g = geminiClient(s, CLAUDE.name);
    await drain(await g.models.generateContentStream({ model: 'claude-sonnet-4-5', contents: 'write a big file' }));
    expect(lastBody(s.claude).max_tokens).toBe(32000);
    await g.models.generateContent({ model: 'claude-sonnet-4-5', contents: 'write a big file' });
    expect(lastBody(s.claude).max_tokens).toBe(10666);
  });

  test('a thinking budget gets room above it', async () => {
    const g = geminiClient(s, CLAUDE.name);
    await drain(
      await g.models.generateContentStream({ model: 'claude-sonnet-4-5', contents: 'x', config: { thinkingConfig: { thinkingBudget: 30000 } } }),
    );
    const body = lastBody(s.claude);
    expect(body.max_tokens).toBe(34096);
    expect(dig(body, 'thinking', 'budget_tokens')).toBe(30000);
  });
});

describe('the headers timeout bounds a whole answer', () => {
  test('10 minutes or none: 21333 at most, the most a non-streaming request may ask; 1 minute: 2133', async () => {
    for (const [ms, expected] of [[600_000, 21333], [0, 21333], [900_000, 21333], [60_000, 2133]] as const) {
      const t = await startStack('claude-custom', ['--headers-timeout-ms', String(ms)]);
      try {
        await clientFor(t, CLAUDE.name).chat.completions.create({ model: 'claude-sonnet-4-5', messages: [{ role: 'user', content: 'x' }] });
        expect(lastBody(t.claude).max_tokens).toBe(expected);
      } finally {
        await t.stop();
      }
    }
  });
});
