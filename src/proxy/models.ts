import type { ModelInfo } from '../core/index.ts';
import type { ProviderName } from '../config/providers.ts';
import { codecs } from '../protocols/index.ts';
import type { ProviderAdapter } from '../providers/types.ts';
import type { Pool } from '../pool/pool.ts';
import { readText } from '../upstream/fetch.ts';
import { followRedirects } from '../upstream/redirects.ts';
import { resending } from '../upstream/resend.ts';
import type { Logger } from '../util/log.ts';

const TTL_MS = 5 * 60_000;
/** After a failed listing, the built-in list is served this long before asking again. */
const RETRY_MS = 60_000;
const FETCH_TIMEOUT_MS = 10_000;
/** A list of thousands of models is a few MB; more is an upstream gone wrong, not a list to hold. */
const MAX_LIST_BYTES = 16 * 1024 * 1024;
/**
 * The longest a first listing makes a client wait before it gets the built-in list instead (the real
 * one fills the cache when it comes): Claude Code's model discovery gives up after 3 s.
 */
const FIRST_ANSWER_MS = 2_000;

interface Entry {
  at: number;
  ttl: number;
  models: ModelInfo[];
}

/**
 * Model lists from the configured upstreams, fetched on demand and cached for a while. An upstream that
 * cannot list (no endpoint, error, timeout) is represented by its built-in list instead, so a model
 * picker in a client never comes up empty because one upstream is down; and a list past its time is
 * served while a fresh one is fetched, so no listing waits on an upstream it has listed before.
 */
export class ModelCatalog {
  private readonly cache = new Map<ProviderName, Entry>();
  private readonly pending = new Map<ProviderName, Promise<ModelInfo[]>>();

  constructor(
    private readonly providers: Map<ProviderName, ProviderAdapter>,
    private readonly fetchFn: typeof fetch,
    private readonly log: Logger,
    private readonly ttlMs = TTL_MS,
    private readonly firstAnswerMs = FIRST_ANSWER_MS,
  ) {}

  async list(names: readonly ProviderName[]): Promise<ModelInfo[]> {
    const lists = await Promise.all(names.map((n) => this.forProvider(n)));
    const seen = new Set<string>();
    const out: ModelInfo[] = [];
    for (const list of lists) {
      for (const m of list) {
        if (seen.has(m.id)) continue;
        seen.add(m.id);
        out.push(m);
      }
    }
    return out;
  }

  private forProvider(name: ProviderName): Promise<ModelInfo[]> | ModelInfo[] {
    const adapter = this.providers.get(name);
    if (!adapter) return [];
    const hit = this.cache.get(name);
    if (hit && Date.now() - hit.at < hit.ttl) return hit.models;
    const fresh = this.pending.get(name) ?? this.refresh(name, adapter);
    if (hit) return hit.models;
    return firstOf(fresh, this.firstAnswerMs, () => fallback(adapter));
  }

  private refresh(name: ProviderName, adapter: ProviderAdapter): Promise<ModelInfo[]> {
    const done = this.fetchList(adapter).then(({ models, ok }) => {
      // A failed refresh keeps the last real list rather than falling back to the built-in one.
      const kept = ok ? models : (this.cache.get(name)?.models ?? models);
      this.cache.set(name, { at: Date.now(), ttl: ok ? this.ttlMs : Math.min(this.ttlMs, RETRY_MS), models: kept });
      this.pending.delete(name);
      return kept;
    });
    this.pending.set(name, done);
    return done;
  }

  private async fetchList(adapter: ProviderAdapter): Promise<{ models: ModelInfo[]; ok: boolean }> {
    const req = await adapter.listModels().catch(() => undefined);
    if (!req) return { models: fallback(adapter), ok: true };
    try {
      const init = { method: req.method, headers: req.headers, signal: AbortSignal.timeout(FETCH_TIMEOUT_MS), redirect: 'manual', proxy: req.proxy } as RequestInit;
      // A stale pooled connection would cost the real list for a minute (RETRY_MS): sent again as a request's is.
      const send = resending(this.fetchFn);
      const res = await followRedirects(await send(req.url, init), req.url, init, send);
      if (!res.ok) {
        res.body?.cancel().catch(() => {});
        throw new Error(`HTTP ${res.status}`);
      }
      // FETCH_TIMEOUT_MS's signal bounds the body's time as well.
      const list = codecs[adapter.protocol].decodeModelList(JSON.parse(await readText(res, 0, MAX_LIST_BYTES)));
      if (list.length === 0) return { models: fallback(adapter), ok: true };
      return { models: list.map((m) => ({ ...m, provider: adapter.name })), ok: true };
    } catch (e) {
      this.log.warn('model list unavailable, using built-in list', { provider: adapter.name, reason: (e as Error).message });
      // Asked again sooner than the normal TTL: the upstream may be back in a minute.
      return { models: fallback(adapter), ok: false };
    }
  }
}

function fallback(adapter: ProviderAdapter): ModelInfo[] {
  return adapter.fallbackModels.map((id) => ({ id, provider: adapter.name }));
}

/** `p`'s value, or `late()` if `p` takes longer than `ms` (p still settles, into the cache). */
function firstOf<T>(p: Promise<T>, ms: number, late: () => T): Promise<T> {
  let timer: ReturnType<typeof setTimeout> | undefined;
  const slow = new Promise<T>((resolve) => {
    timer = setTimeout(() => resolve(late()), ms);
  });
  return Promise.race([p, slow]).finally(() => clearTimeout(timer));
}

/**
 * The list without the models no member of their provider's pool takes (an alias is taken by the
 * members that map it): when every member has a `models` allowlist (or the original project's
 * supportedModels / notSupportedModels), any other model is a 404 "not offered", and a picker that
 * listed it (Open WebUI, Cherry Studio) would offer a model that cannot be used. A pool with a member
 * that takes every model keeps them all.
 */
export function servable(models: ModelInfo[], pools: ReadonlyMap<ProviderName, Pool>): ModelInfo[] {
  return models.filter((m) => {
    const members = pools.get(m.provider as ProviderName)?.members;
    return !members || members.some((member) => !member.spec.disabled && member.serves(m.id));
  });
}

/**
 * The list with each pool member's model_map aliases added (claude-sonnet-4-5 → gemini-2.5-pro): they are
 * names clients may ask for, and Claude Code's model discovery keeps only claude-* and anthropic-* ids,
 * so without them its picker shows nothing from a non-Anthropic upstream. An alias is shown with its
 * target's name and limits; a name an upstream lists itself is not repeated.
 */
export function withAliases(models: ModelInfo[], pools: ReadonlyMap<ProviderName, Pool>, names: readonly ProviderName[]): ModelInfo[] {
  const seen = new Set(models.map((m) => m.id));
  const out = [...models];
  for (const name of names) {
    for (const member of pools.get(name)?.members ?? []) {
      if (member.spec.disabled) continue;
      for (const [alias, target] of Object.entries(member.spec.modelMap)) {
        if (seen.has(alias)) continue;
        seen.add(alias);
        const known = models.find((m) => m.id === target);
        out.push({ ...known, id: alias, provider: name, displayName: known?.displayName ?? target });
      }
    }
  }
  return out;
}
