/**
 * Provider-neutral plumbing shared by the mock upstreams: the server shell that records calls and
 * serves queued replies, SSE stream writing (delays, byte splitting, in-band errors, truncation),
 * and the small text/usage helpers every mock renders its replies with.
 */
import { tryParseJson } from '../../../src/util/json.ts';
import type { MockReply, MockServer, RecordedCall } from './types.ts';

/** No delay a test asks for may keep a connection open longer than this. */
export const MAX_DELAY_MS = 10_000;
const DEFAULT_WAIT_MS = 2_000;

export const sleep = (ms: number): Promise<void> =>
  new Promise((resolve) => setTimeout(resolve, Math.min(Math.max(0, ms), MAX_DELAY_MS)));

/** What a route handler sees for one request. */
export interface MockRequest {
  req: Request;
  url: URL;
  /** Lower-cased header names. */
  headers: Record<string, string>;
  /** Raw body text ('' for GET). */
  text: string;
  /** Parsed JSON body, undefined when absent or invalid. */
  body: unknown;
  /** The record of this call; streams set `aborted` on it. */
  call: RecordedCall;
  /** Marks the exchange complete: a disconnect after this is not an abort. */
  settle(): void;
  /** The next queued reply, or undefined when the queue is empty (use the default reply). */
  takeReply(): MockReply | undefined;
}

/** A handler's answer; `headerDelayMs` holds the response back after the call is recorded. */
export interface MockResult {
  response: Response;
  headerDelayMs?: number;
  /** The body is an sseBody that settles the call itself when it ends. */
  streaming?: boolean;
}

export interface MockShellOptions {
  key: string;
  /** Turns the bound port into the base URL the proxy config wants. */
  baseUrl(port: number): string;
  handle(r: MockRequest): Promise<MockResult> | MockResult;
}

/**
 * Starts Bun.serve on 127.0.0.1 with a free port and wires the MockServer contract around a route
 * handler. A call is recorded once its status is known (before any header delay), so rejected
 * requests are recorded too and `waitForCalls` never waits on a delayed response.
 */
export function startMockShell(opts: MockShellOptions): Promise<MockServer> {
  const calls: RecordedCall[] = [];
  const replies: MockReply[] = [];
  const waiters = new Set<{ n: number; resolve(): void }>();

  const record = (call: RecordedCall): void => {
    calls.push(call);
    for (const w of waiters) {
      if (calls.length >= w.n) {
        waiters.delete(w);
        w.resolve();
      }
    }
  };

  const server = Bun.serve({
    hostname: '127.0.0.1',
    port: 0,
    // Streams with long chunk delays must not be cut by Bun's idle timer (default 10 s).
    idleTimeout: 0,
    async fetch(req) {
      const url = new URL(req.url);
      const headers: Record<string, string> = {};
      req.headers.forEach((value, name) => {
        headers[name.toLowerCase()] = value;
      });
      const text = req.method === 'GET' || req.method === 'HEAD' ? '' : await req.text();
      const body = text === '' ? undefined : tryParseJson(text);
      const call: RecordedCall = {
        method: req.method,
        url: url.pathname + url.search,
        headers,
        body,
        text,
        status: 0,
        aborted: false,
      };
      let settled = false;
      const settle = (): void => {
        settled = true;
      };
      // Streams also see cancel(); the signal catches a client that leaves during a header delay.
      req.signal.addEventListener('abort', () => {
        if (!settled) call.aborted = true;
      });
      const takeReply = (): MockReply | undefined => replies.shift();
      const result = await opts.handle({ req, url, headers, text, body, call, settle, takeReply });
      call.status = result.response.status;
      record(call);
      if (result.headerDelayMs) await sleep(result.headerDelayMs);
      if (!result.streaming) settle();
      return result.response;
    },
  });

  const port = server.port;
  if (port === undefined) throw new Error('mock server did not bind a port');

  const mock: MockServer = {
    url: opts.baseUrl(port),
    key: opts.key,
    calls,
    queue: (...r) => {
      replies.push(...r);
    },
    waitForCalls(n, timeoutMs = DEFAULT_WAIT_MS) {
      if (calls.length >= n) return Promise.resolve();
      return new Promise<void>((resolve, reject) => {
        const waiter = {
          n,
          resolve: () => {
            clearTimeout(timer);
            resolve();
          },
        };
        const timer = setTimeout(() => {
          waiters.delete(waiter);
          reject(new Error(`mock: expected ${n} calls within ${timeoutMs} ms, got ${calls.length}`));
        }, Math.min(timeoutMs, MAX_DELAY_MS * 3));
        waiters.add(waiter);
      });
    },
    reset() {
      calls.length = 0;
      replies.length = 0;
    },
    async stop() {
      await server.stop(true);
    },
  };
  return Promise.resolve(mock);
}

