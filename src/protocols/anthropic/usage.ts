import type { Usage } from '../../core/usage.ts';
import { isRecord } from '../../util/json.ts';

/**
 * Anthropic counts cached prompt tokens *outside* `input_tokens` (protocols.md §6.6); the canonical
 * usage is inclusive, so decoding adds the cache counters in and encoding takes them out again.
 */
export interface AnthropicUsage {
  input_tokens: number;
  output_tokens: number;
  cache_creation_input_tokens: number;
  cache_read_input_tokens: number;
  /** Newer API field; sent only when the reasoning count is known. */
  output_tokens_details?: { thinking_tokens: number };
}

const count = (v: unknown): number | undefined => (typeof v === 'number' && Number.isFinite(v) && v >= 0 ? v : undefined);

/** Whatever counters the object has (message_delta repeats only some). */
export function partialUsageFromAnthropic(raw: unknown): Partial<Usage> {
  if (!isRecord(raw)) return {};
  const out: Partial<Usage> = {};
  const input = count(raw.input_tokens);
  const write = count(raw.cache_creation_input_tokens);
  const read = count(raw.cache_read_input_tokens);
  if (input !== undefined || write !== undefined || read !== undefined) {
    out.inputTokens = (input ?? 0) + (write ?? 0) + (read ?? 0);
  }
  if (read !== undefined) out.cacheReadTokens = read;
  if (write !== undefined) out.cacheWriteTokens = write;
  const output = count(raw.output_tokens);
  if (output !== undefined) out.outputTokens = output;
  const details = raw.output_tokens_details;
  const thinking = isRecord(details) ? count(details.thinking_tokens) : undefined;
  if (thinking !== undefined) out.reasoningTokens = thinking;
  return out;
}

export function usageFromAnthropic(raw: unknown): Usage {
  return { inputTokens: 0, outputTokens: 0, ...partialUsageFromAnthropic(raw) };
}

export function usageToAnthropic(u: Partial<Usage> | undefined): AnthropicUsage {
  const read = u?.cacheReadTokens ?? 0;
  const write = u?.cacheWriteTokens ?? 0;
  const out: AnthropicUsage = {
    // Clamped: an upstream that reports cache counts larger than its prompt must not yield negatives.
    input_tokens: Math.max(0, (u?.inputTokens ?? 0) - read - write),
    output_tokens: u?.outputTokens ?? 0,
    cache_creation_input_tokens: write,
    cache_read_input_tokens: read,
  };
  if (u?.reasoningTokens !== undefined) out.output_tokens_details = { thinking_tokens: u.reasoningTokens };
  return out;
}
