import { ProxyError } from '../../core/errors.ts';
import type { ProviderName } from '../../config/providers.ts';
import type { AppContext } from '../../proxy/context.ts';
import { callUpstream, relayHeaders } from '../../upstream/fetch.ts';
import { assertUnlimited } from '../client-keys.ts';
import type { RouteArgs } from './types.ts';

const BASE = '/v1/responses/';

/**
 * `GET` and `DELETE /v1/responses/{id}`, `GET …/{id}/input_items`, `POST …/{id}/cancel`: OpenAI's own
 * store of responses (what `store: true` left, and `background: true` runs, which are polled here),
 * reached through an openaiResponses-custom provider; aiproxy itself stores nothing. A response lives
 * in the organisation that made it, so a pool's members are asked in turn until one knows it.
 */
export async function responsesStored(ctx: AppContext, args: RouteArgs): Promise<Response> {
  // The model a stored response used is not known before it is read, so a key limited by models cannot be checked.
  assertUnlimited(args.caller, "OpenAI's stored responses");
  const name = storeProvider(ctx, args);
  const url = new URL(args.request.url);
  const path = url.pathname.slice(url.pathname.indexOf(BASE) + BASE.length) + url.search;
  const method = args.request.method as 'GET' | 'POST' | 'DELETE';
  const members = (ctx.pools.get(name)?.members ?? []).filter((m) => !m.spec.disabled);
  for (let i = 0; i < members.length; i++) {
    const req = await members[i]!.spec.adapter.stored!(method, path);
    const res = await callUpstream(req, { signal: args.request.signal, headersTimeoutMs: ctx.headersTimeoutMs, fetch: ctx.fetch });
    if (res.status === 404 && i < members.length - 1) {
      await res.body?.cancel();
      continue;
    }
    args.log({ status: res.status, provider: name });
    return new Response(res.body, { status: res.status, headers: relayHeaders(res.headers) });
  }
  throw new ProxyError({ kind: 'not_found', message: `provider ${name} has no member to ask` });
}

/** The provider named by header or prefix, else the first configured one with a store of responses. */
function storeProvider(ctx: AppContext, args: RouteArgs): ProviderName {
  const named = args.request.headers.get('x-model-provider')?.trim() || args.request.headers.get('model-provider')?.trim() || args.prefix;
  const candidates = named ? ctx.config.modelProviders.filter((p) => p === named) : ctx.config.modelProviders;
  const found = candidates.find((p) => ctx.providers.get(p)?.stored);
  if (found) return found;
  throw new ProxyError({
    kind: 'not_found',
    message: named
      ? `provider ${named} keeps no stored responses (only openaiResponses-custom reaches OpenAI's store)`
      : 'aiproxy stores no responses; configure an openaiResponses-custom provider to reach OpenAI\'s store',
  });
}
