import type { Signature } from '../../core/content.ts';
import type { StreamEvent } from '../../core/stream-events.ts';
import { isRecord, tryParseJson, type JsonObject } from '../../util/json.ts';
import { escapeLineSeparators, sseFrame } from '../../util/sse.ts';
import type { StreamEncoder, StreamEncoderOptions } from '../types.ts';
import { functionCallPart } from './encode-parts.ts';
import { formatSignature } from './signature.ts';
import { encodeError } from './errors.ts';
import { finishReasonToGemini } from './finish-reason.ts';
import { wantsThoughts } from './include-thoughts.ts';
import { usageToGemini } from './usage.ts';

interface OpenCall {
  id: string;
  name: string;
  signature?: Signature;
  args: string;
}

/**
 * Canonical events → Gemini stream chunks, each a whole GenerateContentResponse with only the new
 * parts: `data: …\n\n` frames for `?alt=sse`, or one JSON array written piece by piece. Tool calls are
 * buffered until complete because Gemini clients expect a functionCall whole, with parsed args.
 */
export function createStreamEncoder(opts: StreamEncoderOptions): StreamEncoder {
  const jsonArray = opts.format === 'json-array';
  const thoughts = wantsThoughts(opts.request);
  let responseId = '';
  let opened = false; // json-array: `[` written
  let closed = false; // json-array: `]` written
  let over = false; // finish or error seen
  const calls = new Map<number, OpenCall>();

  const frame = (json: string): string => {
    // Escaped for the Gemini CLI's SSE reader (escapeLineSeparators).
    if (!jsonArray) return sseFrame(escapeLineSeparators(json));
    const sep = opened ? ',\r\n' : '[';
    opened = true;
    return sep + json;
  };

  const chunk = (parts: JsonObject[], finishReason?: string, usage?: JsonObject): string => {
    const candidate: JsonObject = { content: { parts, role: 'model' } };
    if (finishReason !== undefined) candidate.finishReason = finishReason;
    candidate.index = 0;
    const body: JsonObject = { candidates: [candidate] };
    if (usage) body.usageMetadata = usage;
    body.modelVersion = opts.model;
    body.responseId = responseId;
    return frame(JSON.stringify(body));
  };

  // A text delta's chunk is built as a string around its one part, as chunk() would write it: one
  // JSON.stringify of the text per delta instead of one of a five-object chunk (a quarter of the cost).
  let partSuffix = '';
  const partChunk = (part: string): string => {
    partSuffix ||= `],"role":"model"},"index":0}],"modelVersion":${JSON.stringify(opts.model)},"responseId":${JSON.stringify(responseId)}}`;
    return frame(`{"candidates":[{"content":{"parts":[${part}${partSuffix}`);
  };

  const flushCall = (index: number): string => {
    const call = calls.get(index);
    if (!call) return '';
    calls.delete(index);
    // Arguments that are not a whole JSON object were cut by the token limit: the call is not sent
    // rather than sent with arguments the model did not give. The finish chunk says MAX_TOKENS.
    const args = call.args.trim() === '' ? {} : tryParseJson(call.args);
    if (!isRecord(args)) return '';
    return chunk([functionCallPart(call.id, call.name, args, call.signature)]);
  };

  return {
    encode(ev: StreamEvent): string {
      if (over) return '';
      switch (ev.type) {
        case 'start':
          responseId = ev.id;
          partSuffix = '';
          return '';
        case 'text':
          return ev.text === '' ? '' : partChunk(`{"text":${JSON.stringify(ev.text)}}`);
        case 'thinking':
          // Held back unless asked for (include-thoughts.ts); its signature still comes, below.
          return ev.text === '' || !thoughts ? '' : partChunk(`{"text":${JSON.stringify(ev.text)},"thought":true}`);
        case 'thinking_signature':
          // Like Gemini itself: an empty part carrying the signature. Not marked as a thought, because
          // clients strip thought parts from their history and the signature would be lost with them.
          // Anthropic's signature rides along wrapped, so the client's history can bring it back.
          return chunk([{ text: '', thoughtSignature: formatSignature(ev.signature) }]);
        case 'redacted_thinking':
          return ''; // opaque Anthropic data, meaningless to a Gemini client
        case 'image':
          return partChunk(JSON.stringify({ inlineData: { mimeType: ev.mediaType, data: ev.data } }));
        case 'tool_call_start': {
          const call: OpenCall = { id: ev.id, name: ev.name, args: '' };
          if (ev.signature) call.signature = ev.signature;
          calls.set(ev.index, call);
          return '';
        }
        case 'tool_call_delta': {
          const call = calls.get(ev.index);
          if (call) call.args += ev.args;
          return '';
        }
        case 'tool_call_end':
          return flushCall(ev.index);
        case 'usage':
          return '';
        case 'finish': {
          over = true;
          let out = '';
          for (const index of [...calls.keys()]) out += flushCall(index);
          // The empty text part keeps the chunk a valid content: the genai SDK's chat drops a turn whose
          // last chunk has no parts from its history.
          return out + chunk([{ text: '' }], finishReasonToGemini(ev.reason), usageToGemini(ev.usage));
        }
        case 'error': {
          over = true;
          const json = JSON.stringify(encodeError(ev.error));
          if (!jsonArray) return frame(json);
          const text = `${opened ? ',\r\n' : '['}${json}]`;
          opened = true;
          closed = true;
          return text;
        }
      }
    },

    end(): string {
      if (!jsonArray || closed) return '';
      closed = true;
      return opened ? ']' : '[]';
    },

    keepalive(): string {
      // Whitespace is legal between JSON array elements. In SSE, a blank line with no data before it
      // dispatches nothing, and it is the one keep-alive the genai SDK's own parsers let through: an
      // SSE comment stalls @google/genai 1.x (the Gemini CLI's, whose /^\s*data: / must match at the
      // buffer's start: googleapis/js-genai#963) and older python-genai (json.loads of each non-blank
      // line: googleapis/python-genai#487) for the rest of the stream.
      return jsonArray ? '\n' : '\n\n';
    },
  };
}
