/**
 * MockReply → OpenAI Chat Completions wire format: the non-streaming body (protocols.md §1.3) and
 * the chunk sequence of a stream (§1.4): role chunk, reasoning/content deltas, tool calls by index
 * with arguments in fragments, finish chunk, usage chunk only when asked for, `[DONE]`.
 */
import { openaiCompletionId, openaiToolCallId, randomId } from '../../../src/core/ids.ts';
import { isRecord } from '../../../src/util/json.ts';
import { sseFrame } from '../../../src/util/sse.ts';
import {
  heardText,
  resolveUsage,
  splitFragments,
  splitWords,
  textChars,
  type ResolvedUsage,
  type StreamFrame,
} from './mock-util.ts';
import type { MockReply } from './types.ts';

const SYSTEM_FINGERPRINT = 'fp_mock0a1b2c';

/** The reply as it will be rendered, with ids and usage fixed so stream and body agree. */
interface Rendered {
  id: string;
  created: number;
  model: string;
  text: string | null;
  refusal?: string;
  thinking?: string;
  toolCalls: Array<{ id: string; name: string; arguments: string }>;
  finish: string;
  usage: ResolvedUsage;
}

/** Text of the last `user` message's text parts (string content counts as one part). */
export function lastUserTexts(messages: unknown[]): string[] {
  for (let i = messages.length - 1; i >= 0; i--) {
    const m = messages[i];
    if (!isRecord(m) || m.role !== 'user') continue;
    if (typeof m.content === 'string') return [m.content];
    if (!Array.isArray(m.content)) return [];
    return m.content.flatMap((p) => (isRecord(p) && p.type === 'text' && typeof p.text === 'string' ? [p.text] : []));
  }
  return [];
}

export const MISTRAL_MODEL = /^(?:mistral|magistral|codestral|devstral|ministral|pixtral|mixtral)/;

function prepare(body: Record<string, unknown>, reply: MockReply): Rendered {
  const messages = body.messages as unknown[];
  // Mistral's API issues (and takes only) 9-character ids.
  const mistral = MISTRAL_MODEL.test(String(body.model));
  const toolCalls = (reply.toolCalls ?? []).map((tc) => ({
    id: mistral ? randomId(9) : openaiToolCallId(),
    name: tc.name,
    arguments: JSON.stringify(tc.args),
  }));
  // A turn that only calls tools has null content, as OpenAI sends it.
  const text = reply.text ?? (toolCalls.length > 0 || reply.refusal !== undefined ? null : heardText('openai', lastUserTexts(messages)));
  const usage = resolveUsage(reply, textChars(messages) + textChars(body.tools), {
    text: (text ?? '') + (reply.refusal ?? ''),
    thinking: reply.thinking ?? '',
    toolArgs: toolCalls.map((t) => t.name + t.arguments).join(''),
  });
  return {
    id: openaiCompletionId(),
    created: Math.floor(Date.now() / 1000),
    model: String(body.model),
    text,
    refusal: reply.refusal,
    thinking: reply.thinking,
    toolCalls,
    finish: reply.finish ?? (toolCalls.length > 0 ? 'tool_calls' : 'stop'),
    usage,
  };
}

function usageBody(u: ResolvedUsage): Record<string, unknown> {
  return {
    prompt_tokens: u.input,
    completion_tokens: u.output,
    total_tokens: u.input + u.output,
    prompt_tokens_details: { cached_tokens: u.cached, audio_tokens: 0 },
    completion_tokens_details: {
      reasoning_tokens: u.reasoning,
      audio_tokens: 0,
      accepted_prediction_tokens: 0,
      rejected_prediction_tokens: 0,
    },
  };
}

/** OpenRouter's form of an image model's answer: data URLs, after the text. */
const openRouterImages = (reply: MockReply): Array<Record<string, unknown>> =>
  (reply.images ?? []).filter((i) => !i.thought).map((i) => ({ type: 'image_url', image_url: { url: `data:${i.mimeType};base64,${i.data}` } }));

