import type { Signature, SignatureFamily } from '../../core/content.ts';

/**
 * Anthropic clients can carry only one opaque string per thinking block. So that a Gemini thought
 * signature or an OpenAI reasoning item survives a round trip through an Anthropic client, it is exposed
 * with its family as a prefix (`gemini:`, `code-assist:`, `openai:`); real Anthropic signatures are
 * base64 and never contain a colon.
 */
const PREFIXED: readonly SignatureFamily[] = ['gemini', 'code-assist', 'openai'];

/** The prefixes of other families' signatures, for a search through a client's raw bytes (own-blocks.ts). */
export const FOREIGN_PREFIXES: readonly string[] = PREFIXED.map((family) => `${family}:`);

/**
 * The signature of thinking no provider signed (Gemini thoughts without one, DeepSeek's reasoning):
 * marked as aiproxy's, so that a history coming back can tell it from a signature an Anthropic-compatible
 * server left empty, and leave it out for Anthropic itself (own-blocks.ts), which refuses it.
 */
export const UNSIGNED = 'aiproxy:unsigned';

export function parseSignature(raw: unknown): Signature | undefined {
  if (typeof raw !== 'string' || raw === '' || raw === UNSIGNED) return undefined;
  for (const family of PREFIXED) {
    if (raw.startsWith(`${family}:`)) return { family, value: raw.slice(family.length + 1) };
  }
  return { family: 'anthropic', value: raw };
}

/** The signature as an Anthropic client sees it on a finished thinking block. */
export function formatSignature(sig: Signature | undefined): string {
  if (!sig) return UNSIGNED;
  return sig.family === 'anthropic' ? sig.value : `${sig.family}:${sig.value}`;
}
