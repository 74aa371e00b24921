/** The sizes a "the prompt does not fit" 400 states, and whose wording stated them. */
export interface ContextOverflow {
  /** Prompt tokens. */
  input: number;
  /** Output tokens asked for, when the message counts them too. */
  output?: number;
  /** The model's context window. */
  max: number;
  from: 'openai' | 'anthropic' | 'gemini';
  /**
   * The upstream stated no input size (and maybe no window either): `input`, and `max` unless stated,
   * are stand-ins (see overflowSizes), so a client's parser sees an overflow, not a measurement.
   */
  estimated?: boolean;
}

/**
 * Reads an upstream's context-overflow message, in any of the wordings clients act on differently
 * (each codec re-words it for its own clients: Claude Code compacts on Anthropic's, Cline trims on
 * OpenAI's). Undefined for any other message.
 */
export function contextOverflowOf(message: string): ContextOverflow | undefined {
  // OpenAI: "This model's maximum context length is 128000 tokens. However, you requested 130000 tokens
  // (100000 in the messages, 30000 in the completion)." or "… your messages resulted in 130000 tokens."
  let m = /maximum context length is (\d+) tokens.*?\((\d+) in the messages, (\d+) in the completion\)/s.exec(message);
  if (m) return { max: +m[1]!, input: +m[2]!, output: +m[3]!, from: 'openai' };
  m = /maximum context length is (\d+) tokens.*?resulted in (\d+) tokens/s.exec(message);
  if (m) return { max: +m[1]!, input: +m[2]!, from: 'openai' };
  // vLLM and other OpenAI-compatible servers: "maximum context length of 262144 tokens. You requested a
  // total of 262462 tokens: 230462 tokens from the input messages and 32000 tokens for the completion."
  m = /maximum context length of (\d+) tokens.*?(\d+) tokens from the input messages and (\d+) tokens for the completion/s.exec(message);
  if (m) return { max: +m[1]!, input: +m[2]!, output: +m[3]!, from: 'openai' };
  // vLLM's current wordings, also what NVIDIA NIM and Bedrock's OpenAI endpoint pass on (OpenCowork#82):
  // "'max_tokens' or 'max_completion_tokens' is too large: 16384. This model's maximum context length is
  // 65536 tokens and your request has 52189 input tokens (16384 > 65536 - 52189)."; "… However, you
  // requested 8192 output tokens and your prompt contains at least 194561 input tokens, for a total of at
  // least 202753 tokens."; and, the prompt alone too long, "… However, your request has 40000 input tokens."
  m = /is too large: (\d+)\. This model's maximum context length is (\d+) tokens and your request has (\d+) input tokens/.exec(message);
  if (m) return { output: +m[1]!, max: +m[2]!, input: +m[3]!, from: 'openai' };
  m = /maximum context length is (\d+) tokens.*?you requested (\d+) output tokens and your prompt contains at least (\d+) input tokens/s.exec(message);
  if (m) return { max: +m[1]!, output: +m[2]!, input: +m[3]!, from: 'openai' };
  m = /maximum context length is (\d+) tokens.*?your request has (\d+) input tokens/s.exec(message);
  if (m) return { max: +m[1]!, input: +m[2]!, from: 'openai' };
  // OpenRouter: "This endpoint's maximum context length is 204800 tokens. However, you requested about
  // 250598 tokens (230395 of text input, 4203 of tool input, 16000 in the output)." (tool input optional).
  m = /maximum context length is (\d+) tokens.*?\((\d+) of text input, (?:(\d+) of tool input, )?(\d+) in the output\)/s.exec(message);
  if (m) return { max: +m[1]!, input: +m[2]! + +(m[3] ?? 0), output: +m[4]!, from: 'openai' };
  // Together and NVIDIA's hosted models: "The input (345516 tokens) is longer than the model's context
  // length (262144 tokens)." (Alishahryar1/free-claude-code#263).
  m = /input \((\d+) tokens\) is longer than the model's context length \((\d+) tokens\)/.exec(message);
  if (m) return { input: +m[1]!, max: +m[2]!, from: 'openai' };
  // Moonshot's Kimi: "Invalid request: Your request exceeded model token limit: 262144 (requested: 269030)"
  // (MoonshotAI/kimi-cli#2011). The figure requested counts max_tokens in, and the message does not split it.
  m = /exceeded model token limit: (\d+) \(requested: (\d+)\)/.exec(message);
  if (m) return { max: +m[1]!, input: +m[2]!, from: 'openai' };
  // llama.cpp's server: "request (41533 tokens) exceeds the available context size (32768 tokens), try increasing it".
  m = /request \((\d+) tokens\) exceeds the available context size \((\d+) tokens\)/.exec(message);
  if (m) return { input: +m[1]!, max: +m[2]!, from: 'openai' };
  // LM Studio: "Trying to keep the first 111490 tokens when context the overflows. However, the model is
  // loaded with context length of only 32768 tokens, which is not enough. …" (lmstudio-ai/lmstudio-bug-tracker#546,
  // cline/cline#3664), and its llama.cpp engine's "Cannot truncate prompt with n_keep (15028) >= n_ctx
  // (7424)" (anomalyco/opencode#11141): the tokens it must keep are the prompt's.
  m = /keep the first (\d+) tokens when context the overflows.*?context length of only (\d+) tokens/s.exec(message);
  if (m) return { input: +m[1]!, max: +m[2]!, from: 'openai' };
  m = /Cannot truncate prompt with n_keep \((\d+)\) >= n_ctx \((\d+)\)/.exec(message);
  if (m) return { input: +m[1]!, max: +m[2]!, from: 'openai' };
  // Mistral: "Prompt contains 40000 tokens and 0 draft tokens, too large for model with 32768 maximum context length".
  m = /Prompt contains (\d+) tokens.*?too large for model with (\d+) maximum context length/s.exec(message);
  if (m) return { input: +m[1]!, max: +m[2]!, from: 'openai' };
  // xAI: "This model's maximum prompt length is 131072 but the request contains 537812 tokens".
  m = /maximum prompt length is (\d+) but the request contains (\d+) tokens/.exec(message);
  if (m) return { max: +m[1]!, input: +m[2]!, from: 'openai' };
  // Anthropic: "prompt is too long: 210000 tokens > 200000 maximum".
  m = /prompt is too long: (\d+) tokens > (\d+) maximum/.exec(message);
  if (m) return { input: +m[1]!, max: +m[2]!, from: 'anthropic' };
  // Anthropic, when max_tokens tips it over: "input length and `max_tokens` exceed context limit: 190000 + 20000 > 200000".
  m = /exceed context limit: (\d+) \+ (\d+) > (\d+)/.exec(message);
  if (m) return { input: +m[1]!, output: +m[2]!, max: +m[3]!, from: 'anthropic' };
  // Gemini: "The input token count (1200293) exceeds the maximum number of tokens allowed (1048576)."
  m = /input token count \((\d+)\) exceeds the maximum number of tokens allowed \((\d+)\)/.exec(message);
  if (m) return { input: +m[1]!, max: +m[2]!, from: 'gemini' };
  return undefined;
}

