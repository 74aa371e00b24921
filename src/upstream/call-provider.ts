import type { ProviderAdapter, UpstreamRequest } from '../providers/types.ts';
import { callUpstream, type CallOptions } from './fetch.ts';

/**
 * Calls a provider, giving an OAuth upstream one chance to refresh its token after a 401: the request is
 * rebuilt (with the new token) and sent once more. Any other answer is returned as it is.
 */
export async function callProvider(
  adapter: ProviderAdapter,
  build: () => Promise<UpstreamRequest>,
  opts: CallOptions,
): Promise<Response> {
  const res = await callUpstream(await build(), opts);
  if (res.status !== 401 || !adapter.refreshAuth) return res;
  // A refresh that fails for good (revoked grant) throws a ProxyError that names the cause.
  const refreshed = await adapter.refreshAuth(res);
  if (!refreshed) return res;
  res.body?.cancel().catch(() => {});
  return callUpstream(await build(), opts);
}
