import type { ImagePart } from '../../core/content.ts';
import { ProxyError } from '../../core/errors.ts';
import { openaiCompletionId } from '../../core/ids.ts';
import type { OutputPart, CanonicalResponse } from '../../core/response.ts';
import { emptyUsage } from '../../core/usage.ts';
import { base64Source } from '../../util/base64-media.ts';
import { parseDataUrl } from '../../util/data-url.ts';
import { isRecord, parseJsonObject, type JsonObject } from '../../util/json.ts';
import { contentPieces, type ContentPiece } from './content-chunks.ts';
import { callId } from './answered-call-id.ts';
import { inBandError } from './errors.ts';
import { finishReasonFromOpenAI, interruptedFinish, matchedStopSequence } from './finish-reason.ts';
import { rememberReasoning } from './reasoning-cache.ts';
import { promptOpensThinking, splitThinkTags, type ThinkPiece } from './think-tags.ts';
import { readThoughtSignature } from './thought-signature.ts';
import { usageFromOpenAI } from './usage.ts';

/** An upstream's `chat.completion` body → canonical response. Only choice 0 is kept. */
export function decodeResponse(body: unknown): CanonicalResponse {
  if (!isRecord(body)) throw malformed('the body is not a JSON object');
  // Some compatible servers answer 200 with an error body.
  if (body.error != null) throw new ProxyError(inBandError(body));
  const choices = Array.isArray(body.choices) ? body.choices : undefined;
  if (!choices) throw malformed('it has no choices');
  const choice = choices.find((c) => isRecord(c) && (c.index ?? 0) === 0);
  // `choices: []` is no answer either (keephq/keep#6715; an Azure prompt-filter body, InternLM/MindSearch#310):
  // read as one it would reach the client as an empty success, the missing answer unsaid.
  if (!choice) throw malformed('it has no choices');
  const message = isRecord(choice) && isRecord(choice.message) ? choice.message : {};
  // A whole answer the server stopped generating part-way is its failure, as in a stream (finish-reason.ts).
  const interrupted = interruptedFinish(isRecord(choice) ? choice.finish_reason : undefined);
  if (interrupted) throw new ProxyError(interrupted);

  const content = decodeOutput(message, typeof body.model === 'string' ? body.model : '');
  const firstCall = content.find((p) => p.type === 'tool_call');
  const sawToolCalls = firstCall !== undefined;
  const reasoning = content[0]?.type === 'thinking' ? content[0].text : '';
  rememberReasoning(typeof body.model === 'string' ? body.model : '', firstCall?.id, reasoning);
  const res: CanonicalResponse = {
    id: typeof body.id === 'string' && body.id ? body.id : openaiCompletionId(),
    model: typeof body.model === 'string' ? body.model : '',
    content,
    finishReason: finishReasonFromOpenAI(isRecord(choice) ? choice.finish_reason : undefined, sawToolCalls),
    usage: usageFromOpenAI(body.usage) ?? emptyUsage(),
  };
  const stopSequence = res.finishReason === 'stop' ? matchedStopSequence(choice) : undefined;
  if (stopSequence !== undefined) {
    res.finishReason = 'stop_sequence';
    res.stopSequence = stopSequence;
  }
  if (typeof body.created === 'number') res.created = body.created;
  return res;
}

function decodeOutput(message: JsonObject, model: string): OutputPart[] {
  const out: OutputPart[] = [];
  // `reasoning_content` is the common extension (DeepSeek, vLLM); OpenRouter calls it `reasoning`.
  // `content` is a string in OpenAI's answers, an array of parts in some compatible servers' (Mistral's
  // reasoning models put their thinking there).
  const pieces = contentPieces(message.content);
  // Thinking written into the content between <think> tags (think-tags.ts) is reasoning too.
  // A model whose prompt opened the thinking wrote no `<think>`, unless a reasoning parser sent its thinking apart.
  const sent = (stringOr(message.reasoning_content) || stringOr(message.reasoning) || '') + joined(pieces, 'thinking');
  const split = splitThinkTags(typeof message.content === 'string' ? message.content : joined(pieces, 'text'), sent === '' && promptOpensThinking(model));
  const reasoning = (stringOr(message.reasoning_content) ?? stringOr(message.reasoning) ?? '') + joined(pieces, 'thinking') + joined(split, 'thinking');
  if (reasoning) out.push({ type: 'thinking', text: reasoning });
  const text = joined(split, 'text');
  if (text) out.push({ type: 'text', text });
  const refusal = stringOr(message.refusal);
  if (refusal) out.push({ type: 'text', text: refusal, refusal: true });
  for (const image of answeredImages(message.images)) out.push({ type: 'image', source: image });
  if (Array.isArray(message.tool_calls)) {
    const used = new Set<string>();
    for (const tc of message.tool_calls) {
      if (!isRecord(tc) || !isRecord(tc.function)) continue;
      const fn = tc.function;
      const id = callId(stringOr(tc.id) || undefined, used);
      const args = typeof fn.arguments === 'string' ? parseJsonObject(fn.arguments) : isRecord(fn.arguments) ? fn.arguments : {};
      const part: OutputPart = { type: 'tool_call', id, name: stringOr(fn.name) ?? '', args };
      const signature = readThoughtSignature(tc.extra_content);
      if (signature) part.signature = signature;
      out.push(part);
    }
  }
  return out;
}

/**
 * The images an image model answered, where OpenRouter (and LiteLLM, one-api's kin, aiproxy itself) put
 * them: `message.images` / `delta.images`, `[{type: "image_url", image_url: {url: "data:…;base64,…"}}]`.
 * Only data URLs: a link would have to be fetched to reach a Gemini client, and none of these servers sends one.
 */
export function answeredImages(images: unknown): Array<Extract<ImagePart['source'], { kind: 'base64' }>> {
  if (!Array.isArray(images)) return [];
  const out: Array<Extract<ImagePart['source'], { kind: 'base64' }>> = [];
  for (const image of images) {
    const url = isRecord(image) && isRecord(image.image_url) ? image.image_url.url : undefined;
    const parsed = typeof url === 'string' ? parseDataUrl(url) : undefined;
    if (parsed && parsed.data !== '') out.push(base64Source(parsed.mediaType, parsed.data));
  }
  return out;
}

const joined = (pieces: readonly (ContentPiece | ThinkPiece)[], kind: ContentPiece['kind']): string =>
  pieces
    .filter((p) => p.kind === kind)
    .map((p) => p.text)
    .join('');

const stringOr = (v: unknown): string | undefined => (typeof v === 'string' ? v : undefined);

function malformed(why: string): ProxyError {
  return new ProxyError({ kind: 'api_error', status: 502, message: `upstream returned an invalid chat completion: ${why}` });
}
