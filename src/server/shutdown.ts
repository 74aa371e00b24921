import type { Logger } from '../util/log.ts';
import type { Lifecycle } from './lifecycle.ts';

export interface ShutdownOptions {
  /** The listening server (Bun's): `stop(false)` closes the listener and resolves once every connection is done. */
  server: { stop(closeActiveConnections?: boolean): Promise<void> };
  lifecycle: Lifecycle;
  log: Logger;
  /** How long requests in flight may take to finish (shutdown_timeout_ms). */
  timeoutMs: number;
  /** After the deadline, how long the ended requests get to flush their last bytes. */
  flushMs?: number;
}

export interface Shutdown {
  /** Resolves when the server is fully stopped. */
  done: Promise<void>;
  /** Skips the rest of the wait (a second signal): ends what is in flight now. */
  hurry(): void;
}

/** Resolves true if `p` settles within `ms`, false otherwise; leaves no timer behind. */
async function within(p: Promise<unknown>, ms: number, early?: Promise<unknown>): Promise<boolean> {
  let timer: ReturnType<typeof setTimeout> | undefined;
  const timeout = new Promise<boolean>((resolve) => {
    timer = setTimeout(() => resolve(false), ms);
  });
  try {
    const racers: Array<Promise<boolean>> = [p.then(() => true), timeout];
    if (early) racers.push(early.then(() => false));
    return await Promise.race(racers);
  } finally {
    clearTimeout(timer);
  }
}

/**
 * Graceful stop: the listener closes at once (new connections are refused), requests and streams in
 * flight get `timeoutMs` to finish, then whatever is left is ended with a proper error in its own
 * protocol and given a moment to reach the client before connections are closed.
 */
export function startShutdown(opts: ShutdownOptions): Shutdown {
  const { server, lifecycle, log, timeoutMs } = opts;
  const flushMs = opts.flushMs ?? 2000;
  let hurry!: () => void;
  // Whether a second signal (not the deadline) ended the wait: the log line and the clients' error say which.
  let early = false;
  const hurried = new Promise<void>((resolve) => {
    hurry = () => {
      early = true;
      resolve();
    };
  });

  const run = async (): Promise<void> => {
    lifecycle.beginDrain();
    const stopped = server.stop(false);
    const inFlight = lifecycle.inFlight;
    if (inFlight > 0) log.info('shutting down: waiting for requests in flight', { in_flight: inFlight, deadline_ms: timeoutMs });
    else log.info('shutting down');
    if (await within(stopped, timeoutMs, hurried)) return;

    const ended = lifecycle.cut(false, early);
    if (early) log.warn('stopping at once: ended the requests still in flight with an error', { ended });
    else log.warn('shutdown deadline reached: ended the requests still in flight with an error', { ended });
    if (await within(stopped, flushMs / 2)) return;
    // A stream whose upstream stalled mid-event never reaches an event boundary: end it where it is.
    lifecycle.cut(true, early);
    if (await within(stopped, flushMs / 2)) return;
    await server.stop(true);
  };

  return { done: run(), hurry };
}
