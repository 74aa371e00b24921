/** Anthropic's error shape (protocols.md §2.5) and the request id every response carries. */
import { randomId } from '../../../src/core/ids.ts';

export interface AnthropicErrorInfo {
  status: number;
  type: string;
  message: string;
}

export const anthropicRequestId = (): string => `req_011C${randomId(20)}`;

/** `{"type":"error","error":{type,message},"request_id":…}`; tests can queue these as MockReply.error bodies. */
export function anthropicErrorBody(type: string, message: string, requestId = anthropicRequestId()): Record<string, unknown> {
  return { type: 'error', error: { type, message }, request_id: requestId };
}

export const invalidRequest = (message: string): AnthropicErrorInfo => ({
  status: 400,
  type: 'invalid_request_error',
  message,
});

/** Pydantic-style messages the API uses for schema violations. */
export const extraInput = (path: string): AnthropicErrorInfo => invalidRequest(`${path}: Extra inputs are not permitted`);
export const fieldRequired = (path: string): AnthropicErrorInfo => invalidRequest(`${path}: Field required`);

export function tagMismatch(path: string, tag: unknown, expected: string[]): AnthropicErrorInfo {
  return invalidRequest(
    `${path}: Input tag '${String(tag)}' found using 'type' does not match any of the expected tags: ${expected.map((t) => `'${t}'`).join(', ')}`,
  );
}

/** `'a', 'b' or 'c'`: how the API lists the allowed literals. */
export function literalList(values: string[]): string {
  const q = values.map((v) => `'${v}'`);
  return q.length <= 1 ? q.join('') : `${q.slice(0, -1).join(', ')} or ${q[q.length - 1]}`;
}

/** Keys outside `allowed`, reported the way the API does for the first one. */
export function firstExtra(obj: Record<string, unknown>, allowed: ReadonlySet<string>, path: string): AnthropicErrorInfo | undefined {
  for (const k of Object.keys(obj)) if (!allowed.has(k)) return extraInput(`${path}.${k}`);
  return undefined;
}

/**
 * A lone UTF-16 surrogate escaped in the raw body: JSON.parse accepts it, Anthropic's parser does not
 * (users report "The request body is not valid JSON: no low surrogate in string: line 1 column …").
 */
export function surrogateError(raw: string): AnthropicErrorInfo | undefined {
  // `(?<!\\)` skips an escaped backslash followed by the letters "ud83d" (plain text, not an escape).
  const re =
    /(?<!\\)\\u[dD][89abAB][0-9a-fA-F]{2}(?!\\u[dD][c-fC-F][0-9a-fA-F]{2})|(?<!\\u[dD][89abAB][0-9a-fA-F]{2})(?<!\\)\\u[dD][c-fC-F][0-9a-fA-F]{2}/;
  const m = re.exec(raw);
  if (!m) return undefined;
  const high = /^\\u[dD][89abAB]/.test(m[0]);
  return invalidRequest(
    `The request body is not valid JSON: ${high ? 'no low surrogate' : 'invalid high surrogate'} in string: ${position(raw, m.index)}`,
  );
}

export function unparsableBody(raw: string): AnthropicErrorInfo {
  // Python's json module wording; the exact reason of the real parser is not reproduced.
  return invalidRequest(`The request body is not valid JSON: Expecting value: ${position(raw, firstBadIndex(raw))}`);
}

function firstBadIndex(raw: string): number {
  const i = raw.search(/\S/);
  return i < 0 ? 0 : i;
}

function position(raw: string, index: number): string {
  const before = raw.slice(0, index);
  const line = before.split('\n').length;
  const column = index - before.lastIndexOf('\n');
  return `line ${line} column ${column} (char ${index})`;
}
