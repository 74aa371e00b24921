/**
 * Responses upstreams that send a part only whole, in its `.done` events (gpt-5.3-codex-spark and
 * GitHub Copilot's models send function arguments so): the decoded stream must carry it, once, and
 * not twice when the deltas did come.
 */
import { describe, expect, test } from 'bun:test';
import type { StreamEvent } from '../../../src/core/index.ts';
import { decodeAll } from './stream-helpers.ts';


const created = { type: 'response.created', response: { id: 'resp_abc', object: 'response', created_at: 1_760_000_000, status: 'in_progress', model: 'gpt-5.3-codex-spark', output: [] } };
const completed = { type: 'response.completed', response: { id: 'resp_abc', object: 'response', status: 'completed', model: 'gpt-5.3-codex-spark', output: [], usage: { input_tokens: 5, output_tokens: 5, total_tokens: 10 } } };
const callAdded = { type: 'response.output_item.added', output_index: 0, item: { id: 'fc_1', type: 'function_call', status: 'in_progress', call_id: 'call_X', name: 'Bash', arguments: '' } };
const callDone = (args: string) => ({ type: 'response.output_item.done', output_index: 0, item: { id: 'fc_1', type: 'function_call', status: 'completed', call_id: 'call_X', name: 'Bash', arguments: args } });
const ARGS = '{"command":"ls -la"}';

const argsOf = (events: StreamEvent[]): string =>
  events.map((e) => (e.type === 'tool_call_delta' ? e.args : '')).join('');
const textOf = (events: StreamEvent[], type: 'text' | 'thinking' = 'text'): string =>
  events.map((e) => (e.type === type ? e.text : '')).join('');

