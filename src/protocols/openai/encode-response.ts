import type { CanonicalResponse } from '../../core/response.ts';
import { toDataUrl } from '../../util/data-url.ts';
import { clientCompletionId } from './completion-id.ts';
import { finishReasonToOpenAI, type OpenAIFinishReason } from './finish-reason.ts';
import { thoughtSignatureExtra } from './thought-signature.ts';
import { usageToOpenAI, type OpenAIUsage } from './usage.ts';

export interface OpenAIResponseToolCall {
  id: string;
  type: 'function';
  function: { name: string; arguments: string };
  extra_content?: { google: { thought_signature: string } };
}

/**
 * An image the model answered. Chat Completions has no field for one; this is OpenRouter's
 * `message.images` (`delta.images` streamed), which LiteLLM writes too and chat clients (Open WebUI,
 * LobeChat, Cherry Studio) show.
 */
export interface OpenAIResponseImage {
  type: 'image_url';
  image_url: { url: string };
}

export interface OpenAIChatCompletion {
  id: string;
  object: 'chat.completion';
  created: number;
  model: string;
  choices: Array<{
    index: 0;
    message: {
      role: 'assistant';
      content: string | null;
      refusal: string | null;
      reasoning_content?: string;
      tool_calls?: OpenAIResponseToolCall[];
      images?: OpenAIResponseImage[];
    };
    logprobs: null;
    finish_reason: OpenAIFinishReason;
  }>;
  usage: OpenAIUsage;
}

/** Canonical response → a `chat.completion` body (protocols.md §1.3). */
export function encodeResponse(res: CanonicalResponse): OpenAIChatCompletion {
  // Text blocks are joined without a separator, exactly as the stream encoder concatenates deltas.
  let text = '';
  let refusal = '';
  let reasoning = '';
  const toolCalls: OpenAIResponseToolCall[] = [];
  const images: OpenAIResponseImage[] = [];
  for (const part of res.content) {
    if (part.type === 'text') {
      if (part.refusal) refusal += part.text;
      else text += part.text;
    } else if (part.type === 'thinking') reasoning += part.text;
    else if (part.type === 'image') {
      if (part.source.kind === 'base64') images.push({ type: 'image_url', image_url: { url: toDataUrl(part.source.mediaType, part.source.data) } });
    } else {
      const call: OpenAIResponseToolCall = {
        id: part.id,
        type: 'function',
        function: { name: part.name, arguments: JSON.stringify(part.args) },
      };
      const extra = thoughtSignatureExtra(part.signature);
      if (extra) call.extra_content = extra;
      toolCalls.push(call);
    }
  }
  const message: OpenAIChatCompletion['choices'][number]['message'] = {
    role: 'assistant',
    // OpenAI sends null, not "", when the turn is only tool calls or a refusal.
    content: text || (toolCalls.length === 0 && !refusal) ? text : null,
    // The model declined (OpenAI's own, or a Responses upstream's refusal part): the SDK's parse helpers
    // read it from here, and would fail on it as content (JSON.parse of "I'm sorry, …").
    refusal: refusal || null,
  };
  if (reasoning) message.reasoning_content = reasoning;
  if (toolCalls.length > 0) message.tool_calls = toolCalls;
  if (images.length > 0) message.images = images;
  return {
    id: clientCompletionId(res.id),
    object: 'chat.completion',
    created: res.created ?? Math.floor(Date.now() / 1000),
    model: res.model,
    choices: [
      { index: 0, message, logprobs: null, finish_reason: finishReasonToOpenAI(res.finishReason, toolCalls.length > 0) },
    ],
    usage: usageToOpenAI(res.usage),
  };
}
