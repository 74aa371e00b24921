import { isGoogleFamily, type Signature } from '../../core/content.ts';
import { isRecord } from '../../util/json.ts';
import { formatSignature, parseSignature } from '../gemini/signature.ts';

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
 * The `extra_content` for a tool call sent to an OpenAI-compatible upstream: only the Gemini API's own
 * signatures, as Google's OpenAI-compatible endpoint is the Gemini API and others' tokens mean nothing there.
 */
export function upstreamThoughtSignatureExtra(
  signature: Signature | undefined,
): { google: { thought_signature: string } } | undefined {
  return signature?.family === 'gemini' ? { google: { thought_signature: signature.value } } : undefined;
}
