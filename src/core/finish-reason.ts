/**
 * Why generation stopped. A small canonical set; each codec maps its own vocabulary onto it
 * (protocols.md §6.5). `tool_calls` wins over the raw reason whenever the turn contains tool calls
 * (Gemini and many compatible servers say STOP for them), except `length`: a call cut off by the token
 * limit has arguments that are not whole, and a client told `tool_calls` would run it.
 */
export type FinishReason =
  | 'stop' // natural end of turn
  | 'stop_sequence' // a stop sequence matched
  | 'length' // max tokens or context window
  | 'tool_calls'
  | 'content_filter' // safety / refusal / recitation
  | 'pause' // Anthropic pause_turn
  | 'other';
