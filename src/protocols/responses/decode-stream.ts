import type { ProxyErrorInfo } from '../../core/errors.ts';
import type { StreamEvent } from '../../core/stream-events.ts';
import { emptyUsage, type Usage } from '../../core/usage.ts';
import { isRecord, tryParseJson, type JsonObject } from '../../util/json.ts';
import type { SSEMessage, StreamDecoder } from '../types.ts';
import { inBandError } from '../openai/errors.ts';
import { finishReasonOf, outputParts, reasoningItemSignature, usageFromResponses } from './decode-response.ts';
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
 * none: gpt-5.3-codex-spark and GitHub Copilot's models send a call's arguments only there. A call
 * closed by an output_item.done that no output_item.added opened is taken whole from it, and a stream
 * that streamed no output at all is answered from response.completed's `output`: some Responses-
 * compatible servers put their answer only there (NVIDIA-NeMo/Switchyard#777, #796).
 */
export function createStreamDecoder(): StreamDecoder {
  let started = false;
  let done = false;
  let ordinals = 0;
  /** Whether any text, thinking or call has been decoded: else response.completed's output is the answer. */
  let produced = false;
  const calls = new Map<string, OpenCall>();
  /** The reasoning summary part the last thinking delta belonged to (`<item id>/<index>`). */
  let thoughtPart: string | undefined;
  /**
   * Text and summary parts that had deltas, so their `.done` adds nothing: each under every name the
   * events give it (its item's output index, its item's id), as servers name items inconsistently.
   */
  const seen = new Set<string>();
  /** Deltas that named no item: no `.done` of that kind can then be told apart from them, so none is read. */
  const unplaced = { text: false, thinking: false };
  const isSeen = (keys: string[]): boolean => keys.some((k) => seen.has(k));

  const text = (out: StreamEvent[], keys: string[], value: string, refusal = false): void => {
    if (!value) return;
    produced = true;
    for (const k of keys) seen.add(k);
    if (keys.length === 0) unplaced.text = true;
    out.push(refusal ? { type: 'text', text: value, refusal } : { type: 'text', text: value });
  };

  const thinking = (out: StreamEvent[], item: string, part: string, keys: string[], value: string): void => {
    if (!value) return;
    produced = true;
    for (const k of keys) seen.add(k);
    if (keys.length === 0) unplaced.thinking = true;
    // Summary parts are paragraphs; a later one starts on its own, as the non-streaming answer joins them.
    if (thoughtPart !== undefined && thoughtPart !== part && thoughtPart.startsWith(`${item}/`)) out.push({ type: 'thinking', text: '\n\n' });
    thoughtPart = part;
    out.push({ type: 'thinking', text: value });
  };

  const args = (out: StreamEvent[], call: OpenCall, value: unknown): void => {
    // Whole arguments may come as the object itself (callArguments in decode-response.ts).
    const text = typeof value === 'string' ? value : isRecord(value) ? JSON.stringify(value) : '';
    if (call.streamed || text === '') return;
    call.streamed = true;
    out.push({ type: 'tool_call_delta', index: call.ordinal, args: text });
  };

  /** A function or custom tool call item opens: its canonical tool_call_start. */
  const openCall = (out: StreamEvent[], item: JsonObject): OpenCall => {
    start(out);
    produced = true;
    const call: OpenCall = { ordinal: ordinals++, custom: item.type === 'custom_tool_call', input: '', streamed: false };
    calls.set(String(item.id ?? ''), call);
    out.push({ type: 'tool_call_start', index: call.ordinal, id: String(item.call_id ?? ''), name: String(item.name ?? '') });
    return call;
  };

  /** The answer a stream that streamed none gives only in its final response object. */
  const snapshot = (out: StreamEvent[], output: unknown): void => {
    if (produced || !Array.isArray(output)) return;
    for (const item of output) {
      if (!isRecord(item)) continue;
      for (const part of outputParts(item)) {
        if (part.type === 'text') out.push(part.refusal ? { type: 'text', text: part.text, refusal: true } : { type: 'text', text: part.text });
        else if (part.type === 'thinking') {
          if (part.text) out.push({ type: 'thinking', text: part.text });
          if (part.signature) out.push({ type: 'thinking_signature', signature: part.signature });
        } else if (part.type === 'tool_call') {
          const index = ordinals++;
          out.push({ type: 'tool_call_start', index, id: part.id, name: part.name });
          out.push({ type: 'tool_call_delta', index, args: JSON.stringify(part.args) });
          out.push({ type: 'tool_call_end', index });
        }
      }
    }
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
    // Some servers change an item's id between its deltas and its output_item.done (mistral.rs, LiteLLM's
    // bridge), or give only one of id and output index: a part is known by both (partKeys).
    const n = data.summary_index ?? data.content_index ?? 0;
    const keys = partKeys(data.output_index, itemId, n);
    const item = typeof data.output_index === 'number' ? String(data.output_index) : itemId;
    const part = `${item}/${String(n)}`;
    switch (type) {
      case 'response.created':
      case 'response.in_progress':
        start(out, isRecord(data.response) ? data.response : undefined);
        break;
      case 'response.output_text.delta':
      case 'response.refusal.delta':
        start(out);
        text(out, keys, delta, type === 'response.refusal.delta');
        break;
      case 'response.output_text.done':
      case 'response.refusal.done':
        if (unplaced.text || isSeen(keys)) break;
        start(out);
        text(out, keys, typeof data.text === 'string' ? data.text : typeof data.refusal === 'string' ? data.refusal : '', type === 'response.refusal.done');
        break;
      case 'response.reasoning_summary_text.delta':
      case 'response.reasoning_text.delta':
        start(out);
        thinking(out, item, part, keys, delta);
        break;
      case 'response.reasoning_summary_text.done':
      case 'response.reasoning_text.done':
        if (unplaced.thinking || isSeen(keys)) break;
        start(out);
        thinking(out, item, part, keys, typeof data.text === 'string' ? data.text : '');
        break;
      case 'response.output_item.added': {
        const item = isRecord(data.item) ? data.item : {};
        if (item.type !== 'function_call' && item.type !== 'custom_tool_call') break;
        openCall(out, item);
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
        if (item.type === 'message') {
          if (!unplaced.text) doneMessage(out, item, data.output_index);
          break;
        }
        if (item.type === 'reasoning') {
          if (!unplaced.thinking) doneSummaries(out, item, data.output_index);
          const signature = reasoningItemSignature(item);
          if (signature) {
            start(out);
            produced = true;
            out.push({ type: 'thinking_signature', signature });
          }
          break;
        }
        const announced = calls.get(String(item.id ?? ''));
        // A call no output_item.added opened is whole here (weave-os/router#331 saw such calls dropped).
        const whole = item.type === 'function_call' || item.type === 'custom_tool_call';
        const call = announced ?? (whole && typeof item.name === 'string' && item.name ? openCall(out, item) : undefined);
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
        snapshot(out, response.output);
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
  function doneMessage(out: StreamEvent[], item: JsonObject, index: unknown): void {
    const content = Array.isArray(item.content) ? item.content : [];
    content.forEach((c, i) => {
      const keys = partKeys(index, typeof item.id === 'string' ? item.id : '', i);
      if (!isRecord(c) || isSeen(keys)) return;
      const value = c.type === 'output_text' ? c.text : c.type === 'refusal' ? c.refusal : undefined;
      if (typeof value !== 'string' || value === '') return;
      start(out);
      text(out, keys, value, c.type === 'refusal');
    });
  }

  /** A reasoning item's summary parts that no delta or `.done` event brought. */
  function doneSummaries(out: StreamEvent[], item: JsonObject, index: unknown): void {
    const id = typeof item.id === 'string' ? item.id : '';
    const at = typeof index === 'number' ? String(index) : id;
    const summary = Array.isArray(item.summary) ? item.summary : [];
    summary.forEach((sm, i) => {
      const keys = partKeys(index, id, i);
      if (!isRecord(sm) || isSeen(keys) || typeof sm.text !== 'string') return;
      start(out);
      thinking(out, at, `${at}/${i}`, keys, sm.text);
    });
  }

  function end(): StreamEvent[] {
    if (done) return [];
    return fail({ status: 502, kind: 'api_error', message: 'the stream ended before response.completed' });
  }

  return { message, end };
}

/** The names a part goes by: its item's output index and its item's id, whichever an event gives. */
function partKeys(outputIndex: unknown, itemId: string, n: unknown): string[] {
  const keys: string[] = [];
  if (typeof outputIndex === 'number') keys.push(`#${outputIndex}/${String(n)}`);
  if (itemId) keys.push(`${itemId}/${String(n)}`);
  return keys;
}
