import { describe, expect, test } from 'bun:test';
import { COMPACT_INSTRUCTION, compactionResponse, isCompactionTrigger, summaryRequest, TRIMMED_NOTE, trimmedHistory, triggeredResponse } from '../../../src/protocols/responses/compact.ts';
import { decodeRequest } from '../../../src/protocols/responses/decode-request.ts';
import { COMPACTED_PREFIX } from '../../../src/protocols/responses/decode-items.ts';

const answer = (text: string, usage: unknown = { input_tokens: 9, output_tokens: 3, total_tokens: 12 }) => ({
  output: [{ type: 'reasoning', summary: [] }, { type: 'message', role: 'assistant', content: [{ type: 'output_text', text }] }],
  usage,
});

describe('responses compaction', () => {
  test('the summarising request: the instruction after the history, no stream, tool calls off only when there are tools', () => {
    const withTools = summaryRequest({ model: 'm', input: [{ role: 'user', content: 'hi' }], tools: [{ type: 'function', name: 'f' }], stream: true });
    expect(withTools).toMatchObject({ stream: false, tool_choice: 'none' });
    expect((withTools.input as unknown[]).at(-1)).toEqual({ type: 'message', role: 'user', content: [{ type: 'input_text', text: COMPACT_INSTRUCTION }] });
    const plain = summaryRequest({ model: 'm', input: 'just this' });
    expect(plain).not.toHaveProperty('tool_choice');
    expect(plain.input).toHaveLength(2);
    expect(() => decodeRequest(plain)).not.toThrow();
  });

  test("the answer: the user's messages, newest that fit, then one compaction item that decodes back to the summary", () => {
    const input = [
      { role: 'user', content: 'x'.repeat(90_000) },
      { type: 'message', role: 'user', content: [{ type: 'input_text', text: 'second' }] },
      { type: 'message', role: 'assistant', content: [{ type: 'output_text', text: 'reply' }] },
      { role: 'developer', content: 'rules' },
      { role: 'user', content: 'third' },
    ];
    const out = compactionResponse({ input }, answer('  The summary.  '))!;
    expect(out).toMatchObject({ object: 'response.compaction', usage: { input_tokens: 9, output_tokens: 3, total_tokens: 12 } });
    expect(out.id).toMatch(/^resp_/);
    const items = out.output as Array<Record<string, unknown>>;
    // The 90 000-character message does not fit the budget; the two after it do, in order.
    expect(items.map((i) => [i.type, i.role, i.content])).toEqual([
      ['message', 'user', [{ type: 'input_text', text: 'second' }]],
      ['message', 'user', 'third'],
      ['compaction', undefined, undefined],
    ]);
    expect(items[2]!.id).toMatch(/^cmp_/);
    const replayed = decodeRequest({ model: 'm', input: [...items, { role: 'user', content: 'go on' }] });
    expect(replayed.messages.map((m) => m.content)).toEqual([
      [{ type: 'text', text: 'second' }],
      [{ type: 'text', text: 'third' }],
      [{ type: 'text', text: `${COMPACTED_PREFIX}The summary.` }],
      [{ type: 'text', text: 'go on' }],
    ]);
  });

  test('no text from the model is no compaction; a string input is kept as one message', () => {
    expect(compactionResponse({ input: [] }, answer('   '))).toBeUndefined();
    expect(compactionResponse({ input: [] }, { output: 'junk' })).toBeUndefined();
    const out = compactionResponse({ input: 'only this' }, answer('s', null))!;
    expect(out.usage).toBeNull();
    expect((out.output as Array<Record<string, unknown>>)[0]).toMatchObject({ role: 'user', content: [{ type: 'input_text', text: 'only this' }] });
  });

  test('a compaction_trigger last asks for compaction; the trigger is not sent upstream; the answer is the one item, whole or streamed', () => {
    const body = { model: 'm', input: [{ role: 'user', content: 'hi' }, { type: 'compaction_trigger' }], stream: true };
    expect(isCompactionTrigger(body)).toBe(true);
    expect(isCompactionTrigger({ input: [{ type: 'compaction_trigger' }, { role: 'user', content: 'hi' }] })).toBe(false);
    expect(isCompactionTrigger({ input: 'text' })).toBe(false);
    expect(JSON.stringify(summaryRequest(body))).not.toContain('compaction_trigger');
    const whole = JSON.parse(triggeredResponse({ id: 'resp_1', object: 'response', ...answer('Summary.') }, false)!);
    expect(whole).toMatchObject({ id: 'resp_1', object: 'response', status: 'completed', usage: { total_tokens: 12 } });
    expect(whole.output).toHaveLength(1);
    expect(whole.output[0]).toMatchObject({ type: 'compaction', encrypted_content: expect.stringMatching(/^aiproxy:/) });
    const frames = triggeredResponse({ id: 'resp_1', ...answer('Summary.') }, true)!.split('\n\n').filter(Boolean);
    expect(frames.map((f) => f.split('\n')[0])).toEqual([
      'event: response.created',
      'event: response.in_progress',
      'event: response.output_item.added',
      'event: response.output_item.done',
      'event: response.completed',
    ]);
    expect(JSON.parse(frames[0]!.split('\ndata: ')[1]!).response).toMatchObject({ status: 'in_progress', output: [], usage: null });
    expect(triggeredResponse(answer(''), true)).toBeUndefined();
  });

  test('a trimmed history keeps the newest part by size, never starts on a tool output, and says the beginning is missing', () => {
    const text = (t: string, n: number) => ({ role: 'user', content: t + 'x'.repeat(n) });
    const input = [
      text('a', 1000),
      { type: 'function_call', call_id: 'c1', name: 'f', arguments: '{}' },
      { type: 'function_call_output', call_id: 'c1', output: 'y'.repeat(1000) },
      text('b', 1000),
    ];
    const half = trimmedHistory({ model: 'm', input }, 0.5).input as Array<Record<string, unknown>>;
    // Half the size reaches back to the output, which is dropped with its call.
    expect(half.map((i) => (typeof i.content === 'string' ? i.content[0] : i.type))).toEqual(['message', 'b']);
    expect(half[0]).toEqual({ type: 'message', role: 'user', content: [{ type: 'input_text', text: TRIMMED_NOTE }] });
    // Even a fraction nothing fits in keeps the newest item; a history that fits whole is left as it is.
    expect((trimmedHistory({ input }, 0.01).input as unknown[]).slice(1)).toEqual([input[3]]);
    expect(trimmedHistory({ input }, 1)).toEqual({ input });
    expect(trimmedHistory({ input: 'text' }, 0.5)).toEqual({ input: 'text' });
  });
});
