import type { FilePart, GoogleFamily, ImagePart, Part, ToolResultPart } from '../../core/content.ts';
import type { CanonicalRequest } from '../../core/request.ts';
import { baseMediaType, parseDataUrl } from '../../util/data-url.ts';
import { isRecord, tryParseJson, type JsonObject } from '../../util/json.ts';
import { toGeminiName } from './function-name.ts';
import { recallSignature } from './signature-cache.ts';
import { parseSignature, SKIP_SIGNATURE } from './signature.ts';

/**
 * Canonical messages → Gemini `contents` that the real API accepts. Applies the history invariants
 * Google's own client enforces (protocols.md §7): alternating user/model turns, starting and ending
 * with user; no empty parts or turns; every functionCall answered by exactly one functionResponse in
 * the next user turn, in call order and before other parts; a thoughtSignature on the first
 * functionCall of each model turn; thought parts stripped. Signatures go only to the backend that issued
 * them (`family`): the Gemini API and Code Assist each refuse the other's as corrupted.
 */

const LOST_RESULT = 'The tool result was lost.';
/** Gemini wants the history to start and end with the user. */
const OPENING_USER_TEXT = '(conversation continued)';
const CLOSING_USER_TEXT = 'Please continue.';

type GeminiPart = JsonObject;

interface Call {
  id: string;
  name: string;
  part: GeminiPart;
}

interface Turn {
  role: 'user' | 'model';
  /** Model: all parts in order (calls included). User: everything but tool results. */
  parts: GeminiPart[];
  calls: Call[];
  results: ToolResultPart[];
}

export interface EncodedContents {
  contents: JsonObject[];
  /** Text of `system` messages that stood mid-conversation; Gemini has only the one system instruction. */
  lateSystem: string[];
}

/** `nestMedia`: a tool result's inline media goes inside its function response (model-rules.ts nestsResultMedia). */
export function encodeContents(req: CanonicalRequest, family: GoogleFamily = 'gemini', nestMedia = false): EncodedContents {
  const lateSystem: string[] = [];
  const drafts: Turn[] = [];
  for (const m of req.messages) {
    if (m.role === 'system') {
      for (const p of m.content) if (p.type === 'text' && p.text !== '') lateSystem.push(p.text);
      continue;
    }
    const turn = m.role === 'assistant' ? modelTurn(m.content, family) : userTurn(m.content);
    if (turn.parts.length > 0 || turn.results.length > 0) drafts.push(turn);
  }
  const turns = repairToolTurns(mergeSameRole(drafts), nestMedia);
  for (const t of turns) if (t.role === 'model') signFirstCall(t);

  if (turns[0]?.role !== 'user') turns.unshift(textTurn('user', OPENING_USER_TEXT));
  if (turns[turns.length - 1]?.role !== 'user') turns.push(textTurn('user', CLOSING_USER_TEXT));
  return { contents: turns.map((t) => ({ role: t.role, parts: t.parts })), lateSystem };
}

const textTurn = (role: Turn['role'], text: string): Turn => ({ role, parts: [{ text }], calls: [], results: [] });

/** The original Gemini part a Gemini client sent (executableCode…), carried in extras by the decoder. */
function originalPart(p: Part): GeminiPart | undefined {
  if (p.type !== 'text') return undefined;
  const original = p.extras?.gemini?.part;
  return isRecord(original) ? original : undefined;
}

/**
 * A Gemini part's signature as a Gemini client (or a Gemini upstream's answer, Code Assist's marked) gave
 * it, when `family` issued it: the raw value to send, else undefined. The bypass value suits either.
 */
function ownSignature(raw: unknown, family: GoogleFamily): string | undefined {
  const sig = parseSignature(raw);
  return sig && (sig.family === family || sig.value === SKIP_SIGNATURE) ? sig.value : undefined;
}

function textSignature(p: Part, family: GoogleFamily): string | undefined {
  return p.type === 'text' ? ownSignature(p.extras?.gemini?.thoughtSignature, family) : undefined;
}

