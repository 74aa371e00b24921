import { randomId } from '../../core/ids.ts';
import { isRecord } from '../../util/json.ts';
import { outputParts } from './decode-response.ts';
import { encodeContinuity } from './items.ts';

/**
 * OpenAI's context compaction, which Codex asks for when a conversation nears the model's context
 * window and it treats the provider as OpenAI: `POST /v1/responses/compact`, or (newer Codex) a
 * `/v1/responses` request whose input ends with a `compaction_trigger` item. No other upstream has it,
 * so the conversation is summarised by the model itself, and the answer has the API's shape: the
 * endpoint's user messages then one `compaction` item, or the trigger's stream of that one item.
 * OpenAI's item is opaque; ours carries the summary (items.ts), and decode-items.ts turns it back into
 * text when it is replayed.
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

/**
 * Whether a `/v1/responses` request asks for compaction instead of an answer: newer Codex sends its
 * history with a `{type: "compaction_trigger"}` item last, and reads the one compaction item of the
 * stream back as the checkpoint that replaces the history.
 */
export function isCompactionTrigger(body: Record<string, unknown>): boolean {
  const last = Array.isArray(body.input) ? body.input.at(-1) : undefined;
  return isRecord(last) && last.type === 'compaction_trigger';
}

/** The summarising request: the client's, with the instruction appended, tools offered but not to be called, no stream. */
export function summaryRequest(body: Record<string, unknown>): Record<string, unknown> {
  const history = typeof body.input === 'string' ? [userMessage(body.input)] : Array.isArray(body.input) ? body.input : [];
  const input = history.filter((item) => !isRecord(item) || item.type !== 'compaction_trigger');
  const req: Record<string, unknown> = { ...body, input: [...input, userMessage(COMPACT_INSTRUCTION)], stream: false };
  // The history holds tool calls, which Anthropic accepts only with the tools declared.
  if (Array.isArray(body.tools) && body.tools.length > 0) req.tool_choice = 'none';
  return req;
}

/**
 * The client's body with only the newest part of its history, about `fraction` of it by size: what is
 * summarised when the whole does not fit the upstream model (Codex compacts near the context window
 * it assumes, which may be larger than the routed model's). The cut never leaves a tool's output
 * without its call, and the model is told that the beginning is missing.
 */
export function trimmedHistory(body: Record<string, unknown>, fraction: number): Record<string, unknown> {
  if (!Array.isArray(body.input)) return body;
  const input: unknown[] = body.input;
  const sizes = input.map((item) => JSON.stringify(item)?.length ?? 0);
  let budget = sizes.reduce((a, b) => a + b, 0) * fraction;
  let start = input.length;
  while (start > 0 && budget >= sizes[start - 1]!) budget -= sizes[--start]!;
  if (start === 0) return body;
  if (start === input.length) start = input.length - 1;
  while (start < input.length - 1 && isToolOutput(input[start])) start++;
  return { ...body, input: [userMessage(TRIMMED_NOTE), ...input.slice(start)] };
}

/** What the model reads where a trimmed history begins. */
export const TRIMMED_NOTE = '(The beginning of this conversation is left out here: it did not fit the context window.)';

const isToolOutput = (item: unknown): boolean => isRecord(item) && typeof item.type === 'string' && item.type.endsWith('_output');

/**
 * The endpoint's answer from the summarising request's Response object: the user's messages (the
 * newest that fit), then the compaction item; its usage is the summary's. Undefined when the model
 * wrote no text (nothing to stand for the conversation).
 */
export function compactionResponse(body: Record<string, unknown>, answer: unknown): Record<string, unknown> | undefined {
  const item = compactionItem(answer);
  if (!item) return undefined;
  const output: unknown[] = [...keptUserMessages(body.input), item];
  return {
    id: `resp_${randomId(32)}`,
    object: 'response.compaction',
    created_at: Math.floor(Date.now() / 1000),
    output,
    usage: isRecord(answer) && isRecord(answer.usage) ? answer.usage : null,
  };
}

/**
 * A compaction_trigger request's answer: the summarising request's Response object with the one
 * compaction item as its output, whole or as the stream the API sends (created, in_progress, the item
 * added and done, completed). Undefined when the model wrote no text.
 */
export function triggeredResponse(answer: unknown, stream: boolean): string | undefined {
  const item = compactionItem(answer);
  if (!item || !isRecord(answer)) return undefined;
  const done = { ...answer, status: 'completed', output: [item] };
  if (!stream) return JSON.stringify(done);
  const open = { ...done, status: 'in_progress', output: [], usage: null };
  let seq = 0;
  const frame = (type: string, fields: Record<string, unknown>): string =>
    `event: ${type}\ndata: ${JSON.stringify({ type, sequence_number: seq++, ...fields })}\n\n`;
  return (
    frame('response.created', { response: open }) +
    frame('response.in_progress', { response: open }) +
    frame('response.output_item.added', { output_index: 0, item }) +
    frame('response.output_item.done', { output_index: 0, item }) +
    frame('response.completed', { response: done })
  );
}

function compactionItem(answer: unknown): Record<string, unknown> | undefined {
  const summary = answerText(answer);
  if (!summary) return undefined;
  return { id: `cmp_${randomId(32)}`, type: 'compaction', encrypted_content: encodeContinuity({ kind: 'summary', text: summary }) };
}

/** The text of a Response object's message items (read as the codec reads any Response object). */
function answerText(answer: unknown): string {
  if (!isRecord(answer) || !Array.isArray(answer.output)) return '';
  return answer.output
    .flatMap((item) => (isRecord(item) ? outputParts(item) : []))
    .map((part) => (part.type === 'text' ? part.text : ''))
    .join('')
    .trim();
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
