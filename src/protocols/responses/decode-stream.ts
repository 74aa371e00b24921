import type { ProxyErrorInfo } from '../../core/errors.ts';
import type { StreamEvent } from '../../core/stream-events.ts';
import { emptyUsage, type Usage } from '../../core/usage.ts';
import { isRecord, tryParseJson, type JsonObject } from '../../util/json.ts';
import type { SSEMessage, StreamDecoder } from '../types.ts';
import { inBandError } from '../openai/errors.ts';
import { finishReasonOf, reasoningItemSignature, usageFromResponses } from './decode-response.ts';
import { responseItemId } from './items.ts';

/** A call item being streamed: its canonical ordinal, and a custom tool's input so far. */
interface OpenCall {
  ordinal: number;
  custom: boolean;
  input: string;
  /** Whether its arguments came as deltas: some models send them only whole, in the .done events. */
  streamed: boolean;
}

/**
 * Responses API SSE → canonical events: text, reasoning summaries and function/custom tool calls, in
 * the order the items stream. Reads an openaiResponses-custom upstream, and aiproxy's own streams back
 * (the prompt log). A reasoning item's encrypted_content closes its thinking as a signature.
 *
 * Text, summaries and arguments are taken from the deltas, or from the `.done` events when a part had
 * none: gpt-5.3-codex-spark and GitHub Copilot's models send a call's arguments only there.
 */
