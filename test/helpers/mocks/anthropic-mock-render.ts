/**
 * MockReply → Anthropic Messages wire format: the non-streaming Message (protocols.md §2.3) and the
 * exact event sequence of a stream (§2.4): message_start, ping, indexed content blocks (thinking with
 * thinking_delta + one signature_delta, text, tool_use with input_json_delta fragments),
 * message_delta with cumulative usage, message_stop.
 */
import { anthropicMessageId, anthropicToolUseId } from '../../../src/core/ids.ts';
import { isRecord } from '../../../src/util/json.ts';
import { sseFrame } from '../../../src/util/sse.ts';
import {
  heardText,
  resolveUsage,
  splitFragments,
  splitWords,
  textChars,
  type ResolvedUsage,
  type StreamFrame,
} from './mock-util.ts';
import type { MockReply } from './types.ts';

type OutBlock =
  | { type: 'thinking'; thinking: string; signature: string }
  | { type: 'text'; text: string }
  | { type: 'tool_use'; id: string; name: string; input: Record<string, unknown>; caller: { type: 'direct' } };

interface Rendered {
  id: string;
  model: string;
  blocks: OutBlock[];
  stopReason: string;
  stopSequence: string | null;
  usage: ResolvedUsage;
}

/** Text blocks of the last `user` message (string content counts as one). */
export function lastUserTexts(messages: unknown): string[] {
  if (!Array.isArray(messages)) return [];
  for (let i = messages.length - 1; i >= 0; i--) {
    const m = messages[i];
    if (!isRecord(m) || m.role !== 'user') continue;
    if (typeof m.content === 'string') return [m.content];
    if (!Array.isArray(m.content)) return [];
    return m.content.flatMap((b) => (isRecord(b) && b.type === 'text' && typeof b.text === 'string' ? [b.text] : []));
  }
  return [];
}

/** Rough prompt size: messages, system prompt and tool definitions. */
export function promptChars(body: Record<string, unknown>): number {
  return textChars(body.messages) + textChars(body.system) + textChars(body.tools);
}

/**
 * Fixes ids, blocks and usage once so the stream and the body agree. `sign` issues the signature of
 * a thinking text (the mock remembers it to accept the block when it comes back).
 */
function prepare(body: Record<string, unknown>, reply: MockReply, sign: (thinking: string) => string): Rendered {
  const blocks: OutBlock[] = [];
  if (reply.thinking !== undefined) blocks.push({ type: 'thinking', thinking: reply.thinking, signature: sign(reply.thinking) });
  const calls = reply.toolCalls ?? [];
  const text = reply.text ?? (calls.length > 0 ? undefined : heardText('anthropic', lastUserTexts(body.messages)));
  // The API never returns an empty text block.
  if (text) blocks.push({ type: 'text', text });
  // Current API responses say who called the tool; clients echo `caller` back.
  for (const c of calls) {
    blocks.push({ type: 'tool_use', id: anthropicToolUseId(), name: c.name, input: c.args, caller: { type: 'direct' } });
  }

  const stopReason = reply.finish ?? (calls.length > 0 ? 'tool_use' : 'end_turn');
  const stops = Array.isArray(body.stop_sequences) ? body.stop_sequences : [];
  return {
    id: anthropicMessageId(),
    model: String(body.model),
    blocks,
    stopReason,
    stopSequence: stopReason === 'stop_sequence' && typeof stops[0] === 'string' ? stops[0] : null,
    usage: resolveUsage(reply, promptChars(body), {
      text: text ?? '',
      thinking: reply.thinking ?? '',
      toolArgs: calls.map((c) => c.name + JSON.stringify(c.args)).join(''),
    }),
  };
}

/** Anthropic counts input without the cached part (protocols.md §6.6). */
function inputUsage(u: ResolvedUsage): Record<string, number> {
  return {
    input_tokens: Math.max(0, u.input - u.cached),
    cache_creation_input_tokens: 0,
    cache_read_input_tokens: u.cached,
  };
}

export function renderMessage(
  body: Record<string, unknown>,
  reply: MockReply,
  sign: (thinking: string) => string,
): Record<string, unknown> {
  const r = prepare(body, reply, sign);
  return {
    id: r.id,
    type: 'message',
    role: 'assistant',
    model: r.model,
    content: r.blocks.map((b) => (b.type === 'text' ? { ...b, citations: null } : b)),
    stop_reason: r.stopReason,
    stop_sequence: r.stopSequence,
    usage: {
      ...inputUsage(r.usage),
      output_tokens: r.usage.output,
      cache_creation: { ephemeral_5m_input_tokens: 0, ephemeral_1h_input_tokens: 0 },
      service_tier: 'standard',
    },
  };
}

const event = (type: string, data: Record<string, unknown>): string => sseFrame(JSON.stringify({ type, ...data }), type);

/** The in-band error after a 200 (protocols.md §2.4). */
export const ANTHROPIC_STREAM_ERROR = event('error', { error: { type: 'overloaded_error', message: 'Overloaded' } });

export function renderStreamFrames(
  body: Record<string, unknown>,
  reply: MockReply,
  sign: (thinking: string) => string,
): StreamFrame[] {
  const r = prepare(body, reply, sign);
  const frames: StreamFrame[] = [
    {
      kind: 'head',
      text: event('message_start', {
        message: {
          id: r.id,
          type: 'message',
          role: 'assistant',
          model: r.model,
          content: [],
          stop_reason: null,
          stop_sequence: null,
          // output_tokens here is a placeholder; the real count arrives in message_delta.
          usage: { ...inputUsage(r.usage), output_tokens: 1, service_tier: 'standard' },
        },
      }),
    },
  ];
  const add = (text: string, content = false): void => {
    frames.push({ kind: 'body', text, content });
  };
  const ping = event('ping', {});
  if (r.blocks.length === 0) add(ping);

  r.blocks.forEach((b, index) => {
    const delta = (d: Record<string, unknown>, content = true): void =>
      add(event('content_block_delta', { index, delta: d }), content);
    if (b.type === 'thinking') {
      add(event('content_block_start', { index, content_block: { type: 'thinking', thinking: '', signature: '' } }));
      if (index === 0) add(ping);
      for (const piece of splitWords(b.thinking)) delta({ type: 'thinking_delta', thinking: piece });
      delta({ type: 'signature_delta', signature: b.signature }, false);
    } else if (b.type === 'text') {
      add(event('content_block_start', { index, content_block: { type: 'text', text: '' } }));
      if (index === 0) add(ping);
      for (const piece of splitWords(b.text)) delta({ type: 'text_delta', text: piece });
    } else {
      const start = { type: 'tool_use', id: b.id, name: b.name, input: {}, caller: b.caller };
      add(event('content_block_start', { index, content_block: start }));
      if (index === 0) add(ping);
      // The API opens every tool_use with an empty fragment.
      delta({ type: 'input_json_delta', partial_json: '' }, false);
      for (const piece of splitFragments(JSON.stringify(b.input))) delta({ type: 'input_json_delta', partial_json: piece });
    }
    add(event('content_block_stop', { index }));
  });

  frames.push({
    kind: 'tail',
    text: event('message_delta', {
      delta: { stop_reason: r.stopReason, stop_sequence: r.stopSequence },
      usage: { ...inputUsage(r.usage), output_tokens: r.usage.output },
    }),
  });
  frames.push({ kind: 'tail', text: event('message_stop', {}) });
  return frames;
}
