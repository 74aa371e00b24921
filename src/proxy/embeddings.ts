import type { CanonicalEmbedRequest, CanonicalEmbedResponse } from '../core/index.ts';
import { badRequest, ProxyError } from '../core/errors.ts';
import type { ProviderName } from '../config/providers.ts';
import { codecs } from '../protocols/index.ts';
import * as geminiEmbed from '../protocols/gemini/embeddings.ts';
import * as openaiEmbed from '../protocols/openai/embeddings.ts';
import type { ProviderAdapter, RequestBody } from '../providers/types.ts';
import { providerHeader, selectProvider } from '../routing/select-provider.ts';
import { callProvider } from '../upstream/call-provider.ts';
import { readLimited, readText, relayHeaders } from '../upstream/fetch.ts';
import { isRecord, tryParseJson } from '../util/json.ts';
import { upstreamCallOptions, type AppContext } from './context.ts';
import { errorResponse } from './errors.ts';
import { failureFields, isRetryable, outcomeOfInfo, RetryNext, sessionKeyOf, withFailover, type Attempt, type DoneFields } from './failover.ts';
import { describe, readJson } from './generate.ts';
import { bytesOf } from '../util/raw-body.ts';

export interface EmbedInput {
  /** Anthropic has no embeddings API, so its clients have no such route. */
  protocol: 'openai' | 'gemini';
  request: Request;
  /** The client's bytes, forwarded untouched to an upstream of the same protocol. */
  rawBody: RequestBody;
  body: Record<string, unknown>;
  model: string;
  /** Gemini clients: the action in their URL. */
  geminiAction?: geminiEmbed.EmbedAction;
  prefix?: string;
  allowedProviders?: ReadonlySet<ProviderName>;
  onDone: (fields: DoneFields) => void;
}

/**
 * Serves an embeddings request: the client's bytes to an upstream of its own protocol, converted
 * through the canonical embeddings model otherwise, with the same failover as generation. Providers
 * without an embeddings API (Anthropic, Code Assist) are passed over, and alone they are a clear 400.
 */
export function handleEmbeddings(ctx: AppContext, input: EmbedInput): Promise<Response> {
  const decoded = decode(input);
  let cannotEmbed: ProviderName | undefined;
  let canEmbed = false;
  return withFailover(
    ctx,
    {
      protocol: input.protocol,
      request: input.request,
      model: input.model,
      prefix: input.prefix,
      allowedProviders: input.allowedProviders,
      sessionKey: ctx.config.pool.affinity ? sessionKeyOf({ request: input.request, body: {} }) : undefined,
      onDone: input.onDone,
      skip: (provider, pool) => {
        if (pool.members[0]?.spec.adapter.embed) {
          canEmbed = true;
          return false;
        }
        cannotEmbed ??= provider;
        return true;
      },
      // Only when nothing in the chain embeds: members that are cooling down or busy are the 429 the
      // client can wait out, not a 400 about a fallback that was never a candidate.
      noneTried: () =>
        cannotEmbed && !canEmbed
          ? badRequest(`provider ${cannotEmbed} has no embeddings API; send embeddings to an openai-custom, openaiResponses-custom or gemini-cli provider (X-Model-Provider header or a /<provider>/ path prefix)`)
          : undefined,
    },
    (attempt) => embedOnce(ctx, attempt, input, decoded),
  );
}

/**
 * The provider an embeddings request goes to when neither the X-Model-Provider header nor a path prefix
 * names one: the chat rule (the model's family, else the first of model_providers) among the providers
 * that have an embeddings API, so `claude-custom` or `gemini-cli-oauth` listed first does not turn every
 * embeddings request into a 400. Given to the route as its prefix; an explicit choice is kept as it is.
 */
export function embeddingsPrefix(ctx: AppContext, request: Request, prefix: string | undefined, model: string): string | undefined {
  const header = providerHeader(request);
  if (header?.trim() || prefix) return prefix;
  const embedders = ctx.config.modelProviders.filter((p) => ctx.pools.get(p)?.members[0]?.spec.adapter.embed);
  return embedders.length ? selectProvider({ model, configured: embedders }) : undefined;
}

/** What a conversion works from; or why the request cannot be converted. */
type Decoded = { canonical: CanonicalEmbedRequest; encoding: openaiEmbed.EmbeddingEncoding } | { refusal: ProxyError };

/**
 * Decoded up front, but a refusal stands only for a conversion: an upstream of the client's own protocol
 * gets the bytes and judges them itself (Gemini's image parts and per-request taskTypes, formats such as
 * an OpenAI-compatible server's own encoding_format).
 */
