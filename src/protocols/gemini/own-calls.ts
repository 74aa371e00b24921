import type { GoogleFamily } from '../../core/content.ts';
import type { RequestBody } from '../../providers/types.ts';
import { isRecord } from '../../util/json.ts';
import { CODE_ASSIST_MARKER, parseSignature, SKIP_SIGNATURE } from './signature.ts';
import { bodyHolds } from '../../util/raw-body.ts';
import { validatesCallSignatures } from './model-rules.ts';

/**
 * A Gemini client's history on its way to a Gemini backend (`family`: the Gemini API, or Code Assist),
 * with what aiproxy wrote while another upstream served some turns made acceptable (withoutEmptyParts,
 * withSignedCalls), and Code Assist's signatures unmarked for Code Assist (withoutCodeAssistMarks).
 * Undefined when nothing needs it: the client's bytes go as they came.
 */
export function readableToGemini(
  raw: RequestBody,
  body: Record<string, unknown>,
  model: string,
  family: GoogleFamily = 'gemini',
): Record<string, unknown> | undefined {
  const kept = withoutEmptyParts(raw, body, family);
  const signed = withSignedCalls(raw, kept ?? body, model, family) ?? kept;
  if (family === 'gemini') return signed;
  return withoutCodeAssistMarks(raw, signed ?? body) ?? signed;
}

/**
 * A converted stream ends on an empty text part (encode-stream.ts: the genai SDK's chat drops a turn
 * whose last chunk has no parts) and carries another upstream's signature on one; the SDK's chat keeps
 * every chunk in its history and sends them back, and Gemini refuses an empty text ("required oneof
 * field 'data' must have one initialized field"). Model turns lose such parts, and a content left
 * empty goes too; an empty part with a signature the target backend issued is its own and stays.
 */
function withoutEmptyParts(raw: RequestBody, body: Record<string, unknown>, family: GoogleFamily): Record<string, unknown> | undefined {
  if (!mayHoldEmptyText(raw) || !Array.isArray(body.contents)) return undefined;
  let dropped = false;
  const contents: unknown[] = [];
  for (const c of body.contents) {
    if (!isRecord(c) || c.role !== 'model' || !Array.isArray(c.parts) || !c.parts.some((p) => isOwnEmptyPart(p, family))) {
      contents.push(c);
      continue;
    }
    dropped = true;
    const parts = c.parts.filter((p: unknown) => !isOwnEmptyPart(p, family));
    if (parts.length > 0) contents.push({ ...c, parts });
  }
  return dropped ? { ...body, contents } : undefined;
}

/**
 * `{text: ""}`, alone or with a signature the target cannot read: another upstream's (parseSignature
 * knows aiproxy's wrapping), or the other Google backend's.
 */
function isOwnEmptyPart(p: unknown, family: GoogleFamily): boolean {
  if (!isRecord(p) || p.text !== '') return false;
  for (const k in p) if (k !== 'text' && k !== 'thought' && k !== 'thoughtSignature' && k !== 'thought_signature') return false;
  return !readable(p.thoughtSignature ?? p.thought_signature, family);
}

/** Most requests carry no empty text; those go untouched without a walk through their parts. */
function mayHoldEmptyText(raw: RequestBody): boolean {
  return bodyHolds(raw, '"text":""') || bodyHolds(raw, '"text": ""');
}

/**
 * A turn another upstream served has function calls with no signature the target backend issued (none,
 * another upstream's, or the other Google backend's: the Gemini API and Code Assist refuse each other's
 * as corrupted), and Gemini 3 refuses them ("Function call is missing a thought_signature", "Corrupted
 * thought signature."). As the convert path does (encode-contents.ts), the first call of each model turn
 * without one gets the documented bypass value; the target's own signatures stay as they came.
 * Undefined when nothing needs it.
 */
function withSignedCalls(raw: RequestBody, body: Record<string, unknown>, model: string, family: GoogleFamily): Record<string, unknown> | undefined {
  if (!validatesCallSignatures(model) || !mayHoldCalls(raw) || !Array.isArray(body.contents)) return undefined;
  if (!body.contents.some((c: unknown) => unsignedCall(c, family) >= 0)) return undefined;
  const contents = body.contents.map((c: unknown) => {
    const k = unsignedCall(c, family);
    if (k < 0) return c;
    const parts = [...(c as { parts: unknown[] }).parts];
    const { thought_signature: _, ...call } = parts[k] as Record<string, unknown>;
    parts[k] = { ...call, thoughtSignature: SKIP_SIGNATURE };
    return { ...(c as Record<string, unknown>), parts };
  });
  return { ...body, contents };
}

/** The index of a model turn's first call when it lacks a signature `family` reads, or -1. */
function unsignedCall(c: unknown, family: GoogleFamily): number {
  if (!isRecord(c) || c.role !== 'model' || !Array.isArray(c.parts)) return -1;
  const k = c.parts.findIndex((p: unknown) => isRecord(p) && (p.functionCall !== undefined || p.function_call !== undefined));
  const first = c.parts[k] as Record<string, unknown> | undefined;
  if (!first || readable(first.thoughtSignature ?? first.thought_signature, family)) return -1;
  return k;
}

/** Whether `family` reads a signature as a Gemini client sent it: its own, or the bypass value either takes. */
function readable(raw: unknown, family: GoogleFamily): boolean {
  const sig = parseSignature(raw);
  return sig !== undefined && (sig.family === family || sig.value === SKIP_SIGNATURE);
}

/**
 * Code Assist's signatures reached the client marked (markCodeAssistSignatures), so that a history going
 * to the Gemini API, which refuses them, tells them from its own; Code Assist takes them back only as it
 * issued them. Requests that hold none go untouched without a walk through their parts.
 */
function withoutCodeAssistMarks(raw: RequestBody, body: Record<string, unknown>): Record<string, unknown> | undefined {
  if (!bodyHolds(raw, CODE_ASSIST_MARKER) || !Array.isArray(body.contents)) return undefined;
  let changed = false;
  const contents = body.contents.map((c: unknown) => {
    if (!isRecord(c) || c.role !== 'model' || !Array.isArray(c.parts) || !c.parts.some(isCodeAssistMarked)) return c;
    changed = true;
    return { ...c, parts: c.parts.map((p: unknown) => (isCodeAssistMarked(p) ? unmarked(p) : p)) };
  });
  return changed ? { ...body, contents } : undefined;
}

function isCodeAssistMarked(p: unknown): p is Record<string, unknown> {
  return isRecord(p) && parseSignature(p.thoughtSignature ?? p.thought_signature)?.family === 'code-assist';
}

function unmarked(p: Record<string, unknown>): Record<string, unknown> {
  const { thoughtSignature, thought_signature, ...part } = p;
  return { ...part, thoughtSignature: parseSignature(thoughtSignature ?? thought_signature)!.value };
}

/** Most requests carry no call at all; those go untouched without a walk through their parts. */
function mayHoldCalls(raw: RequestBody): boolean {
  return bodyHolds(raw, '"functionCall"') || bodyHolds(raw, '"function_call"');
}
