import type { Usage } from '../../core/usage.ts';
import { isRecord, type JsonObject } from '../../util/json.ts';

const count = (v: unknown): number => (typeof v === 'number' && Number.isFinite(v) && v > 0 ? v : 0);

/**
 * usageMetadata → canonical (protocols.md §6.6). Gemini's prompt count already includes cached tokens,
 * but its candidates count excludes thoughts, so output = candidates + thoughts.
 */
export function usageFromGemini(meta: unknown): Usage | undefined {
  if (!isRecord(meta)) return undefined;
  const thoughts = count(meta.thoughtsTokenCount);
  const usage: Usage = {
    // Tool-use prompt tokens are billed as input and counted in totalTokenCount.
    inputTokens: count(meta.promptTokenCount) + count(meta.toolUsePromptTokenCount),
    outputTokens: count(meta.candidatesTokenCount) + thoughts,
  };
  if (meta.thoughtsTokenCount !== undefined) usage.reasoningTokens = thoughts;
  if (meta.cachedContentTokenCount !== undefined) usage.cacheReadTokens = count(meta.cachedContentTokenCount);
  return usage;
}

/** Canonical → usageMetadata, the inverse of usageFromGemini. */
export function usageToGemini(usage: Usage): JsonObject {
  const reasoning = usage.reasoningTokens ?? 0;
  const meta: JsonObject = {
    promptTokenCount: usage.inputTokens,
    candidatesTokenCount: Math.max(0, usage.outputTokens - reasoning),
    totalTokenCount: usage.inputTokens + usage.outputTokens,
  };
  if (usage.reasoningTokens !== undefined) meta.thoughtsTokenCount = reasoning;
  if (usage.cacheReadTokens !== undefined) meta.cachedContentTokenCount = usage.cacheReadTokens;
  return meta;
}
