import type { Part, ToolCallPart, ToolResultPart } from './content.ts';

/** A user turn's parts laid against the calls of the assistant turn before it. */
export interface PairedResults {
  /** One per call, in call order: its result, or undefined when the history has none. */
  answers: Array<{ call: ToolCallPart; result: ToolResultPart | undefined }>;
  /** Results no call right before asked for (or a second one for the same call), in order. */
  orphans: ToolResultPart[];
  /** The turn's other parts, in order. */
  rest: Part[];
}

/**
 * OpenAI's APIs refuse a tool call without its result right after it, and a result without its call:
 * the encoders for them answer every call (a placeholder where the history lost one) and turn what
 * no call asked for into text. This sorts a turn for that.
 */
export function pairToolResults(content: readonly Part[], calls: readonly ToolCallPart[]): PairedResults {
  const results = new Map<string, ToolResultPart>();
  const orphans: ToolResultPart[] = [];
  const rest: Part[] = [];
  for (const part of content) {
    if (part.type !== 'tool_result') rest.push(part);
    else if (calls.some((c) => c.id === part.callId) && !results.has(part.callId)) results.set(part.callId, part);
    else orphans.push(part);
  }
  return { answers: calls.map((call) => ({ call, result: results.get(call.id) })), orphans, rest };
}

/** How a result no call asked for reads as text. */
export function orphanLabel(part: ToolResultPart): string {
  return `Result of tool call ${part.name ? `${part.name} (${part.callId})` : part.callId}:\n`;
}

/**
 * The text of a failed tool result for APIs whose tool outputs have no error flag (OpenAI's `tool`
 * message, the Responses API's `function_call_output`): the text itself must say the call failed.
 */
export function failedToolText(text: string): string {
  if (/^error\b/i.test(text)) return text;
  return text ? `Error: ${text}` : 'Error';
}
