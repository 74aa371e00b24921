import type { Signature, SignatureFamily } from '../../core/content.ts';
import { boundedCache } from '../../util/bounded-cache.ts';

/**
 * Tool-call id → Gemini thoughtSignature. Gemini 3 rejects a replayed functionCall without its
 * signature, but clients of other protocols (Anthropic tool_use, OpenAI tool_calls) cannot carry one.
 * The decoders remember the signature under the id they synthesised; encodeRequest looks it up when
 * the call comes back without one. Entries keep their family: the Gemini API and Code Assist refuse
 * each other's signatures, and a call made on one may come back on its way to the other. Bounded and
 * insertion-ordered: the oldest entries go first.
 */
const MAX_ENTRIES = 10_000;

// Bounded by entries only, as signatures are short: the character bound is never the one reached.
const entries = boundedCache<Signature>({ maxEntries: MAX_ENTRIES, maxChars: Infinity, sizeOf: (s) => s.value.length });

export function rememberSignature(callId: string, signature: Signature): void {
  entries.remember(callId, signature);
}

/** The call's signature, when the upstream it goes to (`family`) issued it. */
export function recallSignature(callId: string, family: SignatureFamily): string | undefined {
  const signature = entries.recall(callId);
  return signature?.family === family ? signature.value : undefined;
}

/** Tests only. */
export function clearSignatureCache(): void {
  entries.clear();
}

export const SIGNATURE_CACHE_LIMIT = MAX_ENTRIES;
