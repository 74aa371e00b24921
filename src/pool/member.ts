import type { ProviderName } from '../config/providers.ts';
import type { ProviderAdapter } from '../providers/types.ts';
import { MAX_BACKOFF_MS, type PoolSettings } from './settings.ts';

export type Health = 'healthy' | 'cooling' | 'unhealthy';

/**
 * Held by whoever is the half-open probe (a request or an active check). Only its holder's outcome
 * settles the probe: another request on the same member ending meanwhile says nothing about it.
 */
export type ProbeTicket = { readonly probe: true };

/** What happened to one upstream call, as the pool needs to know it. */
export type Outcome =
  | { kind: 'success' }
  /** A client error (400, 404, 413…): the member is fine, the request was not. */
  | { kind: 'client_error'; status: number }
  /** `model`: the upstream model the limit belongs to, when the upstream said (only it cools down). */
  | { kind: 'rate_limited'; status: number; retryAfterMs?: number; message: string; model?: string }
  | { kind: 'auth_failed'; status: number; message: string }
  /** 5xx, network errors, timeouts. */
  | { kind: 'server_error'; status: number; message: string };

export interface MemberSpec {
  name: string;
  provider: ProviderName;
  adapter: ProviderAdapter;
  weight: number;
  /** Allowed client model names (after aliasing); undefined = any. */
  models?: ReadonlySet<string>;
  /** Client model names this member is never given. */
  excludedModels?: ReadonlySet<string>;
  /** Client alias → upstream model. */
  modelMap: Readonly<Record<string, string>>;
  maxConcurrency?: number;
  disabled: boolean;
  healthCheckModel?: string;
  /**
   * A provider configured without provider_pools is a pool of one: with nowhere else to go, its only
   * member always takes requests (its health is still tracked and shown).
   */
  alwaysAvailable?: boolean;
  /** Identifies the member's credentials and endpoint without holding them: state survives a reload only when this is unchanged. */
  fingerprint: string;
}

/** The persisted part of a member's state. */
export interface MemberState {
  health: Health;
  cooldownUntil: number;
  /** Consecutive cooldowns, for exponential backoff. */
  strikes: number;
  errors: number[];
  lastUsed: number;
  served: number;
  lastError?: { status: number; message: string; at: number };
  /** Upstream model → when its own rate limit ends (Google's per-model quotas); the member serves other models meanwhile. */
  modelCooldowns?: Record<string, number>;
}

/**
 * One account/key behind a provider and its health. Errors decay (a sliding window), cooldowns end by
 * themselves, and a member whose cooldown ended is let through once (half-open) before it counts as healthy.
 */
export class Member {
  readonly spec: MemberSpec;
  state: MemberState = { health: 'healthy', cooldownUntil: 0, strikes: 0, errors: [], lastUsed: 0, served: 0 };
  /** Its state came from the member it replaced in a reload: fresher than any state file. */
  carriedOver = false;
  /**
   * Requests in flight and the half-open probe. An object of its own so that after a reload the old
   * member (still finishing its requests) and its successor count the same slots.
   */
  private slots: { inflight: number; probe?: ProbeTicket } = { inflight: 0 };

  constructor(spec: MemberSpec) {
    this.spec = spec;
  }

  get name(): string {
    return this.spec.name;
  }

  get inflight(): number {
    return this.slots.inflight;
  }

  /** A half-open probe is in flight: nobody else gets this member until it reports. */
  get probing(): boolean {
    return this.slots.probe !== undefined;
  }

  /** Goes on as `old`, the same account under the previous configuration: its health and its requests in flight. */
  succeed(old: Member): void {
    this.state = old.state;
    this.slots = old.slots;
    this.carriedOver = true;
  }

  /** The upstream model for a client model, after model_map. */
  upstreamModel(model: string): string {
    // Own keys only: a client's model name may be "constructor" or "__proto__".
    return Object.hasOwn(this.spec.modelMap, model) ? this.spec.modelMap[model]! : model;
  }

  serves(model: string): boolean {
    if (this.spec.excludedModels?.has(model)) return false;
    return !this.spec.models || this.spec.models.has(model) || Object.hasOwn(this.spec.modelMap, model);
  }

  atCapacity(): boolean {
    return this.spec.maxConcurrency !== undefined && this.inflight >= this.spec.maxConcurrency;
  }

  /** Whether this member may take a request now (ignoring capacity), for `model` when given. */
  available(now: number, model?: string): boolean {
    if (this.spec.disabled) return false;
    if (this.spec.alwaysAvailable) return true;
    if (model !== undefined && this.modelCooldownUntil(model) > now) return false;
    if (this.state.health === 'healthy') return true;
    return now >= this.state.cooldownUntil && !this.probing;
  }

  /** When this member can next take `model`: its own cooldown and the model's, whichever ends later. */
  availableAt(model: string): number {
    const own = this.state.health === 'healthy' ? 0 : this.state.cooldownUntil;
    return Math.max(own, this.modelCooldownUntil(model));
  }

  private modelCooldownUntil(model: string): number {
    const cooldowns = this.state.modelCooldowns;
    const upstream = this.upstreamModel(model);
    // Own keys only: a client's model name may be "constructor".
    return cooldowns && Object.hasOwn(cooldowns, upstream) ? cooldowns[upstream]! : 0;
  }

  /**
   * Takes a request: counts it in flight; a member past its cooldown is let through as the half-open
   * probe, whose ticket is returned (to be given back with its outcome).
   */
  acquire(now: number): ProbeTicket | undefined {
    this.slots.inflight++;
    this.state.lastUsed = now;
    if (this.state.health === 'healthy' || this.spec.alwaysAvailable) return undefined;
    return (this.slots.probe = { probe: true });
  }

