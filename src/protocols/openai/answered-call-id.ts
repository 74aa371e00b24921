import { openaiToolCallId } from '../../core/ids.ts';

/**
 * The id a new call of the turn goes by: the server's, unless it has none or already gave it to another
 * call of the turn. llama-server (ggml-org/llama.cpp#27966), and DeepSeek and GLM at times
 * (HKUDS/nanobot#3943), give parallel calls one id: passed on, Claude Code got two tool_use blocks with
 * one id, and the results it sent back paired with the wrong call or were refused as duplicates.
 */
export function callId(id: string | undefined, used: Set<string>): string {
  const unique = id === undefined || used.has(id) ? openaiToolCallId() : id;
  used.add(unique);
  return unique;
}
