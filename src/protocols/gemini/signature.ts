import type { Signature } from '../../core/content.ts';

/**
 * Gemini clients carry one opaque token per part, `thoughtSignature`. So that an Anthropic thinking
 * signature (Anthropic refuses a thinking continuation without it) or an OpenAI reasoning item survives a
 * Gemini client's round trip, it travels wrapped: base64 of a fixed marker naming its family, then base64
 * of the value. Each marker is a multiple of 3 bytes long, so every wrapped value starts with the same
 * base64 prefix and is still valid proto `bytes`; a signature Google issued never starts with one.
 */
const MARKERS = {
  anthropic: Buffer.from('aiproxy:anthropic:').toString('base64'),
  openai: Buffer.from('aiproxy:openai:').toString('base64'),
} as const;

/** A thoughtSignature as a Gemini client sent it → canonical. */
export function parseSignature(raw: unknown): Signature | undefined {
  if (typeof raw !== 'string' || raw === '') return undefined;
  for (const family of ['anthropic', 'openai'] as const) {
    const marker = MARKERS[family];
    if (raw.startsWith(marker)) return { family, value: Buffer.from(raw.slice(marker.length), 'base64').toString('utf8') };
  }
  return { family: 'gemini', value: raw };
}

/** The thoughtSignature a Gemini client gets for a canonical signature. */
export function formatSignature(sig: Signature): string {
  return sig.family === 'gemini' ? sig.value : MARKERS[sig.family] + Buffer.from(sig.value, 'utf8').toString('base64');
}
