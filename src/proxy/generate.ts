import { ProxyError } from '../core/errors.ts';
import type { CanonicalRequest } from '../core/index.ts';
import type { ProviderName } from '../config/providers.ts';
import { codecs, type Protocol } from '../protocols/index.ts';
import type { GenerateMode, ProviderAdapter, UpstreamRequest } from '../providers/types.ts';
import { selectProvider } from '../routing/select-provider.ts';
import { callProvider } from '../upstream/call-provider.ts';
import { readLimited, relayHeaders } from '../upstream/fetch.ts';
import type { AppContext } from './context.ts';
import { errorResponse } from './errors.ts';
import { inlineRemoteMedia } from './inline-media.ts';
import { convertStream, relayStream, unwrapStream, type StreamEnd } from './stream-pipeline.ts';
import { renameToolsFor, restoreToolNames, restoringDecoder } from './tool-names.ts';
import { unwrappingDecoder } from './unwrap.ts';

export interface GenerateInput {
  /** The protocol the client speaks (decided by the route). */
  protocol: Protocol;
  request: Request;
  /** The raw body text, forwarded untouched on the same-protocol path. */
  bodyText: string;
  body: Record<string, unknown>;
  model: string;
  stream: boolean;
  /** Gemini clients: SSE (`?alt=sse`) or the plain streamed JSON array. */
  geminiFormat?: 'sse' | 'json-array';
  /** Provider named by the path prefix. */
  prefix?: string;
  /** Called once the request is over (stream end included), for the request log line. */
  onDone: (fields: { provider?: string; status: number; error?: string; inputTokens?: number; outputTokens?: number }) => void;
}

export function resolveProvider(ctx: AppContext, input: { request: Request; prefix?: string; model?: string }): {
  name: ProviderName;
  adapter: ProviderAdapter;
} {
  const name = selectProvider({
    header: input.request.headers.get('x-model-provider') ?? input.request.headers.get('model-provider'),
    prefix: input.prefix,
    model: input.model,
    configured: ctx.config.modelProviders,
  });
  const adapter = ctx.providers.get(name);
  if (!adapter) throw new ProxyError({ kind: 'not_implemented', message: `provider ${name} is configured but not available in this build yet` });
  return { name, adapter };
}

/** Serves one generate request: same-protocol byte relay when possible, canonical conversion otherwise. */
export async function handleGenerate(ctx: AppContext, input: GenerateInput): Promise<Response> {
  const { name, adapter } = resolveProvider(ctx, input);
  const onDone: GenerateInput['onDone'] = (f) => input.onDone({ provider: name, ...f });
  return adapter.protocol === input.protocol
    ? passthrough(ctx, adapter, { ...input, onDone })
    : convert(ctx, adapter, { ...input, onDone });
}

function modeFor(input: GenerateInput): GenerateMode {
  if (!input.stream) return 'unary';
  return input.protocol === 'gemini' && input.geminiFormat === 'json-array' ? 'json-array' : 'sse';
}

/** Client headers an upstream of the same protocol needs (Claude Code relies on its betas). */
function forwardedHeaders(input: GenerateInput, req: UpstreamRequest): UpstreamRequest {
  if (input.protocol !== 'anthropic') return req;
  const beta = input.request.headers.get('anthropic-beta');
  const version = input.request.headers.get('anthropic-version');
  const headers = { ...req.headers };
  if (beta) headers['anthropic-beta'] = beta;
  if (version) headers['anthropic-version'] = version;
  return { ...req, headers };
}

async function passthrough(ctx: AppContext, adapter: ProviderAdapter, input: GenerateInput): Promise<Response> {
  // An envelope upstream (Code Assist) cannot stream a JSON array; it streams SSE, re-framed below.
  const mode = adapter.unwrap && modeFor(input) === 'json-array' ? 'sse' : modeFor(input);
  const res = await callProvider(
    adapter,
    async () => forwardedHeaders(input, await adapter.generate(input.model, mode, input.bodyText)),
    { signal: input.request.signal, headersTimeoutMs: ctx.headersTimeoutMs, fetch: ctx.fetch },
  );
  const headers = relayHeaders(res.headers);
  if (adapter.unwrap && res.ok) return unwrapped(adapter, input, res);
  if (!res.body) {
    input.onDone({ status: res.status });
    return new Response(null, { status: res.status, headers });
  }
  if (!res.ok || !input.stream) {
    input.onDone({ status: res.status });
    return new Response(res.body, { status: res.status, headers });
  }
  const body = relayStream(
    res.body,
    (message, relayedAny) => inBandError(input, message, relayedAny),
    (end) => input.onDone({ status: res.status, error: end.error }),
  );
  return new Response(body, { status: res.status, headers });
}

