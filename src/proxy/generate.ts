import { ProxyError, type ProxyErrorInfo } from '../core/errors.ts';
import {
  failureFields,
  isRetryable,
  outcomeOfInfo,
  RetryNext,
  selectProviderName,
  sessionKeyOf,
  withFailover,
  type Attempt,
  type DoneFields,
} from './failover.ts';
import type { CanonicalRequest } from '../core/index.ts';
import type { Pool } from '../pool/pool.ts';
import type { ProviderName } from '../config/providers.ts';
import { codecs, type Protocol } from '../protocols/index.ts';
import { thinkingForModel } from '../protocols/gemini/thinking-config.ts';
import type { GenerateMode, ProviderAdapter, RequestBody, UpstreamRequest } from '../providers/types.ts';
import type { StreamDecoder } from '../protocols/types.ts';
import { callProvider } from '../upstream/call-provider.ts';
import { bodyStalled, brokeOff, ClientGoneError, readLimited, readSmall, readText, relayHeaders } from '../upstream/fetch.ts';
import { isRecord, tryParseJson } from '../util/json.ts';
import { upstreamCallOptions, type AppContext } from './context.ts';
import { errorResponse, rewordsOverflow } from './errors.ts';
import { droppedFields } from './dropped-fields.ts';
import { retryRefusedParts, withoutRefusedSummary } from './responses-retry.ts';
import { inlineRemoteMedia } from './inline-media.ts';
import { convertStream, relayStream, unwrapStream, type StreamEnd } from './stream-pipeline.ts';
import { readStreamHead, type HeldStream } from './stream-head.ts';
import { streamOptions } from './stream-options.ts';
import { renameToolsFor, restoreToolNames, restoringDecoder } from './tool-names.ts';
import { enumAnswerDecoder, unwrapEnumResponse, wrapsEnumAnswer } from './enum-answer.ts';
import { unfenceJsonResponse, unfencingDecoder, wantsJson } from './json-fence.ts';
import { askedStopDecoder, keepAskedStop } from './asked-stop.ts';
import { estimatingDecoder, outputChars, withEstimates } from './estimated-usage.ts';
import { unwrappingDecoder } from './unwrap.ts';
import { readableToOpenAI } from '../protocols/responses/own-items.ts';
import { readableToAnthropic } from '../protocols/anthropic/own-blocks.ts';
import { readableToGemini } from '../protocols/gemini/own-calls.ts';
import { relayableToServer } from '../protocols/openai/relay-repairs.ts';
import { answersOnlyStreamed } from '../protocols/openai/model-rules.ts';
import { readStreamedAnswer } from './streamed-answer.ts';
import { watchedBody, type BodyReader } from './relayed-body.ts';
import { retryWithoutRefused, withoutKnownRefused } from './refused-retry.ts';

export interface GenerateInput {
  /** The protocol the client speaks (decided by the route). */
  protocol: Protocol;
  request: Request;
  /** The client's body (its bytes, unless the system prompt rewrote it), forwarded untouched on the same-protocol path. */
  rawBody: RequestBody;
  body: Record<string, unknown>;
  model: string;
  stream: boolean;
  /** Gemini clients: SSE (`?alt=sse`) or the plain streamed JSON array. */
  geminiFormat?: 'sse' | 'json-array';
  /** Provider named by the path prefix. */
  prefix?: string;
  /** The caller's key may use only these providers: fallbacks outside it are skipped. */
  allowedProviders?: ReadonlySet<ProviderName>;
  /** Called once the request is over (stream end included), for the request log line. */
  onDone: (fields: DoneFields) => void;
  /**
   * Codex's `/v1/responses/compact`, for an upstream with OpenAI's own compaction: relayed to it as it
   * came, and only to providers that have it.
   */
  compact?: boolean;
}

export type { DoneFields };

export function resolveProvider(ctx: AppContext, input: { request: Request; prefix?: string; model?: string }): {
  name: ProviderName;
  adapter: ProviderAdapter;
} {
  const name = selectProviderName(ctx, input);
  const adapter = ctx.providers.get(name);
  if (!adapter) throw new ProxyError({ kind: 'not_implemented', message: `provider ${name} is configured but not available in this build yet` });
  return { name, adapter };
}