/** A Gemini client's original part, with its signature only when `family` can read it. */
function readablePart(original: GeminiPart, family: GoogleFamily): GeminiPart {
  const { thoughtSignature, ...part } = original;
  const own = ownSignature(thoughtSignature, family);
  return own === undefined ? part : { ...part, thoughtSignature: own };
}

const IMAGE_TYPES: Record<string, string> = {
  png: 'image/png',
  jpg: 'image/jpeg',
  jpeg: 'image/jpeg',
  gif: 'image/gif',
  webp: 'image/webp',
  heic: 'image/heic',
};

/** The image types Gemini takes inline (ai.google.dev image-understanding); others are a 400 for the whole request. */
const ACCEPTED_IMAGE_TYPES = new Set(['image/png', 'image/jpeg', 'image/webp', 'image/heic', 'image/heif']);

function inlinePart(mediaType: string, data: string): GeminiPart {
  const mimeType = baseMediaType(mediaType);
  // "Unsupported MIME type: image/gif" would fail the request; the model at least learns an image was there.
  if (mimeType.startsWith('image/') && !ACCEPTED_IMAGE_TYPES.has(mimeType)) {
    return { text: `[An image of type ${mimeType} was attached here, but this model does not accept that format.]` };
  }
  return { inlineData: { mimeType, data } };
}