/** JSON response with the given status and extra headers. */
export function jsonResponse(status: number, body: unknown, headers: Record<string, string> = {}): Response {
  return new Response(JSON.stringify(body), {
    status,
    headers: { 'content-type': 'application/json', ...headers },
  });
}

/** A MockReply.error as the test gave it: objects as JSON, strings raw. */
export function replyErrorResponse(error: NonNullable<MockReply['error']>, headers: Record<string, string>): Response {
  const isText = typeof error.body === 'string';
  return new Response(isText ? (error.body as string) : JSON.stringify(error.body), {
    status: error.status,
    headers: {
      'content-type': isText ? 'text/plain; charset=utf-8' : 'application/json',
      ...headers,
      ...error.headers,
    },
  });
}

// ---------------------------------------------------------------------------------------------
// SSE streams

/**
 * One SSE frame of a planned stream. `head` frames (message start, role chunk) are always sent;
 * before any other frame the stream checks whether a mid-stream error or truncation is due.
 * `content` marks the frames that count as content chunks for those thresholds.
 */
export interface StreamFrame {
  text: string;
  kind: 'head' | 'body' | 'tail';
  content?: boolean;
}

export interface StreamPlanOptions {
  reply: MockReply;
  /** The provider's in-band error frame, sent when `midStreamErrorAfter` is reached. */
  errorFrame: string;
  call: RecordedCall;
  /** Called when the mock closes the stream itself (finished, errored or truncated). */
  settle(): void;
}

const encoder = new TextEncoder();

/**
 * A pull-based body that writes the planned frames with the reply's pacing: one enqueue per frame,
 * `chunkDelayMs` between frames. With `splitBytes` each piece of a frame is its own enqueue after a
 * timer tick, so pieces reach the socket as separate writes and multi-byte characters really arrive
 * split. Cancel (client gone) marks the call aborted.
 */
export function sseBody(frames: StreamFrame[], opts: StreamPlanOptions): ReadableStream<Uint8Array> {
  const { reply, call } = opts;
  const split = reply.splitBytes !== undefined && reply.splitBytes > 0 ? Math.floor(reply.splitBytes) : 0;
  let next = 0;
  let counted = 0;
  let pieces: Uint8Array[] = [];
  let stopAfterPieces = false;
  let cancelled = false;
  let wroteAny = false;

  const due = (threshold: number | undefined): boolean => threshold !== undefined && counted >= threshold;

  /** Loads the pieces of the next frame; false when the stream should close now. */
  const load = (): boolean => {
    if (stopAfterPieces || next >= frames.length) return false;
    const frame = frames[next++]!;
    let text = frame.text;
    if (frame.kind !== 'head') {
      if (due(reply.midStreamErrorAfter)) {
        text = opts.errorFrame;
        stopAfterPieces = true;
      } else if (due(reply.truncateAfter)) {
        return false;
      }
    }
    if (frame.content && !stopAfterPieces) counted++;
    const bytes = encoder.encode(text);
    pieces = split > 0 ? splitBytes(bytes, split) : [bytes];
    return true;
  };

  return new ReadableStream<Uint8Array>({
    async pull(controller) {
      if (pieces.length === 0) {
        if (!load()) {
          opts.settle();
          controller.close();
          return;
        }
        if (wroteAny && reply.chunkDelayMs) await sleep(reply.chunkDelayMs);
      } else {
        // A macrotask between pieces of one frame lets each piece go out as its own write.
        await new Promise<void>((resolve) => setTimeout(resolve, 0));
      }
      if (cancelled) return;
      wroteAny = true;
      controller.enqueue(pieces.shift()!);
    },
    cancel() {
      cancelled = true;
      call.aborted = true;
    },
  });
}