/**
 * Serves one generate request: same-protocol byte relay when possible, canonical conversion otherwise,
 * with failover across pool members and fallbacks (withFailover).
 */
export function handleGenerate(ctx: AppContext, input: GenerateInput): Promise<Response> {
  const ownTools = providerOnlyTools(input);
  let cannotRunTools: ProviderName | undefined;
  const skip = input.compact
    ? (_provider: ProviderName, pool: Pool): boolean => !pool.members[0]?.spec.adapter.compact
    : ownTools
      ? (provider: ProviderName, pool: Pool): boolean => {
          if (pool.members[0]?.spec.adapter.protocol === input.protocol) return false;
          cannotRunTools ??= provider;
          return true;
        }
      : undefined;
  return withFailover(
    ctx,
    {
      protocol: input.protocol,
      request: input.request,
      model: input.model,
      prefix: input.prefix,
      allowedProviders: input.allowedProviders,
      // Digested only when a pool keeps sessions: most configurations do not.
      sessionKey: ctx.config.pool.affinity ? sessionKeyOf(input) : undefined,
      onDone: input.onDone,
      skip,
      noneTried: () => (ownTools && cannotRunTools ? ownToolsRefused(ownTools, cannotRunTools) : undefined),
    },
    (attempt) => (relayed(input, attempt) ? passthrough : convert)(ctx, attempt, input),
  );
}

/**
 * Same protocol goes as it came, but for a whole answer from a model the upstream answers only as a
 * stream (answersOnlyStreamed): the convert path asks for a stream and gathers the answer, which a relay
 * of the client's bytes cannot.
 */
function relayed(input: GenerateInput, attempt: Attempt): boolean {
  if (input.compact) return true;
  if (attempt.adapter.protocol !== input.protocol) return false;
  return input.stream || input.protocol !== 'openai' || !answersOnlyStreamed(attempt.model);
}

function modeFor(input: GenerateInput): GenerateMode {
  if (!input.stream) return 'unary';
  return input.protocol === 'gemini' && input.geminiFormat === 'json-array' ? 'json-array' : 'sse';
}

/** Client headers an upstream of the same protocol needs (Claude Code relies on its betas). */
export function forwardedHeaders(input: { protocol: Protocol; request: Request }, req: UpstreamRequest): UpstreamRequest {
  if (input.protocol !== 'anthropic') return req;
  const beta = input.request.headers.get('anthropic-beta');
  const version = input.request.headers.get('anthropic-version');
  const headers = { ...req.headers };
  if (beta) headers['anthropic-beta'] = beta;
  if (version) headers['anthropic-version'] = version;
  return { ...req, headers };
}

/**
 * The client's bytes, unless a mapped model changes them: the body's `model` field (OpenAI, Anthropic),
 * or, as Gemini carries the model in the URL, a thinkingConfig the target model takes another way; or
 * the history holds what aiproxy wrote while another upstream served some turns, which the client's own
 * API refuses (asOpenAITakesIt, readableToAnthropic, readableToGemini), or a compatible server behind
 * the client's protocol refuses (relayableToServer).
 */
function passthroughBody(input: GenerateInput, model: string, adapter: ProviderAdapter): RequestBody {
  if (input.protocol === 'gemini') {
    // Gemini carries the model in the URL: only a thinkingConfig may need retargeting, before the repair.
    const retargeted = model === input.model ? undefined : thinkingForModel(input.body, model);
    const repaired = withoutOwnMarks('gemini', input.rawBody, retargeted ?? input.body, model, adapter) ?? retargeted;
    return repaired ? JSON.stringify(repaired) : input.rawBody;
  }
  const repaired = withoutOwnMarks(input.protocol, input.rawBody, input.body, model, adapter);
  if (repaired) return JSON.stringify(repaired);
  if (model === input.model) return input.rawBody;
  return JSON.stringify({ ...input.body, model });
}

