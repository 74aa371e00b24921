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

describe('ThinkTags: a model whose prompt opened the thinking (Qwen3 -Thinking, QwQ, DeepSeek-R1)', () => {
  /** As streamed() for a model whose chat template wrote the `<think>`; `answered`: the turn ended with a stop. */
  function opened(text: string, size: number, answered = true): ThinkPiece[] {
    const t = new ThinkTags();
    const out: ThinkPiece[] = [];
    for (let i = 0; i < text.length; i += size) out.push(...t.push(text.slice(i, i + size), true));
    out.push(...t.end(answered));
    return mergePieces(out);
  }
  // vllm-project/vllm#31045: Qwen3-235B-A22B-Thinking-2507 without a reasoning parser.
  const answer = 'Okay, the user asked 1+1. That is 2.\n</think>\n\n1+1 is 2.';

  test('what comes before </think> is thinking, however it is cut; each piece goes out as it comes', () => {
    for (const size of [1, 2, 7, 8, 9, 100]) {
      expect(opened(answer, size)).toEqual([
        { kind: 'thinking', text: 'Okay, the user asked 1+1. That is 2.\n' },
        { kind: 'text', text: '1+1 is 2.' },
      ]);
    }
    const t = new ThinkTags();
    expect(t.push('Okay,', true)).toEqual([{ kind: 'thinking', text: 'Okay,' }]);
    expect(t.push(' the user', true)).toEqual([{ kind: 'thinking', text: ' the user' }]);
    expect(splitThinkTags(answer, true)).toEqual(opened(answer, 3));
    // An answer that opens with the tag after all reads as before.
    expect(opened(`<think>${answer}`, 4)).toEqual(opened(answer, 4));
  });

  test('no </think> ever: a whole answer is text; a stream gives its words again as the answer, unless it was cut', () => {
    expect(splitThinkTags('No thinking here, 1+1 is 2.', true)).toEqual([{ kind: 'text', text: 'No thinking here, 1+1 is 2.' }]);
    expect(opened('No thinking here, 1+1 is 2.', 5)).toEqual([
      { kind: 'thinking', text: 'No thinking here, 1+1 is 2.' },
      { kind: 'text', text: 'No thinking here, 1+1 is 2.' },
    ]);
    expect(opened('Still thinking when the limit c', 5, false)).toEqual([{ kind: 'thinking', text: 'Still thinking when the limit c' }]);
    // Without the prompt's word a stray </think> is the answer's.
    expect(splitThinkTags('x</think>y')).toEqual([{ kind: 'text', text: 'x</think>y' }]);
  });
});

describe('the stream decoder with <think> content', () => {
  const chunkOf = (model: string, delta: object, finish?: string) => ({
    data: JSON.stringify({ id: 'c', model, choices: [{ index: 0, delta, ...(finish ? { finish_reason: finish } : {}) }] }),
  });
  const shown = (events: ReturnType<ReturnType<typeof createStreamDecoder>['message']>) =>
    events.filter((e) => e.type === 'thinking' || e.type === 'text').map((e) => `${e.type}:${(e as { text: string }).text}`);

  test("a Thinking model's content without <think>: thinking delta by delta, the answer after </think>", () => {
    const dec = createStreamDecoder();
    const model = 'Qwen3-235B-A22B-Thinking-2507-FP8';
    expect(shown(dec.message(chunkOf(model, { role: 'assistant', content: '' })))).toEqual([]);
    expect(shown(dec.message(chunkOf(model, { content: 'Okay, the' })))).toEqual(['thinking:Okay, the']);
    expect(shown(dec.message(chunkOf(model, { content: ' user.</think>\n\n' })))).toEqual(['thinking: user.']);
    expect(shown(dec.message(chunkOf(model, { content: 'It is 2.' }, 'stop')))).toEqual(['text:It is 2.']);
    expect(shown(dec.message({ data: '[DONE]' }))).toEqual([]);
  });

  test('thinking a reasoning parser sent apart first: the content is the answer; other models as before', () => {
    let dec = createStreamDecoder();
    const events = [
      ...dec.message(chunkOf('qwq-32b', { reasoning_content: 'Sum.' })),
      ...dec.message(chunkOf('qwq-32b', { content: 'It is 2.' }, 'stop')),
      ...dec.message({ data: '[DONE]' }),
    ];
    expect(shown(events)).toEqual(['thinking:Sum.', 'text:It is 2.']);
    dec = createStreamDecoder();
    expect(shown([...dec.message(chunkOf('qwen3-32b', { content: 'It is 2.' }, 'stop')), ...dec.message({ data: '[DONE]' })])).toEqual(['text:It is 2.']);
  });

  test('no </think> came: the words go again as the answer at a stop, not after a cut', () => {
    let dec = createStreamDecoder();
    let events = [...dec.message(chunkOf('deepseek-r1-distill-qwen-32b', { content: 'It is 2.' }, 'stop')), ...dec.message({ data: '[DONE]' })];
    expect(shown(events)).toEqual(['thinking:It is 2.', 'text:It is 2.']);
    dec = createStreamDecoder();
    events = [...dec.message(chunkOf('deepseek-r1-distill-qwen-32b', { content: 'Let me see' }, 'length')), ...dec.message({ data: '[DONE]' })];
    expect(shown(events)).toEqual(['thinking:Let me see']);
  });

  test('no </think> came before a tool call: the words go again as the answer before it, as a whole answer reads them', () => {
    const dec = createStreamDecoder();
    const call = { tool_calls: [{ index: 0, id: 'call_1', type: 'function', function: { name: 'get_weather', arguments: '{}' } }] };
    const events = [
      ...dec.message(chunkOf('deepseek-r1:8b', { content: 'Let me check the weather. ' })),
      ...dec.message(chunkOf('deepseek-r1:8b', call)),
      ...dec.message(chunkOf('deepseek-r1:8b', {}, 'tool_calls')),
      ...dec.message({ data: '[DONE]' }),
    ];
    expect(shown(events).slice(0, 2)).toEqual(['thinking:Let me check the weather. ', 'text:Let me check the weather. ']);
    expect(events.some((e) => e.type === 'tool_call_start')).toBe(true);
  });


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

  test('a Thinking model whose template wrote <think> into the prompt: the same blocks, streamed and not', async () => {
    const thinking = { ...request, model: 'Qwen3-30B-A3B-Thinking-2507' };
    const blocks = (msg: Anthropic.Message) => msg.content.map((b) => (b.type === 'thinking' ? ['thinking', b.thinking] : b.type === 'text' ? ['text', b.text] : [b.type]));
    s.openai.queue({ text: 'Simple sum: 4.\n</think>\n\nIt is 4.' });
    expect(blocks(await client().messages.stream(thinking).finalMessage())).toEqual([
      ['thinking', 'Simple sum: 4.\n'],
      ['text', 'It is 4.'],
    ]);
    s.openai.queue({ text: 'Simple sum: 4.\n</think>\n\nIt is 4.' });
    expect(blocks(await client().messages.create(thinking))).toEqual([
      ['thinking', 'Simple sum: 4.\n'],
      ['text', 'It is 4.'],
    ]);
  });
});
