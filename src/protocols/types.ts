import type { GoogleFamily } from '../core/content.ts';
import type {
  CanonicalRequest,
  CanonicalResponse,
  ModelInfo,
  ProxyErrorInfo,
  StreamEvent,
} from '../core/index.ts';

/** The wire protocols upstreams speak: OpenAI Chat Completions, Anthropic Messages, Gemini, OpenAI Responses. */
export type UpstreamProtocol = 'openai' | 'anthropic' | 'gemini' | 'responses';

/** The wire protocols clients speak: the same four. */
export type Protocol = UpstreamProtocol;

/** One server-sent event as eventsource-parser yields it. */
export interface SSEMessage {
  /** The `event:` field; undefined when the event had none. */
  event?: string;
  data: string;
}

/**
 * Upstream SSE → canonical events, one message at a time. Holds only the state the protocol needs
 * (open blocks, tool-call indexes, pending finish). Never throws: malformed input becomes an
 * `error` event. Guarantees `start` first and exactly one `finish` or `error` last.
 */
export interface StreamDecoder {
  message(msg: SSEMessage): StreamEvent[];
  /** The upstream body ended. Closes what is open; a stream that ended early yields an `error`. */
  end(): StreamEvent[];
}

export interface StreamEncoderOptions {
  /** The model name to report to the client. */
  model: string;
  /** OpenAI clients: emit a usage chunk before [DONE] (stream_options.include_usage). */
  includeUsage?: boolean;
  /** Gemini clients: `sse` for ?alt=sse, `json-array` for the plain streamGenerateContent form. */
  format?: 'sse' | 'json-array';
  /** The client's request body, for a protocol whose answers echo it or depend on it (the Responses API). */
  request?: Record<string, unknown>;
  /**
   * The client already has the stream's opening events (from another encoder, or the upstream): an
   * error of our own that ends it must not open a second one (the Responses API's response.created).
   */
  started?: boolean;
}

/** Canonical events → the client's SSE text. */
export interface StreamEncoder {
  /** Text to send for this event (may be empty). */
  encode(event: StreamEvent): string;
  /** Text that closes the stream after the last event (e.g. `]` of a JSON array); may be empty. */
  end(): string;
  /** A keep-alive that every client of this protocol ignores (Anthropic ping, SSE comment). */
  keepalive(): string;
}

export interface DecodeRequestContext {
  /** Gemini carries the model in the URL, not the body. */
  model?: string;
  /** Gemini carries the stream flag in the URL (streamGenerateContent). */
  stream?: boolean;
}

export interface EncodeRequestOptions {
  /** The model id to send upstream (after any mapping). */
  model: string;
  /** Used when the request has no max tokens and the protocol requires one (Anthropic). */
  defaultMaxTokens?: number;
  /**
   * The client's API reads "no max tokens" as the model's own ceiling (Chat Completions, Gemini, and the
   * Responses API, where Codex never sends max_output_tokens): where the protocol requires a number, the
   * model's known output limit (capped: anthropic/encode-request.ts) is sent instead of defaultMaxTokens.
   */
  modelLimitByDefault?: boolean;
  /** How long a whole (unstreamed) answer may take to come (timeouts.headers_ms; 0 = no limit): bounds that ceiling. */
  wholeAnswerMs?: number;
  /**
   * The client's API caches prompt prefixes by itself and has no way to mark them (the Responses API):
   * where caching needs breakpoints (Anthropic), the encoder places them when the client placed none.
   */
  markCacheBreakpoints?: boolean;
  /** Gemini: whose thought signatures the upstream takes, the Gemini API's (default) or Code Assist's. */
  signatureFamily?: GoogleFamily;
}

/** Everything one wire protocol needs, both as a client-facing and an upstream-facing format. */
export interface ProtocolCodec {
  readonly protocol: Protocol;

  /** Validates and decodes a client request; throws ProxyError (400) naming what is wrong. */
  decodeRequest(body: unknown, ctx?: DecodeRequestContext): CanonicalRequest;
  /** Builds the upstream request body. Applies the protocol's invariants; never throws on valid canonical input. */
  encodeRequest(req: CanonicalRequest, opts: EncodeRequestOptions): Record<string, unknown>;

  /** Decodes an upstream non-streaming response body (parsed JSON). */
  decodeResponse(body: unknown): CanonicalResponse;
  /** Encodes a response for a client of this protocol; `request` is the client's body (see StreamEncoderOptions). */
  encodeResponse(res: CanonicalResponse, request?: Record<string, unknown>): unknown;

  createStreamDecoder(): StreamDecoder;
  createStreamEncoder(opts: StreamEncoderOptions): StreamEncoder;

  /** The protocol's error body for a client. */
  encodeError(err: ProxyErrorInfo): unknown;
  /** Reads an upstream error response (status, raw body, headers) into canonical form, retry hints included. */
  decodeError(status: number, bodyText: string, headers: Headers): ProxyErrorInfo;

  encodeModelList(models: ModelInfo[]): unknown;
  decodeModelList(body: unknown): Array<Omit<ModelInfo, 'provider'>>;
}
