import type { RequestBody } from '../../providers/types.ts';
import { isRecord } from '../../util/json.ts';
import { SKIP_SIGNATURE } from './encode-contents.ts';
import { parseSignature } from './signature.ts';

/** The models that validate thought signatures on function calls (protocols.md §7). */
const VALIDATES_CALLS = /gemini-3/i;

/**
 * A Gemini client's history on its way to Gemini 3, with the calls aiproxy wrote made acceptable: a
 * turn another upstream served has function calls with no thoughtSignature (none of Google's exists),
 * and Gemini 3 refuses them ("Function call is missing a thought_signature"). As the convert path does
 * (encode-contents.ts), the first call of each model turn that has no Google signature gets the
 * documented bypass value; signatures Google issued stay as they came. Undefined when nothing needs it:
 * the client's bytes go as they came.
 */
export function readableToGemini3(raw: RequestBody, body: Record<string, unknown>, model: string): Record<string, unknown> | undefined {
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