/**
 * A same-protocol body with what aiproxy wrote into the history while another upstream served some
 * turns made acceptable to the client's own API, for generating and counting alike; undefined when it
 * holds none, and the client's bytes (`raw`, searched before any JSON is walked) go as they came.
 */
export function withoutOwnMarks(
  protocol: Protocol,
  raw: RequestBody,
  body: Record<string, unknown>,
  model: string,
  adapter: ProviderAdapter,
): Record<string, unknown> | undefined {
  switch (protocol) {
    case 'responses':
      return asOpenAITakesIt(body, model, adapter);
    case 'anthropic':
      return readableToAnthropic(raw, body, model);
    case 'gemini':
      return readableToGemini(raw, body, model, adapter.signatureFamily);
    case 'openai':
      return relayableToServer(raw, body, model);
  }
}

/**
 * A Responses request as this account of OpenAI takes it: items aiproxy wrote made readable
 * (own-items.ts), a reasoning summary the account refuses left out (responses-retry.ts). Undefined when
 * it needs neither, and the client's body goes as it came.
 */
export function asOpenAITakesIt(body: Record<string, unknown>, model: string, adapter: ProviderAdapter): Record<string, unknown> | undefined {
  const readable = readableToOpenAI(body);
  const trimmed = withoutRefusedSummary(adapter, readable ?? body);
  if (!readable && !trimmed) return undefined;
  return { ...(trimmed ?? readable), model };
}

