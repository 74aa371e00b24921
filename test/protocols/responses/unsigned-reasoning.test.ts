import { describe, expect, test } from 'bun:test';
import type { OutputPart, StreamEvent } from '../../../src/core/index.ts';
import { createResponsesStreamEncoder, encodeResponsesResponse, responsesCodec } from '../../../src/protocols/responses/index.ts';
import { decodeContinuity, encodeContinuity } from '../../../src/protocols/responses/items.ts';
import { readableToOpenAI } from '../../../src/protocols/responses/own-items.ts';
import { parseSSE } from '../../../src/util/sse.ts';

/**
 * Thinking without a signature (Gemini thought parts, DeepSeek reasoning_content) still gets an
 * `aiproxy:` token: OpenAI refuses a replayed reasoning item without encrypted_content when store is
 * false, and the token is what lets the conversation go back to OpenAI with that item left out.
 */

type Item = Record<string, unknown>;
const usage = { inputTokens: 1, outputTokens: 1 };

function nonStreamed(content: OutputPart[]): Item[] {
  const res = encodeResponsesResponse({ id: 'r', model: 'm', content, finishReason: 'tool_calls', usage });
  return JSON.parse(JSON.stringify(res.output)) as Item[];
}

function streamed(events: StreamEvent[]): Item[] {
  const enc = createResponsesStreamEncoder({ model: 'm' });
  const sse = [{ type: 'start', id: 'r', model: 'm' } as StreamEvent, ...events].map((e) => enc.encode(e)).join('');
  const frames = parseSSE(sse).map((m) => JSON.parse(m.data) as { type: string; item?: Item; response?: { output: Item[] } });
  const done = frames.filter((f) => f.type === 'response.output_item.done').map((f) => f.item!);
  // response.completed carries exactly the items output_item.done did.
  expect(frames.at(-1)!.response!.output).toEqual(done);
  return done;
}

/** Codex replays reasoning without its id (codex-rs models.rs: skip_serializing). */
function asCodexReplays(items: Item[]): Item[] {
  return items.map((item) => {
    if (item.type !== 'reasoning') return item;
    const { id: _id, ...rest } = item;
    return rest;
  });
}

const call = { type: 'tool_call', id: 'call_1', name: 'read_file', args: { path: 'a.txt' } } as const;
const history = (items: Item[]): Item[] => [
  { role: 'user', content: 'fix a.txt' },
  ...asCodexReplays(items),
  { type: 'function_call_output', call_id: 'call_1', output: 'ok' },
];

const encoders: Array<[string, () => Item[]]> = [
  ['non-streaming', () => nonStreamed([{ type: 'thinking', text: 'I should read a.txt' }, call])],
  [
    'streaming',
    () =>
      streamed([
        { type: 'thinking', text: 'I should ' },
        { type: 'thinking', text: 'read a.txt' },
        { type: 'tool_call_start', index: 0, id: 'call_1', name: 'read_file' },
        { type: 'tool_call_delta', index: 0, args: '{"path":"a.txt"}' },
        { type: 'tool_call_end', index: 0 },
        { type: 'finish', reason: 'tool_calls', usage },
      ]),
  ],
];

describe.each(encoders)('unsigned thinking, %s', (_name, encode) => {
  test('the reasoning item carries an aiproxy: token that stands for no signature', () => {
    const [rs, fc] = encode();
    expect(rs).toMatchObject({ type: 'reasoning', summary: [{ type: 'summary_text', text: 'I should read a.txt' }] });
    expect(rs!.encrypted_content).toStartWith('aiproxy:');
    expect(decodeContinuity(rs!.encrypted_content as string)).toEqual({ kind: 'unsigned' });
    expect(fc).toMatchObject({ type: 'function_call', call_id: 'call_1' });
  });

  test('back to OpenAI: the item is left out, the rest goes as it came', () => {
    const input = history(encode());
    const body = { model: 'gpt-5-codex', input, store: false };
    expect(readableToOpenAI(body)!.input).toEqual([input[0], input[2], input[3]]);
  });

  test('to another upstream: the thinking text, with no signature, as before', () => {
    const req = responsesCodec.decodeRequest({ model: 'm', input: history(encode()) });
    expect(req.messages[1]).toEqual({ role: 'assistant', content: [{ type: 'thinking', text: 'I should read a.txt' }, call] });
  });
});

describe('unsigned thinking: edges', () => {
  test('empty thinking with nothing to carry is no item, streamed or not', () => {
    expect(nonStreamed([{ type: 'thinking', text: '' }, { type: 'text', text: 'hi' }]).map((i) => i.type)).toEqual(['message']);
    expect(streamed([{ type: 'thinking', text: '' }, { type: 'text', text: 'hi' }, { type: 'finish', reason: 'stop', usage }]).map((i) => i.type)).toEqual(['message']);
  });

  test('thinking closed by the answer, then a signature alone: a text item and a token item, decoded as before', () => {
    const items = streamed([
      { type: 'thinking', text: 'plan' },
      { type: 'text', text: 'answer' },
      { type: 'thinking_signature', signature: { family: 'gemini', value: 'Ci8B' } },
      { type: 'finish', reason: 'stop', usage },
    ]);
    expect(items.map((i) => (i.type === 'reasoning' ? decodeContinuity(i.encrypted_content as string) : i.type))).toEqual([
      { kind: 'unsigned' },
      'message',
      { kind: 'thinking', signature: { family: 'gemini', value: 'Ci8B' } },
    ]);
    const req = responsesCodec.decodeRequest({ model: 'm', input: [{ role: 'user', content: 'q' }, ...asCodexReplays(items)] });
    expect(req.messages[1]!.content).toEqual([
      { type: 'thinking', text: 'plan' },
      { type: 'text', text: 'answer' },
      { type: 'thinking', text: '', signature: { family: 'gemini', value: 'Ci8B' } },
    ]);
  });

  test('a reasoning item with neither id nor encrypted_content (written before the token) is left out for OpenAI too', () => {
    const legacy = { type: 'reasoning', summary: [{ type: 'summary_text', text: 'I should read a.txt' }] };
    const openaiOwn = { type: 'reasoning', id: 'rs_1', summary: [], encrypted_content: 'gAAAA' };
    const user = { type: 'message', role: 'user', content: [{ type: 'input_text', text: 'go on' }] };
    expect(readableToOpenAI({ model: 'gpt-5', input: [user, legacy, openaiOwn] })!.input).toEqual([user, openaiOwn]);
    expect(readableToOpenAI({ model: 'gpt-5', input: [user, openaiOwn] })).toBeUndefined();
  });

  test('an unsigned token with no summary to go with it decodes to nothing', () => {
    const req = responsesCodec.decodeRequest({
      model: 'm',
      input: [{ role: 'user', content: 'q' }, { type: 'reasoning', summary: [], encrypted_content: encodeContinuity({ kind: 'unsigned' }) }, { role: 'user', content: 'again' }],
    });
    expect(req.messages).toEqual([
      { role: 'user', content: [{ type: 'text', text: 'q' }] },
      { role: 'user', content: [{ type: 'text', text: 'again' }] },
    ]);
  });
});
