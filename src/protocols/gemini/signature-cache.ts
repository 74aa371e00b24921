import type { Signature, SignatureFamily } from '../../core/content.ts';

/**
 * Tool-call id → Gemini thoughtSignature. Gemini 3 rejects a replayed functionCall without its
 * signature, but clients of other protocols (Anthropic tool_use, OpenAI tool_calls) cannot carry one.
 * The decoders remember the signature under the id they synthesised; encodeRequest looks it up when
 * the call comes back without one. Entries keep their family: the Gemini API and Code Assist refuse
 * each other's signatures, and a call made on one may come back on its way to the other. Bounded and
 * insertion-ordered: the oldest entries go first.
 */
const MAX_ENTRIES = 10_000;

const entries = new Map<string, Signature>();

export function rememberSignature(callId: string, signature: Signature): void {
  // Re-inserting moves the id to the young end, so a call still in use is not evicted.
  entries.delete(callId);
  entries.set(callId, signature);
  if (entries.size > MAX_ENTRIES) {
    const oldest = entries.keys().next();
    if (!oldest.done) entries.delete(oldest.value);
  }
}

/** The call's signature, when the upstream it goes to (`family`) issued it. */
export function recallSignature(callId: string, family: SignatureFamily): string | undefined {
  const signature = entries.get(callId);
  return signature?.family === family ? signature.value : undefined;
}

/** Tests only. */
export function clearSignatureCache(): void {
  entries.clear();
}

export const SIGNATURE_CACHE_LIMIT = MAX_ENTRIES;
