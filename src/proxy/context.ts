import type { ProviderName } from '../config/providers.ts';
import type { Config } from '../config/types.ts';
import type { Pool } from '../pool/pool.ts';
import type { ProviderAdapter } from '../providers/types.ts';
import type { AliasIndex } from '../routing/aliases.ts';
import type { CallOptions } from '../upstream/fetch.ts';
import type { Logger } from '../util/log.ts';
import type { ModelCatalog } from './models.ts';

/** Everything a request handler needs, built once at start-up (never copied per request). */
export interface AppContext {
  config: Config;
  /** The members behind each reachable provider. */
  pools: Map<ProviderName, Pool>;
  /** One adapter per provider (its first enabled member), for model lists and token counting. */
  providers: Map<ProviderName, ProviderAdapter>;
  /** The pools' model_map aliases → the provider a request for one is routed to. */
  aliases: AliasIndex;
  log: Logger;
  fetch: typeof fetch;
  models: ModelCatalog;
  /** Time allowed for an upstream's response headers. */
  headersTimeoutMs: number;
  /** Anthropic requires max_tokens; used when a client of another protocol gave none. */
  defaultMaxTokens: number;
}

/** How a request's upstream calls are bounded: the client leaving, the headers deadline, a stalled body. */
export function upstreamCallOptions(ctx: AppContext, signal: AbortSignal): CallOptions {
  return { signal, headersTimeoutMs: ctx.headersTimeoutMs, bodyIdleMs: ctx.config.timeouts.idleMs, fetch: ctx.fetch };
}
