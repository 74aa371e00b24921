import { SSEReader } from '../../src/util/sse.ts';
import type { StreamDecoder } from '../../src/protocols/types.ts';
import type { StreamEvent } from '../../src/core/index.ts';

/** A small deterministic PRNG (mulberry32) so a failing re-chunking can be replayed from its seed. */
export function prng(seed: number): () => number {
  let a = seed >>> 0;
  return () => {
    a = (a + 0x6d2b79f5) >>> 0;
    let t = a;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}

/** Splits bytes at random boundaries (1..maxChunk bytes), inside multi-byte characters too. */
export function rechunk(input: string | Uint8Array, seed: number, maxChunk = 7): Uint8Array[] {
  const bytes = typeof input === 'string' ? new TextEncoder().encode(input) : input;
  const rand = prng(seed);
  const out: Uint8Array[] = [];
  for (let i = 0; i < bytes.length; ) {
    const n = 1 + Math.floor(rand() * maxChunk);
    out.push(bytes.slice(i, i + n));
    i += n;
  }
  return out;
}

/** Runs raw upstream SSE bytes through SSEReader and a decoder, as the proxy does. */
export function decodeChunks(decoder: StreamDecoder, chunks: Uint8Array[]): StreamEvent[] {
  const reader = new SSEReader();
  const events: StreamEvent[] = [];
  for (const c of chunks) for (const m of reader.push(c)) events.push(...decoder.message(m));
  for (const m of reader.end()) events.push(...decoder.message(m));
  events.push(...decoder.end());
  return events;
}

/** A bounded ReadableStream over the given chunks. */
export function streamOf(chunks: Uint8Array[]): ReadableStream<Uint8Array> {
  let i = 0;
  return new ReadableStream({
    pull(c) {
      if (i < chunks.length) c.enqueue(chunks[i++]!);
      else c.close();
    },
  });
}