export function mediaPart(p: ImagePart | FilePart): GeminiPart {
  const s = p.source;
  if (s.kind === 'base64') return inlinePart(s.mediaType, s.data);
  // A plain-text document has no media form every Gemini model takes; as text it always works.
  if (s.kind === 'text') return { text: s.data };
  const inline = parseDataUrl(s.url);
  if (inline) return inlinePart(inline.mediaType, inline.data);
  const ext = /\.([a-z0-9]+)(?:[?#]|$)/i.exec(s.url)?.[1]?.toLowerCase();
  const mimeType = s.mediaType ?? (p.type === 'image' && ext ? IMAGE_TYPES[ext] : undefined);
  return { fileData: mimeType ? { mimeType, fileUri: s.url } : { fileUri: s.url } };
}

function userTurn(content: Part[]): Turn {
  const turn: Turn = { role: 'user', parts: [], calls: [], results: [] };
  for (const p of content) {
    const original = originalPart(p);
    if (original) turn.parts.push(original);
    else if (p.type === 'tool_result') turn.results.push(p);
    else if (p.type === 'text' && p.text !== '') turn.parts.push({ text: p.text });
    else if (p.type === 'image' || p.type === 'file') turn.parts.push(mediaPart(p));
    // thinking and tool calls cannot stand in a user turn; empty text is rejected by Gemini.
  }
  return turn;
}

function modelTurn(content: Part[], family: GoogleFamily): Turn {
  const turn: Turn = { role: 'model', parts: [], calls: [], results: [] };
  // A signature from a stripped thought (or an empty text part) moves to the next part of the turn.
  let pending: string | undefined;
  const push = (part: GeminiPart, own: string | undefined): void => {
    const sig = own ?? pending;
    pending = undefined;
    if (sig !== undefined) part.thoughtSignature = sig;
    turn.parts.push(part);
  };
  for (const p of content) {
    const original = originalPart(p);
    if (original) {
      push(readablePart(original, family), undefined);
    } else if (p.type === 'thinking') {
      // gemini-cli strips thought text from history; only the target backend's signature is worth keeping.
      if (p.signature?.family === family) pending = p.signature.value;
    } else if (p.type === 'text') {
      if (p.text !== '') push({ text: p.text }, textSignature(p, family));
      else pending = textSignature(p, family) ?? pending;
    } else if (p.type === 'tool_call') {
      const own = p.signature?.family === family && p.signature.value !== SKIP_SIGNATURE ? p.signature.value : undefined;
      const name = toGeminiName(p.name);
      const part: GeminiPart = { functionCall: { name, args: p.args } };
      push(part, own ?? (pending === undefined ? recallSignature(p.id, family) : undefined));
      turn.calls.push({ id: p.id, name, part });
    } else if (p.type === 'image' || p.type === 'file') {
      push(mediaPart(p), undefined);
    }
  }
  const last = turn.parts[turn.parts.length - 1];
  if (pending !== undefined && last && last.thoughtSignature === undefined) last.thoughtSignature = pending;
  return turn;
}

function mergeSameRole(turns: Turn[]): Turn[] {
  const out: Turn[] = [];
  for (const t of turns) {
    const prev = out[out.length - 1];
    if (prev && prev.role === t.role) {
      prev.parts.push(...t.parts);
      prev.calls.push(...t.calls);
      prev.results.push(...t.results);
    } else {
      out.push({ role: t.role, parts: [...t.parts], calls: [...t.calls], results: [...t.results] });
    }
  }
  return out;
}

/** Turns are already merged, so a model turn is followed by a user turn or nothing. */
function repairToolTurns(turns: Turn[], nestMedia: boolean): Turn[] {
  const out: Turn[] = [];
  turns.forEach((t, i) => {
    if (t.role === 'model') {
      out.push(t);
      if (t.calls.length > 0 && turns[i + 1] === undefined) out.push(answerTurn(t.calls, { role: 'user', parts: [], calls: [], results: [] }, nestMedia));
      return;
    }
    const prev = turns[i - 1];
    out.push(answerTurn(prev?.role === 'model' ? prev.calls : [], t, nestMedia));
  });
  return out;
}

/**
 * Media Gemini takes inside a function response (FunctionResponseBlob): images and documents, inline only
 * (a FunctionResponsePart's fileData is Vertex's, not the Gemini API's).
 */
const NESTED_MEDIA = new Set(['image/png', 'image/jpeg', 'image/webp', 'application/pdf', 'text/plain']);

/**
 * The user turn with one response per call, in call order, hoisted before its other parts. A result's
 * media goes inside its response where the model takes it there (`nestMedia`), else after the responses.
 */
function answerTurn(calls: Call[], user: Turn, nestMedia: boolean): Turn {
  const unused = [...user.results];
  const responses: GeminiPart[] = [];
  const media: GeminiPart[] = [];
  for (const call of calls) {
    const i = unused.findIndex((r) => r.callId === call.id);
    if (i < 0) {
      responses.push({ functionResponse: { name: call.name, response: { error: LOST_RESULT } } });
      continue;
    }
    const result = unused.splice(i, 1)[0]!;
    const response: JsonObject = { name: call.name, response: responseObject(result) };
    const nested: JsonObject[] = [];
    for (const c of result.content) {
      if (c.type === 'text') continue;
      const part = mediaPart(c);
      const blob = isRecord(part.inlineData) ? part.inlineData : undefined;
      if (nestMedia && blob && NESTED_MEDIA.has(String(blob.mimeType))) nested.push({ inlineData: blob });
      else media.push(part);
    }
    if (nested.length > 0) response.parts = nested;
    responses.push({ functionResponse: response });
  }
  // Results without a call just before them would be rejected as function responses; keep them as text.
  const orphans = unused.map((r) => {
    const label = `[tool result${r.name ? ` for ${r.name}` : ''}${r.isError ? ' (error)' : ''}]`;
    return { text: `${label}\n${resultText(r)}` };
  });
  return { role: 'user', parts: [...responses, ...media, ...orphans, ...user.parts], calls: [], results: [] };
}

function resultText(r: ToolResultPart): string {
  let text = '';
  for (const c of r.content) if (c.type === 'text') text = text === '' ? c.text : `${text}\n${c.text}`;
  return text;
}

/** functionResponse.response must be an object: `{output}` / `{error}`, or the result itself when it is one. */
function responseObject(r: ToolResultPart): JsonObject {
  const text = resultText(r);
  if (r.isError) return { error: text };
  const parsed = text.startsWith('{') ? tryParseJson(text) : undefined;
  return isRecord(parsed) ? parsed : { output: text };
}

/** Gemini 3 validates a signature on the first call of each model turn; the bypass value stands in when none is known. */
function signFirstCall(turn: Turn): void {
  const first = turn.calls[0];
  if (first && first.part.thoughtSignature === undefined) first.part.thoughtSignature = SKIP_SIGNATURE;
}
