import type { ProxyErrorInfo, StreamEvent } from '../../core/index.ts';
import { anthropicMessageId } from '../../core/ids.ts';
import { isRecord, tryParseJson, type JsonObject } from '../../util/json.ts';
import type { SSEMessage, StreamDecoder } from '../types.ts';
import { finishReasonFromAnthropic } from './finish-reason.ts';
import { partialUsageFromAnthropic, usageFromAnthropic } from './usage.ts';
import { parseSignature } from './signature.ts';
import { errorFromBody } from './errors.ts';
import { rememberThinking } from './thinking-cache.ts';
import type { AnthropicBlock } from './wire-types.ts';

/** What the decoder remembers about an open content block, by its `index`. */
interface Block {
  kind: 'text' | 'thinking' | 'tool' | 'other';
  /** Tool ordinal (tool blocks). */
  tool: number;
  /** A signature given in content_block_start rather than by signature_delta. */
  signature?: string;
  /** Tool input given whole in content_block_start; used only if no input_json_delta follows. */
  input?: string;
  /** Thinking text so far (thinking blocks), kept to replay the signed block later. */
  thought?: string;
}

const USAGE_FIELDS = ['input_tokens', 'output_tokens', 'cache_creation_input_tokens', 'cache_read_input_tokens', 'output_tokens_details'];

/**
 * Anthropic SSE (protocols.md §2.4) → canonical events. message_delta counters are cumulative and
 * may repeat only some fields, so raw counters are kept and overwritten field by field.
 */
