import { afterAll, beforeAll, describe, expect, test } from 'bun:test';
import Anthropic from '@anthropic-ai/sdk';
import { mergePieces, splitThinkTags, ThinkTags, type ThinkPiece } from '../../../src/protocols/openai/think-tags.ts';
import { createStreamDecoder } from '../../../src/protocols/openai/decode-stream.ts';
import { startStack, type Stack } from '../../helpers/stack.ts';

/** Feeds `text` in pieces of `size` characters and joins what comes out by kind, in order. */
function streamed(text: string, size: number): ThinkPiece[] {
  const t = new ThinkTags();
  const out: ThinkPiece[] = [];
  for (let i = 0; i < text.length; i += size) out.push(...t.push(text.slice(i, i + size)));
  out.push(...t.end());
  return mergePieces(out);
}

describe('ThinkTags', () => {
  const answer = '<think>\nThe user wants 2+2. That is 4.\n</think>\n\nIt is 4.';
  test('an answer opening with <think>: thinking, then the answer without the blank line, however it is cut', () => {
    for (const size of [1, 2, 3, 7, 8, 9, 100]) {
      expect(streamed(answer, size)).toEqual([
        { kind: 'thinking', text: 'The user wants 2+2. That is 4.\n' },
        { kind: 'text', text: 'It is 4.' },
      ]);
    }
    expect(splitThinkTags(`  \n${answer}`)).toEqual(streamed(answer, 5));
  });

  test('answers that do not open with the tag keep every character, a tag quoted later included', () => {
    for (const text of ['Use <think> tags like <think>this</think>.', '<div>hi</div>', '<', '   ', 'x</think>y', '<thinking>no</thinking>']) {
      for (const size of [1, 3, 50]) expect(streamed(text, size)).toEqual([{ kind: 'text', text }]);
    }
  });

  test("Qwen3's empty thinking (thinking switched off) makes no thinking at all", () => {
    for (const size of [1, 4, 100]) expect(streamed('<think>\n\n</think>\n\nHello.', size)).toEqual([{ kind: 'text', text: 'Hello.' }]);
  });

  test('a stream cut before </think> keeps what it thought, a half-written closing tag included', () => {
    expect(streamed('<think>still going</th', 4)).toEqual([{ kind: 'thinking', text: 'still going</th' }]);
    expect(streamed('<thi', 1)).toEqual([{ kind: 'text', text: '<thi' }]);
  });
});

describe('the stream decoder with <think> content', () => {
  test('thinking held back for a possible </think> goes out before a tool call that follows it', () => {
    const dec = createStreamDecoder();
    const chunk = (delta: object) => ({ data: JSON.stringify({ id: 'c', model: 'qwen3', choices: [{ index: 0, delta }] }) });
    const events = [
      ...dec.message(chunk({ content: '<think>I will call f</th' })),
      ...dec.message(chunk({ tool_calls: [{ index: 0, id: 'call_1', type: 'function', function: { name: 'f', arguments: '{}' } }] })),
    ];
    expect(events.filter((e) => e.type !== 'start').map((e) => e.type === 'thinking' ? `thinking:${e.text}` : e.type)).toEqual([
      'thinking:I will call f',
      'thinking:</th',
      'tool_call_start',
      'tool_call_delta',
    ]);
  });
});

describe('Claude Code on an OpenAI-compatible server without a reasoning parser (converted)', () => {
  let s: Stack;
  beforeAll(async () => {
    s = await startStack();
  });
  afterAll(() => s.stop());

  const client = (): Anthropic => new Anthropic({ apiKey: s.proxy.key, baseURL: `${s.proxy.url}/openai-custom`, maxRetries: 0 });
  const request = { model: 'qwen3-32b', max_tokens: 256, messages: [{ role: 'user' as const, content: 'What is 2+2?' }] };

  test('streamed: the <think> part is a thinking block and the answer a text block', async () => {
    s.openai.queue({ text: '<think>\nSimple sum: 4.\n</think>\n\nIt is 4.' });
    const msg = await client().messages.stream(request).finalMessage();
    expect(msg.content.map((b) => (b.type === 'thinking' ? ['thinking', b.thinking] : b.type === 'text' ? ['text', b.text] : [b.type]))).toEqual([
      ['thinking', 'Simple sum: 4.\n'],
      ['text', 'It is 4.'],
    ]);
  });

  test('not streamed: the same blocks', async () => {
    s.openai.queue({ text: '<think>Simple sum: 4.</think>\nIt is 4.' });
    const msg = await client().messages.create(request);
    expect(msg.content.map((b) => b.type)).toEqual(['thinking', 'text']);
    expect(msg.content[1]).toMatchObject({ type: 'text', text: 'It is 4.' });
  });
});
