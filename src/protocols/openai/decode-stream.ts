import { createCallSequencer } from '../../core/contiguous-calls.ts';
import type { ProxyErrorInfo } from '../../core/errors.ts';
import { openaiCompletionId } from '../../core/ids.ts';
import type { StreamEvent } from '../../core/stream-events.ts';
import type { Usage } from '../../core/usage.ts';
import { emptyUsage } from '../../core/usage.ts';
import { isRecord, tryParseJson, type JsonObject } from '../../util/json.ts';
import type { SSEMessage, StreamDecoder } from '../types.ts';
import { callId } from './answered-call-id.ts';
import { contentPieces } from './content-chunks.ts';
import { answeredImages } from './decode-response.ts';
import { inBandError } from './errors.ts';
import { finishReasonFromOpenAI, interruptedFinish, matchedStopSequence } from './finish-reason.ts';
import { rememberReasoning } from './reasoning-cache.ts';
import { promptOpensThinking, ThinkTags, type ThinkPiece } from './think-tags.ts';
import { readThoughtSignature } from './thought-signature.ts';
import { usageFromOpenAI } from './usage.ts';

interface OpenCall {
  /** Our 0-based ordinal, the `index` of the canonical tool-call events. */
  ordinal: number;
  id: string;
  open: boolean;
}

const NONE: StreamEvent[] = [];
const NO_CHOICES: readonly unknown[] = [];

/**
 * Chat Completions chunks → canonical events, each tool call's together (contiguous-calls.ts: servers
 * interleave parallel calls' fragments). The finish is held back after `finish_reason` until the usage
 * chunk (`choices: []`) or `[DONE]`, because usage only arrives after the finish chunk.
 */
export function createStreamDecoder(): StreamDecoder {
  const decoder = createChunkDecoder();
  const sequence = createCallSequencer();
  return {
    message: (msg) => sequence(decoder.message(msg)),
    end: () => sequence(decoder.end()),
  };
}

