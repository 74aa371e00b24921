import { Registry, type Counter, type Histogram, type HistogramState } from './registry.ts';

/** How one request went, as the request log line states it. */
export interface RequestOutcome {
  /** The client's protocol. */
  protocol: string;
  provider?: string;
  model?: string;
  /** The status the client got (200 for a stream that later ended with an in-band error). */
  status: number;
  /** The request failed: a status ≥ 400 or a stream that ended with an error. */
  failed: boolean;
  durationMs: number;
  ttfbMs?: number;
  inputTokens?: number;
  outputTokens?: number;
  /** Upstream attempts; more than one means retries. */
  attempts?: number;
}

/** One pool member as /metrics shows it. */
export interface MemberGauge {
  provider: string;
  member: string;
  healthy: boolean;
  inflight: number;
}

export interface MetricSources {
  inFlight(): number;
  members(): Iterable<MemberGauge>;
}

const HOT_SERIES = 4096;
/**
 * Model names come from clients: one gets its own label value once a request for it succeeded (an
 * upstream knew it), up to this many; anything else is counted as `_other` with its other labels kept.
 * Otherwise a client cycling through made-up names would fill each metric's series cap, and every
 * series after it (a real model's first 500) would lose all its labels.
 */
const MAX_MODELS = 256;
/**
 * Names longer than this are `_other` too: requests are refused past it (src/server/check-request.ts),
 * but a label value is kept for good and copied into several series keys, so it is not left to that alone.
 */
const MAX_MODEL_LENGTH = 256;
const OTHER_MODEL = '_other';

interface HotSeries {
  requests: { n: number };
  duration: HistogramState;
  ttfb: HistogramState;
  tokensIn?: { n: number };
  tokensOut?: { n: number };
}
const START_TIME_S = Math.round(performance.timeOrigin) / 1000;
const DURATION_BUCKETS = [0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10, 30, 60, 120, 300, 600];
const TTFB_BUCKETS = [0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10, 30, 60, 120, 300];

/** The metrics aiproxy exposes at GET /metrics. One instance per process: a config reload keeps the counts. */
export class ProxyMetrics {
  readonly registry = new Registry();
  private readonly requests: Counter;
  private readonly errors: Counter;
  private readonly duration: Histogram;
  private readonly ttfb: Histogram;
  private readonly tokens: Counter;
  private readonly retries: Counter;
  private readonly collections: { n: number };
  /**
   * The series every request updates, by protocol, provider, model and status: one map lookup per
   * request instead of one per metric. Bounded like the series themselves.
   */
  private readonly hot = new Map<string, HotSeries>();
  /** The model names counted under their own name (see MAX_MODELS). */
  private readonly models = new Set<string>();

  constructor(sources: MetricSources) {
    const r = this.registry;
    this.requests = r.counter('aiproxy_requests_total', 'Requests answered, by client protocol, provider, model and status', ['protocol', 'provider', 'model', 'status']);
    this.errors = r.counter('aiproxy_request_errors_total', 'Requests that failed (status >= 400, or a stream that ended with an error)', ['protocol', 'provider', 'model', 'status']);
    this.duration = r.histogram('aiproxy_request_duration_seconds', 'Time from request to the end of the response (a stream\'s end)', ['protocol', 'provider'], DURATION_BUCKETS);
    this.ttfb = r.histogram('aiproxy_time_to_first_byte_seconds', 'Time from request to the first response body byte', ['protocol', 'provider'], TTFB_BUCKETS);
    this.tokens = r.counter('aiproxy_tokens_total', 'Tokens reported by upstreams (estimated where a converted answer reported none), by direction (input or output)', ['provider', 'model', 'direction']);
    this.retries = r.counter('aiproxy_upstream_retries_total', 'Upstream attempts beyond the first (failover to another member or provider)', ['provider']);
    r.gauge('aiproxy_requests_in_flight', 'Requests and streams being served', [], () => [[[], sources.inFlight()]]);
    r.gauge('aiproxy_pool_member_healthy', '1 when a pool member takes requests, 0 while cooling down or unhealthy', ['provider', 'member'], function* () {
      for (const m of sources.members()) yield [[m.provider, m.member], m.healthy ? 1 : 0] as const;
    });
    r.gauge('aiproxy_pool_member_in_flight', 'Requests a pool member is serving', ['provider', 'member'], function* () {
      for (const m of sources.members()) yield [[m.provider, m.member], m.inflight] as const;
    });
    // Shown from the start at 0, so a rate over it works before the first collection.
    this.collections = r.counter('aiproxy_memory_collections_total', 'Full garbage collections run because resident memory passed limits.soft_memory_mb', []).series([]);
    // The names every Prometheus client library uses for its process, so existing dashboards find them.
    r.gauge('process_resident_memory_bytes', 'Resident memory size in bytes', [], () => [[[], process.memoryUsage.rss()]]);
    r.gauge('process_start_time_seconds', 'Start time of the process since unix epoch in seconds', [], () => [[[], START_TIME_S]]);
  }

  /** The memory guard ran a collection. */
  memoryCollected(): void {
    this.collections.n++;
  }

  observe(o: RequestOutcome): void {
    const provider = o.provider ?? '';
    const model = this.modelLabel(o);
    const status = String(o.status);
    const key = `${o.protocol}\u0001${provider}\u0001${model}\u0001${status}`;
    let hot = this.hot.get(key);
    if (!hot) {
      if (this.hot.size >= HOT_SERIES) this.hot.clear();
      hot = {
        requests: this.requests.series([o.protocol, provider, model, status]),
        duration: this.duration.series([o.protocol, provider]),
        ttfb: this.ttfb.series([o.protocol, provider]),
      };
      this.hot.set(key, hot);
    }
    hot.requests.n++;
    if (o.failed) this.errors.inc([o.protocol, provider, model, status]);
    this.duration.record(hot.duration, o.durationMs / 1000);
    if (o.ttfbMs !== undefined) this.ttfb.record(hot.ttfb, o.ttfbMs / 1000);
    // Token series only where tokens were reported: a relayed request has none to count.
    if (o.inputTokens) (hot.tokensIn ??= this.tokens.series([provider, model, 'input'])).n += o.inputTokens;
    if (o.outputTokens) (hot.tokensOut ??= this.tokens.series([provider, model, 'output'])).n += o.outputTokens;
    if (o.attempts !== undefined && o.attempts > 1) this.retries.inc([provider], o.attempts - 1);
  }

  private modelLabel(o: RequestOutcome): string {
    const model = o.model ?? '';
    if (model.length > MAX_MODEL_LENGTH) return OTHER_MODEL;
    if (model === '' || this.models.has(model)) return model;
    if (o.failed || this.models.size >= MAX_MODELS) return OTHER_MODEL;
    this.models.add(model);
    return model;
  }

  render(): string {
    return this.registry.render();
  }
}
