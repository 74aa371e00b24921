import { parseJsonObject } from '../util/json.ts';
import { ProxyError } from './errors.ts';
import type { FinishReason } from './finish-reason.ts';
import type { CanonicalResponse, OutputPart } from './response.ts';
import type { StreamEvent } from './stream-events.ts';
import { emptyUsage, type Usage } from './usage.ts';

export interface ResponseCollector {
  /** Takes a decoder's events in order; an `error` event throws its ProxyError. */
  push(events: readonly StreamEvent[]): void;
  /** The whole answer, once a `finish` came; a stream that ended without one is a 502. */
  response(): CanonicalResponse;
}

/**
 * The canonical stream gathered into the one answer it spells out, for a client that asked for a whole
 * answer from an upstream that gives some models' answers only as a stream (openai/model-rules.ts
 * answersOnlyStreamed): the parts in the order they came, each tool call's fragments joined and parsed.
 */
export function collectResponse(): ResponseCollector {
  let id = '';
  let model = '';
  let created: number | undefined;
  const content: OutputPart[] = [];
  /** Each tool call's argument text so far, by its stream index. */
  const args = new Map<number, { part: Extract<OutputPart, { type: 'tool_call' }>; text: string }>();
  let usage: Partial<Usage> = {};
  let finish: { reason: FinishReason; stopSequence?: string } | undefined;

  const last = (): OutputPart | undefined => content[content.length - 1];
  const push1 = (ev: StreamEvent): void => {
    switch (ev.type) {
      case 'start':
        ({ id, model, created } = ev);
        if (ev.usage) usage = { ...usage, ...ev.usage };
        return;
      case 'text': {
        const prev = last();
        if (prev?.type === 'text' && !!prev.refusal === !!ev.refusal) prev.text += ev.text;
        else content.push(ev.refusal ? { type: 'text', text: ev.text, refusal: true } : { type: 'text', text: ev.text });
        return;
      }
      case 'thinking': {
        const prev = last();
        if (prev?.type === 'thinking' && !prev.signature && prev.redacted === undefined) prev.text += ev.text;
        else content.push({ type: 'thinking', text: ev.text });
        return;
      }
      case 'thinking_signature': {
        const prev = last();
        if (prev?.type === 'thinking' && !prev.signature && prev.redacted === undefined) prev.signature = ev.signature;
        else content.push({ type: 'thinking', text: '', signature: ev.signature });
        return;
      }
      case 'redacted_thinking':
        content.push({ type: 'thinking', text: '', redacted: ev.data });
        return;
      case 'image':
        content.push({ type: 'image', source: { kind: 'base64', mediaType: ev.mediaType, data: ev.data } });
        return;
      case 'tool_call_start': {
        const part = { type: 'tool_call' as const, id: ev.id, name: ev.name, args: {}, ...(ev.signature ? { signature: ev.signature } : {}) };
        content.push(part);
        args.set(ev.index, { part, text: '' });
        return;
      }
      case 'tool_call_delta': {
        const call = args.get(ev.index);
        if (call) call.text += ev.args;
        return;
      }
      case 'tool_call_end': {
        const call = args.get(ev.index);
        if (!call) return;
        call.part.args = parseJsonObject(call.text);
        args.delete(ev.index);
        return;
      }
      case 'usage':
        usage = { ...usage, ...ev.usage };
        return;
      case 'finish':
        finish = { reason: ev.reason, ...(ev.stopSequence !== undefined ? { stopSequence: ev.stopSequence } : {}) };
        usage = { ...usage, ...ev.usage };
        return;
      case 'error':
        throw new ProxyError(ev.error);
    }
  };

  return {
    push(events) {
      for (const ev of events) push1(ev);
    },
    response() {
      if (!finish) throw new ProxyError({ kind: 'api_error', status: 502, message: 'upstream stream ended before its answer was complete' });
      // A call whose end never came still gets its arguments, as far as they parse.
      for (const { part, text } of args.values()) part.args = parseJsonObject(text);
      return {
        id,
        model,
        content,
        finishReason: finish.reason,
        ...(finish.stopSequence !== undefined ? { stopSequence: finish.stopSequence } : {}),
        usage: { ...emptyUsage(), ...usage },
        ...(created !== undefined ? { created } : {}),
      };
    },
  };
}
