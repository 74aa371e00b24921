import type { ProviderName } from '../config/providers.ts';
import { isNativeModel } from '../routing/select-provider.ts';
import { Member, type ProbeTicket } from './member.ts';
import type { PoolSettings } from './settings.ts';

const AFFINITY_LIMIT = 10_000;
/** Rotations kept, one per model; past it the oldest is dropped (that model's rotation starts over). */
const ROTATION_LIMIT = 1_000;

/** Where a model's requests stand in the rotation over the members: round_robin's place, weighted's running weights. */
interface Rotation {
  cursor: number;
  /** By member name: the members of a reload that go on keep their running weight. */
  weights: Map<string, number>;
}

export interface PickOptions {
  /** Members already tried for this request. */
  exclude?: ReadonlySet<Member>;
  /** Session affinity key (X-Session-Id, Anthropic metadata.user_id). */
  sessionKey?: string;
}

/** Why a pool could not take a request: for the fast 429/503 answer. */
export interface Unavailable {
  /** Milliseconds until the soonest member comes back, if one is cooling down. */
  retryAfterMs?: number;
  /** Every otherwise-usable member is at its max_concurrency. */
  busy: boolean;
}

/** The members behind one provider and the strategy that spreads requests over them. */
export class Pool {
  /**
   * The rotation, per model: with one for all, interleaved requests for models served by different
   * members (a model whose quota one account spent, an account's models list) steer each other, one
   * model always landing on the same member while another member idles
   * (vllm-project/production-stack#915, router-for-me/CLIProxyAPI#506).
   */
  private readonly rotations: Map<string, Rotation>;
  /** Session key → member name. */
  private readonly affinity: Map<string, string>;

  /** `previous`: this provider's pool before a reload, whose sessions stay on their members and whose rotation goes on. */
  constructor(
    readonly provider: ProviderName,
    readonly members: readonly Member[],
    readonly settings: PoolSettings,
    previous?: Pool,
  ) {
    this.affinity = previous?.affinity ?? new Map();
    // The rotation goes on too: started afresh, every reload sent the next request of each model to the
    // first member again, which a config tool's frequent SIGHUPs turned into a lasting skew.
    this.rotations = previous?.rotations ?? new Map();
  }

  /** The member for the next attempt, or undefined when none can take it. Acquires the member. */
  pick(model: string, opts: PickOptions, now = Date.now()): Member | undefined {
    return this.take(model, opts, now)?.member;
  }

  /** As pick, with the probe's ticket when the member was on probation: this request is its half-open probe. */
  take(model: string, opts: PickOptions, now = Date.now()): { member: Member; probe?: ProbeTicket } | undefined {
    const eligible = this.preferNamed(
      this.members.filter((m) => !opts.exclude?.has(m) && m.serves(model) && m.available(now, model) && !m.atCapacity()),
      model,
    );
    if (eligible.length === 0) return undefined;
    const chosen = this.sticky(eligible, opts.sessionKey) ?? this.byStrategy(eligible, model);
    if (this.settings.affinity && opts.sessionKey) this.remember(opts.sessionKey, chosen);
    return { member: chosen, probe: chosen.acquire(now) };
  }

  /**
   * A member that could take `model` now, left as it is (no slot, not the half-open probe): for a call
   * made on the side, such as a token count. A healthy member first, else one due for its probe; one at
   * its max_concurrency still qualifies, as such a call takes no slot.
   */
  peek(model: string, now = Date.now()): Member | undefined {
    let due: Member | undefined;
    for (const m of this.preferNamed(this.members.filter((m) => m.serves(model) && m.available(now, model)), model)) {
      if (m.state.health === 'healthy') return m;
      due ??= m;
    }
    return due;
  }

