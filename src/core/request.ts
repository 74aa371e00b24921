import type { Part, ProtocolExtras, TextPart } from './content.ts';

export type Role = 'user' | 'assistant' | 'system';

/**
 * One conversation turn. Tool results live in `user` turns (as Anthropic and Gemini put them);
 * a `system` turn is a system message that stood in the middle of the conversation
 * (OpenAI allows it, Claude Code sends it) and each encoder places it where its protocol can.
 */
export interface Message {
  role: Role;
  content: Part[];
  /** OpenAI `name` on a message; kept for OpenAI targets only. */
  name?: string;
}

export interface ToolDefinition {
  name: string;
  description?: string;
  /** JSON Schema of the arguments; always an object schema (`{type:'object',properties:{}}` when none). */
  parameters: Record<string, unknown>;
  strict?: boolean;
}

export type ToolChoice =
  | { type: 'auto' }
  | { type: 'none' }
  | { type: 'required' }
  | { type: 'tool'; name: string };

/**
 * What an encoder tells the model when JSON mode must be said in words: Claude has no JSON switch, and
 * OpenAI's json_object mode refuses messages that never mention JSON.
 */
export const JSON_INSTRUCTION = 'Respond with a single JSON object and nothing else.';

export type ResponseFormat =
  | { type: 'text' }
  | { type: 'json' }
  | { type: 'json_schema'; name?: string; schema: Record<string, unknown>; strict?: boolean }
  /**
   * Exactly one of `values`, as plain text: Gemini's enum output (responseMimeType text/x.enum). Other
   * upstreams get it as structured output (enum-answer.ts) and the answer is unwrapped on the way back.
   */
  | { type: 'enum'; values: string[] };

export type ReasoningEffort = 'none' | 'minimal' | 'low' | 'medium' | 'high' | 'xhigh' | 'max';

/**
 * Reasoning settings. Decoders fill what their protocol says; encoders derive what their
 * protocol needs (effort ↔ budget) with the helpers in reasoning.ts.
 */
export interface ReasoningConfig {
  /** false = explicitly off; true = on; undefined = provider default. */
  enabled?: boolean;
  effort?: ReasoningEffort;
  /** Token budget (Anthropic budget_tokens, Gemini thinkingBudget). -1 = dynamic. */
  budgetTokens?: number;
  /** Whether thought text should be returned (Gemini includeThoughts; Anthropic display). */
  includeThoughts?: boolean;
  /** Anthropic `{type:"adaptive"}`. */
  adaptive?: boolean;
}

export interface CanonicalRequest {
  model: string;
  /** The system prompt, in order; empty when there is none. */
  system: TextPart[];
  messages: Message[];
  tools: ToolDefinition[];
  toolChoice?: ToolChoice;
  parallelToolCalls?: boolean;
  maxTokens?: number;
  temperature?: number;
  topP?: number;
  topK?: number;
  stop?: string[];
  n?: number;
  seed?: number;
  presencePenalty?: number;
  frequencyPenalty?: number;
  responseFormat?: ResponseFormat;
  reasoning?: ReasoningConfig;
  stream: boolean;
  /** OpenAI `stream_options.include_usage`: the client wants a usage chunk at the end of a stream. */
  includeUsage?: boolean;
  /** End-user id (OpenAI `user`, Anthropic `metadata.user_id`). */
  user?: string;
  /** Top-level fields without a canonical place, keyed by the protocol they came from. */
  extras: ProtocolExtras;
}