function decode(input: EmbedInput): Decoded {
  try {
    if (input.protocol === 'gemini') {
      return { canonical: geminiEmbed.decodeEmbedRequest(input.body, input.model, input.geminiAction ?? 'batchEmbedContents'), encoding: 'float' };
    }
    return { canonical: openaiEmbed.decodeEmbedRequest(input.body, input.model), encoding: openaiEmbed.embeddingEncoding(input.body) };
  } catch (e) {
    if (e instanceof ProxyError) return { refusal: e };
    throw e;
  }
}

/** Gemini takes at most 100 requests per batch; OpenAI clients send up to 2048 inputs at once. */
const GEMINI_BATCH_MAX = 100;

async function embedOnce(ctx: AppContext, att: Attempt, input: EmbedInput, decoded: Decoded): Promise<Response> {
  const adapter = att.adapter;
  const upstream = embedsIn(adapter);
  const same = upstream === input.protocol;
  const action = input.geminiAction ?? 'batchEmbedContents';
  const call = (body: RequestBody): Promise<Response> =>
    callProvider(adapter, () => adapter.embed!(att.model, body, same && action === 'embedContent'), upstreamCallOptions(ctx, input.request.signal));
  if (same) {
    const asked = input.protocol === 'openai' && !('refusal' in decoded) ? decoded.encoding : undefined;
    if (asked === 'base64') return inBase64(ctx, att, input, call);
    const res = await call(sameProtocolBody(input, att.model));
    if (!res.ok) return failed(att, input, res, true);
    att.done({ status: res.status });
    return new Response(res.body, { status: res.status, headers: relayHeaders(res.headers) });
  }
  if ('refusal' in decoded) throw decoded.refusal;
  const { canonical, encoding } = decoded;
  // Converted: in batches the upstream takes, one after another (a burst would only meet its rate limit).
  const size = upstream === 'gemini' ? GEMINI_BATCH_MAX : canonical.inputs.length;
  const answer: CanonicalEmbedResponse = { vectors: [] };
  let counted = true;
  for (let start = 0; start < canonical.inputs.length; start += size) {
    const part = { ...canonical, inputs: canonical.inputs.slice(start, start + size) };
    const res = await call(JSON.stringify(encodeFor(upstream, part, att.model)));
    if (!res.ok) return failed(att, input, res, false);
    const got = decodeFor(upstream, await readJson(res, adapter, ctx.config.timeouts.idleMs), part.inputs.length);
    for (const v of got.vectors) answer.vectors.push(v);
    if (got.inputTokens === undefined) counted = false;
    else answer.inputTokens = (answer.inputTokens ?? 0) + got.inputTokens;
  }
  if (!counted) answer.inputTokens = estimateTokens(canonical);
  att.done({ status: 200, inputTokens: answer.inputTokens });
  return Response.json(
    input.protocol === 'openai' ? openaiEmbed.encodeEmbedResponse(answer, input.model, encoding) : geminiEmbed.encodeEmbedResponse(answer, action),
  );
}

/**
 * An OpenAI client's request for base64 (the openai SDKs' default) to an OpenAI-compatible server, answered
 * in base64 whatever the server does with it. Vectors a server sent as numbers anyway (LM Studio, SGLang)
 * are encoded as asked. A server without base64 is asked again for floats, which are encoded: vLLM
 * refused it ("base64 encoding is not currently supported", vllm-project/vllm#6174), OpenRouter answers
 * some models with no vectors at all (plastic-labs/honcho#932).
 */
async function inBase64(ctx: AppContext, att: Attempt, input: EmbedInput, call: (body: RequestBody) => Promise<Response>): Promise<Response> {
  const idleMs = ctx.config.timeouts.idleMs;
  // Parsed once (JSON.parse of a megabyte of base64 vectors is cheaper than any search of its text).
  const read = async (r: Response): Promise<{ text: string; json: unknown } | undefined> => {
    if (!r.ok) return undefined;
    const text = await readText(r, idleMs);
    return { text, json: tryParseJson(text) };
  };
  let res = await call(sameProtocolBody(input, att.model));
  if (res.ok && res.body) {
    // An answer whose first bytes already hold a base64 vector (OpenAI's own, most servers') goes as it
    // comes, as before: a batch of vectors runs to tens of megabytes, not to be held and parsed for nothing.
    const reader = res.body.getReader();
    const first = await reader.read().catch((e: unknown) => {
      throw new ProxyError({ kind: 'api_error', status: 502, message: `upstream ${att.adapter.name} broke off its answer: ${(e as Error)?.message ?? String(e)}` });
    });
    const rest = resumed(first.done ? undefined : first.value, reader);
    if (!first.done && BASE64_VECTOR.test(bytesOf(first.value).toString('latin1'))) {
      att.done({ status: res.status });
      return new Response(rest, { status: res.status, headers: relayHeaders(res.headers) });
    }
    res = new Response(rest, { status: res.status, headers: res.headers });
  }
  let answer = await read(res);
  if (await lacksBase64(res, answer?.json)) {
    res = await call(JSON.stringify({ ...input.body, model: att.model, encoding_format: 'float' }));
    answer = await read(res);
  }
  if (!res.ok || answer === undefined) return failed(att, input, res, true);
  att.done({ status: res.status });
  const encoded = openaiEmbed.base64Answer(answer.json);
  const headers = relayHeaders(res.headers);
  return encoded ? Response.json(encoded, { status: res.status, headers }) : new Response(answer.text, { status: res.status, headers });
}