async function passthrough(ctx: AppContext, att: Attempt, input: GenerateInput): Promise<Response> {
  const adapter = att.adapter;
  // An envelope upstream (Code Assist) cannot stream a JSON array; it streams SSE, re-framed below.
  const mode = adapter.unwrap && modeFor(input) === 'json-array' ? 'sse' : modeFor(input);
  const send = (body: RequestBody): Promise<Response> =>
    callProvider(
      adapter,
      async () => forwardedHeaders(input, await (input.compact ? adapter.compact!(att.model, body) : adapter.generate(att.model, mode, body))),
      upstreamCallOptions(ctx, input.request.signal),
    );
  // The betas go up with the body (forwardedHeaders): what the upstream refuses may depend on them.
  const betas = input.protocol === 'anthropic' ? input.request.headers.get('anthropic-beta') : undefined;
  let res = await sendTo(ctx, adapter, att.model, passthroughBody(input, att.model, adapter), send, betas);
  if (!res.ok && adapter.protocol === 'responses') {
    const sent = (): Record<string, unknown> => asOpenAITakesIt(input.body, att.model, adapter) ?? { ...input.body, model: att.model };
    // Through sendTo again: a retried body is rebuilt from the client's, and must be kept within what
    // the upstream was found to refuse (an output ceiling) as the first one was.
    res = await retryRefusedParts(res, adapter, sent, (b) => sendTo(ctx, adapter, att.model, JSON.stringify(b), send, betas));
  }
  const headers = relayHeaders(res.headers);
  if (!res.ok) {
    // The error body is small and read whole: a retry needs its reason, a Gemini client its retry hint.
    const text = await readLimited(res, 1024 * 1024);
    const info = describe(adapter, codecs[adapter.protocol].decodeError(res.status, text, res.headers), text);
    if (info.retryAfter !== undefined && !headers.has('retry-after')) headers.set('retry-after', String(info.retryAfter));
    // Kept as it came but for an overflow the client could not act on (errors.ts), or a body that is no JSON
    // (an HTML page from a gateway, plain text, nothing), which SDKs show whole as the error's message
    // (anthropics/claude-code#3197, continuedev/continue#12769): the client gets its protocol's error with the
    // gist, as converted requests do. The status and the upstream's headers are kept.
    const reworded = rewordsOverflow(input.protocol, info) || tryParseJson(text) === undefined;
    const relay = (): Response => {
      // An envelope upstream's own hint is added to the message; other bodies go back as they came.
      if (adapter.describeError) return errorResponse(input.protocol, info);
      if (reworded) return withUpstreamHeaders(errorResponse(input.protocol, info), headers);
      return new Response(text, { status: res.status, headers });
    };
    if (att.canRetry && isRetryable(info)) throw new RetryNext(info, outcomeOfInfo(info), relay);
    // Recorded as the client sees it: an envelope upstream's describeError may turn a 429 into a 503 overload.
    att.done(adapter.describeError ? failureFields(input.protocol, info) : { ...failureFields(input.protocol, info), status: res.status });
    return relay();
  }
  if (!input.stream && emptyAnswer(res)) {
    // Relayed, an empty 200 reaches the SDK as an opaque "Unexpected end of JSON input"
    // (ben-vargas/ai-sdk-provider-opencode-sdk#21): it is the upstream's failure, and said so, as conversion does.
    res.body?.cancel().catch(() => {});
    return failedBeforeStream(att, input, emptyBody(adapter, res));
  }
  let upstream: ReadableStream<Uint8Array> | HeldStream | null = res.body;
  if (input.stream && mode === 'sse') {
    const opened = await openStream(ctx, att, input, res);
    if (opened instanceof Response) return opened;
    upstream = opened ?? null;
  }
  if (adapter.unwrap) return unwrapped(ctx, att, input, res, upstream);
  if (!input.stream && !input.compact && streamedInstead(res)) {
    const response = await readStreamedAnswer(res.body!, upstreamDecoder(adapter), ctx.config.timeouts.idleMs);
    att.done({ status: 200, inputTokens: response.usage.inputTokens, outputTokens: response.usage.outputTokens });
    return Response.json(codecs[input.protocol].encodeResponse(response, input.body), { headers: withoutContentType(headers) });
  }
  if (!upstream || !input.stream) {
    const idleMs = ctx.config.timeouts.idleMs;
    // A small answer of a stated length is read whole before its head is sent (cheaper than a pipe, and
    // one that breaks off is then the 502 it is, which failover may serve elsewhere); others are passed on.
    const small = input.stream ? undefined : readSmall(res, idleMs);
    if (small) {
      const bytes = await small;
      att.done({ status: res.status });
      return new Response(bytes, { status: res.status, headers });
    }
    const opened = input.stream || !res.body ? undefined : await unlessEmpty(res, res.body, idleMs);
    if (opened === EMPTY) return failedBeforeStream(att, input, emptyBody(adapter, res));
    if (!opened) {
      att.done({ status: res.status });
      return new Response(res.body, { status: res.status, headers });
    }
    // Passed on as it comes (a server's keep-alive whitespace before a slow answer goes on to the client),
    // and reported once it is over, whole or broken off: a 200 is an answer, not an error body to search
    // for an echoed key.
    const body = watchedBody(res, opened.reader, opened.first, idleMs, (error) => att.done({ status: res.status, error }));
    return new Response(body, { status: res.status, headers });
  }
  // Only a request that declared tools can get calls back to number (tool-call-indexes.ts).
  const tools = input.protocol === 'openai' && Array.isArray(input.body.tools) && input.body.tools.length > 0;
  const body = relayStream(upstream, { ...streamOptions(ctx.config, input.protocol, input.geminiFormat), toolCalls: tools }, (end) =>
    att.done({ status: res.status, error: end.error }),
  );
  return new Response(body, { status: res.status, headers });
}

/** A success with no body to relay, told by its head alone (the body is not read): no answer came. */
const emptyBody = (adapter: ProviderAdapter, res: Response): ProxyErrorInfo => ({
  status: 502,
  kind: 'api_error',
  message: `upstream ${adapter.name} answered ${res.status} with an empty body`,
});

export function emptyAnswer(res: Response): boolean {
  return res.status === 204 || res.headers.get('content-length') === '0';
}

const EMPTY = Symbol('empty');

/**
 * A whole answer's body to read, or EMPTY when it turned out empty. Only one without a stated length (sent
 * in chunks, or ended by closing the connection) is not told by its head (emptyAnswer): its first bytes
 * are waited for before the client gets the head, and sent first. Relayed empty, the openai SDK returned
 * `undefined` as the completion, other clients threw "Unexpected end of JSON input"
 * (anomalyco/opencode#7889: a server's empty 200 without a Content-Length).
 */
