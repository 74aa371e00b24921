/**
 * Writing a streamGenerateContent body: SSE (`?alt=sse`) or the incrementally delivered JSON array,
 * with the MockReply's delays, byte splitting, truncation and in-band error. Every wait is bounded
 * and ends early when the client goes away, so a test can never hang on the mock.
 */
import { sseFrame } from '../../../src/util/sse.ts';
import type { MockReply, RecordedCall } from './types.ts';
import { MID_STREAM_ERROR } from './gemini-mock-errors.ts';
import { renderResponse, type ReplyPlan } from './gemini-mock-reply.ts';

export type StreamFormat = 'sse' | 'json-array';

export interface StreamSettings {
  format: StreamFormat;
  /** Google front ends have been seen to end SSE events with CRLF; the genai SDK accepts both. */
  lineEnding: 'lf' | 'crlf';
}

/** Upper bound for any single wait the mock does. */
export const MAX_DELAY_MS = 10_000;

export function sleep(ms: number, signal?: AbortSignal): Promise<void> {
  const bounded = Math.min(Math.max(0, ms), MAX_DELAY_MS);
  if (bounded === 0 || signal?.aborted) return Promise.resolve();
  return new Promise((resolve) => {
    const done = (): void => {
      clearTimeout(timer);
      signal?.removeEventListener('abort', done);
      resolve();
    };
    const timer = setTimeout(done, bounded);
    signal?.addEventListener('abort', done, { once: true });
  });
}

/** The texts to write, one per frame (a frame is written whole unless `splitBytes` cuts it). */
export function streamFrames(plan: ReplyPlan, reply: MockReply, settings: StreamSettings): string[] {
  const cutAt = cutPoint(reply);
  const total = plan.chunks.length;
  const sent = cutAt === undefined ? total : Math.min(cutAt.after, total);
  const objects: unknown[] = [];
  for (let i = 0; i < sent; i++) {
    const chunk = plan.chunks[i] ?? [];
    objects.push(renderResponse(plan, chunk, cutAt === undefined && i === total - 1));
  }
  if (cutAt?.kind === 'error') objects.push(MID_STREAM_ERROR);
  const complete = cutAt?.kind !== 'truncate';

  if (settings.format === 'sse') {
    return objects.map((o) => {
      const json = JSON.stringify(o);
      return settings.lineEnding === 'crlf' ? `data: ${json}\r\n\r\n` : sseFrame(json);
    });
  }
  // The plain form is one JSON array, its elements pretty-printed and separated by ",\r\n" as Google does.
  const frames = objects.map((o, i) => `${i === 0 ? '[' : ',\r\n'}${JSON.stringify(o, null, 2)}`);
  if (frames.length === 0) frames.push('[');
  if (complete) frames[frames.length - 1] += ']';
  return frames;
}

function cutPoint(reply: MockReply): { kind: 'error' | 'truncate'; after: number } | undefined {
  const err = reply.midStreamErrorAfter;
  const cut = reply.truncateAfter;
  if (err !== undefined && (cut === undefined || err <= cut)) return { kind: 'error', after: Math.max(0, err) };
  if (cut !== undefined) return { kind: 'truncate', after: Math.max(0, cut) };
  return undefined;
}

async function* pieces(frames: string[], reply: MockReply, signal: AbortSignal): AsyncGenerator<Uint8Array> {
  const encoder = new TextEncoder();
  const step = reply.splitBytes !== undefined && reply.splitBytes > 0 ? Math.floor(reply.splitBytes) : 0;
  for (let i = 0; i < frames.length; i++) {
    if (i > 0 && reply.chunkDelayMs) await sleep(reply.chunkDelayMs, signal);
    if (signal.aborted) return;
    const bytes = encoder.encode(frames[i]);
    if (step === 0 || step >= bytes.length) {
      yield bytes;
      continue;
    }
    for (let offset = 0; offset < bytes.length; offset += step) {
      // A tiny pause makes each piece its own network write, so multi-byte characters really arrive split.
      if (offset > 0) await sleep(1, signal);
      if (signal.aborted) return;
      yield bytes.slice(offset, offset + step);
    }
  }
}

/** A pull-driven body: marks `call.aborted` when the client leaves before the last byte. */
export function streamBody(frames: string[], reply: MockReply, call: RecordedCall, signal: AbortSignal): ReadableStream<Uint8Array> {
  let finished = false;
  const markAborted = (): void => {
    if (!finished) call.aborted = true;
  };
  signal.addEventListener('abort', markAborted, { once: true });
  const source = pieces(frames, reply, signal);
  return new ReadableStream<Uint8Array>({
    async pull(controller) {
      const next = await source.next();
      try {
        if (next.done) {
          finished = true;
          controller.close();
        } else {
          controller.enqueue(next.value);
        }
      } catch {
        // The client cancelled while we were waiting; nothing left to write to.
      }
    },
    cancel() {
      markAborted();
      void source.return(undefined);
    },
  });
}