/** `"embedding":"`: a vector in base64. */
const BASE64_VECTOR = /"embedding"\s*:\s*"/;

/** The body again, its first chunk (already read) first; cancelling it cancels the upstream's. */
function resumed(
  first: Uint8Array | undefined,
  reader: { read(): Promise<{ done: boolean; value?: Uint8Array }>; cancel(reason?: unknown): Promise<void> },
): ReadableStream<Uint8Array> {
  let pending = first;
  return new ReadableStream<Uint8Array>({
    async pull(c) {
      if (pending) {
        c.enqueue(pending);
        pending = undefined;
        return;
      }
      const next = await reader.read();
      if (next.done || !next.value) c.close();
      else c.enqueue(next.value);
    },
    cancel: (reason) => reader.cancel(reason),
  });
}

/** A server's refusal of base64 (a 400 that names it), or an answer without a vector for a request that had input. */
async function lacksBase64(res: Response, json: unknown): Promise<boolean> {
  if (res.ok) return isRecord(json) && Array.isArray(json.data) && json.data.length === 0;
  // An error body, already read whole (upstream/fetch.ts): small.
  return res.status === 400 && /base64|encoding_format/i.test(await res.clone().text());
}

/**
 * An upstream error: the next member's turn when it is worth one, else the client's answer (the
 * upstream's own body when it speaks the client's protocol).
 */
async function failed(att: Attempt, input: EmbedInput, res: Response, same: boolean): Promise<Response> {
  const adapter = att.adapter;
  const text = await readLimited(res, 1024 * 1024);
  const info = describe(adapter, codecs[adapter.protocol].decodeError(res.status, text, res.headers), text);
  const headers = relayHeaders(res.headers);
  // Google puts its retry delay in the body only; a relayed body gets it as a header too, as in chat.
  if (info.retryAfter !== undefined && !headers.has('retry-after')) headers.set('retry-after', String(info.retryAfter));
  // A body that is no JSON (a gateway's HTML page) is answered in the client's shape, as chat's relay does.
  const respond = (): Response =>
    same && !adapter.describeError && tryParseJson(text) !== undefined ? new Response(text, { status: res.status, headers }) : errorResponse(input.protocol, info);
  if (att.canRetry && isRetryable(info)) throw new RetryNext(info, outcomeOfInfo(info), respond);
  att.done(failureFields(input.protocol, info));
  return respond();
}

/** The client's bytes, unless a mapped model has to be named in them. */
function sameProtocolBody(input: EmbedInput, model: string): RequestBody {
  if (model === input.model) return input.rawBody;
  if (input.protocol === 'openai') return JSON.stringify({ ...input.body, model });
  // Gemini names the model in the URL, and again in each request of a batch (which must match it).
  const requests = input.body.requests;
  if (Array.isArray(requests)) {
    return JSON.stringify({ ...input.body, requests: requests.map((r) => (isRecord(r) ? { ...r, model: `models/${model}` } : r)) });
  }
  return input.body.model === undefined ? input.rawBody : JSON.stringify({ ...input.body, model: `models/${model}` });
}

/** The format of an upstream's embeddings endpoint: a Responses upstream embeds at OpenAI's own `/embeddings`. */
function embedsIn(adapter: ProviderAdapter): string {
  return adapter.protocol === 'responses' ? 'openai' : adapter.protocol;
}

function encodeFor(protocol: string, req: CanonicalEmbedRequest, model: string): Record<string, unknown> {
  return protocol === 'openai' ? openaiEmbed.encodeEmbedRequest(req, model) : geminiEmbed.encodeEmbedRequest(req, model);
}

function decodeFor(protocol: string, json: unknown, expected: number): CanonicalEmbedResponse {
  return protocol === 'openai' ? openaiEmbed.decodeEmbedResponse(json, expected) : geminiEmbed.decodeEmbedResponse(json, expected);
}

/** About four characters per token, for an upstream that does not count (the Gemini API). */
function estimateTokens(req: CanonicalEmbedRequest): number {
  let tokens = 0;
  for (const input of req.inputs) tokens += typeof input === 'string' ? Math.ceil(input.length / 4) : input.length;
  return tokens;
}
