import type { AnthropicBlock } from './wire-types.ts';

/**
 * Tool-use id → the signed thinking blocks of the response that made the call. With thinking on, the
 * API rejects a tool-result continuation whose assistant turn does not start with its signed thinking,
 * but OpenAI clients have nowhere to keep a signature (reasoning_content is bare text). The decoders
 * remember the blocks under the turn's first tool_use id; encodeRequest puts them back when a client's
 * history comes without them, so thinking stays on through a whole tool loop.
 *
 * Bounded by entries and by characters (thinking can be long); the oldest entries go first.
 */
const MAX_ENTRIES = 2_000;
const MAX_CHARS = 16 * 1024 * 1024;

interface Entry {
  blocks: AnthropicBlock[];
  chars: number;
}

const entries = new Map<string, Entry>();
let totalChars = 0;

function sizeOf(blocks: AnthropicBlock[]): number {
  let n = 0;
  for (const b of blocks) {
    for (const v of Object.values(b)) if (typeof v === 'string') n += v.length;
  }
  return n;
}

function drop(id: string): void {
  const old = entries.get(id);
  if (!old) return;
  totalChars -= old.chars;
  entries.delete(id);
}

export function rememberThinking(toolUseId: string, blocks: AnthropicBlock[]): void {
  if (toolUseId === '' || blocks.length === 0) return;
  const chars = sizeOf(blocks);
  if (chars > MAX_CHARS) return;
  drop(toolUseId);
  entries.set(toolUseId, { blocks, chars });
  totalChars += chars;
  while (entries.size > MAX_ENTRIES || totalChars > MAX_CHARS) {
    const oldest = entries.keys().next();
    if (oldest.done) break;
    drop(oldest.value);
  }
}

export function recallThinking(toolUseId: string): AnthropicBlock[] | undefined {
  return entries.get(toolUseId)?.blocks;
}

/** Tests only. */
export function clearThinkingCache(): void {
  entries.clear();
  totalChars = 0;
}
