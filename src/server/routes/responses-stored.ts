import { ProxyError } from '../../core/errors.ts';
import type { ProviderName } from '../../config/providers.ts';
import { upstreamCallOptions, type AppContext } from '../../proxy/context.ts';
import { providerHeader } from '../../routing/select-provider.ts';
import { callUpstream, relayHeaders } from '../../upstream/fetch.ts';
import { assertUnlimited } from '../client-keys.ts';
import type { RouteArgs } from './types.ts';

/** OpenAI's response ids (`resp_…`); anything else, `compact` and `input_tokens` included, names none. */
const RESPONSE_ID = /^resp_[A-Za-z0-9_-]+$/;
/** A member whose answer says nothing about whether another member holds the response. */
const ASK_NEXT = new Set([401, 403, 404]);

/**
 * `GET` and `DELETE /v1/responses/{id}`, `GET …/{id}/input_items`, `POST …/{id}/cancel`: OpenAI's own
 * store of responses (what `store: true` left, and `background: true` runs, which are polled here),
 * reached through an openaiResponses-custom provider; aiproxy itself stores nothing. A response lives
 * in the organisation that made it, so a pool's members are asked in turn until one knows it.
 */
export async function responsesStored(ctx: AppContext, args: RouteArgs): Promise<Response> {
  // The model a stored response used is not known before it is read, so a key limited by models cannot be checked.
  assertUnlimited(args.caller, "OpenAI's stored responses");
  const id = args.params.id ?? '';
  if (!RESPONSE_ID.test(id)) throw new ProxyError({ kind: 'not_found', message: `no response has the id "${id.slice(0, 100)}"` });
  const name = storeProvider(ctx, args);
  const url = new URL(args.request.url);
  // The proxy key a client may pass as ?key= is ours, not OpenAI's.
  url.searchParams.delete('key');
  const suffix = url.pathname.endsWith('/input_items') ? '/input_items' : url.pathname.endsWith('/cancel') ? '/cancel' : '';
  const path = `${id}${suffix}${url.search}`;
  const method = args.request.method as 'GET' | 'POST' | 'DELETE';
  const members = (ctx.pools.get(name)?.members ?? []).filter((m) => !m.spec.disabled);
  let failure: unknown;
  for (let i = 0; i < members.length; i++) {
    const req = await members[i]!.spec.adapter.stored!(method, path);
    let res: Response;
    try {
      res = await callUpstream(req, upstreamCallOptions(ctx, args.request.signal));
    } catch (e) {
      // An unreachable member may not be the one that holds it.
      failure = e;
      continue;
    }
    if (ASK_NEXT.has(res.status) && i < members.length - 1) {
      await res.body?.cancel();
      continue;
    }
    args.log({ status: res.status, provider: name });
    return new Response(res.body, { status: res.status, headers: relayHeaders(res.headers) });
  }
  throw failure ?? new ProxyError({ kind: 'not_found', message: `provider ${name} has no member to ask` });
}

/** The provider named by header or prefix, else the first configured one with a store of responses. */
function storeProvider(ctx: AppContext, args: RouteArgs): ProviderName {
  const named = providerHeader(args.request)?.trim() || args.prefix;
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