async function unlessEmpty(res: Response, body: ReadableStream<Uint8Array>, idleMs: number): Promise<{ reader: BodyReader; first?: Uint8Array } | typeof EMPTY> {
  const reader: BodyReader = body.getReader();
  if (res.headers.has('content-length')) return { reader };
  let first: Awaited<ReturnType<BodyReader['read']>>;
  // The client has no head yet to time out on: a body that stays silent is given up as a read whole is.
  let stalled = false;
  const timer = idleMs > 0 ? setTimeout(() => ((stalled = true), reader.cancel().catch(() => {})), idleMs) : undefined;
  try {
    do first = await reader.read();
    while (!first.done && first.value.byteLength === 0);
  } catch (e) {
    reader.cancel().catch(() => {});
    throw stalled ? bodyStalled(idleMs) : brokeOff(res, e);
  } finally {
    clearTimeout(timer);
  }
  if (stalled) throw bodyStalled(idleMs);
  if (first.done) return EMPTY;
  return { reader, first: first.value };
}

/** An error answer of ours with the upstream's relayed headers (request ids, rate limits) beside its own. */
export function withUpstreamHeaders(res: Response, upstream: Headers): Response {
  upstream.forEach((value, name) => {
    if (name !== 'content-type') res.headers.set(name, value);
  });
  return res;
}

/** Same protocol behind an envelope: only the envelope comes off; parts are not re-encoded. */
async function unwrapped(ctx: AppContext, att: Attempt, input: GenerateInput, res: Response, upstream: ReadableStream<Uint8Array> | HeldStream | null): Promise<Response> {
  const adapter = att.adapter;
  const unwrap = adapter.unwrap!;
  if (!input.stream) {
    const json = await readJson(res, adapter, ctx.config.timeouts.idleMs);
    att.done({ status: 200 });
    return Response.json(unwrap(json));
  }
  const format = input.geminiFormat ?? 'sse';
  const body = unwrapStream(upstream!, unwrap, streamOptions(ctx.config, input.protocol, format), (end) =>
    att.done({ status: 200, error: end.error }),
  );
  return new Response(body, { status: 200, headers: streamHeaders(format) });
}

/** Tools only the client's own provider runs, who runs them, and which provider to route to instead. */
interface OwnTools {
  names: string[];
  runner: string;
  route: string;
}

/**
 * A request whose only tools are ones its own provider runs server-side cannot be served by another
 * upstream: answering without them would pass the model's guess off as a search or a fetched page.
 * Gemini: Google's googleSearch, urlContext, codeExecution (Gemini CLI labels the answer as web results).
 * Anthropic: the web search, web fetch and code execution server tools; Claude Code's WebSearch sends
 * `web_search_*` alone and hands whatever text comes back to its model as the results ("Did 0
 * searches": router-for-me/CLIProxyAPI#364, #121).
 */
function providerOnlyTools(input: GenerateInput): OwnTools | undefined {
  const tools = Array.isArray(input.body.tools) ? input.body.tools.filter(isRecord) : [];
  if (tools.length === 0) return undefined;
  if (input.protocol === 'gemini') {
    if (tools.some((t) => t.functionDeclarations !== undefined || t.function_declarations !== undefined)) return undefined;
    const names = tools.flatMap((t) => Object.keys(t));
    return names.length > 0 ? { names, runner: 'Google', route: 'a Gemini provider' } : undefined;
  }
  if (input.protocol === 'anthropic') {
    // A tool without a type, or `custom`, is the client's own: the upstream gets it, so the request stands.
    if (tools.some((t) => typeof t.type !== 'string' || t.type === 'custom')) return undefined;
    const names = tools.map((t) => t.type as string).filter((type) => ANTHROPIC_SERVER_TOOL.test(type));
    return names.length > 0 ? { names, runner: 'Anthropic', route: 'an Anthropic provider' } : undefined;
  }
  return undefined;
}

/** Server tools Anthropic runs itself (`web_search_20250305`, `web_fetch_20250910`, `code_execution_20250825`…). */
const ANTHROPIC_SERVER_TOOL = /^(?:web_search|web_fetch|code_execution)_\d/;

