import type { StreamEvent, Usage } from '../../core/index.ts';
import { anthropicMessageId, anthropicToolUseId } from '../../core/ids.ts';
import { sseFrame } from '../../util/sse.ts';
import type { StreamEncoder, StreamEncoderOptions } from '../types.ts';
import { finishReasonToAnthropic } from './finish-reason.ts';
import { usageToAnthropic } from './usage.ts';
import { formatSignature } from './signature.ts';
import { encodeError } from './errors.ts';
import { imageNote, messageId } from './encode-response.ts';

/** Byte-for-byte what the API sends, spacing included. */
const PING = 'event: ping\ndata: {"type": "ping"}\n\n';

const frame = (payload: { type: string; [key: string]: unknown }): string => sseFrame(JSON.stringify(payload), payload.type);

/**
 * Canonical events → Anthropic SSE (protocols.md §2.4). Text and thinking are implicit in the canonical
 * stream, so this opens and closes their blocks as the kind changes; `index` is the block's position
 * in the final content array. One block is open at a time, as the real API streams them.
 */
export function createStreamEncoder(opts: StreamEncoderOptions): StreamEncoder {
  let started = false;
  let done = false;
  let nextIndex = 0;
  /** The open text/thinking block, if any. */
  let open: { kind: 'text' | 'thinking'; index: number; signed?: boolean } | undefined;
  /** The open tool_use block: tool ordinal and content index. */
  let openTool: { tool: number; index: number } | undefined;
  let sawTool = false;

  function messageStart(id: string, usage: Partial<Usage> | undefined): string {
    started = true;
    const u = usageToAnthropic(usage);
    return frame({
      type: 'message_start',
      message: {
        id: messageId(id),
        type: 'message',
        role: 'assistant',
        model: opts.model,
        content: [],
        stop_reason: null,
        stop_sequence: null,
        usage: {
          input_tokens: u.input_tokens,
          cache_creation_input_tokens: u.cache_creation_input_tokens,
          cache_read_input_tokens: u.cache_read_input_tokens,
          output_tokens: 0,
        },
      },
    });
  }

  /** A decoder always starts with `start`; this only guards against a producer that did not. */
  const ensureStarted = (): string => (started ? '' : messageStart(anthropicMessageId(), undefined));

  function closeBlocks(): string {
    let s = '';
    // Thinking no provider signed still ends with a signature, aiproxy's mark (signature.ts UNSIGNED).
    if (open?.kind === 'thinking' && !open.signed) s += delta(open.index, { type: 'signature_delta', signature: formatSignature(undefined) });
    if (open) s += frame({ type: 'content_block_stop', index: open.index });
    if (openTool) s += frame({ type: 'content_block_stop', index: openTool.index });
    open = undefined;
    openTool = undefined;
    return s;
  }

  function openImplicit(kind: 'text' | 'thinking'): string {
    if (open?.kind === kind) return '';
    const s = closeBlocks();
    open = { kind, index: nextIndex++ };
    const block = kind === 'text' ? { type: 'text', text: '' } : { type: 'thinking', thinking: '', signature: '' };
    return s + frame({ type: 'content_block_start', index: open.index, content_block: block });
  }

  function delta(index: number, d: Record<string, unknown>): string {
    return frame({ type: 'content_block_delta', index, delta: d });
  }

  /** What delta() writes for a text or thinking delta, built as a string: one JSON.stringify of the text per delta. */
  function textDelta(index: number, type: string, key: string, text: string): string {
    return sseFrame(`{"type":"content_block_delta","index":${index},"delta":{"type":"${type}",${key}${JSON.stringify(text)}}}`, 'content_block_delta');
  }

  function encode(event: StreamEvent): string {
    if (done) return '';
    switch (event.type) {
      case 'start':
        return started ? '' : messageStart(event.id, event.usage);
      case 'text': {
        if (!event.text) return '';
        const s = ensureStarted() + openImplicit('text');
        return s + textDelta(open!.index, 'text_delta', '"text":', event.text);
      }
      case 'thinking': {
        if (!event.text) return '';
        const s = ensureStarted() + openImplicit('thinking');
        return s + textDelta(open!.index, 'thinking_delta', '"thinking":', event.text);
      }
      case 'thinking_signature': {
        // The API sends exactly one signature_delta, right before the thinking block stops.
        const s = ensureStarted() + openImplicit('thinking');
        open!.signed = true;
        return s + delta(open!.index, { type: 'signature_delta', signature: formatSignature(event.signature) }) + closeBlocks();
      }
      case 'image': {
        // A block of its own (encode-response.ts imageNote), not run into the text around it.
        const s = ensureStarted() + closeBlocks() + openImplicit('text');
        return s + textDelta(open!.index, 'text_delta', '"text":', imageNote(event.mediaType)) + closeBlocks();
      }
      case 'redacted_thinking': {
        const index = nextIndex++;
        const block = { type: 'redacted_thinking', data: event.data };
        return (
          ensureStarted() +
          closeBlocks() +
          frame({ type: 'content_block_start', index, content_block: block }) +
          frame({ type: 'content_block_stop', index })
        );
      }
      case 'tool_call_start': {
        const s = ensureStarted() + closeBlocks();
        openTool = { tool: event.index, index: nextIndex++ };
        sawTool = true;
        const block = { type: 'tool_use', id: event.id || anthropicToolUseId(), name: event.name, input: {} };
        return s + frame({ type: 'content_block_start', index: openTool.index, content_block: block });
      }
      case 'tool_call_delta':
        // Only the open call can take arguments: Anthropic streams one block at a time, and decoders
        // keep a call's fragments together (StreamEvent's order).
        if (openTool?.tool !== event.index || !event.args) return '';
        return delta(openTool.index, { type: 'input_json_delta', partial_json: event.args });
      case 'tool_call_end':
        return openTool?.tool === event.index ? closeBlocks() : '';
      case 'usage':
        return '';
      case 'finish': {
        const s = ensureStarted() + closeBlocks();
        done = true;
        const u = usageToAnthropic(event.usage);
        const stopReason = finishReasonToAnthropic(event.reason, sawTool);
        const usage: Record<string, unknown> = {
          output_tokens: u.output_tokens,
          input_tokens: u.input_tokens,
          cache_read_input_tokens: u.cache_read_input_tokens,
          cache_creation_input_tokens: u.cache_creation_input_tokens,
        };
        if (u.output_tokens_details) usage.output_tokens_details = u.output_tokens_details;
        const messageDelta = {
          type: 'message_delta',
          delta: { stop_reason: stopReason, stop_sequence: event.stopSequence ?? null },
          usage,
        };
        return s + frame(messageDelta) + frame({ type: 'message_stop' });
      }
      case 'error':
        done = true;
        return frame(encodeError(event.error));
    }
  }

  return { encode, end: () => '', keepalive: () => PING };
}
