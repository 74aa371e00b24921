import { ProxyError } from '../../core/errors.ts';
import type { FinishReason } from '../../core/finish-reason.ts';
import { openaiToolCallId } from '../../core/ids.ts';
import type { Signature, TextPart } from '../../core/content.ts';
import type { CanonicalResponse, OutputPart } from '../../core/response.ts';
import { emptyUsage, type Usage } from '../../core/usage.ts';
import { isRecord, parseJsonObject, type JsonObject } from '../../util/json.ts';
import { inBandError } from '../openai/errors.ts';
import { decodeContinuity, responseItemId } from './items.ts';
import { reasoningSignature } from './signature.ts';

/** A Response object (an openaiResponses-custom upstream's answer, or aiproxy's own for the prompt log) → canonical. */
export function decodeResponse(body: unknown): CanonicalResponse {
  // A failed response (or an error body in place of one) is the upstream's error, told as it told it.
  if (isRecord(body) && (body.status === 'failed' || (!Array.isArray(body.output) && body.error))) {
    throw new ProxyError(inBandError({ error: body.error ?? { message: 'the response failed' } }));
  }
  if (!isRecord(body) || !Array.isArray(body.output)) {
    throw new ProxyError({ kind: 'api_error', status: 502, message: 'invalid Responses API answer: no output list' });
  }
  const content: OutputPart[] = [];
  for (const item of body.output) if (isRecord(item)) content.push(...outputParts(item));
  const res: CanonicalResponse = {
    id: typeof body.id === 'string' && body.id ? body.id : responseItemId(),
    model: typeof body.model === 'string' ? body.model : '',
    content,
    finishReason: finishReasonOf(body, content.some((p) => p.type === 'tool_call')),
    usage: usageFromResponses(body.usage) ?? emptyUsage(),
  };
  if (typeof body.created_at === 'number') res.created = body.created_at;
  return res;
}

/** One output item's parts (the stream decoder reads whole items the same way). */
export function outputParts(item: JsonObject): OutputPart[] {
  switch (item.type) {
    case 'message': {
      // A refusal part stays one (TextPart's `refusal`): a client with a place for it gets it there.
      const parts: TextPart[] = [];
      for (const c of Array.isArray(item.content) ? item.content : []) {
        if (!isRecord(c)) continue;
        const refusal = c.type === 'refusal';
        const value = c.type === 'output_text' ? c.text : refusal ? c.refusal : undefined;
        if (typeof value !== 'string' || value === '') continue;
        const prev = parts.at(-1);
        if (prev && !!prev.refusal === refusal) prev.text += value;
        else parts.push(refusal ? { type: 'text', text: value, refusal } : { type: 'text', text: value });
      }
      return parts;
    }
    case 'reasoning': {
      // Open-weight models behind Responses-compatible servers (gpt-oss on vLLM) give their raw
      // reasoning as `reasoning_text` content instead of a summary.
      const text = joinTexts(item.summary) || joinTexts(item.content);
      const signature = reasoningItemSignature(item);
      if (signature) return [{ type: 'thinking', text, signature }];
      return text ? [{ type: 'thinking', text }] : [];
    }
    case 'function_call':
      return [{ type: 'tool_call', id: callId(item), name: String(item.name ?? ''), args: callArguments(item.arguments) }];
    case 'custom_tool_call':
      return [{ type: 'tool_call', id: callId(item), name: String(item.name ?? ''), args: { input: typeof item.input === 'string' ? item.input : '' } }];
    default:
      return [];
  }
}

/**
 * A function call's arguments: JSON text, or the object itself from a compatible server that sends it so
 * (llama-server did, ggml-org/llama.cpp#20198); read as text only, the call ran with `{}` (mrdushidush/claudette#238).
 */
function callArguments(value: unknown): JsonObject {
  return isRecord(value) ? value : parseJsonObject(typeof value === 'string' ? value : '');
}

/**
 * What a reasoning item's encrypted_content carries: OpenAI's own reasoning (its id goes with it: OpenAI
 * takes it back only as the item it issued), or a token aiproxy put there for another provider.
 */
export function reasoningItemSignature(item: JsonObject): Signature | undefined {
  if (typeof item.encrypted_content !== 'string' || !item.encrypted_content) return undefined;
  const c = decodeContinuity(item.encrypted_content);
  if (c === 'foreign') return typeof item.id === 'string' && item.id ? reasoningSignature(item.id, item.encrypted_content) : undefined;
  return c?.kind === 'thinking' ? c.signature : undefined;
}

const joinTexts = (parts: unknown): string =>
  (Array.isArray(parts) ? parts : []).map((s) => (isRecord(s) && typeof s.text === 'string' ? s.text : '')).join('\n\n');

const callId = (item: JsonObject): string => (typeof item.call_id === 'string' && item.call_id ? item.call_id : openaiToolCallId());

export function finishReasonOf(response: JsonObject, sawToolCalls: boolean): FinishReason {
  if (response.status === 'incomplete') {
    const reason = isRecord(response.incomplete_details) ? response.incomplete_details.reason : undefined;
    return reason === 'content_filter' ? 'content_filter' : 'length';
  }
  return sawToolCalls ? 'tool_calls' : 'stop';
}

export function usageFromResponses(raw: unknown): Usage | undefined {
  if (!isRecord(raw)) return undefined;
  const num = (v: unknown): number => (typeof v === 'number' && Number.isFinite(v) ? v : 0);
  const usage: Usage = { inputTokens: num(raw.input_tokens), outputTokens: num(raw.output_tokens) };
  const details = isRecord(raw.input_tokens_details) ? raw.input_tokens_details : undefined;
  const cached = num(details?.cached_tokens);
  // GPT-5.6 and later bill cache writes apart (1.25x) and count them here, inside input_tokens, as Chat
  // Completions does in prompt_tokens_details: an Anthropic client gets them as cache_creation_input_tokens.
  const written = num(details?.cache_write_tokens);
  const reasoning = isRecord(raw.output_tokens_details) ? num(raw.output_tokens_details.reasoning_tokens) : 0;
  if (cached) usage.cacheReadTokens = cached;
  if (written) usage.cacheWriteTokens = written;
  if (reasoning) usage.reasoningTokens = reasoning;
  return usage;
}
