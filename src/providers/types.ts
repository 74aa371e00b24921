import type { GoogleFamily } from '../core/content.ts';
import type { ProxyErrorInfo } from '../core/errors.ts';
import type { ProviderName } from '../config/providers.ts';
import type { UpstreamProtocol } from '../protocols/types.ts';

/** One HTTP request to an upstream, fully built (URL, auth, body). */
export interface UpstreamRequest {
  url: string;
  method: 'GET' | 'POST' | 'DELETE';
  headers: Record<string, string>;
  /** Text, or the client's own bytes when they pass through untouched. */
  body?: string | Uint8Array;
  /** An HTTP(S) proxy to send it through (the provider's `proxy_url`); else the environment's applies. */
  proxy?: string;
}

/** A generate request's body: upstream-protocol JSON text, or the client's UTF-8 bytes of it. */
export type RequestBody = string | Uint8Array;

/** How a generate call wants its answer: one JSON body, SSE, or (Gemini only) a streamed JSON array. */
export type GenerateMode = 'unary' | 'sse' | 'json-array';

/**
 * A configured upstream: where it is, how it authenticates, which wire protocol it speaks.
 * Everything protocol-specific lives in src/protocols; an adapter only builds requests.
 */
export interface ProviderAdapter {
  readonly name: ProviderName;
  readonly protocol: UpstreamProtocol;
  /** Models listed when the upstream cannot list its own. */
  readonly fallbackModels: readonly string[];
  /**
   * A Gemini upstream's thought signatures, when they are not the Gemini API's: Code Assist speaks the
   * same protocol but refuses the Gemini API's signatures, and the Gemini API refuses Code Assist's, so
   * each gets only its own (default: 'gemini').
   */
  readonly signatureFamily?: GoogleFamily;
  /**
   * `body` is one upstream-protocol JSON object, already final and already checked to be exactly one
   * object (the route parsed the client's bytes; a conversion serialised its own): adapters forward or
   * wrap it, never parse it again. Large prompts make a second parse (or a decode and re-encode) costly.
   */
  generate(model: string, mode: GenerateMode, body: RequestBody): Promise<UpstreamRequest>;
  /** The request that lists the upstream's models, or undefined when it has no such endpoint. */
  listModels(): Promise<UpstreamRequest | undefined>;
  /**
   * The embeddings endpoint, when the upstream has one (`body` in the upstream's embeddings format).
   * `single` asks Gemini for `:embedContent` instead of its batch form, for a client that sent that.
   */
  embed?(model: string, body: RequestBody, single?: boolean): Promise<UpstreamRequest>;
  /**
   * OpenAI's store of responses (`/responses/{path}`: retrieve, delete, input items, cancel), for a
   * Responses upstream: what `store: true` and `background: true` requests left there.
   */
  stored?(method: 'GET' | 'POST' | 'DELETE', path: string): Promise<UpstreamRequest>;
  /** OpenAI's conversation compaction (`/responses/compact`), for a Responses upstream that has it. */
  compact?(model: string, body: RequestBody): Promise<UpstreamRequest>;
  /** Native token counting, when the upstream has it (`body` in the upstream's count format). */
  countTokens?(model: string, body: string): Promise<UpstreamRequest>;
  /**
   * For upstreams that wrap their protocol in an envelope (Code Assist's `{response: …}`): turns one
   * response body or stream message into the protocol's own JSON. Absent for plain upstreams.
   */
  unwrap?(json: unknown): unknown;
  /**
   * Called when the upstream answered 401 (`res`, its body read whole). Resolves true when credentials
   * were refreshed or are to be sent another way and one retry is worthwhile (OAuth upstreams; a
   * compatible server that reads its key elsewhere); the request is then rebuilt and sent once more.
   */
  refreshAuth?(res: Response): Promise<boolean>;
  /** Adds the upstream's own advice to an error it returned (e.g. how to fix a Code Assist 403). */
  describeError?(info: ProxyErrorInfo, rawBody: string): ProxyErrorInfo;
}
