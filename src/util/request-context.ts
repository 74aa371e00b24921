import { AsyncLocalStorage } from 'node:async_hooks';

/**
 * What code deep in a request (an upstream call, a log line) needs to know about the request it serves,
 * without threading it through every signature: its id for log lines, and the time spent waiting for
 * upstreams for the Server-Timing header.
 */
export interface RequestScope {
  /** The request id: the client's x-request-id when usable, otherwise generated. */
  readonly id: string;
  /** Milliseconds spent waiting for upstream response headers, over every attempt. */
  upstreamMs: number;
  /** With --log-prompts: the client's last user text and model, for the prompt log. */
  prompt?: { text: string; model: string };
  /**
   * The credentials sent upstream for this request (upstream/scrub.ts credentialsOf): what aiproxy answers
   * the client is blanked of them, also when an upstream echoes one inside a 200 (an in-band error).
   */
  secrets?: string[];
}

const storage = new AsyncLocalStorage<RequestScope>();

export function runInRequest<T>(scope: RequestScope, fn: () => T): T {
  return storage.run(scope, fn);
}

/** The scope of the request being served, if any. Stream callbacks run outside it; capture what they need. */
export function currentRequest(): RequestScope | undefined {
  return storage.getStore();
}

/** Runs `fn` outside any request, so timers and callbacks it creates do not carry a request's id into later work. */
export function outsideRequest<T>(fn: () => T): T {
  return storage.exit(fn);
}