export function renderCompletion(body: Record<string, unknown>, reply: MockReply): Record<string, unknown> {
  const r = prepare(body, reply);
  const message: Record<string, unknown> = { role: 'assistant', content: r.text, refusal: r.refusal ?? null, annotations: [] };
  if (r.thinking !== undefined) message.reasoning_content = r.thinking;
  const images = openRouterImages(reply);
  if (images.length > 0) message.images = images;
  if (r.toolCalls.length > 0) {
    message.tool_calls = r.toolCalls.map((tc) => ({
      id: tc.id,
      type: 'function',
      function: { name: tc.name, arguments: tc.arguments },
    }));
  }
  return {
    id: r.id,
    object: 'chat.completion',
    created: r.created,
    model: r.model,
    choices: [{ index: 0, message, logprobs: null, finish_reason: r.finish }],
    usage: usageBody(r.usage),
    service_tier: 'default',
    system_fingerprint: SYSTEM_FINGERPRINT,
  };
}

/** The in-band error OpenAI sends after a 200 (the SDK raises any data object with `error`). */
export const OPENAI_STREAM_ERROR = sseFrame(
  JSON.stringify({
    error: {
      message: 'The server had an error while processing your request. Sorry about that!',
      type: 'server_error',
      param: null,
      code: null,
    },
  }),
);

export function renderStreamFrames(body: Record<string, unknown>, reply: MockReply): StreamFrame[] {
  const r = prepare(body, reply);
  const streamOptions = isRecord(body.stream_options) ? body.stream_options : {};
  const includeUsage = streamOptions.include_usage === true;
  // Real chunks carry random padding unless the client opts out; clients must ignore it.
  const obfuscate = streamOptions.include_obfuscation !== false;

  const chunk = (delta: Record<string, unknown>, finish: string | null = null): string => {
    const c: Record<string, unknown> = {
      id: r.id,
      object: 'chat.completion.chunk',
      created: r.created,
      model: r.model,
      service_tier: 'default',
      system_fingerprint: SYSTEM_FINGERPRINT,
      choices: [{ index: 0, delta, logprobs: null, finish_reason: finish }],
    };
    if (includeUsage) c.usage = null;
    if (obfuscate) c.obfuscation = randomId(1 + Math.floor(Math.random() * 12));
    return sseFrame(JSON.stringify(c));
  };

  // A refusal opens with null content and an empty refusal, then streams in delta.refusal.
  const head = r.refusal !== undefined && r.text === null ? { role: 'assistant', content: null, refusal: '' } : { role: 'assistant', content: '', refusal: null };
  const frames: StreamFrame[] = [{ kind: 'head', text: chunk(head) }];
  const content = (delta: Record<string, unknown>): void => {
    frames.push({ kind: 'body', content: true, text: chunk(delta) });
  };
  for (const piece of splitWords(r.thinking ?? '')) content({ reasoning_content: piece });
  for (const piece of splitWords(r.text ?? '')) content({ content: piece });
  for (const piece of splitWords(r.refusal ?? '')) content({ refusal: piece });
  openRouterImages(reply).forEach((image, index) => content({ images: [{ index, ...image }] }));
  r.toolCalls.forEach((tc, index) => {
    content({
      tool_calls: [{ index, id: tc.id, type: 'function', function: { name: tc.name, arguments: '' } }],
    });
    for (const fragment of splitFragments(tc.arguments)) {
      content({ tool_calls: [{ index, function: { arguments: fragment } }] });
    }
  });
  frames.push({ kind: 'tail', text: chunk({}, r.finish) });
  if (includeUsage) {
    const usageChunk = {
      id: r.id,
      object: 'chat.completion.chunk',
      created: r.created,
      model: r.model,
      service_tier: 'default',
      system_fingerprint: SYSTEM_FINGERPRINT,
      choices: [],
      usage: usageBody(r.usage),
    };
    frames.push({ kind: 'tail', text: sseFrame(JSON.stringify(usageChunk)) });
  }
  frames.push({ kind: 'tail', text: sseFrame('[DONE]') });
  return frames;
}
