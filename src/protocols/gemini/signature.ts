import type { Signature, SignatureFamily } from '../../core/content.ts';
import { isRecord } from '../../util/json.ts';

/**
 * Gemini clients carry one opaque token per part, `thoughtSignature`. So that an Anthropic thinking
 * signature (Anthropic refuses a thinking continuation without it) or an OpenAI reasoning item survives a
 * Gemini client's round trip, it travels wrapped: base64 of a fixed marker naming its family, then base64
 * of the value. Each marker is a multiple of 3 bytes long, so every wrapped value starts with the same
 * base64 prefix and is still valid proto `bytes`; a signature Google issued never starts with one.
 *
 * Code Assist's signatures are Google's too, but the Gemini API refuses them (and Code Assist the Gemini
 * API's), so they are wrapped as well, to tell the two apart when the client's history comes back. Being
 * base64 already, they follow their marker as they are: still valid base64, and no larger than needed.
 * The Gemini API's own stay unmarked, so a Gemini client's bytes go to it untouched.
 */
const MARKERS: Record<Exclude<SignatureFamily, 'gemini'>, string> = {
  anthropic: Buffer.from('aiproxy:anthropic:').toString('base64'),
  openai: Buffer.from('aiproxy:openai:').toString('base64'),
  'code-assist': Buffer.from('aiproxy:cloudcode-pa:').toString('base64'),
};
const WRAPPED = Object.entries(MARKERS) as Array<[Exclude<SignatureFamily, 'gemini'>, string]>;

/** Gemini's documented bypass for calls whose real signature is unknown (history made elsewhere). */
export const SKIP_SIGNATURE = 'skip_thought_signature_validator';

/** What a Code Assist signature starts with for a client: a request without it holds none. */
export const CODE_ASSIST_MARKER = MARKERS['code-assist'];

/** A thoughtSignature as a Gemini client sent it → canonical. */
export function parseSignature(raw: unknown): Signature | undefined {
  if (typeof raw !== 'string' || raw === '') return undefined;
  for (const [family, marker] of WRAPPED) {
    if (!raw.startsWith(marker)) continue;
    const rest = raw.slice(marker.length);
    return { family, value: family === 'code-assist' ? rest : Buffer.from(rest, 'base64').toString('utf8') };
  }
  return { family: 'gemini', value: raw };
}

/** The thoughtSignature a Gemini client gets for a canonical signature. */
export function formatSignature(sig: Signature): string {
  if (sig.family === 'gemini') return sig.value;
  if (sig.family === 'code-assist') return MARKERS['code-assist'] + sig.value;
  return MARKERS[sig.family] + Buffer.from(sig.value, 'utf8').toString('base64');
}

/**
 * A Code Assist answer (a GenerateContentResponse, its envelope already off) with every part's
 * signature marked as Code Assist's, in place. Where the backend is known, so that what reads the answer
 * tells its signatures from the Gemini API's: a Gemini client's history, and the decoders (parseSignature).
 */
export function markCodeAssistSignatures(response: unknown): unknown {
  if (!isRecord(response) || !Array.isArray(response.candidates)) return response;
  for (const c of response.candidates) {
    const parts = isRecord(c) && isRecord(c.content) ? c.content.parts : undefined;
    if (!Array.isArray(parts)) continue;
    for (const p of parts) {
      if (isRecord(p) && typeof p.thoughtSignature === 'string' && p.thoughtSignature !== '') {
        p.thoughtSignature = formatSignature({ family: 'code-assist', value: p.thoughtSignature });
      }
    }
  }
  return response;
}
