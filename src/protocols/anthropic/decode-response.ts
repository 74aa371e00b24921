import type { CanonicalResponse, OutputPart } from '../../core/index.ts';
import { ProxyError } from '../../core/errors.ts';
import { anthropicMessageId } from '../../core/ids.ts';
import { isRecord, type JsonObject } from '../../util/json.ts';
import { finishReasonFromAnthropic } from './finish-reason.ts';
import { usageFromAnthropic } from './usage.ts';
import { parseSignature } from './signature.ts';
import { errorFromBody } from './errors.ts';
import { rememberThinking } from './thinking-cache.ts';
import type { AnthropicBlock } from './wire-types.ts';

/** An upstream Messages response (protocols.md §2.3) → canonical. */
export function decodeResponse(body: unknown): CanonicalResponse {
  if (!isRecord(body)) throw malformed('response body is not a JSON object');
  if (body.type === 'error') throw new ProxyError(errorFromBody(body, undefined));
  if (!Array.isArray(body.content)) throw malformed('response has no content array');
  const content: OutputPart[] = [];
  const thinking: AnthropicBlock[] = [];
  for (const block of body.content) {
    const part = isRecord(block) ? outputPart(block) : undefined;
    if (part) content.push(part);
    const replay = isRecord(block) ? replayable(block) : undefined;
    if (replay) thinking.push(replay);
  }
  const firstCall = content.find((p) => p.type === 'tool_call');
  const hasToolCalls = firstCall !== undefined;
  if (firstCall && thinking.length > 0) rememberThinking(firstCall.id, thinking);
  const res: CanonicalResponse = {
    id: typeof body.id === 'string' ? body.id : anthropicMessageId(),
    model: typeof body.model === 'string' ? body.model : '',
    content,
    finishReason: finishReasonFromAnthropic(body.stop_reason, hasToolCalls),
    usage: usageFromAnthropic(body.usage),
  };
  if (typeof body.stop_sequence === 'string') res.stopSequence = body.stop_sequence;
  return res;
}

/** A thinking block as it can be sent back (signed or redacted), with only the fields a request takes. */
function replayable(block: JsonObject): AnthropicBlock | undefined {
  if (block.type === 'redacted_thinking') return typeof block.data === 'string' ? { type: 'redacted_thinking', data: block.data } : undefined;
  if (block.type !== 'thinking' || typeof block.thinking !== 'string' || typeof block.signature !== 'string' || block.signature === '') return undefined;
  return { type: 'thinking', thinking: block.thinking, signature: block.signature };
}

/** Server-tool blocks (web search calls and results) have no canonical form and are skipped. */
function outputPart(block: JsonObject): OutputPart | undefined {
  switch (block.type) {
    case 'text':
      return typeof block.text === 'string' ? { type: 'text', text: block.text } : undefined;
    case 'thinking': {
      const part: OutputPart = { type: 'thinking', text: typeof block.thinking === 'string' ? block.thinking : '' };
      const signature = parseSignature(block.signature);
      if (signature) part.signature = signature;
      return part;
    }
    case 'redacted_thinking':
      return typeof block.data === 'string' ? { type: 'thinking', text: '', redacted: block.data } : undefined;
    case 'tool_use':
      return {
        type: 'tool_call',
        id: typeof block.id === 'string' ? block.id : '',
        name: typeof block.name === 'string' ? block.name : '',
        args: isRecord(block.input) ? block.input : {},
      };
    default:
      return undefined;
  }
}

const malformed = (what: string): ProxyError =>
  new ProxyError({ kind: 'api_error', status: 502, message: `invalid upstream anthropic response: ${what}` });