function createChunkDecoder(): StreamDecoder {
  let started = false;
  let done = false;
  let sawFinish = false;
  /** A chunk had a choice 0: chunks with none (`choices: []` or null) are no answer. */
  let sawChoice = false;
  let finishRaw: unknown;
  /** The stop sequence the finishing choice says it matched (finish-reason.ts matchedStopSequence). */
  let stopSequence: string | undefined;
  let usage: Usage | undefined;
  /** Upstream tool_calls[].index → the call it refers to. */
  const calls = new Map<number, OpenCall>();
  /** The ids the turn's calls were given, so a second call under one is told apart (callId). */
  const usedIds = new Set<string>();
  let nextOrdinal = 0;
  /** What reasoning-cache.ts keeps for a turn that made tool calls, and the model the chunks name. */
  let reasoningText = '';
  let firstCallId: string | undefined;
  let reportedModel = '';
  const think = new ThinkTags();

  function start(out: StreamEvent[], chunk?: JsonObject): void {
    if (started) return;
    started = true;
    const id = typeof chunk?.id === 'string' && chunk.id ? chunk.id : openaiCompletionId();
    const model = typeof chunk?.model === 'string' ? chunk.model : '';
    const ev: StreamEvent = { type: 'start', id, model };
    if (typeof chunk?.created === 'number' && chunk.created > 0) ev.created = chunk.created;
    out.push(ev);
  }

  function closeCalls(out: StreamEvent[]): void {
    for (const call of calls.values()) {
      if (!call.open) continue;
      call.open = false;
      out.push({ type: 'tool_call_end', index: call.ordinal });
    }
  }

  /** Content pieces as events; thinking written between `<think>` tags counts as the turn's reasoning. */
  function content(pieces: ThinkPiece[], out: StreamEvent[]): void {
    for (const p of pieces) {
      if (p.kind === 'thinking') reasoningText += p.text;
      out.push({ type: p.kind, text: p.text });
    }
  }

  /**
   * The turn ended other than cut by the output limit: thinking a `</think>` never closed was the answer
   * (think-tags.ts), as a whole answer's content is read (splitThinkTags); calls too end what came before them.
   */
  const answered = (): boolean => finishReasonFromOpenAI(finishRaw, nextOrdinal > 0) !== 'length';

  function finish(out: StreamEvent[]): StreamEvent[] {
    start(out);
    content(think.end(answered()), out);
    closeCalls(out);
    done = true;
    rememberReasoning(reportedModel, firstCallId, reasoningText);
    const reason = finishReasonFromOpenAI(finishRaw, nextOrdinal > 0);
    if (reason === 'stop' && stopSequence !== undefined) out.push({ type: 'finish', reason: 'stop_sequence', stopSequence, usage: usage ?? emptyUsage() });
    else out.push({ type: 'finish', reason, usage: usage ?? emptyUsage() });
    return out;
  }

  function fail(error: ProxyErrorInfo): StreamEvent[] {
    const out: StreamEvent[] = [];
    start(out);
    done = true;
    out.push({ type: 'error', error });
    return out;
  }

  function toolCalls(list: unknown[], out: StreamEvent[]): void {
    for (let k = 0; k < list.length; k++) {
      const tc = list[k];
      if (!isRecord(tc)) continue;
      // Some compatible servers omit `index`; position in the list is then the best guess.
      const idx = typeof tc.index === 'number' ? tc.index : k;
      const fn = isRecord(tc.function) ? tc.function : undefined;
      const id = typeof tc.id === 'string' && tc.id ? tc.id : undefined;
      let call = calls.get(idx);
      // A new id at a known index is a new call: some servers send every parallel call at index 0. The head
      // of a call always names its function; a nameless fragment under another id is the same call from a
      // server whose ids are not stable across fragments (Poolside).
      const named = typeof fn?.name === 'string' && fn.name !== '';
      if (!call || (id !== undefined && id !== call.id && named)) {
        if (call?.open) {
          call.open = false;
          out.push({ type: 'tool_call_end', index: call.ordinal });
        }
        call = { ordinal: nextOrdinal++, id: callId(id, usedIds), open: true };
        calls.set(idx, call);
        firstCallId ??= call.id;
        const ev: StreamEvent = {
          type: 'tool_call_start',
          index: call.ordinal,
          id: call.id,
          name: typeof fn?.name === 'string' ? fn.name : '',
        };
        const signature = readThoughtSignature(tc.extra_content);
        if (signature) ev.signature = signature;
        out.push(ev);
      }
      const args = fn?.arguments;
      // A few servers send the arguments as an object in one piece rather than as JSON text.
      const text = typeof args === 'string' ? args : isRecord(args) ? JSON.stringify(args) : '';
      if (text) out.push({ type: 'tool_call_delta', index: call.ordinal, args: text });
    }
  }

  function choice(c: JsonObject, out: StreamEvent[]): void {
    if (sawFinish) return; // nothing after finish_reason belongs to this turn
    // A whole `message` where a `delta` belongs: servers that answer a stream request with a whole
    // completion as its one chunk (Amm1rr/WebAI-to-API#55), or with the completion itself before
    // `data: [DONE]` (decolua/9router#3492, which SSEReader reads as data).
    const delta = isRecord(c.delta) ? c.delta : isRecord(c.message) ? c.message : undefined;
    if (delta) {
      // `reasoning_content` (DeepSeek, vLLM) or `reasoning` (OpenRouter); never both counted.
      const reasoning =
        typeof delta.reasoning_content === 'string' && delta.reasoning_content
          ? delta.reasoning_content
          : typeof delta.reasoning === 'string'
            ? delta.reasoning
            : '';
      if (reasoning) {
        reasoningText += reasoning;
        out.push({ type: 'thinking', text: reasoning });
      }
      if (typeof delta.content === 'string' && delta.content) {
        // Once past any <think>, text goes straight out: no pieces made for every delta of the answer.
        // A model whose prompt opened the thinking starts inside it, unless a reasoning parser already sent it apart.
        if (think.passing) out.push({ type: 'text', text: delta.content });
        else content(think.push(delta.content, reasoningText === '' && promptOpensThinking(reportedModel)), out);
      }
      for (const piece of contentPieces(delta.content)) out.push({ type: piece.kind, text: piece.text });
      if (typeof delta.refusal === 'string' && delta.refusal) out.push({ type: 'text', text: delta.refusal, refusal: true });
      // OpenRouter's generated images, each whole in one delta (decode-response.ts answeredImages).
      for (const image of answeredImages(delta.images)) out.push({ type: 'image', mediaType: image.mediaType, data: image.data });
      if (Array.isArray(delta.tool_calls)) {
        // Thinking held back for a possible `</think>` goes before the calls, where it was written.
        if (delta.tool_calls.length > 0) content(think.end(true), out);
        toolCalls(delta.tool_calls, out);
      }
    }
    // Older Ollama, SGLang and LocalAI send `""` rather than null on every chunk before the last.
    if (c.finish_reason != null && c.finish_reason !== '') {
      sawFinish = true;
      finishRaw = c.finish_reason;
      stopSequence = matchedStopSequence(c);
      content(think.end(answered()), out);
      closeCalls(out);
    }
  }

  return {
    message(msg: SSEMessage): StreamEvent[] {
      if (done) return NONE;
      const data = msg.data.trim();
      if (data === '[DONE]') {
        // Nothing before it is no answer: a body that is no stream but ends with `[DONE]` (a whole
        // chat.completion, or an error, written without `data:`: decolua/9router#3492) must not read as
        // an empty reply. Neither is a stream whose chunks held no choice (`choices: []`), named as they were.
        if (!sawChoice && !sawFinish) return fail({ status: 502, kind: 'api_error', message: 'upstream stream ended with [DONE] before any answer came' });
        return finish([]);
      }
      if (data === '') return NONE; // an empty keep-alive event
      const chunk = tryParseJson(data);
      if (msg.event === 'error') return fail(inBandError(isRecord(chunk) ? chunk : { error: data }));
      if (!isRecord(chunk)) {
        const snippet = data.length > 80 ? `${data.slice(0, 80)}…` : data;
        return fail({ status: 502, kind: 'api_error', message: `upstream sent an invalid stream event (not a JSON object): ${snippet}` });
      }
      if (chunk.error != null) return fail(inBandError(chunk));
      if (typeof chunk.model === 'string' && chunk.model) reportedModel = chunk.model;

      const choices = Array.isArray(chunk.choices) ? chunk.choices : NO_CHOICES;
      const chunkUsage = usageFromOpenAI(chunk.usage ?? (isRecord(chunk.x_groq) ? chunk.x_groq.usage : undefined) ?? choiceUsage(choices));
      if (chunkUsage) usage = chunkUsage;
      const out: StreamEvent[] = [];
      // Azure opens with a chunk for prompt_filter_results whose id and model are "": the start waits
      // for a chunk that names them, unless this one already carries content (then it goes first).
      if (!started && named(chunk)) start(out, chunk);
      for (const c of choices) {
        if (!isRecord(c) || (c.index ?? 0) !== 0) continue;
        sawChoice = true;
        choice(c, out);
      }
      if (!started && out.length > 0) {
        const head: StreamEvent[] = [];
        start(head, chunk);
        out.unshift(...head);
      }
      const interrupted = done ? undefined : interruptedFinish(finishRaw);
      if (interrupted) {
        // Generation failed upstream part-way (finish-reason.ts): a cut answer must not read as a finished one.
        done = true;
        out.push({ type: 'error', error: interrupted });
        return out;
      }
      // The usage chunk after finish_reason completes the stream; [DONE] is then a formality.
      if (sawFinish && chunkUsage && choices.length === 0) return finish(out);
      return out;
    },

    end(): StreamEvent[] {
      if (done) return NONE;
      // A finish_reason means the content was complete even if [DONE] never came.
      if (sawFinish) return finish([]);
      return fail({ status: 502, kind: 'api_error', message: 'upstream stream ended before completion' });
    },
  };
}

/** Moonshot's Kimi puts the usage in the finishing choice rather than beside `choices` (higress-group/higress#1568). */
function choiceUsage(choices: readonly unknown[]): unknown {
  const c = choices[0];
  return isRecord(c) ? c.usage : undefined;
}

function named(chunk: JsonObject): boolean {
  return (typeof chunk.id === 'string' && chunk.id !== '') || (typeof chunk.model === 'string' && chunk.model !== '');
}
