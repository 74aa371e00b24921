/**
 * Token usage in one shape. Totals are inclusive the way OpenAI and Gemini count them
 * (input includes cached tokens, output includes reasoning); the Anthropic codec subtracts on the way out.
 */
export interface Usage {
  /** All prompt tokens, cached ones included. */
  inputTokens: number;
  /** All generated tokens, reasoning included. */
  outputTokens: number;
  /** Prompt tokens read from a cache (subset of inputTokens). */
  cacheReadTokens?: number;
  /** Prompt tokens written to a cache (subset of inputTokens). */
  cacheWriteTokens?: number;
  /** Reasoning/thinking tokens (subset of outputTokens). */
  reasoningTokens?: number;
}

export const emptyUsage = (): Usage => ({ inputTokens: 0, outputTokens: 0 });
