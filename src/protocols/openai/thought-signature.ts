import { isGoogleFamily, type Signature } from '../../core/content.ts';
import type { RequestBody } from '../../providers/types.ts';
import { isRecord } from '../../util/json.ts';
import { validatesCallSignatures } from '../gemini/model-rules.ts';
import { formatSignature, parseSignature, SKIP_SIGNATURE } from '../gemini/signature.ts';
import { takesThoughtSignatures } from './model-rules.ts';

/**
 * Google's OpenAI-compatible endpoint carries Gemini thought signatures on tool calls as
 * `extra_content.google.thought_signature`. We use the same field towards OpenAI clients so a
 * client's history can carry the signature back to a Gemini upstream. Code Assist's signatures go
 * there too, marked as they are for Gemini clients (gemini/signature.ts): the Gemini API refuses them,
 * so a history coming back must tell them from its own.
 */
export function readThoughtSignature(extraContent: unknown): Signature | undefined {
  if (!isRecord(extraContent) || !isRecord(extraContent.google)) return undefined;
  const sig = parseSignature(extraContent.google.thought_signature);
  return sig && isGoogleFamily(sig.family) ? sig : undefined;
}

/** The `extra_content` for a tool call an OpenAI client gets, or undefined when it has no Google signature to carry. */
export function thoughtSignatureExtra(
  signature: Signature | undefined,
): { google: { thought_signature: string } } | undefined {
  return signature && isGoogleFamily(signature.family) ? { google: { thought_signature: formatSignature(signature) } } : undefined;
}

/**
 * The signature a tool call sent to a Gemini model behind an OpenAI-compatible endpoint carries: only
 * the Gemini API's own, as Google's endpoint is the Gemini API and others' tokens are "corrupted" there
 * (Code Assist's included). The first call of an assistant turn needs one on models that check it
 * (validatesCallSignatures), and a turn another upstream served has none: the documented bypass value
 * stands in, as on the Gemini convert path (encode-contents.ts).
 */
function upstreamSignature(signature: Signature | undefined, model: string, firstCall: boolean): string | undefined {
  if (signature?.family === 'gemini') return signature.value;
  return firstCall && validatesCallSignatures(model) ? SKIP_SIGNATURE : undefined;
}

/** The `extra_content` for a tool call to a Gemini model behind an OpenAI-compatible endpoint (takesThoughtSignatures). */
export function upstreamThoughtSignatureExtra(
  signature: Signature | undefined,
  model: string,
  firstCall: boolean,
): { google: { thought_signature: string } } | undefined {
  const value = upstreamSignature(signature, model, firstCall);
  return value === undefined ? undefined : { google: { thought_signature: value } };
}

/**
 * A Chat Completions client's history on its way, as it came, to an OpenAI-compatible upstream, its
 * tool calls' `extra_content` made what the convert path writes (encodeToolCall): a Gemini model gets
 * upstreamSignature's (the client kept what aiproxy gave it, Code Assist's marked, or calls another
 * upstream made with none), any other model no `extra_content`, a field only Google reads and strict
 * servers refuse as unknown (Mistral: 422 extra_forbidden). Undefined when nothing needs it: the
 * client's bytes go as they came.
 */
export function withUpstreamSignatures(_raw: RequestBody, body: Record<string, unknown>, model: string): Record<string, unknown> | undefined {
  const google = takesThoughtSignatures(model);
  // The messages are walked, not the bytes searched: a long prompt is one message, and a walk over the
  // messages costs less than a search through its text.
  if (!Array.isArray(body.messages)) return undefined;
  const gemini = google ? model : undefined;
  // Nothing is copied for the common history that needs nothing (every relayed request walks this).
  if (!body.messages.some((m: unknown) => callsOf(m)?.some((c, i) => isRecord(c) && callFor(c, gemini, i === 0) !== c))) return undefined;
  const messages = body.messages.map((m: unknown) => {
    const calls = callsOf(m);
    if (!calls) return m;
    const fixed = calls.map((c: unknown, i: number) => (isRecord(c) ? callFor(c, gemini, i === 0) : c));
    return fixed.every((c, i) => c === calls[i]) ? m : { ...(m as Record<string, unknown>), tool_calls: fixed };
  });
  return { ...body, model, messages };
}

/** An assistant message's tool calls, or undefined for any other message. */
function callsOf(m: unknown): unknown[] | undefined {
  return isRecord(m) && m.role === 'assistant' && Array.isArray(m.tool_calls) ? m.tool_calls : undefined;
}

/**
 * A client's tool call with the signature upstreamSignature gives it (`gemini`: the Gemini model; none
 * for other models), or the call itself when it holds that already.
 */
function callFor(call: Record<string, unknown>, gemini: string | undefined, firstCall: boolean): Record<string, unknown> {
  const extra = call.extra_content;
  const sent = isRecord(extra) && isRecord(extra.google) ? extra.google.thought_signature : undefined;
  const want = gemini === undefined ? undefined : upstreamSignature(parseSignature(sent), gemini, firstCall);
  if (gemini === undefined ? extra === undefined : want === sent) return call;
  const { extra_content: _, ...rest } = call;
  return want === undefined ? rest : { ...rest, extra_content: { google: { thought_signature: want } } };
}