  unavailable(model: string, now = Date.now()): Unavailable {
    const candidates = this.members.filter((m) => !m.spec.disabled && m.serves(model));
    const waits = candidates.filter((m) => !m.available(now, model)).map((m) => Math.max(0, m.availableAt(model) - now));
    // Busy: a slot frees as soon as a request ends, which only helps a member that is not cooling down too.
    const busy =
      candidates.length > 0 &&
      candidates.every((m) => m.atCapacity() || !m.available(now, model)) &&
      candidates.some((m) => m.atCapacity() && m.available(now, model));
    return { retryAfterMs: waits.length ? Math.min(...waits) : undefined, busy };
  }

  /** True when at least one enabled member is healthy. */
  hasHealthyMember(): boolean {
    return this.members.some((m) => !m.spec.disabled && m.state.health === 'healthy');
  }

  /**
   * A model_map alias one member defines (`fast: gpt-4o-mini`, or another family's name such as
   * `claude-sonnet-4-5: gemini-2.5-pro`) goes to the members that name it (in their model_map or `models`
   * list) while one of them can take it: another member, with no list, would send the alias upstream as
   * it is, a model no server has (a 404 after a wasted round trip, or a local server's own model
   * instead). The others stay as the last resort. A name of the provider's own family that a member
   * merely pins (`claude-sonnet-4-5` to a dated id on claude-custom) is served by every member alike.
   */
  private preferNamed(eligible: Member[], model: string): Member[] {
    if (eligible.length < 2 || !eligible.some((m) => Object.hasOwn(m.spec.modelMap, model)) || isNativeModel(this.provider, model)) return eligible;
    const naming = eligible.filter((m) => Object.hasOwn(m.spec.modelMap, model) || m.spec.models?.has(model));
    return naming.length > 0 ? naming : eligible;
  }

  private sticky(eligible: Member[], key: string | undefined): Member | undefined {
    if (!this.settings.affinity || !key) return undefined;
    const name = this.affinity.get(key);
    return name === undefined ? undefined : eligible.find((m) => m.name === name);
  }

  private remember(key: string, m: Member): void {
    this.affinity.delete(key);
    this.affinity.set(key, m.name);
    if (this.affinity.size > AFFINITY_LIMIT) this.affinity.delete(this.affinity.keys().next().value!);
  }

  private byStrategy(eligible: Member[], model: string): Member {
    switch (this.settings.strategy) {
      case 'fill_first':
        return eligible[0]!;
      case 'least_inflight':
        return eligible.reduce((a, b) => (b.inflight < a.inflight || (b.inflight === a.inflight && b.state.lastUsed < a.state.lastUsed) ? b : a));
      case 'weighted': {
        // Smooth weighted round robin: even spread, exact proportions over time.
        const weights = this.rotation(model).weights;
        let total = 0;
        let best = eligible[0]!;
        let bestWeight = -Infinity;
        for (const m of eligible) {
          const w = (weights.get(m.name) ?? 0) + m.spec.weight;
          weights.set(m.name, w);
          total += m.spec.weight;
          if (w > bestWeight) [best, bestWeight] = [m, w];
        }
        weights.set(best.name, bestWeight - total);
        return best;
      }
      case 'round_robin': {
        // Rotate over the whole member list so the order does not shift when one member drops out.
        const rotation = this.rotation(model);
        for (let i = 0; i < this.members.length; i++) {
          const m = this.members[(rotation.cursor + i) % this.members.length]!;
          if (eligible.includes(m)) {
            rotation.cursor = (rotation.cursor + i + 1) % this.members.length;
            return m;
          }
        }
        return eligible[0]!;
      }
    }
  }

  /** The model's rotation; a lookup only, on every pick, once the model has one. */
  private rotation(model: string): Rotation {
    const known = this.rotations.get(model);
    if (known) return known;
    const r: Rotation = { cursor: 0, weights: new Map() };
    this.rotations.set(model, r);
    if (this.rotations.size > ROTATION_LIMIT) this.rotations.delete(this.rotations.keys().next().value!);
    return r;
  }
}
