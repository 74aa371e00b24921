import { boundedCache } from '../../util/bounded-cache.ts';
import type { AnthropicBlock } from './wire-types.ts';

/**
 * Tool-use id → the signed thinking blocks of the response that made the call. With thinking on, the
 * API rejects a tool-result continuation whose assistant turn does not start with its signed thinking,
 * but OpenAI clients have nowhere to keep a signature (reasoning_content is bare text). The decoders
 * remember the blocks under the turn's first tool_use id; encodeRequest puts them back when a client's
 * history comes without them, so thinking stays on through a whole tool loop.
 */
const cache = boundedCache<AnthropicBlock[]>({ maxEntries: 2_000, maxChars: 16 * 1024 * 1024, sizeOf });

function sizeOf(blocks: AnthropicBlock[]): number {
  let n = 0;
  for (const b of blocks) {
    for (const v of Object.values(b)) if (typeof v === 'string') n += v.length;
  }
  return n;
}

export function rememberThinking(toolUseId: string, blocks: AnthropicBlock[]): void {
  if (blocks.length > 0) cache.remember(toolUseId, blocks);
}

export const recallThinking = (toolUseId: string): AnthropicBlock[] | undefined => cache.recall(toolUseId);

/** Tests only. */
export const clearThinkingCache = (): void => cache.clear();
