import type { Config } from '../config/types.ts';
import type { Protocol } from '../protocols/types.ts';
import { keepaliveChunk } from './keepalive.ts';
import type { RelayOptions } from './stream-pipeline.ts';

/**
 * The idle deadline and keep-alives of a stream to a client of `protocol` (timeouts.idle_ms,
 * keepalive_ms), and its framing: what the stream functions in stream-pipeline.ts take as `opts`.
 */
export function streamOptions(config: Config, protocol: Protocol, geminiFormat?: 'sse' | 'json-array'): RelayOptions {
  const format = protocol === 'gemini' && geminiFormat === 'json-array' ? 'json-array' : 'sse';
  return {
    protocol,
    format,
    idleMs: config.timeouts.idleMs,
    keepaliveMs: config.keepaliveMs,
    keepalive: config.keepaliveMs > 0 ? keepaliveChunk(protocol, format) : undefined,
  };
}
