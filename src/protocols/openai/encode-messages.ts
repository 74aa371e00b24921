import type { Part, TextPart, ToolCallPart } from '../../core/content.ts';
import { failedToolText as failed, orphanLabel, pairToolResults } from '../../core/tool-results.ts';
import { JSON_INSTRUCTION, type CanonicalRequest, type Message } from '../../core/request.ts';
import { encodeUserPart, isTextLike, joinText, userContent, type OpenAIContentPart } from './encode-content.ts';
import { isMistralModel, takesLeadingSystemOnly, takesTextOnly, takesThoughtSignatures, wantsReasoningBack } from './model-rules.ts';
import { callIdFor, withCallIds } from './call-ids.ts';
import { withAssistantAfterTools } from './role-order.ts';
import { recallReasoning } from './reasoning-cache.ts';
import { upstreamThoughtSignatureExtra } from './thought-signature.ts';

export type OpenAIMessage =
  | { role: 'system'; content: string; name?: string }
  | { role: 'user'; content: string | OpenAIContentPart[]; name?: string }
  | { role: 'assistant'; content: string | null; reasoning_content?: string; tool_calls?: OpenAIToolCall[]; name?: string }
  | { role: 'tool'; tool_call_id: string; content: string };

export interface OpenAIToolCall {
  id: string;
  type: 'function';
  function: { name: string; arguments: string };
  extra_content?: { google: { thought_signature: string } };
}

/** Said in place of a result the history lacks: OpenAI rejects a tool call that no tool message answers. */
export const MISSING_RESULT = 'No result was returned for this tool call.';
/** Said when a tool returned only media, which has to travel in the following user message. */
const MEDIA_RESULT = 'The tool returned the content attached in the next message.';
/** Said in place of an image or file to a model that takes text only, so it knows something was there. */
export const MEDIA_OMITTED = '[An image or file was attached here, but this model accepts text only.]';

/**
 * Canonical conversation → Chat Completions `messages`, shaped the way api.openai.com insists:
 * one leading system message; each assistant tool call answered by a `tool` message right after it,
 * in call order; media from tool results (which `tool` messages cannot hold) in a user message after
 * the tool messages; empty messages dropped. Thinking is dropped (OpenAI rejects reasoning history),
 * except to a model that requires it back (model-rules.ts) in a conversation with tool calls: there each
 * assistant message carries its unsigned thinking, a tool-call one the reasoning-cache.ts has when the
 * client's history came without it, and "" when there is none to give (reasoning-back.ts says why).
 * A system message mid-conversation stays in place, except for a model whose template takes only a
 * leading one (model-rules.ts): there it joins that one.
 */
export function encodeMessages(req: CanonicalRequest): OpenAIMessage[] {
  const out: OpenAIMessage[] = [];
  const reasoningBack = wantsReasoningBack(req.model) && req.messages.some((m) => m.content.some((p) => p.type === 'tool_call'));
  const signatures = takesThoughtSignatures(req.model);
  const textOnly = takesTextOnly(req.model);
  const hoistLateSystem = takesLeadingSystemOnly(req.model);
  const late: string[] = [];
  const system = joinText(req.system, '\n\n');
  if (system) out.push({ role: 'system', content: system });

  /** Calls of the assistant message just emitted that still await their tool messages. */
  let open: ToolCallPart[] = [];
  for (const msg of req.messages) {
    if (msg.role === 'user') {
      encodeUserTurn(textOnly ? withoutMedia(msg) : msg, open, out);
      open = [];
      continue;
    }
    answerMissing(open, out);
    open = [];
    if (msg.role === 'system') {
      const content = joinText(msg.content, '\n\n');
      if (content && hoistLateSystem) late.push(content);
      else if (content) out.push(named({ role: 'system', content }, msg.name));
    } else {
      open = encodeAssistantTurn(msg, out, reasoningBack, signatures ? req.model : undefined);
    }
  }
  answerMissing(open, out);
  // Claude Code sends system messages mid-conversation (its mid-conversation-system beta), which such a
  // template refuses with the whole request, on every turn (ollama/ollama#17774); one leading system
  // message it takes, and the instruction keeps its words.
  if (late.length > 0) {
    const first = out[0];
    if (first?.role === 'system') first.content = [first.content, ...late].join('\n\n');
    else out.unshift({ role: 'system', content: late.join('\n\n') });
  }
  // 400 "'messages' must contain the word 'json' in some form, to use 'response_format' of type 'json_object'".
  if (req.responseFormat?.type === 'json' && !out.some(mentionsJson)) {
    const first = out[0];
    if (first?.role === 'system') first.content += `\n\n${JSON_INSTRUCTION}`;
    else out.unshift({ role: 'system', content: JSON_INSTRUCTION });
  }
  const ids = (withCallIds(out, callIdFor(req.model)) as OpenAIMessage[] | undefined) ?? out;
  return isMistralModel(req.model) ? ((withAssistantAfterTools(ids) as OpenAIMessage[] | undefined) ?? ids) : ids;
}

function mentionsJson(m: OpenAIMessage): boolean {
  const { content } = m;
  if (typeof content === 'string') return /json/i.test(content);
  return Array.isArray(content) && content.some((p) => p.type === 'text' && /json/i.test(p.text));
}