/** A clear 400 instead, on which Gemini CLI's web_fetch falls back to fetching the page itself. */
function ownToolsRefused(tools: OwnTools, provider: ProviderName): ProxyError {
  const { names, runner, route } = tools;
  return new ProxyError({
    kind: 'invalid_request',
    message: `${names.join(', ')} ${names.length === 1 ? 'is a tool' : 'are tools'} only ${runner} runs; provider ${provider} cannot (route this request to ${route})`,
  });
}

/** A JSON answer, read within timeouts.idle_ms of silence. */
export async function readJson(res: Response, adapter: ProviderAdapter, idleMs: number): Promise<unknown> {
  try {
    return JSON.parse(await readText(res, idleMs));
  } catch (e) {
    if (e instanceof ProxyError) throw e; // the body stalled (timeouts.idle_ms)
    throw new ProxyError({ kind: 'api_error', status: 502, message: `upstream ${adapter.name} sent a response that is not JSON` });
  }
}

/**
 * Sends a generate body. A Chat Completions server that refused a field the request can do without, an
 * output limit above the model's or an effort it does not take (openai/refused-fields.ts), gets it again
 * as it takes it, now and in later requests (refused-retry.ts); so does an Anthropic-compatible one that
 * refused Claude Code's context edits or adaptive thinking (anthropic/refusals.ts), and a Responses API
 * one that refused an output limit (a deployment whose name model-rules.ts cannot know). The operator is
 * told once per upstream and model (and anthropic-beta set, `betas`), as it is remembered then.
 */
async function sendTo(
  ctx: AppContext,
  adapter: ProviderAdapter,
  model: string,
  body: RequestBody,
  send: (body: RequestBody) => Promise<Response>,
  betas?: string | null,
): Promise<Response> {
  if (adapter.protocol === 'gemini') return send(body);
  const first = withoutKnownRefused(adapter, model, body, betas);
  const res = await send(first);
  if (res.ok) return res;
  return retryWithoutRefused(
    adapter,
    model,
    first,
    res,
    send,
    (field) => ctx.log.info('upstream refused a field or value; sending it as the upstream takes it from now on', { provider: adapter.name, model, field }),
    betas,
  );
}

const withoutEnvelope = (adapter: ProviderAdapter, json: unknown): unknown => (adapter.unwrap ? adapter.unwrap(json) : json);

function streamHeaders(format: 'sse' | 'json-array'): Record<string, string> {
  return { 'content-type': format === 'json-array' ? 'application/json' : 'text/event-stream', 'cache-control': 'no-cache' };
}

