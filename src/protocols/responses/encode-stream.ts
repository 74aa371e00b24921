import { openaiToolCallId } from '../../core/ids.ts';
import type { StreamEvent } from '../../core/stream-events.ts';
import { parseJsonObject } from '../../util/json.ts';
import type { StreamEncoder, StreamEncoderOptions } from '../types.ts';
import { applyPatchCallFrames, applyPatchCallItem } from './apply-patch.ts';
import { streamErrorDetail } from './errors.ts';
import {
  callItemId,
  clientResponseId,
  customToolCallItem,
  customToolInput,
  encodeContinuity,
  functionCallItem,
  imageItem,
  messageItem,
  messageItemId,
  outputText,
  reasoningItem,
  reasoningItemId,
  toolSearchCallItem,
  type Continuity,
} from './items.ts';
import { incompleteReason, responseObject, responsesEcho, type ResponseState } from './response-object.ts';
import { shellCallFrames, shellCallItem, type ShellEnvironment } from './shell.ts';
import { clientTools, type ClientTool } from './tool-names.ts';

const KEEPALIVE = ': keepalive\n\n';

/** The one output item being streamed. `fields` is its routing prefix for deltas: `,"item_id":…,"output_index":…`. */
/** `refusal`: a message whose one part is a refusal (the model declined: TextPart's `refusal`). */
type TextItem = { kind: 'text' | 'refusal' | 'thinking'; id: string; index: number; fields: string; text: string };
type CallItem = {
  kind: 'call';
  id: string;
  index: number;
  fields: string;
  tool: number;
  callId: string;
  /** The client's name for the tool, and its namespace. */
  name: string;
  namespace?: string;
  /** Which item the call is to the client: function_call, custom_tool_call, tool_search_call, apply_patch_call or shell_call. */
  form: ClientTool['kind'];
  /** A shell's calls name the environment it was declared with. */
  environment?: ShellEnvironment;
  args: string;
};
type OpenItem = TextItem | CallItem;

/**
 * Canonical events → Responses API SSE (`event: <type>` + `data: {type, sequence_number, …}`), in the
 * order api.openai.com streams: response.created, response.in_progress, then per output item
 * `output_item.added` → its content events → `output_item.done`, and last response.completed (or
 * .incomplete / .failed) carrying the whole response. One item is open at a time, as the API streams
 * them: whatever starts next closes it. The `openai` SDK's stream helper checks every item id, index
 * and content index against what it accumulated, so each item is opened and closed exactly once.
 */
