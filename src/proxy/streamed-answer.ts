import { collectResponse } from '../core/collect-stream.ts';
import type { CanonicalResponse } from '../core/response.ts';
import type { StreamDecoder } from '../protocols/types.ts';
import { answerTooLarge, bodyStalled, MAX_JSON_ANSWER_BYTES } from '../upstream/fetch.ts';
import { SSEReader } from '../util/sse.ts';

/**
 * A whole answer read from an upstream's SSE stream (collect-stream.ts says when): given up on when the
 * stream goes quiet for `idleMs` (0 = never), a 504 naming timeouts.idle_ms, or runs past the size a
 * whole answer may have, a 502; the upstream's in-band error is the request's error.
 */
export async function readStreamedAnswer(body: ReadableStream<Uint8Array>, decoder: StreamDecoder, idleMs: number): Promise<CanonicalResponse> {
  const reader = body.getReader();
  const sse = new SSEReader();
  const collector = collectResponse();
  let size = 0;
  let stalled = false;
  const timer = idleMs > 0 ? setTimeout(() => ((stalled = true), reader.cancel().catch(() => {})), idleMs) : undefined;
  try {
    for (;;) {
      // A body that breaks off ends here; the decoder then reports the answer cut short.
      const { done, value } = await reader.read().catch(() => ({ done: true as const, value: undefined }));
      if (stalled) throw bodyStalled(idleMs);
      if (done) break;
      timer?.refresh();
      size += value.byteLength;
      if (size > MAX_JSON_ANSWER_BYTES) throw answerTooLarge(MAX_JSON_ANSWER_BYTES);
      for (const msg of sse.push(value)) collector.push(decoder.message(msg));
    }
    for (const msg of sse.end()) collector.push(decoder.message(msg));
    collector.push(decoder.end());
    return collector.response();
  } finally {
    clearTimeout(timer);
    reader.cancel().catch(() => {});
  }
}
