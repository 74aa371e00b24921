import { describe, expect, test } from 'bun:test';
import { FALLBACK_CONTEXT_WINDOW } from '../../../src/core/context-overflow.ts';
import type { ProxyErrorInfo } from '../../../src/core/errors.ts';
import { encodeError } from '../../../src/protocols/anthropic/errors.ts';

/**
 * OpenAI-compatible servers word a context overflow each their own way. Claude Code recovers only from
 * Anthropic's two wordings, with figures: "prompt is too long: N tokens > M maximum" (it compacts) and
 * "input length and `max_tokens` exceed context limit: I + O > M" (it lowers max_tokens); any other
 * 400 is a dead end for the session. The messages below are the servers' own, as users quoted them.
 */
const overflow = (message: string): ProxyErrorInfo => ({ status: 400, kind: 'invalid_request', message });
const forClaude = (message: string) => encodeError(overflow(message)).error;

describe('an OpenAI-compatible server’s overflow → Claude Code’s "prompt is too long"', () => {
  test.each([
    // Alishahryar1/free-claude-code#263
    ['Together / NVIDIA', "The input (345516 tokens) is longer than the model's context length (262144 tokens). (request_id=req_123)", 345516, 262144],
    // MoonshotAI/kimi-cli#2011
    ['Moonshot Kimi', 'Invalid request: Your request exceeded model token limit: 262144 (requested: 269030)', 269030, 262144],
    ['vLLM, the prompt alone', "This model's maximum context length is 32768 tokens. However, your request has 40000 input tokens. Please reduce the length of the input messages.", 40000, 32768],
    ['llama.cpp', 'request (41533 tokens) exceeds the available context size (32768 tokens), try increasing it', 41533, 32768],
    // lmstudio-ai/lmstudio-bug-tracker#546, cline/cline#3664
    [
      'LM Studio',
      'Trying to keep the first 111490 tokens when context the overflows. However, the model is loaded with context length of only 32768 tokens, which is not enough. Try to load the model with a larger context length, or provide a shorter input',
      111490,
      32768,
    ],
    // anomalyco/opencode#11141 (LM Studio's llama.cpp engine)
    ['LM Studio, n_keep', 'Cannot truncate prompt with n_keep (15028) >= n_ctx (7424)', 15028, 7424],
    ['Mistral', 'Prompt contains 40000 tokens and 0 draft tokens, too large for model with 32768 maximum context length', 40000, 32768],
    ['xAI', "This model's maximum prompt length is 131072 but the request contains 537812 tokens", 537812, 131072],
    // The prompt alone (text and tool input) is over the window: compacting is what helps.
    [
      'OpenRouter, text and tool input',
      "This endpoint's maximum context length is 204800 tokens. However, you requested about 250598 tokens (230395 of text input, 4203 of tool input, 16000 in the output). Please reduce the length of either one, or use the context-compression plugin to compress your prompt automatically.",
      234598,
      204800,
    ],
  ])('%s: the figures it states', (_, message, input, max) => {
    expect(forClaude(message)).toEqual({ type: 'invalid_request_error', message: `prompt is too long: ${input} tokens > ${max} maximum (upstream: ${message})` });
  });

  test.each([
    // QwenLM/qwen-code#98
    ['Qwen on DashScope, the window only', '<400> InternalError.Algo.InvalidParameter: Range of input length should be [1, 204800]', 204800],
    // NousResearch/hermes-agent#1877 (code 1261); no window named, so the fallback one
    ['Z.ai GLM, no figures', 'Prompt exceeds max length', FALLBACK_CONTEXT_WINDOW],
    // lmstudio-ai/lmstudio-bug-tracker#2205, anomalyco/opencode#2259
    [
      'LM Studio, no figures',
      'The number of tokens to keep from the initial prompt is greater than the context length. Try to load the model with a larger context length, or provide a shorter input',
      FALLBACK_CONTEXT_WINDOW,
    ],
  ])('%s: stand-in figures around the window', (_, message, max) => {
    expect(forClaude(message).message).toBe(`prompt is too long: ${max + 1} tokens > ${max} maximum (upstream: ${message})`);
  });
});

describe('an overflow only with max_tokens added → the form Claude Code retries with a smaller max_tokens', () => {
  test.each([
    [
      'vLLM, max_tokens too large',
      "'max_tokens' or 'max_completion_tokens' is too large: 32000. This model's maximum context length is 65536 tokens and your request has 52189 input tokens (32000 > 65536 - 52189). (parameter=max_tokens, value=32000)",
      [52189, 32000, 65536],
    ],
    // OpenCowork#82
    [
      'vLLM, total over the window',
      "This model's maximum context length is 262144 tokens. However, you requested 128000 output tokens and your prompt contains at least 134145 input tokens, for a total of at least 262145 tokens. Please reduce the length of the input prompt or the number of requested output tokens. (parameter=input_tokens, value=134145)",
      [134145, 128000, 262144],
    ],
    [
      'OpenRouter, text input only',
      "This endpoint's maximum context length is 8192 tokens. However, you requested about 12000 tokens (6000 of text input, 6000 in the output). Please reduce the length of either one, or use the \"middle-out\" transform to compress your prompt automatically.",
      [6000, 6000, 8192],
    ],
  ] as const)('%s', (_, message, [input, output, max]) => {
    expect(forClaude(message).message).toBe(
      `input length and \`max_tokens\` exceed context limit: ${input} + ${output} > ${max}, decrease input length or \`max_tokens\` and try again (upstream: ${message})`,
    );
  });
});
