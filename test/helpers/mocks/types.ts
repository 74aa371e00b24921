/**
 * The shared contract of the in-process mock upstreams (one per provider wire format).
 * Each mock is strict the way its real API is: a request the real API would reject gets the real
 * API's error status and body, so a test passes only if the proxy sends what the upstream accepts.
 */

/** What the mock should answer; it renders this in its own wire format, streaming or not. */
export interface MockReply {
  /** Answer text. Default: `mock(<provider>) heard: <last user text>` so tests can see what arrived. */
  text?: string;
  /** Reasoning text, rendered the provider's way (Anthropic thinking block, Gemini thought part, OpenAI reasoning_content). */
  thinking?: string;
  /**
   * Images the answer holds after its text, as image models answer: Gemini's inlineData parts (a chunk of
   * its own each when streamed; `thought: true` is a Gemini 3 image model's interim draft), OpenRouter's
   * `message.images` / `delta.images` from the OpenAI mock (drafts left out).
   */
  images?: Array<{ mimeType: string; data: string; thought?: boolean }>;
  /**
   * The model declines, in OpenAI's own field for it (OpenAI mock only): Chat Completions `message.refusal`
   * with null content (`delta.refusal` streamed), a Responses `refusal` content part
   * (`response.refusal.delta` streamed). Structured outputs answer so what they will not fill in.
   */
  refusal?: string;
  /** Tool calls to make (in order; more than one = parallel calls). */
  toolCalls?: Array<{ name: string; args: Record<string, unknown> }>;
  /** Force a finish reason in the provider's own vocabulary (e.g. 'length', 'max_tokens', 'MAX_TOKENS'). */
  finish?: string;
  /**
   * Token counts, inclusive as canonical usage is: input includes cached (read) and cacheWrite (written to
   * the cache, rendered by the Responses mock as input_tokens_details.cache_write_tokens), output includes reasoning.
   */
  usage?: { input: number; output: number; cached?: number; cacheWrite?: number; reasoning?: number };
  /** Answer with this HTTP error instead (body is sent as given: object → JSON, string → raw). */
  error?: { status: number; body: unknown; headers?: Record<string, string> };
  /** Streams only: after this many content chunks, send the provider's in-band error and end. */
  midStreamErrorAfter?: number;
  /** Streams only: after this many content chunks, close the connection without a terminator. */
  truncateAfter?: number;
  /** Streams: delay between chunks (ms). */
  chunkDelayMs?: number;
  /** Delay before sending response headers (ms). */
  headerDelayMs?: number;
  /** Streams: write every SSE frame in pieces of this many bytes (splits multi-byte characters). */
  splitBytes?: number;
}

export interface RecordedCall {
  method: string;
  /** Path plus query, e.g. `/v1beta/models/gemini-2.5-flash:streamGenerateContent?alt=sse`. */
  url: string;
  headers: Record<string, string>;
  /** Parsed JSON body, or undefined for GET / invalid JSON. */
  body: unknown;
  /** The body exactly as received ('' for GET). */
  text: string;
  /** The status the mock answered with. */
  status: number;
  /** For streams: set when the client went away before the stream finished. */
  aborted: boolean;
}

export interface MockServer {
  /** Base URL in the form the proxy's config wants (see each mock's doc comment). */
  url: string;
  /** The key the mock accepts. */
  key: string;
  calls: RecordedCall[];
  /** Replies used in order for the next requests; when empty, the default reply is used. */
  queue(...replies: MockReply[]): void;
  /** Resolves once the recorded call count reaches n (bounded by timeoutMs). */
  waitForCalls(n: number, timeoutMs?: number): Promise<void>;
  reset(): void;
  stop(): Promise<void>;
}
