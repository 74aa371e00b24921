import type { StreamEvent } from '../../core/stream-events.ts';
import { toDataUrl } from '../../util/data-url.ts';
import { sseFrame } from '../../util/sse.ts';
import type { StreamEncoder, StreamEncoderOptions } from '../types.ts';
import { clientCompletionId } from './completion-id.ts';
import { encodeError } from './errors.ts';
import { finishReasonToOpenAI } from './finish-reason.ts';
import { thoughtSignatureExtra } from './thought-signature.ts';
import { usageToOpenAI } from './usage.ts';

const DONE = sseFrame('[DONE]');
const KEEPALIVE = ': keepalive\n\n';

/**
 * Canonical events → `chat.completion.chunk` SSE exactly as api.openai.com streams it (protocols.md §1.4).
 * Chunks are built as strings around a fixed prefix (id, created, model) so a text delta costs one
 * JSON.stringify of the text, not of a whole chunk object.
 */
export function createStreamEncoder(opts: StreamEncoderOptions): StreamEncoder {
  /** `{"id":…,"object":"chat.completion.chunk","created":…,"model":…` shared by every chunk. */
  let prefix = '';
  let closed = false;
  let sawToolCalls = false;
  /** Per tool-call ordinal: whether any argument text went out. */
  const argsSent: boolean[] = [];
  /** Images sent so far: each delta's image carries its ordinal, as tool calls do. */
  let images = 0;
  // With include_usage every chunk before the usage chunk says so explicitly, as OpenAI does.
  const suffix = opts.includeUsage ? ',"usage":null}' : '}';

  const chunk = (delta: string, finishReason = 'null'): string =>
    sseFrame(`${prefix},"choices":[{"index":0,"delta":${delta},"logprobs":null,"finish_reason":${finishReason}}]${suffix}`);

  function begin(id?: string, created?: number): string {
    const ts = created ?? Math.floor(Date.now() / 1000);
    prefix = `{"id":${JSON.stringify(clientCompletionId(id))},"object":"chat.completion.chunk","created":${ts},"model":${JSON.stringify(opts.model)}`;
    return chunk('{"role":"assistant","content":""}');
  }

  const argsChunk = (index: number, args: string): string =>
    chunk(`{"tool_calls":[{"index":${index},"function":{"arguments":${JSON.stringify(args)}}}]}`);

  /**
   * Upstreams may stream a call without any argument text (Anthropic's empty input); OpenAI clients
   * JSON.parse the concatenated arguments, so they get `{}` rather than "".
   */
  function closeCall(index: number): string {
    if (argsSent[index] !== false) return '';
    argsSent[index] = true;
    return argsChunk(index, '{}');
  }

  function body(ev: StreamEvent): string {
    switch (ev.type) {
      case 'text':
        // A refusal goes in delta.refusal, where OpenAI streams it (encode-response.ts).
        if (!ev.text) return '';
        return chunk(ev.refusal ? `{"refusal":${JSON.stringify(ev.text)}}` : `{"content":${JSON.stringify(ev.text)}}`);
      case 'thinking':
        return ev.text ? chunk(`{"reasoning_content":${JSON.stringify(ev.text)}}`) : '';
      case 'tool_call_start': {
        sawToolCalls = true;
        argsSent[ev.index] = false;
        const call: Record<string, unknown> = {
          index: ev.index,
          id: ev.id,
          type: 'function',
          function: { name: ev.name, arguments: '' },
        };
        const extra = thoughtSignatureExtra(ev.signature);
        if (extra) call.extra_content = extra;
        return chunk(`{"tool_calls":[${JSON.stringify(call)}]}`);
      }
      case 'image': {
        // OpenRouter's delta.images (encode-response.ts), one whole image per chunk.
        const image = { index: images++, type: 'image_url', image_url: { url: toDataUrl(ev.mediaType, ev.data) } };
        return chunk(`{"images":[${JSON.stringify(image)}]}`);
      }
      case 'tool_call_delta':
        if (!ev.args) return '';
        argsSent[ev.index] = true;
        return argsChunk(ev.index, ev.args);
      case 'tool_call_end':
        return closeCall(ev.index);
      case 'finish': {
        closed = true;
        let out = '';
        for (let i = 0; i < argsSent.length; i++) out += closeCall(i);
        out += chunk('{}', `"${finishReasonToOpenAI(ev.reason, sawToolCalls)}"`);
        if (opts.includeUsage) out += sseFrame(`${prefix},"choices":[],"usage":${JSON.stringify(usageToOpenAI(ev.usage))}}`);
        return out + DONE;
      }
      case 'error':
        // OpenAI's in-band error; the stream ends here, without [DONE].
        closed = true;
        return sseFrame(JSON.stringify(encodeError(ev.error)));
      // Chat Completions has nowhere to put these: signatures and redacted thinking cannot be
      // carried back by an OpenAI client, and usage comes with finish.
      case 'start':
      case 'thinking_signature':
      case 'redacted_thinking':
      case 'usage':
        return '';
    }
  }

  return {
    encode(ev: StreamEvent): string {
      if (closed) return '';
      if (prefix) return body(ev);
      if (ev.type === 'start') return begin(ev.id, ev.created);
      // An error before anything was sent needs no role chunk; anything else does.
      return ev.type === 'error' ? body(ev) : begin() + body(ev);
    },
    end: () => '',
    keepalive: () => KEEPALIVE,
  };
}
