import { ProxyError } from '../core/errors.ts';
import type { ProviderName } from '../config/providers.ts';
import type { CanonicalRequest, Part } from '../core/index.ts';
import { codecs, type Protocol } from '../protocols/index.ts';
import type { ProviderAdapter } from '../providers/types.ts';
import { decodeCountTokensResponse, encodeCountTokensRequest, withWrappedModel, wrappedCountRequest } from '../protocols/gemini/index.ts';
import { callProvider } from '../upstream/call-provider.ts';
import { readLimited, readText, relayHeaders } from '../upstream/fetch.ts';
import { isRecord, tryParseJson } from '../util/json.ts';
import { upstreamCallOptions, type AppContext } from './context.ts';
import { errorResponse } from './errors.ts';
import { providerChain } from './failover.ts';
import { emptyAnswer, forwardedHeaders, resolveProvider, withoutOwnMarks, withUpstreamHeaders } from './generate.ts';
import { inlineRemoteMedia } from './inline-media.ts';
import { renameToolsFor } from './tool-names.ts';

export interface CountInput {
  protocol: Extract<Protocol, 'anthropic' | 'gemini' | 'responses'>;
  request: Request;
  bodyText: string;
  body: Record<string, unknown>;
  model: string;
  prefix?: string;
  /** The caller's key may use only these providers: fallbacks outside it are not asked either. */
  allowedProviders?: ReadonlySet<ProviderName>;
}

/**
 * Token counting for Anthropic (`/v1/messages/count_tokens`), Gemini (`:countTokens`) and Responses
 * (`/v1/responses/input_tokens`) clients against any upstream: the upstream's own counter where it has
 * one, otherwise a documented local estimate.
 */
export async function handleCountTokens(ctx: AppContext, input: CountInput): Promise<Response> {
  const { adapter, model } = counterFor(ctx, input);
  const opts = upstreamCallOptions(ctx, input.request.signal);

  let counter = adapter.countTokens !== undefined;
  if (adapter.protocol === input.protocol && adapter.countTokens) {
    // As for generating: a mapped model changes the body (Gemini carries it in the URL), and Anthropic
    // refuses beta fields (context_management, …) without the client's anthropic-beta.
    // The history is repaired as for generating too: aiproxy's own marks never go upstream.
    const repaired = withoutOwnMarks(input.protocol, input.bodyText, input.body, model, adapter);
    // A wrapped Gemini count names its model in the body as well as the URL.
    const rewritten = (input.protocol === 'gemini' ? withWrappedModel(repaired ?? input.body, model) : undefined) ?? repaired;
    const body = rewritten ? JSON.stringify(rewritten) : model === input.model || input.protocol === 'gemini' ? input.bodyText : JSON.stringify({ ...input.body, model });
    const res = await callProvider(adapter, async () => forwardedHeaders(input, await adapter.countTokens!(model, body)), opts);
    if (!(await lacksCounter(adapter, res))) {
      // Relayed as it came, but as generating does (generate.ts): an error body that is no JSON (a gateway's
      // HTML page) is the client's protocol's error, and an empty 200 a 502.
      if (!res.ok) {
        const text = await res.clone().text();
        if (tryParseJson(text) === undefined) {
          const info = codecs[adapter.protocol].decodeError(res.status, text, res.headers);
          return withUpstreamHeaders(errorResponse(input.protocol, info), relayHeaders(res.headers));
        }
      } else if (emptyAnswer(res)) {
        await res.body?.cancel();
        return errorResponse(input.protocol, { status: 502, kind: 'api_error', message: `upstream ${adapter.name} answered ${res.status} with an empty body` });
      }
      return new Response(res.body, { status: res.status, headers: relayHeaders(res.headers) });
    }
    await res.body?.cancel();
    counter = false;
  }

  const req = decodeForCount(input);
  req.model = model;
  // Counting needs no names back, only an upstream that accepts them.
  renameToolsFor(adapter.protocol, req);
  // Gemini cannot fetch URLs when counting any more than when generating; it must see the same inline media.
  if (adapter.protocol === 'gemini' && adapter.countTokens) {
    await inlineRemoteMedia(req, { fetch: ctx.fetch, signal: input.request.signal, allowPrivate: ctx.config.allowPrivateMediaUrls });
  }
  let tokens: number | undefined;
  const body = counter ? countBody(ctx, adapter, req) : undefined;
  if (body) {
    const res = await callProvider(adapter, () => adapter.countTokens!(req.model, JSON.stringify(body)), opts);
    if (await lacksCounter(adapter, res)) await res.body?.cancel();
    else if (!res.ok) return errorResponse(input.protocol, codecs[adapter.protocol].decodeError(res.status, await readLimited(res), res.headers));
    else {
      const json: unknown = tryParseJson(await readText(res, ctx.config.timeouts.idleMs));
      tokens = adapter.protocol === 'gemini' ? decodeCountTokensResponse(json) : isRecord(json) && typeof json.input_tokens === 'number' ? json.input_tokens : NaN;
      if (!Number.isFinite(tokens)) throw new ProxyError({ kind: 'api_error', status: 502, message: `upstream ${adapter.name} sent an unreadable token count` });
    }
  }
  tokens ??= estimateTokens(req);
  return Response.json(countAnswer(input.protocol, tokens));
}

