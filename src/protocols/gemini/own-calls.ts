import type { RequestBody } from '../../providers/types.ts';
import { isRecord } from '../../util/json.ts';
import { SKIP_SIGNATURE } from './encode-contents.ts';
import { parseSignature } from './signature.ts';

/** The models that validate thought signatures on function calls (protocols.md §7). */
const VALIDATES_CALLS = /gemini-3/i;

/**
 * A Gemini client's history on its way to Gemini, with what aiproxy wrote while another upstream served
 * some turns made acceptable (withoutEmptyParts, withSignedCalls). Undefined when nothing needs it: the
 * client's bytes go as they came.
 */
export function readableToGemini(raw: RequestBody, body: Record<string, unknown>, model: string): Record<string, unknown> | undefined {
  const kept = withoutEmptyParts(raw, body);
  return withSignedCalls(raw, kept ?? body, model) ?? kept;
}

/**
 * A converted stream ends on an empty text part (encode-stream.ts: the genai SDK's chat drops a turn
 * whose last chunk has no parts) and carries another upstream's signature on one; the SDK's chat keeps
 * every chunk in its history and sends them back, and Gemini refuses an empty text ("required oneof
 * field 'data' must have one initialized field"). Model turns lose such parts, and a content left
 * empty goes too; an empty part with a signature Google issued is Google's own and stays.
 */
function withoutEmptyParts(raw: RequestBody, body: Record<string, unknown>): Record<string, unknown> | undefined {
  if (!mayHoldEmptyText(raw) || !Array.isArray(body.contents)) return undefined;
  let dropped = false;
  const contents: unknown[] = [];
  for (const c of body.contents) {
    if (!isRecord(c) || c.role !== 'model' || !Array.isArray(c.parts) || !c.parts.some(isOwnEmptyPart)) {
      contents.push(c);
      continue;
    }
    dropped = true;
    const parts = c.parts.filter((p: unknown) => !isOwnEmptyPart(p));
    if (parts.length > 0) contents.push({ ...c, parts });
  }
  return dropped ? { ...body, contents } : undefined;
}

/** `{text: ""}`, alone or with a signature another upstream made (parseSignature knows aiproxy's wrapping). */
function isOwnEmptyPart(p: unknown): boolean {
  if (!isRecord(p) || p.text !== '') return false;
  for (const k in p) if (k !== 'text' && k !== 'thought' && k !== 'thoughtSignature' && k !== 'thought_signature') return false;
  const sig = p.thoughtSignature ?? p.thought_signature;
  return sig === undefined || sig === '' || parseSignature(sig)?.family !== 'gemini';
}

/** Most requests carry no empty text; those go untouched without a walk through their parts. */
function mayHoldEmptyText(raw: RequestBody): boolean {
  const bytes = typeof raw === 'string' ? Buffer.from(raw) : Buffer.from(raw.buffer, raw.byteOffset, raw.byteLength);
  return bytes.includes('"text":""') || bytes.includes('"text": ""');
}

/**
 * A turn another upstream served has function calls with no thoughtSignature (none of Google's exists),
 * and Gemini 3 refuses them ("Function call is missing a thought_signature"). As the convert path does
 * (encode-contents.ts), the first call of each model turn that has no Google signature gets the
 * documented bypass value; signatures Google issued stay as they came. Undefined when nothing needs it.
 */
function withSignedCalls(raw: RequestBody, body: Record<string, unknown>, model: string): Record<string, unknown> | undefined {
  if (!VALIDATES_CALLS.test(model) || !mayHoldCalls(raw) || !Array.isArray(body.contents)) return undefined;
  if (!body.contents.some((c: unknown) => unsignedCall(c) >= 0)) return undefined;
  const contents = body.contents.map((c: unknown) => {
    const k = unsignedCall(c);
    if (k < 0) return c;
    const parts = [...(c as { parts: unknown[] }).parts];
    const { thought_signature: _, ...call } = parts[k] as Record<string, unknown>;
    parts[k] = { ...call, thoughtSignature: SKIP_SIGNATURE };
    return { ...(c as Record<string, unknown>), parts };
  });
  return { ...body, contents };
}

/** The index of a model turn's first call when it lacks a Google signature, or -1. */
function unsignedCall(c: unknown): number {
  if (!isRecord(c) || c.role !== 'model' || !Array.isArray(c.parts)) return -1;
  const k = c.parts.findIndex((p: unknown) => isRecord(p) && (p.functionCall !== undefined || p.function_call !== undefined));
  const first = c.parts[k] as Record<string, unknown> | undefined;
  if (!first || parseSignature(first.thoughtSignature ?? first.thought_signature)?.family === 'gemini') return -1;
  return k;
}

/** Most requests carry no call at all; those go untouched without a walk through their parts. */
function mayHoldCalls(raw: RequestBody): boolean {
  const bytes = typeof raw === 'string' ? Buffer.from(raw) : Buffer.from(raw.buffer, raw.byteOffset, raw.byteLength);
  return bytes.includes('"functionCall"') || bytes.includes('"function_call"');
}
