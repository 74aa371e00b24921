import type { Signature } from '../../core/content.ts';

/**
 * Anthropic clients can carry only one opaque string per thinking block. To let a Gemini thought
 * signature survive a round trip through an Anthropic client we expose it with a `gemini:` prefix;
 * real Anthropic signatures are base64 and never contain a colon.
 */
const GEMINI_PREFIX = 'gemini:';

export function parseSignature(raw: unknown): Signature | undefined {
  if (typeof raw !== 'string' || raw === '') return undefined;
  if (raw.startsWith(GEMINI_PREFIX)) return { family: 'gemini', value: raw.slice(GEMINI_PREFIX.length) };
  return { family: 'anthropic', value: raw };
}

/** The signature as an Anthropic client sees it. */
export function formatSignature(sig: Signature | undefined): string {
  if (!sig) return '';
  return sig.family === 'gemini' ? GEMINI_PREFIX + sig.value : sig.value;
}
