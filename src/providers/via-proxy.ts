import type { ProviderAdapter, UpstreamRequest } from './types.ts';

/** The adapter with every request it builds sent through `proxy` (a provider's or member's proxy_url). */
export function viaProxy(adapter: ProviderAdapter, proxy: string | undefined): ProviderAdapter {
  if (!proxy) return adapter;
  const via = async (req: Promise<UpstreamRequest>): Promise<UpstreamRequest> => ({ ...(await req), proxy });
  const { embed, countTokens, compact, stored } = adapter;
  return {
    ...adapter,
    generate: (model, mode, body) => via(adapter.generate(model, mode, body)),
    listModels: async () => {
      const req = await adapter.listModels();
      return req && { ...req, proxy };
    },
    embed: embed && ((model, body, single) => via(embed(model, body, single))),
    countTokens: countTokens && ((model, body) => via(countTokens(model, body))),
    compact: compact && ((model, body) => via(compact(model, body))),
    stored: stored && ((method, path) => via(stored(method, path))),
  };
}