export function createStreamDecoder(): StreamDecoder {
  let started = false;
  let done = false;
  let toolCount = 0;
  let stopReason: unknown;
  let stopSequence: string | undefined;
  const blocks = new Map<number, Block>();
  const counters: JsonObject = {};
  /** Signed and redacted thinking of this message, and its first tool call: see thinking-cache.ts. */
  const replay: AnthropicBlock[] = [];
  let firstToolId: string | undefined;

  function ensureStart(out: StreamEvent[]): void {
    if (started) return;
    started = true;
    out.push({ type: 'start', id: anthropicMessageId(), model: '' });
  }

  function fail(out: StreamEvent[], error: ProxyErrorInfo): StreamEvent[] {
    ensureStart(out);
    out.push({ type: 'error', error });
    done = true;
    return out;
  }

  function closeBlock(out: StreamEvent[], index: number): void {
    const b = blocks.get(index);
    if (!b) return;
    blocks.delete(index);
    if (b.kind === 'tool') {
      if (b.input !== undefined) out.push({ type: 'tool_call_delta', index: b.tool, args: b.input });
      out.push({ type: 'tool_call_end', index: b.tool });
    } else if (b.kind === 'thinking' && b.signature) {
      const signature = parseSignature(b.signature);
      if (signature) out.push({ type: 'thinking_signature', signature });
      replay.push({ type: 'thinking', thinking: b.thought ?? '', signature: b.signature });
    }
  }

  function finish(out: StreamEvent[]): StreamEvent[] {
    ensureStart(out);
    for (const index of [...blocks.keys()]) closeBlock(out, index);
    if (firstToolId !== undefined && replay.length > 0) rememberThinking(firstToolId, replay);
    const usage = usageFromAnthropic(counters);
    const reason = finishReasonFromAnthropic(stopReason, toolCount > 0);
    out.push(stopSequence === undefined ? { type: 'finish', reason, usage } : { type: 'finish', reason, stopSequence, usage });
    done = true;
    return out;
  }

  function keepCounters(raw: unknown): void {
    if (!isRecord(raw)) return;
    for (const f of USAGE_FIELDS) if (raw[f] !== undefined && raw[f] !== null) counters[f] = raw[f];
  }

  function blockStart(out: StreamEvent[], index: number, cb: JsonObject): void {
    switch (cb.type) {
      case 'text':
        blocks.set(index, { kind: 'text', tool: -1 });
        if (typeof cb.text === 'string' && cb.text) out.push({ type: 'text', text: cb.text });
        return;
      case 'thinking': {
        const b: Block = { kind: 'thinking', tool: -1, thought: typeof cb.thinking === 'string' ? cb.thinking : '' };
        if (typeof cb.signature === 'string' && cb.signature) b.signature = cb.signature;
        blocks.set(index, b);
        if (typeof cb.thinking === 'string' && cb.thinking) out.push({ type: 'thinking', text: cb.thinking });
        return;
      }
      case 'tool_use': {
        const b: Block = { kind: 'tool', tool: toolCount++ };
        if (isRecord(cb.input) && Object.keys(cb.input).length > 0) b.input = JSON.stringify(cb.input);
        blocks.set(index, b);
        const id = typeof cb.id === 'string' ? cb.id : '';
        firstToolId ??= id;
        out.push({ type: 'tool_call_start', index: b.tool, id, name: typeof cb.name === 'string' ? cb.name : '' });
        return;
      }
      case 'redacted_thinking':
        blocks.set(index, { kind: 'other', tool: -1 });
        if (typeof cb.data === 'string') {
          out.push({ type: 'redacted_thinking', data: cb.data });
          replay.push({ type: 'redacted_thinking', data: cb.data });
        }
        return;
      default:
        // Server-tool blocks (web search calls/results) have no canonical form.
        blocks.set(index, { kind: 'other', tool: -1 });
    }
  }

  function blockDelta(out: StreamEvent[], index: number, delta: JsonObject): void {
    switch (delta.type) {
      case 'text_delta':
        if (typeof delta.text === 'string' && delta.text) out.push({ type: 'text', text: delta.text });
        return;
      case 'thinking_delta': {
        if (typeof delta.thinking !== 'string' || !delta.thinking) return;
        const b = blocks.get(index);
        if (b?.kind === 'thinking') b.thought = (b.thought ?? '') + delta.thinking;
        out.push({ type: 'thinking', text: delta.thinking });
        return;
      }
      case 'signature_delta': {
        const signature = parseSignature(delta.signature);
        if (!signature) return;
        const b = blocks.get(index);
        if (b) delete b.signature;
        if (b?.kind === 'thinking' && typeof delta.signature === 'string') {
          replay.push({ type: 'thinking', thinking: b.thought ?? '', signature: delta.signature });
        }
        out.push({ type: 'thinking_signature', signature });
        return;
      }
      case 'input_json_delta': {
        const b = blocks.get(index);
        if (b?.kind !== 'tool') return;
        // Deltas carry the real input; a whole input in content_block_start is then a placeholder.
        delete b.input;
        if (typeof delta.partial_json === 'string' && delta.partial_json) {
          out.push({ type: 'tool_call_delta', index: b.tool, args: delta.partial_json });
        }
        return;
      }
      default:
      // citations_delta and future delta types carry nothing canonical.
    }
  }

  function message(msg: SSEMessage): StreamEvent[] {
    if (done || msg.event === 'ping') return [];
    const out: StreamEvent[] = [];
    const data = tryParseJson(msg.data);
    if (!isRecord(data)) {
      return fail(out, {
        kind: 'api_error',
        status: 502,
        message: `invalid JSON in upstream anthropic stream event "${msg.event ?? 'message'}"`,
      });
    }
    const type = typeof data.type === 'string' ? data.type : msg.event;
    const index = typeof data.index === 'number' ? data.index : -1;
    switch (type) {
      case 'message_start': {
        if (started) return out;
        started = true;
        const m = isRecord(data.message) ? data.message : {};
        keepCounters(m.usage);
        const { outputTokens: _placeholder, ...usage } = partialUsageFromAnthropic(m.usage);
        out.push({
          type: 'start',
          id: typeof m.id === 'string' ? m.id : anthropicMessageId(),
          model: typeof m.model === 'string' ? m.model : '',
          usage,
        });
        return out;
      }
      case 'content_block_start':
        ensureStart(out);
        if (isRecord(data.content_block)) blockStart(out, index, data.content_block);
        return out;
      case 'content_block_delta':
        ensureStart(out);
        if (isRecord(data.delta)) blockDelta(out, index, data.delta);
        return out;
      case 'content_block_stop':
        closeBlock(out, index);
        return out;
      case 'message_delta': {
        const delta = isRecord(data.delta) ? data.delta : {};
        if (typeof delta.stop_reason === 'string') stopReason = delta.stop_reason;
        if (typeof delta.stop_sequence === 'string') stopSequence = delta.stop_sequence;
        keepCounters(data.usage);
        return out;
      }
      case 'message_stop':
        return finish(out);
      case 'error':
        return fail(out, errorFromBody(data, undefined));
      default:
        return out;
    }
  }

  function end(): StreamEvent[] {
    if (done) return [];
    const out: StreamEvent[] = [];
    // message_delta carries the stop reason and final usage; only message_stop itself was lost.
    if (stopReason !== undefined) return finish(out);
    return fail(out, { kind: 'api_error', status: 502, message: 'upstream stream ended before completion' });
  }

  return { message, end };
}
