import type { ProxyErrorInfo } from '../core/errors.ts';

/**
 * What the server needs of a stream it is serving, without wrapping it in another stream: when it is
 * over, when its first real byte leaves, and a way to end it early (a shutdown deadline) with the
 * protocol's in-band error. The streams src/proxy builds carry one; the server finds it by the body.
 */
export interface StreamControl {
  /**
   * Ends the stream with `error` in-band. Waits for the end of the event being sent (the cut then
   * happens right after the chunk that completes it) unless `force`; returns whether it ended now.
   */
  cut(error: ProxyErrorInfo, force: boolean): boolean;
  /** Runs `fn` once the stream is over (finished, failed, cut, client gone); at once if it already is. */
  onEnd(fn: () => void): void;
  /** Runs `fn` when the first byte that is not a keep-alive goes out. */
  onFirstByte(fn: () => void): void;
}

// A property of the stream, dropped when the stream ends: Bun keeps finished body streams around for a
// while, and a control still attached kept the whole pipeline (reader, buffers) alive with them, tens of
// MB at peak under load. A WeakMap keyed by the stream had the same cost.
const CONTROL = Symbol('aiproxy.streamControl');
type Controlled = ReadableStream<Uint8Array> & { [CONTROL]?: StreamControl };

export function attachControl(stream: ReadableStream<Uint8Array>, control: StreamControl): ReadableStream<Uint8Array> {
  (stream as Controlled)[CONTROL] = control;
  return stream;
}

/** Lets go of the control once the stream is over. */
export function detachControl(stream: ReadableStream<Uint8Array>): void {
  (stream as Controlled)[CONTROL] = undefined;
}

/** The control of a body built by src/proxy's stream pipeline, or undefined for any other body. */
export function controlOf(body: ReadableStream<Uint8Array> | null): StreamControl | undefined {
  return body ? (body as Controlled)[CONTROL] : undefined;
}
