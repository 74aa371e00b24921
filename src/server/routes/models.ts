import { badRequest, ProxyError } from '../../core/errors.ts';
import type { ModelInfo } from '../../core/models.ts';
import type { ProviderName } from '../../config/providers.ts';
import { codecs, type Protocol } from '../../protocols/index.ts';
import type { AppContext } from '../../proxy/context.ts';
import { errorResponse } from '../../proxy/errors.ts';
import { resolveProvider } from '../../proxy/generate.ts';
import { providerHeader } from '../../routing/select-provider.ts';
import { servable, withAliases } from '../../proxy/models.ts';
import { assertAllowed, isAllowed } from '../client-keys.ts';
import { isGeminiAction, protocolOf } from '../protocol-of.ts';
import { withHeaders } from '../request-id.ts';
import { requestTarget } from '../request-target.ts';
import type { RouteArgs } from './types.ts';

/**
 * GET /v1/models (OpenAI or Anthropic shape) and GET /v1beta/models (Gemini shape): every configured
 * provider's models, or one provider's when a prefix or X-Model-Provider header names it.
 */
export async function listModels(ctx: AppContext, { request, prefix, path, params, log, caller }: RouteArgs): Promise<Response> {
  const protocol: Protocol = protocolOf(path, request.headers, requestTarget(request.url).query);
  // `GET /v1beta/models/{model}:generateContent` matches this route too, but is a POST endpoint used wrongly.
  if (params.model && isGeminiAction(path)) {
    const message = `GET is not allowed on ${path}; use POST`;
    log({ status: 405, error: message });
    return withHeaders(errorResponse(protocol, { status: 405, kind: 'invalid_request', message }), { allow: 'POST' });
  }
  const named = prefix ?? providerHeader(request);
  const names: readonly ProviderName[] = named ? [resolveProvider(ctx, { request, prefix }).name] : ctx.config.modelProviders;
  const offered = servable(withAliases(await ctx.models.list(names), ctx.pools, names), ctx.pools);
  // An id with its owner (Qwen/Qwen3-8B) as the Gemini SDK puts it in the path: two segments.
  const wanted = params.model ? modelParam(params.ownedModel === undefined ? params.model : `${params.model}/${params.ownedModel}`) : undefined;
  const provider = names.join(',');
  const one = wanted === undefined ? undefined : (offered.find((m) => m.id === wanted) ?? datedModel(offered, wanted));
  if (wanted !== undefined && !one) {
    const message = `model ${wanted} is not offered by the configured providers`;
    // Logged here, with the providers asked; the first log call of a request is the one that counts.
    log({ status: 404, provider, error: message });
    throw new ProxyError({ kind: 'not_found', message });
  }
  // A key limited by api_keys sees only what it may use: a 403 for one model, as a chat with it would get.
  // An alias is judged by the name asked for, as a chat with it is.
  if (one) assertAllowed(caller, one.provider as ProviderName, wanted!);
  log({ status: 200, provider });
  if (!one) {
    const list = codecs[protocol].encodeModelList(offered.filter((m) => isAllowed(caller, m.provider, m.id))) as Record<string, unknown>;
    return Response.json(protocol === 'openai' && isCodexManifestRequest(request) ? { ...list, models: [] } : list);
  }
  const list = codecs[protocol].encodeModelList([one]) as Record<string, unknown>;
  // Single-model endpoints answer with the bare object, as the real APIs do.
  const items = (list.data ?? list.models) as unknown[] | undefined;
  return Response.json(items?.[0] ?? list);
}

/**
 * Codex asks a custom provider for its model manifest at `{base_url}/models?client_version=…` and reads
 * `{models: [ModelInfo…]}` (codex-rs models_endpoint.rs): an OpenAI list fails that parse, which Codex
 * logs as an error and keeps a stale cache. An empty `models` next to the list makes it use the catalog
 * it ships with, while OpenAI clients still read `data`.
 */
function isCodexManifestRequest(request: Request): boolean {
  return new URL(request.url).searchParams.has('client_version');
}

/**
 * The listed model an Anthropic alias names: `claude-sonnet-4-5`, `claude-3-5-sonnet-latest` or
 * `claude-sonnet-4-0` (Claude 4's first release) is the newest `…-YYYYMMDD` id of that name. Anthropic's
 * `GET /v1/models/{model_id}` takes "model identifier or alias" and answers with the dated id, while its
 * list shows only dated ids (claude-sonnet-4-5-20250929), so an SDK's `models.retrieve('claude-sonnet-4-5')`
 * (the name a chat routes with) must find it here too, not 404.
 */
function datedModel(offered: readonly ModelInfo[], alias: string): ModelInfo | undefined {
  const base = `${alias.replace(/-latest$|(?<=-\d)-0$/, '')}-`;
  let best: ModelInfo | undefined;
  for (const m of offered) {
    if (!m.id.startsWith(base) || !/^\d{8}$/.test(m.id.slice(base.length))) continue;
    if (!best || m.id > best.id) best = m;
  }
  return best;
}

/** The model id of a path segment; a malformed percent-escape is the client's mistake, not a crash. */
function modelParam(segment: string): string {
  try {
    return decodeURIComponent(segment).replace(/^models\//, '');
  } catch {
    throw badRequest('the model in the path has a malformed percent-escape');
  }
}