/**
 * Overflows stated without the prompt's size, each with the family whose wording it is (a first capture
 * group, where there is one, is the window the message names):
 * - OpenAI's Responses API (HTTP 400 and in-stream, code context_length_exceeded; opencode#6071,
 *   dyad#1672): "Your input exceeds the context window of this model. Please adjust your input and try again."
 * - OpenAI's short form, the window only: "This model's maximum context length is 128000 tokens."
 * - Qwen on DashScope: "<400> InternalError.Algo.InvalidParameter: Range of input length should be
 *   [1, 204800]" (QwenLM/qwen-code#98); Z.ai's GLM, code 1261: "Prompt exceeds max length"
 *   (NousResearch/hermes-agent#1877); older llama.cpp: "the request exceeds the available context size";
 *   LM Studio: "The number of tokens to keep from the initial prompt is greater than the context length."
 *   (lmstudio-ai/lmstudio-bug-tracker#2205, anomalyco/opencode#2259).
 * - Anthropic's models elsewhere: "Prompt is too long", Bedrock's "Input is too long for requested model."
 */
const NUMBERLESS: ReadonlyArray<readonly [RegExp, ContextOverflow['from']]> = [
  [/exceeds the context window/i, 'openai'],
  [/maximum context length is (\d+) tokens/i, 'openai'],
  [/Range of input length should be \[1, (\d+)\]/, 'openai'],
  [/prompt exceeds max length|exceeds the available context size|tokens to keep from the initial prompt is greater than the context length/i, 'openai'],
  [/prompt is too long|input is too long for requested model/i, 'anthropic'],
];

/**
 * No table of context windows exists here (the error path does not know the model either), so a low
 * one: gpt-4o's, below gpt-4.1's (1M) and gpt-5's (400k), the models the Responses API mostly serves.
 * Too small a figure costs at most an early compaction; too large one would have a client that budgets
 * with it overflow again.
 */
export const FALLBACK_CONTEXT_WINDOW = 128000;

/**
 * The sizes of an overflow, stated or stood in for: contextOverflowOf's figures when the message has
 * them, else, for an overflow known by its code (`context_length_exceeded`, what the Responses API and
 * OpenAI-compatible servers mark it with) or by a numberless wording, the window it names or
 * FALLBACK_CONTEXT_WINDOW, and one token over it as the input. The request's real size is not known where
 * errors are worded, and M+1 is the least that reads as an overflow: Claude Code only needs the
 * `prompt is too long: N tokens > M maximum` form to compact, and a gap of one token claims nothing.
 */
export function overflowSizes(message: string, code?: string): ContextOverflow | undefined {
  const stated = contextOverflowOf(message);
  if (stated) return stated;
  let family: ContextOverflow['from'] | undefined;
  let window: string | undefined;
  for (const [re, from] of NUMBERLESS) {
    const m = re.exec(message);
    if (!m) continue;
    family = from;
    window = m[1];
    break;
  }
  family ??= code === 'context_length_exceeded' ? 'openai' : undefined;
  if (!family) return undefined;
  const max = window ? +window : FALLBACK_CONTEXT_WINDOW;
  return { input: max + 1, max, from: family, estimated: true };
}
