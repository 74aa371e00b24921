import { codecs, type Protocol } from '../protocols/index.ts';

/**
 * The keep-alive bytes for a client of `protocol` (the encoder's own: Anthropic `ping`, an SSE comment,
 * whitespace in a JSON array), made once and shared. They are recognisable by identity, so the time to
 * first byte can skip them: a keep-alive is not the answer's first byte.
 */
const made = new Map<string, Uint8Array>();
const keepalives = new WeakSet<Uint8Array>();

export function keepaliveChunk(protocol: Protocol, format: 'sse' | 'json-array' = 'sse'): Uint8Array {
  const key = `${protocol}:${format}`;
  let chunk = made.get(key);
  if (!chunk) {
    chunk = new TextEncoder().encode(codecs[protocol].createStreamEncoder({ model: '', format }).keepalive());
    made.set(key, chunk);
    keepalives.add(chunk);
  }
  return chunk;
}

export function isKeepalive(chunk: Uint8Array): boolean {
  return keepalives.has(chunk);
}