export function createResponsesStreamEncoder(opts: StreamEncoderOptions): StreamEncoder {
  // Calls of the request's custom tools come back as custom_tool_call items, of namespace members under
  // their own name and namespace.
  const tools = clientTools(opts.request);
  const echo = responsesEcho(opts.request);
  const state: ResponseState = { id: '', createdAt: 0, model: opts.model, status: 'in_progress', output: [], usage: null };
  let seq = 0;
  // Already started elsewhere: the openai SDK's stream helper rejects a second response.created (its
  // id differs from the first), so only what ends the response is written.
  let started = opts.started === true;
  if (started) state.id = clientResponseId(undefined);
  let done = false;
  let open: OpenItem | undefined;

  const frame = (type: string, fields: Record<string, unknown>): string =>
    `event: ${type}\ndata: ${JSON.stringify({ type, sequence_number: seq++, ...fields })}\n\n`;

  /** A delta event built as a string around the item's fixed fields: one JSON.stringify of the text. */
  const deltaFrame = (type: string, item: OpenItem, delta: string, tail = ''): string =>
    `event: ${type}\ndata: {"type":"${type}","sequence_number":${seq++}${item.fields},"delta":${JSON.stringify(delta)}${tail}}\n\n`;

  const lifecycle = (type: string): string => frame(type, { response: responseObject(state, echo) });

  function begin(id?: string, created?: number): string {
    started = true;
    state.id = clientResponseId(id);
    state.createdAt = created ?? Math.floor(Date.now() / 1000);
    return lifecycle('response.created') + lifecycle('response.in_progress');
  }

  const ensureStarted = (): string => (started ? '' : begin());

  /** Opens a message or reasoning item (with its one content/summary part) for text, refusal or thinking deltas. */
  function openText(kind: TextItem['kind']): string {
    const index = state.output.length;
    if (kind !== 'thinking') {
      const id = messageItemId();
      open = { kind, id, index, text: '', fields: `,"item_id":"${id}","output_index":${index},"content_index":0` };
      const part = kind === 'refusal' ? { type: 'refusal', refusal: '' } : outputText('');
      return (
        frame('response.output_item.added', {
          output_index: index,
          item: { id, type: 'message', status: 'in_progress', content: [], role: 'assistant' },
        }) +
        frame('response.content_part.added', { item_id: id, output_index: index, content_index: 0, part })
      );
    }
    const id = reasoningItemId();
    open = { kind, id, index, text: '', fields: `,"item_id":"${id}","output_index":${index},"summary_index":0` };
    return (
      frame('response.output_item.added', { output_index: index, item: { id, type: 'reasoning', summary: [] } }) +
      frame('response.reasoning_summary_part.added', {
        item_id: id,
        output_index: index,
        summary_index: 0,
        part: { type: 'summary_text', text: '' },
      })
    );
  }

  /**
   * Closes the open item; `continuity` goes on a reasoning item as its encrypted_content. Thinking that
   * ends without a signature gets a token too, or OpenAI would be sent an item it refuses (items.ts).
   */
  function close(continuity?: Continuity): string {
    const item = open;
    if (!item) return '';
    open = undefined;
    const at = { item_id: item.id, output_index: item.index };
    let s = '';
    switch (item.kind) {
      case 'refusal': {
        const finished = messageItem(item.id, item.text, true);
        s += frame('response.refusal.done', { ...at, content_index: 0, refusal: item.text });
        s += frame('response.content_part.done', { ...at, content_index: 0, part: finished.content[0] });
        state.output.push(finished);
        return s + frame('response.output_item.done', { output_index: item.index, item: finished });
      }
      case 'text': {
        const finished = messageItem(item.id, item.text);
        s += frame('response.output_text.done', { ...at, content_index: 0, text: item.text, logprobs: [] });
        s += frame('response.content_part.done', { ...at, content_index: 0, part: finished.content[0] });
        state.output.push(finished);
        return s + frame('response.output_item.done', { output_index: item.index, item: finished });
      }
      case 'thinking': {
        const part = { type: 'summary_text', text: item.text };
        s += frame('response.reasoning_summary_text.done', { ...at, summary_index: 0, text: item.text });
        s += frame('response.reasoning_summary_part.done', { ...at, summary_index: 0, part });
        const finished = reasoningItem(item.id, item.text, encodeContinuity(continuity ?? { kind: 'unsigned' }));
        state.output.push(finished);
        return s + frame('response.output_item.done', { output_index: item.index, item: finished });
      }
      case 'call': {
        if (item.form === 'apply_patch' || item.form === 'shell') {
          // Their items are made of the whole arguments, so the item is added only now (tool_call_start).
          const args = parseJsonObject(item.args);
          if (item.form === 'apply_patch') {
            const finished = applyPatchCallItem(item.id, item.callId, args);
            state.output.push(finished);
            return applyPatchCallFrames(frame, item.index, finished);
          }
          const finished = shellCallItem(item.id, item.callId, args, item.environment ?? null);
          state.output.push(finished);
          return shellCallFrames(frame, item.index, finished);
        }
        if (item.form === 'tool_search') {
          // Codex reads the search's arguments from output_item.done only; there are no delta events for them.
          const finished = toolSearchCallItem(item.id, item.callId, parseJsonObject(item.args));
          state.output.push(finished);
          return frame('response.output_item.done', { output_index: item.index, item: finished });
        }
        if (item.form === 'custom') {
          const input = customToolInput(parseJsonObject(item.args));
          if (input) s += frame('response.custom_tool_call_input.delta', { ...at, delta: input });
          s += frame('response.custom_tool_call_input.done', { ...at, input });
          const finished = customToolCallItem(item.id, item.callId, item.name, input, item.namespace);
          state.output.push(finished);
          return s + frame('response.output_item.done', { output_index: item.index, item: finished });
        }
        // A call streamed without argument text (Anthropic's empty input) still has to parse as JSON.
        if (!item.args) {
          item.args = '{}';
          s += deltaFrame('response.function_call_arguments.delta', item, '{}');
        }
        s += frame('response.function_call_arguments.done', { ...at, arguments: item.args });
        const finished = functionCallItem(item.id, item.callId, item.name, item.args, item.namespace);
        state.output.push(finished);
        return s + frame('response.output_item.done', { output_index: item.index, item: finished });
      }
    }
  }

  /** A reasoning item with no text, only a token to carry (signature, redacted thinking), added and done at once. */
  function tokenItem(continuity: Continuity): string {
    const index = state.output.length;
    const id = reasoningItemId();
    const item = reasoningItem(id, '', encodeContinuity(continuity));
    state.output.push(item);
    return (
      frame('response.output_item.added', { output_index: index, item: { id, type: 'reasoning', summary: [] } }) +
      frame('response.output_item.done', { output_index: index, item })
    );
  }

  function encode(ev: StreamEvent): string {
    if (done) return '';
    switch (ev.type) {
      case 'start':
        return started ? '' : begin(ev.id, ev.created);
      case 'text': {
        if (!ev.text) return '';
        let s = ensureStarted();
        // A refusal streams in a message of its own, as response.refusal.delta (the API's events for it).
        const kind = ev.refusal ? 'refusal' : 'text';
        if (open?.kind !== kind) s += close() + openText(kind);
        const item = open as TextItem;
        item.text += ev.text;
        if (kind === 'refusal') return s + deltaFrame('response.refusal.delta', item, ev.text);
        return s + deltaFrame('response.output_text.delta', item, ev.text, ',"logprobs":[]');
      }
      case 'thinking': {
        if (!ev.text) return '';
        let s = ensureStarted();
        if (open?.kind !== 'thinking') s += close() + openText('thinking');
        const item = open as TextItem;
        item.text += ev.text;
        return s + deltaFrame('response.reasoning_summary_text.delta', item, ev.text);
      }
      case 'thinking_signature': {
        const continuity: Continuity = { kind: 'thinking', signature: ev.signature };
        const s = ensureStarted();
        if (open?.kind === 'thinking') return s + close(continuity);
        return s + close() + tokenItem(continuity);
      }
      case 'redacted_thinking':
        return ensureStarted() + close() + tokenItem({ kind: 'redacted', data: ev.data });
      case 'image': {
        // Whole at once, as the reasoning token items are (items.ts imageItem).
        const s = ensureStarted() + close();
        const index = state.output.length;
        const item = imageItem(ev.data);
        state.output.push(item);
        return (
          s +
          frame('response.output_item.added', { output_index: index, item: { ...item, status: 'in_progress', result: null } }) +
          frame('response.output_item.done', { output_index: index, item })
        );
      }
      case 'tool_call_start': {
        let s = ensureStarted() + close();
        // A Gemini signature on a call travels in a reasoning item right before it (items.ts).
        if (ev.signature) s += tokenItem({ kind: 'tool', signature: ev.signature });
        const index = state.output.length;
        const tool = tools.get(ev.name);
        const form = tool?.kind ?? 'function';
        const name = tool?.name ?? ev.name;
        const id = callItemId(form);
        const callId = ev.id || openaiToolCallId();
        const fields = `,"item_id":"${id}","output_index":${index}`;
        open = { kind: 'call', id, index, fields, tool: ev.index, callId, name, namespace: tool?.namespace, form, environment: tool?.environment, args: '' };
        // An apply_patch_call's operation and a shell_call's commands are in the arguments: added once whole (close).
        if (form === 'apply_patch' || form === 'shell') return s;
        const item =
          form === 'custom'
            ? customToolCallItem(id, callId, name, '', tool?.namespace)
            : form === 'tool_search'
              ? toolSearchCallItem(id, callId, {})
              : functionCallItem(id, callId, name, '', tool?.namespace);
        return s + frame('response.output_item.added', { output_index: index, item: { ...item, status: 'in_progress' } });
      }
      case 'tool_call_delta': {
        // Only the open call takes arguments: decoders keep a call's fragments together (StreamEvent's order).
        if (open?.kind !== 'call' || open.tool !== ev.index || !ev.args) return '';
        open.args += ev.args;
        // A custom tool's input is the `input` string inside the JSON, and a search's arguments an object:
        // both can only be told once whole.
        return open.form === 'function' ? deltaFrame('response.function_call_arguments.delta', open, ev.args) : '';
      }
      case 'tool_call_end':
        return open?.kind === 'call' && open.tool === ev.index ? close() : '';
      case 'usage':
        // Usage goes out once, whole, on the final response.
        return '';
      case 'finish': {
        const s = ensureStarted() + close();
        done = true;
        const incomplete = incompleteReason(ev.reason);
        state.status = incomplete ? 'incomplete' : 'completed';
        if (incomplete) state.incomplete = incomplete;
        state.usage = ev.usage;
        return s + lifecycle(incomplete ? 'response.incomplete' : 'response.completed');
      }
      case 'error': {
        // The SDK raises on the `error` event; Codex ignores it and reads response.failed's error.
        // Items still open stay unfinished, as the API leaves them when a response fails.
        const s = ensureStarted();
        done = true;
        const detail = streamErrorDetail(ev.error);
        state.status = 'failed';
        state.error = { code: detail.code, message: detail.message };
        const { type: _type, ...flat } = detail;
        return s + frame('error', { ...flat, error: detail }) + lifecycle('response.failed');
      }
    }
  }

  return { encode, end: () => '', keepalive: () => KEEPALIVE };
}
