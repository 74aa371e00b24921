import type { ProxyErrorInfo } from '../core/errors.ts';
import type { Protocol } from '../protocols/types.ts';
import { errorResponse } from '../proxy/errors.ts';
import { controlOf } from '../proxy/stream-control.ts';
import { cuttableBody, type StreamFormat } from './cuttable-body.ts';

/**
 * What is in flight, for a graceful shutdown: requests still waiting for their response, and streamed
 * bodies still being relayed. At the shutdown deadline the former get a 503 and the latter an in-band
 * error in their protocol, so no client is left with a silently truncated answer.
 */
export interface Lifecycle {
  /** True once a shutdown began; new requests are refused. */
  readonly draining: boolean;
  /** Requests and streams not finished yet. */
  readonly inFlight: number;
  /**
   * Runs one request as in-flight work; a streamed response stays counted until its body ends.
   * `onFirstByte` runs when a streamed body's first byte (not a keep-alive) leaves; `onDone` when the
   * request stops being counted (its response is ready, or its streamed body ended or failed).
   */
  track(protocol: Protocol, path: string, run: () => Promise<Response>, onFirstByte?: () => void, onDone?: () => void): Promise<Response>;
  /** The answer for a request that arrives while draining (on a connection that was already open). */
  refuse(protocol: Protocol): Response;
  beginDrain(): void;
  /**
   * Ends everything in flight: waiting requests get a 503, streams an in-band error at the end of the
   * event being relayed (or at once, with `force`). Returns how many requests and streams it ended.
   * `early`: a second stop signal came before the deadline, and the error says so.
   */
  cut(force: boolean, early?: boolean): number;
}

const DEADLINE_ERROR: ProxyErrorInfo = {
  status: 503,
  kind: 'overloaded',
  message: 'aiproxy is shutting down and ended this request at its shutdown deadline; retry it',
};

/** A second SIGTERM/SIGINT ends what is in flight before the deadline: the error must not name it. */
const STOPPED_ERROR: ProxyErrorInfo = {
  status: 503,
  kind: 'overloaded',
  message: 'aiproxy was told a second time to stop and ended this request at once; retry it',
};

const DRAINING_ERROR: ProxyErrorInfo = {
  status: 503,
  kind: 'overloaded',
  message: 'aiproxy is shutting down and takes no new requests; retry it',
  retryAfter: 1,
};

/** Gemini's streamGenerateContent without `alt=sse` streams a JSON array, which has no content type of its own. */
const GEMINI_STREAM_PATH = /(:|%3A)streamGenerateContent$/i;

/** How a response streams its body, or undefined when it is sent whole. */
export function streamFormat(res: Response, path: string): StreamFormat | undefined {
  if (res.headers.get('content-type')?.startsWith('text/event-stream')) return 'sse';
  if (GEMINI_STREAM_PATH.test(path)) return 'json-array';
  return undefined;
}

interface Waiter {
  giveUp(res: undefined): void;
}

export function createLifecycle(): Lifecycle {
  let draining = false;
  let inFlight = 0;
  let deadlinePassed = false;
  // What requests and streams ended by cut() are told: the deadline, or a second stop signal.
  let cutError = DEADLINE_ERROR;
  // Requests still waiting for their handler's response, each with the function that gives up on it.
  // Per request rather than one shared promise: a promise that never settles would keep a reaction
  // for every request ever raced against it. The set holds plain objects, not the functions: under
  // load a Set of closures cost several times more per request (bun 1.4).
  const waiting = new Set<Waiter>();
  // Streamed bodies being relayed, each with what cuts it.
  const streams = new Set<{ cut(error: ProxyErrorInfo, force: boolean): boolean }>();

  async function track(
    protocol: Protocol,
    path: string,
    run: () => Promise<Response>,
    onFirstByte?: () => void,
    onDone?: () => void,
  ): Promise<Response> {
    inFlight++;
    let waiter!: Waiter;
    // One promise settled by whichever comes first, the handler or the deadline: cheaper per request
    // than a second promise and a Promise.race.
    const settled = new Promise<Response | undefined>((resolve, reject) => {
      waiter = { giveUp: resolve };
      run().then(resolve, reject);
    });
    if (deadlinePassed) waiter.giveUp(undefined);
    else waiting.add(waiter);
    let res: Response | undefined;
    try {
      res = await settled;
    } catch (e) {
      inFlight--;
      onDone?.();
      throw e;
    } finally {
      waiting.delete(waiter);
    }
    if (res === undefined) {
      // The handler goes on in the background until the process exits; its upstream socket dies with it.
      inFlight--;
      onDone?.();
      return errorResponse(protocol, cutError);
    }
    const format = res.ok ? streamFormat(res, path) : undefined;
    const body = format ? res.body : null;
    if (!format || !body) {
      inFlight--;
      onDone?.();
      return res;
    }
    // The proxy's own streams can be counted and cut as they are; any other body (the prompt log's
    // copy) is wrapped in a stream that can be.
    const control = controlOf(body);
    if (control) {
      streams.add(control);
      control.onEnd(() => {
        inFlight--;
        onDone?.();
        streams.delete(control);
      });
      if (onFirstByte) control.onFirstByte(onFirstByte);
      return res;
    }
    const tracked = cuttableBody(
      body,
      protocol,
      format,
      () => {
        inFlight--;
        onDone?.();
        streams.delete(tracked);
      },
      onFirstByte,
    );
    streams.add(tracked);
    return new Response(tracked.stream, { status: res.status, statusText: res.statusText, headers: res.headers });
  }

  return {
    get draining() {
      return draining;
    },
    get inFlight() {
      return inFlight;
    },
    track,
    refuse(protocol) {
      const res = errorResponse(protocol, DRAINING_ERROR);
      // The client should not send its retry down a connection that is about to close.
      res.headers.set('connection', 'close');
      return res;
    },
    beginDrain() {
      draining = true;
    },
    cut(force, early = false) {
      deadlinePassed = true;
      cutError = early ? STOPPED_ERROR : DEADLINE_ERROR;
      let ended = waiting.size;
      for (const w of [...waiting]) w.giveUp(undefined);
      for (const s of [...streams]) if (s.cut(cutError, force)) ended++;
      return ended;
    },
  };
}
