import type { FilePart, ImagePart, Part, ThinkingPart, ToolCallPart, ToolResultPart } from '../../core/content.ts';
import type { CanonicalRequest, Message } from '../../core/request.ts';
import { failedToolText, orphanLabel, pairToolResults } from '../../core/tool-results.ts';
import { toDataUrl } from '../../util/data-url.ts';
import { defaultFilename, joinText, omitted } from '../openai/encode-content.ts';
import { MISSING_RESULT } from '../openai/encode-messages.ts';
import { readReasoningSignature } from './signature.ts';

/** Parts of a user, system or developer message, and of a tool's output. */
export type InputPart =
  | { type: 'input_text'; text: string }
  | { type: 'input_image'; image_url: string; detail: string }
  | { type: 'input_file'; file_data: string; filename: string }
  | { type: 'input_file'; file_url: string };

export type InputItem =
  | { type: 'message'; role: 'user' | 'developer'; content: string | InputPart[] }
  | { type: 'message'; role: 'assistant'; content: Array<{ type: 'output_text'; text: string; annotations: [] }> }
  | { type: 'function_call'; call_id: string; name: string; arguments: string }
  | { type: 'function_call_output'; call_id: string; output: string | InputPart[] }
  | { type: 'reasoning'; id: string; summary: Array<{ type: 'summary_text'; text: string }>; encrypted_content: string };

/**
 * Canonical conversation → Responses `input` items, shaped the way api.openai.com insists (it answers
 * 400 otherwise): every function_call answered by its function_call_output, and no output without its
 * call; empty messages left out. Reasoning goes back only as the reasoning items OpenAI issued (their
 * encrypted_content): thinking another provider wrote, or signed, means nothing to OpenAI. The system
 * prompt travels as `instructions` (encode-request.ts); system turns in mid-conversation as developer
 * messages, where they stood.
 */
export function encodeInput(req: CanonicalRequest): InputItem[] {
  const out: InputItem[] = [];
  /** Calls of the assistant turn just emitted that still await their outputs. */
  let open: ToolCallPart[] = [];
  for (const msg of req.messages) {
    if (msg.role === 'user') {
      encodeUserTurn(msg, open, out);
      open = [];
      continue;
    }
    answerMissing(open, out);
    open = [];
    if (msg.role === 'system') {
      const text = joinText(msg.content, '\n\n');
      if (text) out.push({ type: 'message', role: 'developer', content: text });
    } else {
      open = encodeAssistantTurn(msg, out);
    }
  }
  answerMissing(open, out);
  return out;
}

/** Items in the order the model produced them: its reasoning, its text, its calls. */
function encodeAssistantTurn(msg: Message, out: InputItem[]): ToolCallPart[] {
  const calls: ToolCallPart[] = [];
  let text = '';
  const flushText = (): void => {
    // `annotations` as the API writes it: OpenAI takes it missing, stricter servers (vLLM, Azure) do not.
    if (text) out.push({ type: 'message', role: 'assistant', content: [{ type: 'output_text', text, annotations: [] }] });
    text = '';
  };
  for (const part of msg.content) {
    if (part.type === 'text') text += part.text;
    else if (part.type === 'thinking') {
      const item = reasoningItem(part);
      if (item) {
        flushText();
        out.push(item);
      }
    } else if (part.type === 'tool_call') {
      flushText();
      out.push({ type: 'function_call', call_id: part.id, name: part.name, arguments: JSON.stringify(part.args) });
      calls.push(part);
    }
  }
  flushText();
  return calls;
}

function reasoningItem(part: ThinkingPart): InputItem | undefined {
  const own = readReasoningSignature(part.signature);
  if (!own) return undefined;
  return { type: 'reasoning', id: own.id, summary: part.text ? [{ type: 'summary_text', text: part.text }] : [], encrypted_content: own.encrypted };
}