describe('responses stream decoder: parts sent only whole', () => {
  test('arguments only in function_call_arguments.done (and the item): taken once', () => {
    const events = decodeAll([
      created,
      callAdded,
      { type: 'response.function_call_arguments.done', item_id: 'fc_1', output_index: 0, arguments: ARGS },
      callDone(ARGS),
      completed,
    ]);
    expect(argsOf(events)).toBe(ARGS);
    expect(events.map((e) => e.type)).toEqual(['start', 'tool_call_start', 'tool_call_delta', 'tool_call_end', 'finish']);
  });

  test('arguments only in output_item.done', () => {
    expect(argsOf(decodeAll([created, callAdded, callDone(ARGS), completed]))).toBe(ARGS);
  });

  test('arguments that came as deltas are not repeated by the .done events', () => {
    const events = decodeAll([
      created,
      callAdded,
      { type: 'response.function_call_arguments.delta', item_id: 'fc_1', output_index: 0, delta: '{"command":' },
      { type: 'response.function_call_arguments.delta', item_id: 'fc_1', output_index: 0, delta: '"ls -la"}' },
      { type: 'response.function_call_arguments.done', item_id: 'fc_1', output_index: 0, arguments: ARGS },
      callDone(ARGS),
      completed,
    ]);
    expect(argsOf(events)).toBe(ARGS);
  });

  test('text only in output_text.done, or only in the message item: taken once; with deltas, not repeated', () => {
    const message = (text: string) => ({ id: 'msg_1', type: 'message', status: 'completed', role: 'assistant', content: [{ type: 'output_text', text, annotations: [] }] });
    const added = { type: 'response.output_item.added', output_index: 0, item: { ...message(''), status: 'in_progress', content: [] } };
    const textDone = { type: 'response.output_text.done', item_id: 'msg_1', output_index: 0, content_index: 0, text: 'Checking.' };
    const itemDone = { type: 'response.output_item.done', output_index: 0, item: message('Checking.') };
    expect(textOf(decodeAll([created, added, textDone, itemDone, completed]))).toBe('Checking.');
    expect(textOf(decodeAll([created, added, itemDone, completed]))).toBe('Checking.');
    const delta = { type: 'response.output_text.delta', item_id: 'msg_1', output_index: 0, content_index: 0, delta: 'Checking.' };
    expect(textOf(decodeAll([created, added, delta, textDone, itemDone, completed]))).toBe('Checking.');
  });

  test('an item whose id changes between its deltas and its output_item.done (mistral.rs, LiteLLM) is not repeated', () => {
    const events = decodeAll([
      created,
      { type: 'response.output_text.delta', item_id: 'msg_delta', output_index: 0, content_index: 0, delta: 'Hello world' },
      { type: 'response.output_item.done', output_index: 0, item: { id: 'msg_other', type: 'message', role: 'assistant', content: [{ type: 'output_text', text: 'Hello world' }] } },
      completed,
    ]);
    expect(textOf(events)).toBe('Hello world');
  });

  test('deltas that name no item at all: the .done events add nothing', () => {
    const events = decodeAll([
      created,
      { type: 'response.output_text.delta', delta: 'Hello' },
      { type: 'response.output_text.done', item_id: 'm1', output_index: 0, content_index: 0, text: 'Hello' },
      { type: 'response.output_item.done', output_index: 0, item: { id: 'm1', type: 'message', content: [{ type: 'output_text', text: 'Hello' }] } },
      completed,
    ]);
    expect(textOf(events)).toBe('Hello');
  });

  test('deltas that name the item by id only, its done by index only (or the other way round): not repeated', () => {
    const byId = decodeAll([
      created,
      { type: 'response.output_text.delta', item_id: 'm1', content_index: 0, delta: 'Hello.' },
      { type: 'response.output_item.done', output_index: 0, item: { id: 'm1', type: 'message', content: [{ type: 'output_text', text: 'Hello.' }] } },
      completed,
    ]);
    expect(textOf(byId)).toBe('Hello.');
    const byIndex = decodeAll([
      created,
      { type: 'response.output_text.delta', output_index: 0, content_index: 0, delta: 'Hello.' },
      { type: 'response.output_text.done', item_id: 'm1', output_index: 0, content_index: 0, text: 'Hello.' },
      completed,
    ]);
    expect(textOf(byIndex)).toBe('Hello.');
  });

  test('reasoning deltas that name no item: the reasoning item done adds nothing', () => {
    const events = decodeAll([
      created,
      { type: 'response.reasoning_summary_text.delta', delta: 'Think.' },
      { type: 'response.output_item.done', output_index: 0, item: { id: 'rs_1', type: 'reasoning', summary: [{ type: 'summary_text', text: 'Think.' }] } },
      completed,
    ]);
    expect(textOf(events, 'thinking')).toBe('Think.');
  });

  test('an empty delta does not hide the whole text its .done carries', () => {
    const events = decodeAll([
      created,
      { type: 'response.output_text.delta', item_id: 'm1', output_index: 0, content_index: 0, delta: '' },
      { type: 'response.output_text.done', item_id: 'm1', output_index: 0, content_index: 0, text: 'Hello world' },
      completed,
    ]);
    expect(textOf(events)).toBe('Hello world');
  });

  test('a reasoning summary only in the reasoning item comes before its signature', () => {
    const reasoning = { id: 'rs_1', type: 'reasoning', summary: [{ type: 'summary_text', text: 'Plan A' }, { type: 'summary_text', text: 'Plan B' }], encrypted_content: 'gAAAAenc' };
    const events = decodeAll([
      created,
      { type: 'response.output_item.added', output_index: 0, item: { id: 'rs_1', type: 'reasoning', summary: [] } },
      { type: 'response.output_item.done', output_index: 0, item: reasoning },
      completed,
    ]);
    expect(textOf(events, 'thinking')).toBe('Plan A\n\nPlan B');
    expect(events.map((e) => e.type)).toEqual(['start', 'thinking', 'thinking', 'thinking', 'thinking_signature', 'finish']);
  });

  test('a call closed by an output_item.done that no output_item.added opened is taken whole (weave-os/router#331)', () => {
    const events = decodeAll([created, callDone(ARGS), completed]);
    expect(events.map((e) => e.type)).toEqual(['start', 'tool_call_start', 'tool_call_delta', 'tool_call_end', 'finish']);
    expect(events[1]).toMatchObject({ id: 'call_X', name: 'Bash' });
    expect(argsOf(events)).toBe(ARGS);
    expect(events.at(-1)).toMatchObject({ type: 'finish', reason: 'tool_calls' });
  });

  test('an answer only in response.completed (NVIDIA-NeMo/Switchyard#777) is read from its output; a streamed one is not read twice', () => {
    const message = { id: 'msg_1', type: 'message', status: 'completed', role: 'assistant', content: [{ type: 'output_text', text: 'Listing.', annotations: [] }] };
    const call = { id: 'fc_1', type: 'function_call', status: 'completed', call_id: 'call_X', name: 'Bash', arguments: ARGS };
    const whole = { ...completed, response: { ...completed.response, output: [message, call] } };
    const events = decodeAll([created, whole]);
    expect(textOf(events)).toBe('Listing.');
    expect(argsOf(events)).toBe(ARGS);
    expect(events.map((e) => e.type)).toEqual(['start', 'text', 'tool_call_start', 'tool_call_delta', 'tool_call_end', 'finish']);
    expect(events.at(-1)).toMatchObject({ type: 'finish', reason: 'tool_calls' });
    const delta = { type: 'response.output_text.delta', item_id: 'msg_1', output_index: 0, content_index: 0, delta: 'Listing.' };
    const streamed = decodeAll([created, delta, { ...completed, response: { ...completed.response, output: [message] } }]);
    expect(textOf(streamed)).toBe('Listing.');
  });
});
