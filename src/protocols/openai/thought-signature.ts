import type { Signature } from '../../core/content.ts';
import { isRecord } from '../../util/json.ts';

/**
 * Google's OpenAI-compatible endpoint carries Gemini thought signatures on tool calls as
 * `extra_content.google.thought_signature`. We use the same field towards OpenAI clients so a
 * client's history can carry the signature back to a Gemini upstream.
 */
export function readThoughtSignature(extraContent: unknown): Signature | undefined {
  if (!isRecord(extraContent) || !isRecord(extraContent.google)) return undefined;
  const value = extraContent.google.thought_signature;
  return typeof value === 'string' && value ? { family: 'gemini', value } : undefined;
}

/** The `extra_content` for a tool call, or undefined when there is nothing OpenAI clients can carry back. */
export function thoughtSignatureExtra(
  signature: Signature | undefined,
): { google: { thought_signature: string } } | undefined {
  return signature?.family === 'gemini' ? { google: { thought_signature: signature.value } } : undefined;
}