async function convert(ctx: AppContext, att: Attempt, input: GenerateInput): Promise<Response> {
  const adapter = att.adapter;
  const client = codecs[input.protocol];
  const target = codecs[adapter.protocol];
  const canonical: CanonicalRequest = client.decodeRequest(input.body, { model: input.model, stream: input.stream });
  canonical.model = att.model;
  if (adapter.protocol === 'gemini') await inlineRemoteMedia(canonical, { fetch: ctx.fetch, signal: input.request.signal, allowPrivate: ctx.config.allowPrivateMediaUrls, request: input.request });
  if (ctx.log.enabled('debug')) {
    const dropped = droppedFields(input.protocol, adapter.protocol, canonical);
    if (dropped.length) ctx.log.debug('fields the upstream protocol cannot express were dropped', { target: adapter.name, fields: dropped.join(',') });
  }
  const toolNames = renameToolsFor(adapter.protocol, canonical);
  const wrappedEnum = wrapsEnumAnswer(canonical, adapter.protocol);
  const json = wantsJson(canonical);
  // A model the upstream answers only as a stream: a whole answer is gathered from one.
  const gathered = !input.stream && adapter.protocol === 'openai' && answersOnlyStreamed(canonical.model);
  if (gathered) canonical.stream = true;
  const upstreamBody = target.encodeRequest(canonical, {
    model: canonical.model,
    defaultMaxTokens: ctx.defaultMaxTokens,
    modelLimitByDefault: input.protocol !== 'anthropic',
    wholeAnswerMs: ctx.config.timeouts.headersMs,
    markCacheBreakpoints: input.protocol === 'responses',
    signatureFamily: adapter.signatureFamily,
  });
  const mode: GenerateMode = input.stream || gathered ? 'sse' : 'unary';
  const sent = (adapter.protocol === 'responses' && withoutRefusedSummary(adapter, upstreamBody)) || upstreamBody;
  const send = (body: RequestBody): Promise<Response> =>
    callProvider(adapter, () => adapter.generate(canonical.model, mode, body), upstreamCallOptions(ctx, input.request.signal));
  let res = await sendTo(ctx, adapter, canonical.model, JSON.stringify(sent), send);
  if (!res.ok && adapter.protocol === 'responses') res = await retryRefusedParts(res, adapter, () => sent, (b) => sendTo(ctx, adapter, canonical.model, JSON.stringify(b), send));

  if (!res.ok) {
    const text = await readLimited(res);
    const err = describe(adapter, target.decodeError(res.status, text, res.headers), text);
    if (att.canRetry && isRetryable(err)) throw new RetryNext(err, outcomeOfInfo(err), () => errorResponse(input.protocol, err));
    att.done(failureFields(input.protocol, err));
    return errorResponse(input.protocol, err);
  }

  if (!input.stream) {
    const idleMs = ctx.config.timeouts.idleMs;
    // A server that ignored `stream` answered whole after all, or streamed an answer asked whole.
    const streamed = gathered ? res.body && !JSON_BODY.test(res.headers.get('content-type') ?? '') : streamedInstead(res);
    const response = streamed
      ? await readStreamedAnswer(res.body!, upstreamDecoder(adapter), idleMs)
      : target.decodeResponse(withoutEnvelope(adapter, await readJson(res, adapter, idleMs)));
    if (toolNames) restoreToolNames(response, toolNames);
    if (wrappedEnum) unwrapEnumResponse(response);
    if (json) unfenceJsonResponse(response);
    keepAskedStop(response, canonical);
    response.usage = withEstimates(response.usage, canonical, () => outputChars(response.content));
    att.done({ status: 200, inputTokens: response.usage.inputTokens, outputTokens: response.usage.outputTokens });
    return Response.json(client.encodeResponse(response, input.body));
  }

  const opened = await openStream(ctx, att, input, res);
  if (opened instanceof Response) return opened;
  if (!opened) throw new ProxyError({ kind: 'api_error', status: 502, message: `upstream ${adapter.name} sent an empty stream` });
  const format = input.protocol === 'gemini' ? (input.geminiFormat ?? 'sse') : 'sse';
  const enc = client.createStreamEncoder({ model: canonical.model, includeUsage: canonical.includeUsage, format, request: input.body });
  const restored = toolNames ? restoringDecoder(upstreamDecoder(adapter), toolNames) : upstreamDecoder(adapter);
  const decoder = askedStopDecoder(estimatingDecoder(wrappedEnum ? enumAnswerDecoder(restored) : json ? unfencingDecoder(restored) : restored, canonical), canonical);
  const body = convertStream(
    opened,
    decoder,
    enc,
    (end: StreamEnd) => att.done({ status: 200, error: end.error, inputTokens: end.inputTokens, outputTokens: end.outputTokens }),
    streamOptions(ctx.config, input.protocol, format),
  );
  return new Response(body, { status: 200, headers: streamHeaders(format) });
}

const JSON_BODY = /^\s*application\/json/i;
const SSE_BODY = /^\s*text\/event-stream/i;

/** A decoder of the upstream's stream, its envelope (Code Assist's `{response}`) taken off first. */
function upstreamDecoder(adapter: ProviderAdapter): StreamDecoder {
  const decoder = codecs[adapter.protocol].createStreamDecoder();
  return adapter.unwrap ? unwrappingDecoder(decoder, adapter.unwrap) : decoder;
}