/** Same protocol behind an envelope: only the envelope comes off; parts are not re-encoded. */
async function unwrapped(adapter: ProviderAdapter, input: GenerateInput, res: Response): Promise<Response> {
  const unwrap = adapter.unwrap!;
  if (!input.stream) {
    const json = await readJson(res, adapter);
    input.onDone({ status: 200 });
    return Response.json(unwrap(json));
  }
  const format = input.geminiFormat ?? 'sse';
  const body = unwrapStream(res.body!, unwrap, format, (message, relayedAny) => inBandError(input, message, relayedAny), (end) =>
    input.onDone({ status: 200, error: end.error }),
  );
  return new Response(body, { status: 200, headers: streamHeaders(format) });
}

async function readJson(res: Response, adapter: ProviderAdapter): Promise<unknown> {
  try {
    return JSON.parse(await res.text());
  } catch {
    throw new ProxyError({ kind: 'api_error', status: 502, message: `upstream ${adapter.name} sent a response that is not JSON` });
  }
}

function streamHeaders(format: 'sse' | 'json-array'): Record<string, string> {
  return { 'content-type': format === 'json-array' ? 'application/json' : 'text/event-stream', 'cache-control': 'no-cache' };
}

/** The protocol's in-band error for a relayed stream that broke off. */
function inBandError(input: GenerateInput, message: string, relayedAny: boolean): string {
  const error = { status: 502, kind: 'api_error' as const, message };
  if (input.geminiFormat === 'json-array') {
    // Continue (or open) the JSON array the upstream was streaming, then close it.
    return `${relayedAny ? ',' : '['}${JSON.stringify(codecs.gemini.encodeError(error))}]`;
  }
  const enc = codecs[input.protocol].createStreamEncoder({ model: input.model, format: input.geminiFormat });
  return enc.encode({ type: 'error', error }) + enc.end();
}

async function convert(ctx: AppContext, adapter: ProviderAdapter, input: GenerateInput): Promise<Response> {
  const client = codecs[input.protocol];
  const target = codecs[adapter.protocol];
  const canonical: CanonicalRequest = client.decodeRequest(input.body, { model: input.model, stream: input.stream });
  if (adapter.protocol === 'gemini') await inlineRemoteMedia(canonical, { fetch: ctx.fetch, signal: input.request.signal });
  const toolNames = renameToolsFor(adapter.protocol, canonical);
  const upstreamBody = target.encodeRequest(canonical, { model: canonical.model, defaultMaxTokens: ctx.defaultMaxTokens });
  const mode: GenerateMode = input.stream ? 'sse' : 'unary';
  const res = await callProvider(adapter, () => adapter.generate(canonical.model, mode, JSON.stringify(upstreamBody)), {
    signal: input.request.signal,
    headersTimeoutMs: ctx.headersTimeoutMs,
    fetch: ctx.fetch,
  });

  if (!res.ok) {
    const err = target.decodeError(res.status, await readLimited(res), res.headers);
    input.onDone({ status: err.status, error: err.message });
    return errorResponse(input.protocol, err);
  }

  if (!input.stream) {
    const json = await readJson(res, adapter);
    const response = target.decodeResponse(adapter.unwrap ? adapter.unwrap(json) : json);
    if (toolNames) restoreToolNames(response, toolNames);
    input.onDone({ status: 200, inputTokens: response.usage.inputTokens, outputTokens: response.usage.outputTokens });
    return Response.json(client.encodeResponse(response));
  }

  if (!res.body) throw new ProxyError({ kind: 'api_error', status: 502, message: `upstream ${adapter.name} sent an empty stream` });
  const format = input.protocol === 'gemini' ? (input.geminiFormat ?? 'sse') : 'sse';
  const enc = client.createStreamEncoder({ model: canonical.model, includeUsage: canonical.includeUsage, format });
  const upstreamDecoder = adapter.unwrap ? unwrappingDecoder(target.createStreamDecoder(), adapter.unwrap) : target.createStreamDecoder();
  const decoder = toolNames ? restoringDecoder(upstreamDecoder, toolNames) : upstreamDecoder;
  const body = convertStream(res.body, decoder, enc, (end: StreamEnd) =>
    input.onDone({ status: 200, error: end.error, inputTokens: end.inputTokens, outputTokens: end.outputTokens }),
  );
  return new Response(body, { status: 200, headers: streamHeaders(format) });
}
