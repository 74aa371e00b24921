/**
 * A client whose API needs no max tokens (Chat Completions, Gemini), converted to Anthropic, which
 * requires one: the model's own output limit where aiproxy knows it (at most 32000, as Claude Code
 * asks), not a fixed 8192 that cut long answers; at most 21333 without streaming, above which
 * Anthropic's SDKs refuse a non-streaming request as one that may outlast 10 minutes and gateways
 * answer 400; 8192 for a model whose limit is unknown; room for a thinking budget above it either way.
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

  test('non-streaming: at most 21333, under the 10 minutes a non-streaming request may take', async () => {
    await chat('claude-sonnet-4-5');
    expect(lastBody(s.claude).max_tokens).toBe(21333);
    await chat('claude-3-5-haiku-20241022');
    expect(lastBody(s.claude).max_tokens).toBe(8192);
  });

  test('reasoning_effort high: max_tokens above the budget, streaming and not', async () => {
    await drain((await chat('claude-sonnet-4-5', { reasoning_effort: 'high' }, true)) as unknown as AsyncIterable<unknown>);
    let body = lastBody(s.claude);
    expect(body.max_tokens).toBe(32000);
    expect(dig(body, 'thinking', 'budget_tokens')).toBe(24576);
    // The budget the client asked for is kept, with room for the answer above it, past 21333.
    await chat('claude-sonnet-4-5', { reasoning_effort: 'high' });
    body = lastBody(s.claude);
    expect(body.max_tokens).toBe(24576 + 4096);
    expect(dig(body, 'thinking', 'budget_tokens')).toBe(24576);
    await chat('claude-sonnet-4-5', { reasoning_effort: 'medium' });
    body = lastBody(s.claude);
    expect(body.max_tokens).toBe(21333);
    expect(dig(body, 'thinking', 'budget_tokens')).toBe(8192);
  });

  test('a max_tokens the client set is kept', async () => {
    await chat('claude-sonnet-4-5', { max_tokens: 30000 });
    expect(lastBody(s.claude).max_tokens).toBe(30000);
  });
});

describe('Gemini client without maxOutputTokens → claude-custom', () => {
  test('streaming gets the model limit up to 32000, non-streaming up to 21333', async () => {
    const g = geminiClient(s, CLAUDE.name);
    await drain(await g.models.generateContentStream({ model: 'claude-sonnet-4-5', contents: 'write a big file' }));
    expect(lastBody(s.claude).max_tokens).toBe(32000);
    await g.models.generateContent({ model: 'claude-sonnet-4-5', contents: 'write a big file' });
    expect(lastBody(s.claude).max_tokens).toBe(21333);
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