/** `gemini`: the model, when it takes thought signatures (a Gemini model behind an OpenAI-compatible endpoint). */
function encodeAssistantTurn(msg: Message, out: OpenAIMessage[], reasoningBack: boolean, gemini: string | undefined): ToolCallPart[] {
  const text = joinBlocks(msg.content);
  const calls = msg.content.filter((p): p is ToolCallPart => p.type === 'tool_call');
  if (!text && calls.length === 0) return []; // e.g. a turn that held only thinking
  const m: OpenAIMessage = { role: 'assistant', content: text || null };
  // Such a model refuses the field's absence only: a turn it never served (another upstream's, or one
  // from before a restart emptied the cache) goes with "", else that one turn would fail every later
  // request of the conversation.
  if (reasoningBack) m.reasoning_content = unsignedReasoning(msg.content) || (calls.length > 0 ? recallReasoning(calls[0]!.id) : undefined) || '';
  if (calls.length > 0) m.tool_calls = calls.map((c, i) => encodeToolCall(c, gemini, i === 0));
  out.push(named(m, msg.name));
  return calls;
}

/** Where one text block ends a sentence (or a code fence) and the next opens a new one. */
const BLOCK_END = /(?:[.!?:]["'”’)\]*_]*|```)$/;
const BLOCK_START = /^(?:\p{Lu}|[#`*>])/u;

/**
 * An assistant turn's text parts as one string. Claude's text blocks are paragraphs of their own ("First
 * I will check the file." / "Then run it.") and run together read as one garbled sentence; but the genai
 * SDK keeps each streamed chunk of a Gemini answer as a part of its own ("Nice " / "to meet you, Ad" /
 * "a."), which must run on. So a paragraph break goes only between a finished sentence and a new one.
 */
function joinBlocks(parts: ReadonlyArray<Part>): string {
  let out = '';
  for (const p of parts) {
    if (p.type !== 'text' || !p.text) continue;
    out += BLOCK_END.test(out) && BLOCK_START.test(p.text) ? `\n\n${p.text}` : p.text;
  }
  return out;
}

/** Thinking no provider signed: what an OpenAI-compatible server streamed as `reasoning_content`. */
function unsignedReasoning(parts: ReadonlyArray<Part>): string {
  let out = '';
  for (const p of parts) if (p.type === 'thinking' && !p.signature && !p.redacted) out += p.text;
  return out;
}

function encodeToolCall(call: ToolCallPart, gemini: string | undefined, firstCall: boolean): OpenAIToolCall {
  const out: OpenAIToolCall = { id: call.id, type: 'function', function: { name: call.name, arguments: JSON.stringify(call.args) } };
  // The field is Google's: other servers get none to refuse.
  const extra = gemini === undefined ? undefined : upstreamThoughtSignatureExtra(call.signature, gemini, firstCall);
  if (extra) out.extra_content = extra;
  return out;
}

function encodeUserTurn(msg: Message, open: ToolCallPart[], out: OpenAIMessage[]): void {
  const { answers, orphans, rest: others } = pairToolResults(msg.content, open);
  const media: OpenAIContentPart[] = [];
  // A result no preceding call asked for would be rejected as a `tool` message; as text the model still sees it.
  for (const orphan of orphans) {
    const text = joinText(orphan.content, '\n\n');
    media.push({ type: 'text', text: orphanLabel(orphan) + (orphan.isError ? failed(text) : text) });
    collectMedia(orphan.content, media);
  }
  const rest: OpenAIContentPart[] = [];
  for (const part of others) {
    const encoded = encodeUserPart(part);
    if (encoded) rest.push(encoded);
  }
  for (const { call, result } of answers) {
    if (!result) {
      out.push({ role: 'tool', tool_call_id: call.id, content: MISSING_RESULT });
      continue;
    }
    const before = media.length;
    collectMedia(result.content, media);
    const text = joinText(result.content, '\n\n') || (media.length > before ? MEDIA_RESULT : '');
    out.push({ role: 'tool', tool_call_id: call.id, content: result.isError ? failed(text) : text });
  }
  const content = [...media, ...rest];
  if (content.length > 0) out.push(named({ role: 'user', content: userContent(content) }, msg.name));
}

/** The user turn with every image and base64 file, in tool results too, as a note the model can read. */
function withoutMedia(msg: Message): Message {
  const content = msg.content.map((p) => (p.type === 'tool_result' ? { ...p, content: p.content.map(noteForMedia) } : noteForMedia(p)));
  return { ...msg, content };
}

function noteForMedia<P extends Part>(p: P): P | TextPart {
  // A text document is decoded to text, which these models do take.
  const media = p.type === 'image' || (p.type === 'file' && p.source.kind === 'base64' && !isTextLike(p.source.mediaType));
  return media ? { type: 'text', text: MEDIA_OMITTED } : p;
}

function collectMedia(parts: ReadonlyArray<Part>, into: OpenAIContentPart[]): void {
  for (const p of parts) {
    if (p.type === 'text') continue;
    const encoded = encodeUserPart(p);
    if (encoded) into.push(encoded);
  }
}

function answerMissing(open: ToolCallPart[], out: OpenAIMessage[]): void {
  for (const call of open) out.push({ role: 'tool', tool_call_id: call.id, content: MISSING_RESULT });
}

function named<M extends OpenAIMessage>(m: M, name: string | undefined): M {
  if (name && m.role !== 'tool') (m as { name?: string }).name = name;
  return m;
}
