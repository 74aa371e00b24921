import type { ProviderAdapter } from '../providers/types.ts';
import { readLimited } from '../upstream/fetch.ts';
import { isRecord, tryParseJson } from '../util/json.ts';

/**
 * OpenAI answers 400 (`param: "reasoning.summary"`) to a request for reasoning summaries from an
 * organisation it has not verified. A converted request asks for them only so the client can show
 * thinking; without them it is still answered. So the refusal is remembered per account and the
 * request sent again without summaries, instead of failing every request that has thinking on.
 */
const refusing = new WeakSet<ProviderAdapter>();

/** Leaves out the summary an account is known to refuse. */
export function dropRefusedSummary(adapter: ProviderAdapter, body: Record<string, unknown>): void {
  if (refusing.has(adapter) && isRecord(body.reasoning)) delete body.reasoning.summary;
}

/**
 * `res` when it is not that refusal; otherwise the answer to the request sent again without summaries.
 * The refusal's body was read to tell, so another error comes back as a fresh Response with the same text.
 */
export async function retryWithoutSummary(
  res: Response,
  adapter: ProviderAdapter,
  body: Record<string, unknown>,
  send: () => Promise<Response>,
): Promise<Response> {
  if (res.status !== 400 || !isRecord(body.reasoning) || body.reasoning.summary === undefined) return res;
  const text = await readLimited(res);
  const json = tryParseJson(text);
  if (isRecord(json) && isRecord(json.error) && json.error.param === 'reasoning.summary') {
    refusing.add(adapter);
    dropRefusedSummary(adapter, body);
    return send();
  }
  return new Response(text, { status: res.status, statusText: res.statusText, headers: res.headers });
}