function encodeUserTurn(msg: Message, open: ToolCallPart[], out: InputItem[]): void {
  const { answers, orphans, rest: others } = pairToolResults(msg.content, open);
  for (const { call, result } of answers) {
    out.push({ type: 'function_call_output', call_id: call.id, output: result ? toolOutput(result) : MISSING_RESULT });
  }
  // An output whose call is not right before it would be refused; as text the model still reads it.
  const rest: InputPart[] = orphans.map((o) => ({ type: 'input_text', text: orphanLabel(o) + resultText(o) }));
  for (const part of others) {
    const encoded = encodeInputPart(part);
    if (encoded) rest.push(encoded);
  }
  if (rest.length > 0) out.push({ type: 'message', role: 'user', content: userContent(rest) });
}

/**
 * A tool's output: its text, or a list of parts when it returned images or files too. An output has
 * no error flag (Anthropic's is_error, Gemini's {"error": …}), so a failed call says so in its text,
 * as the Chat Completions encoder does; else the model takes the failure for the tool's answer.
 */
function toolOutput(result: ToolResultPart): string | InputPart[] {
  const parts = result.content.map(encodeInputPart).filter((p): p is InputPart => p !== undefined);
  if (parts.every((p) => p.type === 'input_text')) return resultText(result);
  if (!result.isError) return parts;
  const first = parts.findIndex((p) => p.type === 'input_text');
  if (first < 0) return [{ type: 'input_text', text: failedToolText('') }, ...parts];
  const text = parts[first] as { type: 'input_text'; text: string };
  return parts.map((p, i) => (i === first ? { type: 'input_text', text: failedToolText(text.text) } : p));
}

/** A result's text, marked when the call failed. */
function resultText(result: ToolResultPart): string {
  const text = joinText(result.content, '\n\n');
  return result.isError ? failedToolText(text) : text;
}

function answerMissing(open: ToolCallPart[], out: InputItem[]): void {
  for (const call of open) out.push({ type: 'function_call_output', call_id: call.id, output: MISSING_RESULT });
}

/** A single text as a plain string, the form every Responses-compatible server takes. */
function userContent(parts: InputPart[]): string | InputPart[] {
  const only = parts.length === 1 ? parts[0] : undefined;
  return only?.type === 'input_text' ? only.text : parts;
}

export function encodeInputPart(part: Part): InputPart | undefined {
  switch (part.type) {
    case 'text':
      return part.text ? { type: 'input_text', text: part.text } : undefined;
    case 'image':
      return encodeImage(part);
    case 'file':
      return encodeFile(part);
    default:
      return undefined;
  }
}

function encodeImage(part: ImagePart): InputPart | undefined {
  const { source } = part;
  const detail = part.detail ?? 'auto';
  if (source.kind === 'base64') return { type: 'input_image', image_url: toDataUrl(source.mediaType, source.data), detail };
  if (source.kind === 'url') return { type: 'input_image', image_url: source.url, detail };
  return undefined;
}

function encodeFile(part: FilePart): InputPart | undefined {
  const { source } = part;
  switch (source.kind) {
    case 'base64':
      // input_file reads documents only: audio or video (a Gemini client's inlineData, an OpenAI client's
      // input_audio) is a 400 for the whole request (openai/openai-node#1560), so it goes as a note.
      if (isSoundOrVideo(source.mediaType)) return { type: 'input_text', text: omitted(part, source.mediaType).text };
      // Like Chat Completions, a file's data needs a name ("Missing required parameter: 'input[0].content[1].filename'").
      return { type: 'input_file', file_data: toDataUrl(source.mediaType, source.data), filename: part.filename || defaultFilename(source.mediaType) };
    case 'text':
      return source.data ? { type: 'input_text', text: source.data } : undefined;
    case 'url':
      // A video link (a Gemini fileData YouTube URL) is no file OpenAI can read: the model learns where it is.
      if (source.mediaType !== undefined && isSoundOrVideo(source.mediaType)) {
        return { type: 'input_text', text: part.filename ? `${part.filename}: ${source.url}` : source.url };
      }
      return { type: 'input_file', file_url: source.url };
  }
}

const isSoundOrVideo = (mediaType: string): boolean => /^(?:audio|video)\//i.test(mediaType.trim());
