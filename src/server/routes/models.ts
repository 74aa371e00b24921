import { ProxyError } from '../../core/errors.ts';
import type { ProviderName } from '../../config/providers.ts';
import { codecs, type Protocol } from '../../protocols/index.ts';
import type { AppContext } from '../../proxy/context.ts';
import { resolveProvider } from '../../proxy/generate.ts';
import { withAliases } from '../../proxy/models.ts';
import { protocolOf } from '../protocol-of.ts';
import type { RouteArgs } from './types.ts';

/**
 * GET /v1/models (OpenAI or Anthropic shape) and GET /v1beta/models (Gemini shape): every configured
 * provider's models, or one provider's when a prefix or X-Model-Provider header names it.
 */
export async function listModels(ctx: AppContext, { request, prefix, path, params, log }: RouteArgs): Promise<Response> {
  const protocol: Protocol = protocolOf(path, request.headers);
  const named = prefix ?? request.headers.get('x-model-provider') ?? request.headers.get('model-provider');
  const names: readonly ProviderName[] = named ? [resolveProvider(ctx, { request, prefix }).name] : ctx.config.modelProviders;
  const models = withAliases(await ctx.models.list(names), ctx.pools, names);
  const wanted = params.model ? decodeURIComponent(params.model).replace(/^models\//, '') : undefined;
  log({ status: 200, provider: names.join(',') });
  if (wanted === undefined) return Response.json(codecs[protocol].encodeModelList(models));
  const one = models.find((m) => m.id === wanted);
  if (!one) throw new ProxyError({ kind: 'not_found', message: `model ${wanted} is not offered by the configured providers` });
  const list = codecs[protocol].encodeModelList([one]) as Record<string, unknown>;
  // Single-model endpoints answer with the bare object, as the real APIs do.
  const items = (list.data ?? list.models) as unknown[] | undefined;
  return Response.json(items?.[0] ?? list);
}
