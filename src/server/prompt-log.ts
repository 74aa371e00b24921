import type { Config } from '../config/types.ts';
import { codecs, type Protocol } from '../protocols/index.ts';
import { asList } from '../protocols/gemini/normalize.ts';
import { isRecord, type JsonObject } from '../util/json.ts';
import type { Logger } from '../util/log.ts';
import { RotatingFile } from '../util/rotating-file.ts';
import { SSEReader } from '../util/sse.ts';
import type { StreamFormat } from './cuttable-body.ts';
import { attachControl, controlOf, detachControl } from '../proxy/stream-control.ts';

/** Longest prompt or answer text kept per entry: enough to read, bounded for memory and disk. */
const MAX_TEXT = 64 * 1024;

export interface PromptEntry {
  rid: string;
  protocol: Protocol;
  model: string;
  prompt: string;
  answer: string;
}

export type PromptSink = (entry: PromptEntry) => void;

const files = new Map<string, RotatingFile>();

/**
 * Where --log-prompts writes: the log (console) or a rotating file of JSON lines. Undefined when off,
 * which is the default: prompts are users' data.
 */
export function promptSinkFor(config: Config, log: Logger): PromptSink | undefined {
  if (config.logPrompts === 'off') return undefined;
  if (config.logPrompts === 'console') {
    return (e) => log.info('prompt', { rid: e.rid, protocol: e.protocol, model: e.model, prompt: e.prompt, answer: e.answer });
  }
  let file = files.get(config.promptLogFile);
  if (!file) {
    file = new RotatingFile(config.promptLogFile, undefined, undefined, (err) =>
      log.error('prompt log write failed', { file: config.promptLogFile, error: (err as Error)?.message ?? String(err) }),
    );
    files.set(config.promptLogFile, file);
  }
  const target = file;
  return (e) => target.append(`${JSON.stringify({ time: new Date().toISOString(), ...e })}\n`);
}

const clip = (s: string): string => (s.length > MAX_TEXT ? `${s.slice(0, MAX_TEXT)}…` : s);

function textOf(content: unknown): string {
  if (typeof content === 'string') return content;
  if (!Array.isArray(content)) return '';
  return content.map((p) => (isRecord(p) && typeof p.text === 'string' && p.thought !== true ? p.text : '')).join('');
}

/** The text of the client's last user turn (tool results and media left out). */
export function lastUserText(protocol: Protocol, body: JsonObject): string {
  if (protocol === 'responses' && typeof body.input === 'string') return clip(body.input);
  // Gemini takes one content, or one part, where a list goes (Google's REST cookbook writes them so).
  const turns = protocol === 'gemini' ? asList(body.contents) : protocol === 'responses' ? body.input : body.messages;
  if (!Array.isArray(turns)) return '';
  for (let i = turns.length - 1; i >= 0; i--) {
    const t: unknown = turns[i];
    if (!isRecord(t) || (t.role !== 'user' && !(protocol === 'gemini' && t.role === undefined))) continue;
    return clip(textOf(protocol === 'gemini' ? asList(t.parts) : t.content));
  }
  return '';
}

/**
 * The response with its answer text collected on the way to the client (decoded with the client
 * protocol's own decoders), handed to `done` when the body ends. Only used with --log-prompts.
 */
export function captureAnswer(res: Response, protocol: Protocol, format: StreamFormat | undefined, done: (answer: string) => void): Response {
  if (!res.ok || !res.body) return res;
  const codec = codecs[protocol];
  let answer = '';
  const add = (t: string): void => {
    if (answer.length < MAX_TEXT) answer += t;
  };
  const fromResponse = (json: unknown): void => {
    try {
      for (const p of codec.decodeResponse(json).content) if (p.type === 'text') add(p.text);
    } catch {
      // Not an answer this codec reads (an error body): nothing to log.
    }
  };
  let feed: (chunk: Uint8Array) => void;
  let flush: () => void;
  if (format === 'sse') {
    const sse = new SSEReader();
    const decoder = codec.createStreamDecoder();
    const take = (messages: ReturnType<SSEReader['push']>): void => {
      for (const m of messages) for (const ev of decoder.message(m)) if (ev.type === 'text') add(ev.text);
    };
    feed = (chunk) => take(sse.push(chunk));
    flush = () => take(sse.end());
  } else {
    // A whole JSON body, or Gemini's streamed JSON array: collected (bounded) and read at the end.
    const chunks: Uint8Array[] = [];
    let size = 0;
    feed = (chunk) => {
      if (size < 4 * MAX_TEXT) chunks.push(chunk);
      size += chunk.byteLength;
    };
    flush = () => {
      try {
        const json: unknown = JSON.parse(new TextDecoder().decode(Buffer.concat(chunks)));
        for (const item of Array.isArray(json) ? json : [json]) fromResponse(item);
      } catch {
        // Cut short or too long to keep: the answer is logged as far as it was read.
      }
    };
  }
  let reported = false;
  const report = (): void => {
    if (reported) return;
    reported = true;
    done(clip(answer));
  };
  const tee = new TransformStream<Uint8Array, Uint8Array>({
    transform(chunk, controller) {
      controller.enqueue(chunk);
      feed(chunk);
    },
    flush() {
      flush();
      report();
    },
  });
  const body = res.body.pipeThrough(tee);
  // The pipeline's own control goes along, so the server counts, cuts and ends this copy as it would the
  // stream itself: without it, a stream the pump gave up (a client that stopped reading) stayed open for
  // as long as the copy held unread bytes, its max_inflight slot and connection with it.
  const control = controlOf(res.body);
  if (control) {
    attachControl(body, control);
    control.onEnd(() => detachControl(body));
  }
  return new Response(body, { status: res.status, statusText: res.statusText, headers: res.headers });
}