function splitBytes(bytes: Uint8Array, size: number): Uint8Array[] {
  const out: Uint8Array[] = [];
  for (let i = 0; i < bytes.length; i += size) out.push(bytes.subarray(i, i + size));
  return out;
}

export const SSE_HEADERS: Record<string, string> = {
  'content-type': 'text/event-stream; charset=utf-8',
  'cache-control': 'no-cache',
};

// ---------------------------------------------------------------------------------------------
// Text and usage

/** The default answer every mock gives, so a test can see which user text arrived upstream. */
export function heardText(provider: string, userTexts: string[]): string {
  return `mock(${provider}) heard: ${userTexts.join(' ')}`;
}

/** Word-sized deltas with their trailing whitespace, so joined deltas equal the input exactly. */
export function splitWords(text: string): string[] {
  return text.match(/\s*\S+\s*|\s+/g) ?? [];
}

/** Fixed-size fragments by code point (a fragment never ends inside a surrogate pair). */
export function splitFragments(text: string, size = 8): string[] {
  const chars = Array.from(text);
  const out: string[] = [];
  for (let i = 0; i < chars.length; i += size) out.push(chars.slice(i, i + size).join(''));
  return out;
}

/** About four characters per token, the usual rule of thumb. */
export function roughTokens(chars: number): number {
  return Math.ceil(chars / 4);
}

/** Keys whose strings are payloads (media, opaque tokens), not prompt text. */
const NON_TEXT_KEYS = new Set([
  'data',
  'url',
  'file_data',
  'file_url',
  'signature',
  'image_url',
  'fileUri',
  'thoughtSignature',
  'encrypted_content',
]);

/** Characters of prompt text in a request body (all strings, minus media and opaque tokens). */
export function textChars(value: unknown, depth = 0): number {
  if (depth > 64) return 0;
  if (typeof value === 'string') return value.length;
  if (Array.isArray(value)) {
    let n = 0;
    for (const v of value) n += textChars(v, depth + 1);
    return n;
  }
  if (typeof value === 'object' && value !== null) {
    let n = 0;
    for (const [k, v] of Object.entries(value)) if (!NON_TEXT_KEYS.has(k)) n += textChars(v, depth + 1);
    return n;
  }
  return 0;
}

/**
 * Usage in canonical, inclusive terms (input includes cached, output includes reasoning), the way
 * MockReply.usage is read by every mock; each mock converts to its provider's own accounting
 * (Anthropic subtracts cached from input_tokens, Gemini subtracts thoughts from candidates).
 */
export interface ResolvedUsage {
  input: number;
  output: number;
  cached: number;
  /** Prompt tokens written to the cache (part of input). */
  cacheWrite: number;
  reasoning: number;
}

export function resolveUsage(
  reply: MockReply,
  promptChars: number,
  output: { text: string; thinking: string; toolArgs: string },
): ResolvedUsage {
  if (reply.usage) {
    return {
      input: reply.usage.input,
      output: reply.usage.output,
      cached: reply.usage.cached ?? 0,
      cacheWrite: reply.usage.cacheWrite ?? 0,
      reasoning: reply.usage.reasoning ?? 0,
    };
  }
  const reasoning = roughTokens(output.thinking.length);
  return {
    input: Math.max(1, roughTokens(promptChars)),
    output: Math.max(1, roughTokens(output.text.length + output.toolArgs.length) + reasoning),
    cached: 0,
    cacheWrite: 0,
    reasoning,
  };
}

/** Base64 of random bytes (opaque tokens such as thinking signatures). */
export function randomBase64(bytes: number): string {
  const raw = crypto.getRandomValues(new Uint8Array(bytes));
  let s = '';
  for (const b of raw) s += String.fromCharCode(b);
  return btoa(s);
}