/**
 * Who counts, and for which upstream model: the pool member that would serve this model (its model_map,
 * its credentials), so a count for an alias such as claude-sonnet-4-5 asks about the model that answers
 * it. As for generating, a provider with no member available now (cooling down, refused its key) passes
 * the request along its fallbacks, and one of them then answers: asking the broken account would relay
 * an error the request itself never gets, and a fallback without a counter (OpenAI-compatible) means the
 * estimate. Only when no account in the chain is available is an unavailable one asked: a rate-limited
 * account may still count, and its refusal is no worse than the 429 the request itself would get.
 */
function counterFor(ctx: AppContext, input: CountInput): { adapter: ProviderAdapter; model: string } {
  const { name, adapter } = resolveProvider(ctx, input);
  const chain = providerChain(ctx, name, input.allowedProviders);
  const now = Date.now();
  const pools = chain.flatMap((p) => ctx.pools.get(p) ?? []);
  const member =
    firstOf(pools, (pool) => pool.peek(input.model, now)) ??
    firstOf(pools, (pool) => pool.members.find((m) => !m.spec.disabled && m.serves(input.model)));
  return member ? { adapter: member.spec.adapter, model: member.upstreamModel(input.model) } : { adapter, model: input.model };
}

function firstOf<T, R>(items: readonly T[], f: (item: T) => R | undefined): R | undefined {
  for (const item of items) {
    const r = f(item);
    if (r !== undefined) return r;
  }
  return undefined;
}

function countAnswer(protocol: CountInput['protocol'], tokens: number): Record<string, unknown> {
  switch (protocol) {
    case 'anthropic':
      return { input_tokens: tokens };
    case 'responses':
      return { object: 'response.input_tokens', input_tokens: tokens };
    case 'gemini':
      return { totalTokens: tokens };
  }
}

function decodeForCount(input: CountInput): CanonicalRequest {
  if (input.protocol === 'anthropic') {
    // count_tokens bodies carry no max_tokens, which the message decoder otherwise requires.
    return codecs.anthropic.decodeRequest({ ...input.body, max_tokens: 1 }, {});
  }
  if (input.protocol === 'responses') return codecs.responses.decodeRequest(input.body, {});
  const inner = wrappedCountRequest(input.body) ?? input.body;
  return codecs.gemini.decodeRequest(inner, { model: input.model, stream: false });
}

/**
 * Servers that copy an API rarely have its counter: their "no such path" means "estimate". The Responses
 * API's copies answer 404 or 405; Anthropic-compatible endpoints that serve /v1/messages only too
 * (jwadow/kiro-gateway#103: relayed, Claude Code cannot size its context), or, as DashScope's
 * /apps/anthropic does, a 400 that wraps Spring's "No static resource" (Wei-Shaw/sub2api#656). A 404 that
 * names the model is Anthropic's own "no such model", which the client must see.
 */
async function lacksCounter(adapter: ProviderAdapter, res: Response): Promise<boolean> {
  if (res.ok) return false;
  const missingPath = res.status === 404 || res.status === 405;
  if (adapter.protocol === 'responses') return missingPath;
  if (adapter.protocol !== 'anthropic' || (!missingPath && res.status !== 400)) return false;
  // An error body, already read whole (upstream/fetch.ts): small.
  const text = await res.clone().text();
  return missingPath ? !/\bmodel\b/i.test(text) : /No static resource|NoResourceFoundException/.test(text);
}

/** The body of the upstream's own counter for a converted request; undefined when it has none. */
function countBody(ctx: AppContext, adapter: ProviderAdapter, req: CanonicalRequest): Record<string, unknown> | undefined {
  switch (adapter.protocol) {
    case 'gemini':
      return encodeCountTokensRequest(req, adapter.signatureFamily);
    case 'anthropic':
      return anthropicCountBody(codecs.anthropic.encodeRequest(req, { model: req.model, defaultMaxTokens: ctx.defaultMaxTokens }));
    case 'responses':
      return responsesCountBody(codecs.responses.encodeRequest({ ...req, stream: false }, { model: req.model }));
    default:
      return undefined;
  }
}

/** `POST /responses/input_tokens` takes what shapes the prompt; sampling, storage and output settings are refused. */
function responsesCountBody(body: Record<string, unknown>): Record<string, unknown> {
  const keep = ['model', 'input', 'instructions', 'tools', 'tool_choice', 'parallel_tool_calls', 'reasoning', 'text'];
  return Object.fromEntries(Object.entries(body).filter(([k]) => keep.includes(k)));
}

/** count_tokens accepts the message fields minus the generation-only ones. */
function anthropicCountBody(body: Record<string, unknown>): Record<string, unknown> {
  const { max_tokens: _m, stream: _s, temperature: _t, top_p: _p, top_k: _k, stop_sequences: _q, metadata: _d, ...rest } = body;
  return rest;
}

/**
 * A local estimate for upstreams without a counter (OpenAI-compatible): about four characters per token
 * for text and JSON, and fixed costs for media. Good enough for clients that budget their context window.
 */
export function estimateTokens(req: CanonicalRequest): number {
  let chars = 0;
  let fixed = 0;
  const visit = (parts: Part[]): void => {
    for (const p of parts) {
      switch (p.type) {
        case 'text':
        case 'thinking':
          chars += p.text.length;
          break;
        case 'tool_call':
          chars += p.name.length + JSON.stringify(p.args).length;
          break;
        case 'tool_result':
          visit(p.content);
          break;
        case 'image':
          fixed += 1600;
          break;
        case 'file':
          fixed += 1000;
          break;
      }
    }
  };
  visit(req.system);
  for (const m of req.messages) visit(m.content);
  for (const t of req.tools) chars += JSON.stringify(t).length;
  return Math.ceil(chars / 4) + fixed + req.messages.length * 3;
}
