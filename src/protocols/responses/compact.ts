import { randomId } from '../../core/ids.ts';
import { isRecord } from '../../util/json.ts';
import { encodeContinuity } from './items.ts';

/**
 * `POST /v1/responses/compact`, OpenAI's context compaction, which Codex calls when a conversation
 * nears the model's context window and it treats the provider as OpenAI. No other upstream has it, so
 * the conversation is summarised by the model itself, and the answer has the endpoint's shape: the
 * user's messages, then one `compaction` item standing for the rest. OpenAI's item is opaque; ours
 * carries the summary (items.ts), and decode-items.ts turns it back into text when it is replayed.
 */

/** What the model is asked for, after the whole conversation. */
export const COMPACT_INSTRUCTION =
  'Stop here and write a handoff note instead of answering: the conversation above is about to be ' +
  'replaced by your note, and another model will carry on from it alone. Cover what the user asked for ' +
  'and any constraints or preferences they stated; what has been done so far, with the files, commands ' +
  'and results that matter; decisions made and why; and what remains to be done, as concrete next ' +
  'steps. Keep exact names, paths and values. Write the note only, without tool calls.';

/** How much of the user's own words is kept beside the summary, newest first (about 20k tokens). */
const KEPT_USER_CHARS = 80_000;

/** The summarising request: the client's, with the instruction appended, tools offered but not to be called, no stream. */
export function summaryRequest(body: Record<string, unknown>): Record<string, unknown> {
  const input = typeof body.input === 'string' ? [userMessage(body.input)] : Array.isArray(body.input) ? body.input : [];
  const req: Record<string, unknown> = { ...body, input: [...input, userMessage(COMPACT_INSTRUCTION)], stream: false };
  // The history holds tool calls, which Anthropic accepts only with the tools declared.
  if (Array.isArray(body.tools) && body.tools.length > 0) req.tool_choice = 'none';
  return req;
}

/**
 * The endpoint's answer from the summarising request's Response object: the user's messages (the
 * newest that fit), then the compaction item; its usage is the summary's. Undefined when the model
 * wrote no text (nothing to stand for the conversation).
 */
export function compactionResponse(body: Record<string, unknown>, answer: unknown): Record<string, unknown> | undefined {
  const summary = answerText(answer);
  if (!summary) return undefined;
  const output: unknown[] = keptUserMessages(body.input);
  output.push({ id: `cmp_${randomId(32)}`, type: 'compaction', encrypted_content: encodeContinuity({ kind: 'summary', text: summary }) });
  return {
    id: `resp_${randomId(32)}`,
    object: 'response.compaction',
    created_at: Math.floor(Date.now() / 1000),
    output,
    usage: isRecord(answer) && isRecord(answer.usage) ? answer.usage : null,
  };
}

/** The text of a Response object's message items. */
function answerText(answer: unknown): string {
  if (!isRecord(answer) || !Array.isArray(answer.output)) return '';
  let text = '';
  for (const item of answer.output) {
    if (!isRecord(item) || item.type !== 'message' || !Array.isArray(item.content)) continue;
    for (const part of item.content) if (isRecord(part) && part.type === 'output_text' && typeof part.text === 'string') text += part.text;
  }
  return text.trim();
}

function userMessage(text: string): Record<string, unknown> {
  return { type: 'message', role: 'user', content: [{ type: 'input_text', text }] };
}

function keptUserMessages(input: unknown): unknown[] {
  if (typeof input === 'string') return [{ ...userMessage(input), id: `msg_${randomId(32)}`, status: 'completed' }];
  if (!Array.isArray(input)) return [];
  const kept: unknown[] = [];
  let budget = KEPT_USER_CHARS;
  for (let i = input.length - 1; i >= 0 && budget > 0; i--) {
    const item = input[i];
    if (!isRecord(item) || item.role !== 'user' || (item.type !== undefined && item.type !== 'message')) continue;
    const size = JSON.stringify(item.content ?? '').length;
    if (size > budget) break;
    budget -= size;
    kept.unshift({ id: `msg_${randomId(32)}`, type: 'message', status: 'completed', role: 'user', content: item.content });
  }
  return kept;
}
