import type { ProviderAdapter } from '../providers/types.ts';
import { readLimited } from '../upstream/fetch.ts';
import { codecs } from '../protocols/index.ts';
import { isRecord } from '../util/json.ts';

/**
 * Two 400s of OpenAI's Responses API that the same request gets past without one part, which the
 * answer does not need:
 * - Reasoning summaries from an organisation OpenAI has not verified (`param: "reasoning.summary"`).
 *   A converted request asks for them only so the client can show thinking, and Codex asks by default;
 *   the refusal is remembered per account, which is not asked for them again.
 * - Encrypted reasoning another account issued (`code: "invalid_encrypted_content"`): a pool's next
 *   member, in another organisation, cannot read what the last one's model wrote. Without it the model
 *   reasons afresh.
 */
const refusingSummaries = new WeakSet<ProviderAdapter>();

/** The body without the summary this account is known to refuse; undefined when it has nothing to drop. */
export function withoutRefusedSummary(adapter: ProviderAdapter, body: Record<string, unknown>): Record<string, unknown> | undefined {
  if (!refusingSummaries.has(adapter) || !isRecord(body.reasoning) || body.reasoning.summary === undefined) return undefined;
  const { summary: _summary, ...reasoning } = body.reasoning;
  return { ...body, reasoning };
}

/**
 * `res` when it is neither refusal; otherwise the answer to `body` sent again without the refused part.
 * The refusal's body was read to tell, so another error comes back as a fresh Response with its text.
 */
export async function retryRefusedParts(
  res: Response,
  adapter: ProviderAdapter,
  body: () => Record<string, unknown>,
  send: (body: Record<string, unknown>) => Promise<Response>,
): Promise<Response> {
  if (res.status !== 400) return res;
  const text = await readLimited(res, 1024 * 1024);
  const error = codecs.responses.decodeError(res.status, text, res.headers);
  const sent = body();
  if (error.param === 'reasoning.summary' && isRecord(sent.reasoning) && sent.reasoning.summary !== undefined) {
    refusingSummaries.add(adapter);
    return send(withoutRefusedSummary(adapter, sent)!);
  }
  if (error.code === 'invalid_encrypted_content' && Array.isArray(sent.input) && sent.input.some(isEncryptedReasoning)) {
    return send({ ...sent, input: sent.input.filter((item: unknown) => !isEncryptedReasoning(item)) });
  }
  return new Response(text, { status: res.status, statusText: res.statusText, headers: res.headers });
}

const isEncryptedReasoning = (item: unknown): boolean => isRecord(item) && item.type === 'reasoning' && typeof item.encrypted_content === 'string';