  /**
   * An active check takes the half-open probe, so that it and a real request never both test an
   * account that is just back; its outcome, recorded with the ticket, is then judged as a probe's.
   * Undefined when it is not due.
   */
  beginCheck(now: number): ProbeTicket | undefined {
    if (this.probing || this.state.health === 'healthy' || now < this.state.cooldownUntil) return undefined;
    return (this.slots.probe = { probe: true });
  }

  /**
   * The upstream took the probe and its answer is streaming: that is the probe's success. Waiting for
   * the stream's end would keep the member out of rotation for minutes; a later failure still counts.
   */
  accepted(probe: ProbeTicket): void {
    if (this.slots.probe !== probe) return;
    this.recover();
  }

  /** Reports how the request went and releases it; `probe`: its ticket, when it was the half-open probe. */
  release(outcome: Outcome, now: number, s: PoolSettings, probe?: ProbeTicket): void {
    this.slots.inflight = Math.max(0, this.slots.inflight - 1);
    this.record(outcome, now, s, probe);
  }

  /** Applies an outcome (also used by active health checks, which hold the probe but no slot). */
  record(outcome: Outcome, now: number, s: PoolSettings, probe?: ProbeTicket): void {
    // Only the probe's own outcome settles it: a request admitted earlier, ending (or its client leaving)
    // while the probe is out, neither frees the probe's place for a second request nor speaks for it.
    const wasProbe = probe !== undefined && this.slots.probe === probe;
    if (wasProbe) this.slots.probe = undefined;
    switch (outcome.kind) {
      case 'success':
      case 'client_error':
        // The client left before the upstream answered: nothing was learnt about the account, and a
        // probe cut short must not bring back one whose key was refused (the next request probes again).
        if (outcome.kind === 'client_error' && outcome.status === 499) return;
        if (outcome.kind === 'success') this.state.served++;
        // Only the probe, or an answer once the cooldown is over, ends it: a request let in before the
        // 429 (a long stream ending now) says nothing about what the upstream takes next.
        if (wasProbe || (this.state.health !== 'healthy' && (now >= this.state.cooldownUntil || this.spec.alwaysAvailable))) this.recover();
        return;
      case 'rate_limited':
        this.state.lastError = { status: outcome.status, message: outcome.message, at: now };
        if (outcome.model) {
          this.coolModel(outcome.model, now + (outcome.retryAfterMs ?? s.cooldownMs), now);
          // A half-open probe answered for the account: it is reachable, only this model is spent.
          if (wasProbe) this.recover();
          return;
        }
        this.rest('cooling', now + (outcome.retryAfterMs ?? s.cooldownMs));
        return;
      case 'auth_failed':
        this.state.lastError = { status: outcome.status, message: outcome.message, at: now };
        this.rest('unhealthy', now + this.backoff(s, now, wasProbe));
        return;
      case 'server_error': {
        this.state.lastError = { status: outcome.status, message: outcome.message, at: now };
        const errors = this.state.errors.filter((t) => now - t < s.errorWindowMs);
        errors.push(now);
        this.state.errors = errors;
        if (wasProbe || errors.length >= s.errorThreshold) {
          this.rest('cooling', now + this.backoff(s, now, wasProbe));
          this.state.errors = [];
        }
        return;
      }
    }
  }

  /** Errors in the window right now (they decay). */
  recentErrors(now: number, s: PoolSettings): number {
    return this.state.errors.filter((t) => now - t < s.errorWindowMs).length;
  }

  /**
   * How long the member rests after a failure: doubled for each rest in a row. A failure reported while
   * it already rests, by a request admitted before it went out, is part of the same failure, not another
   * strike: a team's concurrent requests on a key just revoked, or an upstream that just went down, all
   * fail together, and each doubling the rest kept a member out for 15 minutes (cooldown_ms × 2^n)
   * instead of one cooldown. Only the probe, or a failure after the rest ended, counts a new strike.
   */
  private backoff(s: PoolSettings, now: number, wasProbe: boolean): number {
    const sameFailure = !wasProbe && this.state.health !== 'healthy' && now < this.state.cooldownUntil && this.state.strikes > 0;
    const strikes = sameFailure ? this.state.strikes - 1 : this.state.strikes;
    if (!sameFailure) this.state.strikes++;
    return Math.min(s.cooldownMs * 2 ** Math.min(strikes, 10), MAX_BACKOFF_MS);
  }

  private coolModel(model: string, until: number, now: number): void {
    const cooldowns: Record<string, number> = {};
    for (const [m, t] of Object.entries(this.state.modelCooldowns ?? {})) if (t > now) cooldowns[m] = t;
    // As for the member's own rest: a shorter hint from a request admitted earlier does not cut it.
    cooldowns[model] = Math.max(until, cooldowns[model] ?? 0);
    this.state.modelCooldowns = cooldowns;
  }

  /**
   * Takes the member out until `until`. Requests admitted before it went out report late, and their
   * 429s and 401s may carry shorter waits: the longest rest decided wins, so a member is never used
   * before a retry-after it was given (an ended rest, as a failed probe's, is simply replaced).
   */
  private rest(health: Health, until: number): void {
    if (this.state.health !== 'healthy' && this.state.cooldownUntil >= until) return;
    this.state.health = health;
    this.state.cooldownUntil = until;
  }

  private recover(): void {
    // Back in rotation: a probe still out no longer decides anything.
    this.slots.probe = undefined;
    this.state.health = 'healthy';
    this.state.cooldownUntil = 0;
    this.state.strikes = 0;
    this.state.errors = [];
  }
}