/**
 * An SSE stream answering a request for a whole answer: servers that stream whatever `stream` says
 * (kaito-project/kaito#1880, unslothai/unsloth#6570), or whenever it is left out, as aiproxy leaves it
 * out of a converted Chat Completions request (decolua/9router#3492, jingyaogong/minimind#851). Read as
 * the stream it is, the answer is whole all the same.
 */
function streamedInstead(res: Response): boolean {
  return res.body !== null && SSE_BODY.test(res.headers.get('content-type') ?? '');
}

/** Relayed headers for an answer of ours: its own content type, not the upstream's. */
function withoutContentType(headers: Headers): Headers {
  headers.delete('content-type');
  return headers;
}

/**
 * A 200 that answers an SSE stream request with a JSON body: some compatible servers report an error
 * so (a rate limit, an unknown model), or ignore `stream`. Nothing went to the client yet, so it gets
 * the upstream's error with its status, not a stream that says "truncated" at its first byte. The
 * error the body holds, a 502 for any other JSON, or undefined for a real stream.
 */
async function jsonInsteadOfStream(res: Response, adapter: ProviderAdapter, idleMs: number, signal: AbortSignal): Promise<ProxyErrorInfo | undefined> {
  if (!JSON_BODY.test(res.headers.get('content-type') ?? '')) return undefined;
  const text = await readLimited(res, 1024 * 1024, idleMs);
  // A body the client's leaving cut short is no upstream failure (withFailover).
  if (signal.aborted) throw new ClientGoneError();
  const json = tryParseJson(text);
  if (json !== undefined) {
    try {
      // Each protocol's whole-response decoder reports a 200 error body as the error it is.
      codecs[adapter.protocol].decodeResponse(withoutEnvelope(adapter, json));
    } catch (e) {
      if (e instanceof ProxyError) return e.info;
    }
  }
  return { status: 502, kind: 'api_error', message: `upstream ${adapter.name} answered a stream request with a JSON body instead of a stream` };
}

/**
 * An upstream's answer to a stream request, its opening read (stream-head.ts), or the answer to a
 * failure found before any of it went out: a JSON body instead of a stream, or a refusal in the opening
 * that another member could serve (an overload, a rate limit). A refusal no other member would answer
 * otherwise (a prompt over the context window) stays in the stream, where the upstream put it and where
 * clients look for it: Codex reads an overflow only from response.failed. Undefined for no body.
 */
async function openStream(ctx: AppContext, att: Attempt, input: GenerateInput, res: Response): Promise<HeldStream | Response | undefined> {
  const refused = await jsonInsteadOfStream(res, att.adapter, ctx.config.timeouts.idleMs, input.request.signal);
  if (refused) return failedBeforeStream(att, input, refused);
  const body = res.body;
  if (!body) return undefined;
  const timing = { idleMs: ctx.config.timeouts.idleMs, keepaliveMs: ctx.config.keepaliveMs };
  const opened = await readStreamHead(body, att.adapter.protocol, () => upstreamDecoder(att.adapter), timing);
  // The client left while the opening was read (Esc before the first token): nothing went out, and the
  // read its leaving cut is no upstream failure for the stream to report.
  if (input.request.signal.aborted) {
    opened.held.reader.cancel().catch(() => {});
    throw new ClientGoneError();
  }
  if (!opened.error || !isRetryable(opened.error)) return opened.held;
  opened.held.reader.cancel().catch(() => {});
  return failedBeforeStream(att, input, opened.error);
}

/** An upstream failure found before any byte of the stream went out: another member may still take it. */
function failedBeforeStream(att: Attempt, input: GenerateInput, info: ProxyErrorInfo): Response {
  if (att.canRetry && isRetryable(info)) throw new RetryNext(info, outcomeOfInfo(info), () => errorResponse(input.protocol, info));
  att.done(failureFields(input.protocol, info));
  return errorResponse(input.protocol, info);
}

/** Lets an upstream add its own advice to an error (Code Assist: how to fix account and project errors). */
export function describe(adapter: ProviderAdapter, info: ProxyErrorInfo, rawBody: string): ProxyErrorInfo {
  return adapter.describeError ? adapter.describeError(info, rawBody) : info;
}
