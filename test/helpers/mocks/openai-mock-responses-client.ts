import type { MockServer } from './types.ts';

export type Json = Record<string, any>;

/** POSTs a body (JSON, or text as given) to the mock's `/responses` with a key; the reply's status, text and JSON. */
export async function postResponses(mock: MockServer, body: unknown, key = mock.key): Promise<{ status: number; text: string; json: Json }> {
  const res = await fetch(`${mock.url}/responses`, {
    method: 'POST',
    headers: { authorization: `Bearer ${key}`, 'content-type': 'application/json' },
    body: typeof body === 'string' ? body : JSON.stringify(body),
    signal: AbortSignal.timeout(5_000),
  });
  const text = await res.text();
  let json: Json = {};
  try {
    json = JSON.parse(text);
  } catch {
    // SSE bodies are not JSON.
  }
  return { status: res.status, text, json };
}
