/** The sizes a "the prompt does not fit" 400 states, and whose wording stated them. */
export interface ContextOverflow {
  /** Prompt tokens. */
  input: number;
  /** Output tokens asked for, when the message counts them too. */
  output?: number;
  /** The model's context window. */
  max: number;
  from: 'openai' | 'anthropic' | 'gemini';
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
