import type { ProxyErrorInfo } from '../../core/errors.ts';
import type { StreamEvent } from '../../core/stream-events.ts';
import { emptyUsage, type Usage } from '../../core/usage.ts';
import { isRecord, tryParseJson, type JsonObject } from '../../util/json.ts';
import type { SSEMessage, StreamDecoder } from '../types.ts';
import { blockReason, candidateParts, firstCandidate } from './candidate.ts';
import { decodeCodePart, decodeOutputImage } from './decode-parts.ts';
import { parseSignature } from './signature.ts';
import { createdOf, responseIdOf, toolCallFromPart } from './decode-response.ts';
import { errorInfoFromGoogle, googleErrorObject } from './errors.ts';
import { failedCallNote, finishReasonFromGemini } from './finish-reason.ts';
import { usageFromGemini } from './usage.ts';

const badStream = (message: string): ProxyErrorInfo => ({ status: 502, kind: 'api_error', message });
const snippet = (s: string): string => (s.length > 120 ? `${s.slice(0, 120)}…` : s);

/**
 * streamGenerateContent?alt=sse → canonical events. Every `data:` is a whole GenerateContentResponse
 * holding only new parts; there is no end sentinel, so `finish` waits for end(): usage can still come
 * in chunks after the one with finishReason.
 */
export function createStreamDecoder(): StreamDecoder {
  let started = false;
  let done = false;
  let toolIndex = 0;
  let sawToolCall = false;
  let sawFinish = false;
  let finishRaw: unknown;
  let finishMessage: unknown;
  /** Whether any text or call reached the client (thoughts do not count: they are not an answer). */
  let sawOutput = false;
  let blocked = false;
  let usage: Usage | undefined;
  /** What the last content event was, so a lone signature can close the thought it belongs to. */
  let last: 'thinking' | 'other' = 'other';

  const start = (chunk: JsonObject | undefined, out: StreamEvent[]): void => {
    started = true;
    const ev: Extract<StreamEvent, { type: 'start' }> = {
      type: 'start',
      id: chunk ? responseIdOf(chunk) : responseIdOf({}),
      model: typeof chunk?.modelVersion === 'string' ? chunk.modelVersion : '',
    };
    const u = usageFromGemini(chunk?.usageMetadata);
    // The cached share too, as Anthropic's message_start has it: older Anthropic SDKs take only
    // output_tokens from message_delta, so the prompt split they keep is this one.
    if (u && u.inputTokens > 0) ev.usage = u.cacheReadTokens ? { inputTokens: u.inputTokens, cacheReadTokens: u.cacheReadTokens } : { inputTokens: u.inputTokens };
    const created = chunk ? createdOf(chunk) : undefined;
    if (created !== undefined) ev.created = created;
    out.push(ev);
  };

  const fail = (error: ProxyErrorInfo, out: StreamEvent[]): void => {
    if (!started) start(undefined, out);
    out.push({ type: 'error', error });
    done = true;
  };

  const part = (p: JsonObject, out: StreamEvent[]): void => {
    // An image model's answer comes whole in one part, signed by Gemini 3 (decode-response.ts).
    const image = decodeOutputImage(p);
    if (image?.source.kind === 'base64') {
      out.push({ type: 'image', mediaType: image.source.mediaType, data: image.source.data });
      sawOutput = true;
      last = 'other';
      return;
    }
    if (isRecord(p.functionCall)) {
      const call = toolCallFromPart(p, p.functionCall);
      const index = toolIndex++;
      const startEv: StreamEvent = { type: 'tool_call_start', index, id: call.id, name: call.name };
      if (call.signature) startEv.signature = call.signature;
      out.push(startEv, { type: 'tool_call_delta', index, args: JSON.stringify(call.args) }, { type: 'tool_call_end', index });
      sawToolCall = true;
      sawOutput = true;
      last = 'other';
      return;
    }
    if (typeof p.text === 'string' || typeof p.thoughtSignature === 'string') {
      const text = typeof p.text === 'string' ? p.text : '';
      if (text !== '') {
        out.push({ type: p.thought === true ? 'thinking' : 'text', text });
        last = p.thought === true ? 'thinking' : 'other';
        if (p.thought !== true) sawOutput = true;
      }
      // The canonical stream can only carry a signature that closes a thought; one on answer text is dropped.
      // Parsed as in decode-parts.ts: Code Assist's unwrap marks its signatures apart from the Gemini API's.
      const signature = parseSignature(p.thoughtSignature);
      if (signature && last === 'thinking' && (p.thought === true || text === '')) {
        out.push({ type: 'thinking_signature', signature });
        last = 'other';
      }
      return;
    }
    const code = decodeCodePart(p);
    if (code) {
      out.push({ type: 'text', text: code.text });
      sawOutput = true;
      last = 'other';
    }
  };

  const chunk = (c: unknown, out: StreamEvent[]): void => {
    if (!isRecord(c)) return fail(badStream('upstream stream event is not a JSON object'), out);
    const error = googleErrorObject(c);
    if (error) return fail(errorInfoFromGoogle(error), out);
    if (!started) start(c, out);
    const candidate = firstCandidate(c);
    if (candidate === undefined && blockReason(c) !== undefined) blocked = true;
    for (const p of candidateParts(candidate)) part(p, out);
    if (candidate?.finishReason !== undefined) {
      sawFinish = true;
      finishRaw = candidate.finishReason;
      finishMessage = candidate.finishMessage;
    }
    usage = usageFromGemini(c.usageMetadata) ?? usage;
  };

  return {
    message(msg: SSEMessage): StreamEvent[] {
      if (done) return [];
      const data = msg.data.trim();
      // Chat Completions' end marker, which gateways write after other protocols' streams too
      // (BerriAI/litellm#34095): the finishReason before it ends the stream.
      if (data === '' || data === '[DONE]') return [];
      const out: StreamEvent[] = [];
      const parsed = tryParseJson(data);
      if (parsed === undefined) {
        fail(badStream(`upstream sent invalid JSON in a stream event: ${snippet(data)}`), out);
        return out;
      }
      // Some Google front ends wrap chunks (and errors) in an array.
      const chunks = Array.isArray(parsed) ? parsed : [parsed];
      for (const c of chunks) {
        chunk(c, out);
        if (done) break;
      }
      return out;
    },

    end(): StreamEvent[] {
      if (done) return [];
      const out: StreamEvent[] = [];
      if (!started) start(undefined, out);
      done = true;
      if (!sawFinish && !blocked) {
        out.push({ type: 'error', error: badStream('upstream stream ended before completion') });
        return out;
      }
      const note = sawOutput ? undefined : failedCallNote(finishRaw, finishMessage);
      if (note) out.push({ type: 'text', text: note });
      const reason = sawFinish ? finishReasonFromGemini(finishRaw, sawToolCall) : 'content_filter';
      out.push({ type: 'finish', reason, usage: usage ?? emptyUsage() });
      return out;
    },
  };
}
