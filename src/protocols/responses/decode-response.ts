import { ProxyError } from '../../core/errors.ts';
import type { FinishReason } from '../../core/finish-reason.ts';
import { openaiToolCallId } from '../../core/ids.ts';
import type { CanonicalResponse, OutputPart } from '../../core/response.ts';
import { emptyUsage, type Usage } from '../../core/usage.ts';
import { isRecord, parseJsonObject, type JsonObject } from '../../util/json.ts';
import { decodeContinuity, responseItemId } from './items.ts';

/**
 * A Response object → canonical response. Nothing upstream speaks the Responses API yet; this reads
 * aiproxy's own answers back (the prompt log collects the answer text from what the client got).
 */
export function decodeResponse(body: unknown): CanonicalResponse {
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
      const text = (Array.isArray(item.content) ? item.content : [])
        .map((c) => (isRecord(c) && (c.type === 'output_text' || c.type === 'refusal') ? String(c.text ?? c.refusal ?? '') : ''))
        .join('');
      return text ? [{ type: 'text', text }] : [];
    }
    case 'reasoning': {
      const text = (Array.isArray(item.summary) ? item.summary : []).map((s) => (isRecord(s) && typeof s.text === 'string' ? s.text : '')).join('\n\n');
      const c = typeof item.encrypted_content === 'string' ? decodeContinuity(item.encrypted_content) : undefined;
      if (c && c !== 'foreign' && c.kind === 'thinking') return [{ type: 'thinking', text, signature: c.signature }];
      return text ? [{ type: 'thinking', text }] : [];
    }
    case 'function_call':
      return [{ type: 'tool_call', id: callId(item), name: String(item.name ?? ''), args: parseJsonObject(typeof item.arguments === 'string' ? item.arguments : '') }];
    case 'custom_tool_call':
      return [{ type: 'tool_call', id: callId(item), name: String(item.name ?? ''), args: { input: typeof item.input === 'string' ? item.input : '' } }];
    default:
      return [];
  }
}

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
  const cached = isRecord(raw.input_tokens_details) ? num(raw.input_tokens_details.cached_tokens) : 0;
  const reasoning = isRecord(raw.output_tokens_details) ? num(raw.output_tokens_details.reasoning_tokens) : 0;
  if (cached) usage.cacheReadTokens = cached;
  if (reasoning) usage.reasoningTokens = reasoning;
  return usage;
}