export function createStreamDecoder(): StreamDecoder {
  let started = false;
  let done = false;
  let ordinals = 0;
  const calls = new Map<string, OpenCall>();
  /** The reasoning summary part the last thinking delta belonged to (`<item id>/<index>`). */
  let thoughtPart: string | undefined;
  /** Text and summary parts (`<output index>/<index>`) that had deltas, so their `.done` adds nothing. */
  const seen = new Set<string>();
  /** Text came in deltas that name no item: no `.done` can then be told apart from them, so none is read. */
  let unplaced = false;

  const text = (out: StreamEvent[], part: string, value: string): void => {
    if (!value) return;
    seen.add(part);
    out.push({ type: 'text', text: value });
  };

  const thinking = (out: StreamEvent[], item: string, part: string, value: string): void => {
    if (!value) return;
    seen.add(part);
    // Summary parts are paragraphs; a later one starts on its own, as the non-streaming answer joins them.
    if (thoughtPart !== undefined && thoughtPart !== part && thoughtPart.startsWith(`${item}/`)) out.push({ type: 'thinking', text: '\n\n' });
    thoughtPart = part;
    out.push({ type: 'thinking', text: value });
  };

  const args = (out: StreamEvent[], call: OpenCall, value: unknown): void => {
    if (call.streamed || typeof value !== 'string' || value === '') return;
    call.streamed = true;
    out.push({ type: 'tool_call_delta', index: call.ordinal, args: value });
  };

  const start = (out: StreamEvent[], response?: JsonObject): void => {
    if (started) return;
    started = true;
    const id = typeof response?.id === 'string' && response.id ? response.id : responseItemId();
    const ev: StreamEvent = { type: 'start', id, model: typeof response?.model === 'string' ? response.model : '' };
    if (typeof response?.created_at === 'number') ev.created = response.created_at;
    out.push(ev);
  };

  const fail = (error: ProxyErrorInfo): StreamEvent[] => {
    const out: StreamEvent[] = [];
    start(out);
    done = true;
    out.push({ type: 'error', error });
    return out;
  };

  function message(msg: SSEMessage): StreamEvent[] {
    if (done) return [];
    const data = tryParseJson(msg.data);
    if (!isRecord(data)) return [];
    const out: StreamEvent[] = [];
    const type = typeof data.type === 'string' ? data.type : msg.event;
    const itemId = typeof data.item_id === 'string' ? data.item_id : '';
    const delta = typeof data.delta === 'string' ? data.delta : '';
    // Parts are told apart by their item's place in the output: some servers change an item's id between
    // its deltas and its output_item.done (mistral.rs, LiteLLM's bridge) or send deltas without one.
    const item = typeof data.output_index === 'number' ? String(data.output_index) : itemId;
    const part = `${item}/${String(data.summary_index ?? data.content_index ?? 0)}`;
    switch (type) {
      case 'response.created':
      case 'response.in_progress':
        start(out, isRecord(data.response) ? data.response : undefined);
        break;
      case 'response.output_text.delta':
      case 'response.refusal.delta':
        start(out);
        if (item === '' && delta) unplaced = true;
        text(out, part, delta);
        break;
      case 'response.output_text.done':
      case 'response.refusal.done':
        if (unplaced || seen.has(part)) break;
        start(out);
        text(out, part, typeof data.text === 'string' ? data.text : typeof data.refusal === 'string' ? data.refusal : '');
        break;
      case 'response.reasoning_summary_text.delta':
      case 'response.reasoning_text.delta':
        start(out);
        thinking(out, item, part, delta);
        break;
      case 'response.reasoning_summary_text.done':
      case 'response.reasoning_text.done':
        if (seen.has(part)) break;
        start(out);
        thinking(out, item, part, typeof data.text === 'string' ? data.text : '');
        break;
      case 'response.output_item.added': {
        const item = isRecord(data.item) ? data.item : {};
        if (item.type !== 'function_call' && item.type !== 'custom_tool_call') break;
        start(out);
        const call: OpenCall = { ordinal: ordinals++, custom: item.type === 'custom_tool_call', input: '', streamed: false };
        calls.set(String(item.id ?? ''), call);
        out.push({ type: 'tool_call_start', index: call.ordinal, id: String(item.call_id ?? ''), name: String(item.name ?? '') });
        break;
      }
      case 'response.function_call_arguments.delta': {
        const call = calls.get(itemId);
        if (call && delta) {
          call.streamed = true;
          out.push({ type: 'tool_call_delta', index: call.ordinal, args: delta });
        }
        break;
      }
      case 'response.function_call_arguments.done': {
        const call = calls.get(itemId);
        if (call) args(out, call, data.arguments);
        break;
      }
      case 'response.custom_tool_call_input.delta': {
        const call = calls.get(itemId);
        if (call) call.input += delta;
        break;
      }
      case 'response.custom_tool_call_input.done': {
        const call = calls.get(itemId);
        if (call && call.input === '' && typeof data.input === 'string') call.input = data.input;
        break;
      }
      case 'response.output_item.done': {
        const item = isRecord(data.item) ? data.item : {};
        const at = typeof data.output_index === 'number' ? String(data.output_index) : String(item.id ?? '');
        if (item.type === 'message') {
          if (!unplaced) doneMessage(out, item, at);
          break;
        }
        if (item.type === 'reasoning') {
          doneSummaries(out, item, at);
          const signature = reasoningItemSignature(item);
          if (signature) {
            start(out);
            out.push({ type: 'thinking_signature', signature });
          }
          break;
        }
        const call = calls.get(String(item.id ?? ''));
        if (!call) break;
        calls.delete(String(item.id ?? ''));
        if (call.custom && call.input === '' && typeof item.input === 'string') call.input = item.input;
        if (!call.custom) args(out, call, item.arguments);
        // A custom tool's input goes upstream as the one string argument of a function (decode-tools.ts).
        if (call.custom) out.push({ type: 'tool_call_delta', index: call.ordinal, args: JSON.stringify({ input: call.input }) });
        out.push({ type: 'tool_call_end', index: call.ordinal });
        break;
      }
      case 'response.completed':
      case 'response.incomplete': {
        const response = isRecord(data.response) ? data.response : {};
        start(out, response);
        done = true;
        const usage: Usage = usageFromResponses(response.usage) ?? emptyUsage();
        out.push({ type: 'finish', reason: finishReasonOf(response, ordinals > 0), usage });
        break;
      }
      case 'response.failed':
      case 'error': {
        // response.failed carries the error in the response; an `error` event is the error itself.
        const response = isRecord(data.response) ? data.response : undefined;
        const error = isRecord(response?.error) ? response.error : isRecord(data.error) ? data.error : data;
        return fail(inBandError({ error: { message: 'the response failed', ...error } }));
      }
    }
    return out;
  }

  /** A message item's text parts that no delta or `.done` event brought. */
  function doneMessage(out: StreamEvent[], item: JsonObject, at: string): void {
    const content = Array.isArray(item.content) ? item.content : [];
    content.forEach((c, i) => {
      if (!isRecord(c) || seen.has(`${at}/${i}`)) return;
      const value = c.type === 'output_text' ? c.text : c.type === 'refusal' ? c.refusal : undefined;
      if (typeof value !== 'string' || value === '') return;
      start(out);
      text(out, `${at}/${i}`, value);
    });
  }

  /** A reasoning item's summary parts that no delta or `.done` event brought. */
  function doneSummaries(out: StreamEvent[], item: JsonObject, at: string): void {
    const summary = Array.isArray(item.summary) ? item.summary : [];
    summary.forEach((sm, i) => {
      if (!isRecord(sm) || seen.has(`${at}/${i}`) || typeof sm.text !== 'string') return;
      start(out);
      thinking(out, at, `${at}/${i}`, sm.text);
    });
  }

  function end(): StreamEvent[] {
    if (done) return [];
    return fail({ status: 502, kind: 'api_error', message: 'the stream ended before response.completed' });
  }

  return { message, end };
}
