import type { Usage } from '../../core/usage.ts';
import { isRecord } from '../../util/json.ts';

/** OpenAI `usage` as it appears on responses and on the final stream chunk. */
export interface OpenAIUsage {
  prompt_tokens: number;
  completion_tokens: number;
  total_tokens: number;
  prompt_tokens_details: { cached_tokens: number; cache_write_tokens?: number };
  completion_tokens_details: { reasoning_tokens: number };
}

const count = (v: unknown): number | undefined =>
  typeof v === 'number' && Number.isFinite(v) && v >= 0 ? v : undefined;

/**
 * OpenAI usage → canonical. OpenAI's totals are already inclusive (prompt includes cached,
 * completion includes reasoning), which is the canonical convention, so numbers carry over as-is.
 * Returns undefined when `raw` is not a usage object (e.g. `"usage": null` on a stream chunk).
 */
export function usageFromOpenAI(raw: unknown): Usage | undefined {
  if (!isRecord(raw)) return undefined;
  // mlx-vlm's server counts a chat completion in the Responses API's names, input_tokens and output_tokens,
  // with no prompt_tokens: read as zero, a client's context meter stayed at 0% (earendil-works/pi#2326).
  const usage: Usage = {
    inputTokens: count(raw.prompt_tokens) ?? count(raw.input_tokens) ?? 0,
    outputTokens: count(raw.completion_tokens) ?? count(raw.output_tokens) ?? 0,
  };
  const prompt = isRecord(raw.prompt_tokens_details) ? raw.prompt_tokens_details : undefined;
  // DeepSeek (prompt_cache_hit_tokens) and Moonshot's Kimi (cached_tokens, with no prompt_tokens_details
  // on kimi-k3: promptfoo/promptfoo#10132) report cache hits at the top level.
  const cacheRead = count(prompt?.cached_tokens) ?? count(raw.prompt_cache_hit_tokens) ?? count(raw.cached_tokens);
  if (cacheRead !== undefined) usage.cacheReadTokens = cacheRead;
  const cacheWrite = count(prompt?.cache_write_tokens);
  if (cacheWrite !== undefined) usage.cacheWriteTokens = cacheWrite;
  const completion = isRecord(raw.completion_tokens_details) ? raw.completion_tokens_details : undefined;
  const reasoning = count(completion?.reasoning_tokens);
  if (reasoning !== undefined) usage.reasoningTokens = reasoning;
  return usage;
}

/** Canonical → OpenAI usage, with the detail objects the SDK types declare. */
export function usageToOpenAI(u: Usage): OpenAIUsage {
  const prompt: OpenAIUsage['prompt_tokens_details'] = { cached_tokens: u.cacheReadTokens ?? 0 };
  if (u.cacheWriteTokens !== undefined) prompt.cache_write_tokens = u.cacheWriteTokens;
  return {
    prompt_tokens: u.inputTokens,
    completion_tokens: u.outputTokens,
    total_tokens: u.inputTokens + u.outputTokens,
    prompt_tokens_details: prompt,
    completion_tokens_details: { reasoning_tokens: u.reasoningTokens ?? 0 },
  };
}
