import { boundedCache } from '../../util/bounded-cache.ts';
import { wantsReasoningBack } from './model-rules.ts';

/**
 * Tool call id → the reasoning_content an OpenAI-compatible server sent with the turn that made the
 * call. DeepSeek's and Kimi's thinking modes answer 400 to a continuation whose tool-call turn lacks it,
 * but Gemini clients drop thought parts from their history (and some OpenAI clients drop
 * reasoning_content), so the decoders remember it under the turn's first call id and encodeMessages
 * puts it back when the history comes without it.
 */
const cache = boundedCache<string>({ maxEntries: 2_000, maxChars: 16 * 1024 * 1024, sizeOf: (s) => s.length });

/**
 * `model` is the one the answer names: other servers' reasoning would never be sent back, so it is not
 * kept. An answer that names no model might still be such a server's.
 */
export function rememberReasoning(model: string, firstCallId: string | undefined, reasoning: string): void {
  if (firstCallId === undefined || reasoning === '' || !uniqueId(firstCallId)) return;
  if (model !== '' && !wantsReasoningBack(model)) return;
  cache.remember(firstCallId, reasoning);
}

/**
 * Ids that name one call in the world: the cache is shared by every conversation and caller, so an id
 * another conversation also uses would hand it this one's reasoning. Kimi numbers its calls
 * (`functions.read_file:0`, the same in every conversation), some servers count (`call_0`); DeepSeek's,
 * OpenAI's and vLLM's carry a long random part.
 */
function uniqueId(id: string): boolean {
  return !/^functions\.[^:]*:\d+$/.test(id) && /[A-Za-z0-9]{12,}/.test(id);
}

export const recallReasoning = (firstCallId: string): string | undefined => cache.recall(firstCallId);

/** Tests only. */
export const clearReasoningCache = (): void => cache.clear();
