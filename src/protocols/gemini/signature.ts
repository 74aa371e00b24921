import type { Signature } from '../../core/content.ts';

/**
 * Gemini clients carry one opaque token per part, `thoughtSignature`. So that an Anthropic thinking
 * signature survives a Gemini client's round trip (Anthropic refuses a thinking continuation without
 * it), it travels wrapped: base64 of a fixed marker, then base64 of the signature. The marker is 18
 * bytes (a multiple of 3), so every wrapped value starts with the same base64 prefix and is still valid
 * proto `bytes`; a signature Google issued never starts with it.
 */
const ANTHROPIC_PREFIX = Buffer.from('aiproxy:anthropic:').toString('base64');

/** A thoughtSignature as a Gemini client sent it → canonical. */
export function parseSignature(raw: unknown): Signature | undefined {
  if (typeof raw !== 'string' || raw === '') return undefined;
  if (!raw.startsWith(ANTHROPIC_PREFIX)) return { family: 'gemini', value: raw };
  return { family: 'anthropic', value: Buffer.from(raw.slice(ANTHROPIC_PREFIX.length), 'base64').toString('utf8') };
}

/** The thoughtSignature a Gemini client gets for a canonical signature. */
export function formatSignature(sig: Signature): string {
  return sig.family === 'gemini' ? sig.value : ANTHROPIC_PREFIX + Buffer.from(sig.value, 'utf8').toString('base64');
}
