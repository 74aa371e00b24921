import { isRecord } from '../../util/json.ts';
import { COMPACTED_PREFIX } from './decode-items.ts';
import { decodeContinuity, isOwnToken } from './items.ts';
import { readReasoningSignature } from './signature.ts';

/**
 * A Responses history on its way to OpenAI itself, with the items aiproxy wrote made readable to it:
 * OpenAI would try to decrypt an `aiproxy:` encrypted_content and answer 400. Its own reasoning, carried
 * through another client or a converted turn, becomes the reasoning item it issued again; a compaction
 * summary of ours becomes the user message the converters make of it; another provider's reasoning is
 * left out (it means nothing to OpenAI). Everything else is untouched, so a Codex session that went
 * through another provider keeps what only a relay keeps (hosted tools, OpenAI's own compaction and
 * reasoning items). Undefined when there is nothing of ours: the client's bytes go as they came.
 */
export function readableToOpenAI(body: Record<string, unknown>): Record<string, unknown> | undefined {
  if (!Array.isArray(body.input) || !body.input.some(isOwnItem)) return undefined;
  return { ...body, input: body.input.flatMap((item: unknown) => (isOwnItem(item) ? forOpenAI(item) : [item])) };
}

function isOwnItem(item: unknown): item is Record<string, unknown> {
  if (!isRecord(item)) return false;
  if (typeof item.encrypted_content === 'string') return isOwnToken(item.encrypted_content);
  // Neither an id nor encrypted content: a reasoning item only aiproxy wrote (unsigned thinking, before
  // such items carried a token of ours), and one OpenAI can never take (400 "Missing required parameter").
  return item.type === 'reasoning' && item.id === undefined;
}

function forOpenAI(item: Record<string, unknown>): unknown[] {
  if (typeof item.encrypted_content !== 'string') return [];
  const c = decodeContinuity(item.encrypted_content);
  if (typeof c !== 'object') return [];
  if (c.kind === 'summary') return [{ type: 'message', role: 'user', content: [{ type: 'input_text', text: `${COMPACTED_PREFIX}${c.text}` }] }];
  const own = c.kind === 'thinking' ? readReasoningSignature(c.signature) : undefined;
  if (!own || item.type !== 'reasoning') return [];
  return [{ type: 'reasoning', id: own.id, summary: Array.isArray(item.summary) ? item.summary : [], encrypted_content: own.encrypted }];
}
