/**
 * A small Prometheus text-format (0.0.4) writer: counters, gauges and histograms with labels. Label
 * values can come from clients (model names), so each metric keeps at most `maxSeries` label sets;
 * beyond that new ones are counted under `_other`, and a hostile client cannot grow memory without bound.
 */

type Values = readonly string[];
const SEP = '\u0001';
const OTHER = '_other';
const DEFAULT_MAX_SERIES = 2000;

/** Label values escaped as the format demands: backslash, double quote and newline. */
function escapeLabel(v: string): string {
  return /[\\"\n]/.test(v) ? v.replace(/\\/g, '\\\\').replace(/"/g, '\\"').replace(/\n/g, '\\n') : v;
}

function escapeHelp(v: string): string {
  return v.replace(/\\/g, '\\\\').replace(/\n/g, '\\n');
}

function formatNumber(n: number): string {
  if (n === Infinity) return '+Inf';
  if (n === -Infinity) return '-Inf';
  if (Number.isNaN(n)) return 'NaN';
  return String(n);
}

function labelText(names: readonly string[], values: Values, extra?: string): string {
  const parts: string[] = [];
  for (let i = 0; i < names.length; i++) parts.push(`${names[i]}="${escapeLabel(values[i] ?? '')}"`);
  if (extra) parts.push(extra);
  return parts.length ? `{${parts.join(',')}}` : '';
}

abstract class Metric<S> {
  protected readonly byKey = new Map<string, { values: Values; state: S }>();
  constructor(
    readonly name: string,
    readonly help: string,
    readonly labelNames: readonly string[],
    private readonly maxSeries: number,
  ) {}

  protected abstract fresh(): S;
  abstract readonly type: string;
  abstract renderSeries(values: Values, state: S, out: string[]): void;

  /** The state of the series with these label values, for a caller that keeps it to update it often. */
  series(values: Values): S {
    let key = values.join(SEP);
    let entry = this.byKey.get(key);
    if (!entry) {
      if (this.byKey.size >= this.maxSeries) {
        values = this.labelNames.map(() => OTHER);
        key = values.join(SEP);
        entry = this.byKey.get(key);
      }
      if (!entry) {
        entry = { values, state: this.fresh() };
        this.byKey.set(key, entry);
      }
    }
    return entry.state;
  }

  render(out: string[]): void {
    out.push(`# HELP ${this.name} ${escapeHelp(this.help)}`, `# TYPE ${this.name} ${this.type}`);
    for (const { values, state } of this.byKey.values()) this.renderSeries(values, state, out);
  }
}

export class Counter extends Metric<{ n: number }> {
  readonly type = 'counter';
  protected fresh() {
    return { n: 0 };
  }
  inc(values: Values, by = 1): void {
    this.series(values).n += by;
  }
  renderSeries(values: Values, s: { n: number }, out: string[]): void {
    out.push(`${this.name}${labelText(this.labelNames, values)} ${formatNumber(s.n)}`);
  }
}

export interface HistogramState {
  counts: number[];
  sum: number;
  count: number;
}

export class Histogram extends Metric<HistogramState> {
  readonly type = 'histogram';
  constructor(name: string, help: string, labelNames: readonly string[], readonly buckets: readonly number[], maxSeries: number) {
    super(name, help, labelNames, maxSeries);
  }
  protected fresh(): HistogramState {
    return { counts: new Array<number>(this.buckets.length).fill(0), sum: 0, count: 0 };
  }
  observe(values: Values, v: number): void {
    this.record(this.series(values), v);
  }
  /** Adds one observation to a series state from series(). */
  record(s: HistogramState, v: number): void {
    // Counts per bucket, made cumulative when rendered: an observation costs one increment.
    let i = 0;
    while (i < this.buckets.length && v > this.buckets[i]!) i++;
    if (i < this.buckets.length) s.counts[i]!++;
    s.sum += v;
    s.count++;
  }
  renderSeries(values: Values, s: HistogramState, out: string[]): void {
    let cumulative = 0;
    for (let i = 0; i < this.buckets.length; i++) {
      cumulative += s.counts[i]!;
      out.push(`${this.name}_bucket${labelText(this.labelNames, values, `le="${formatNumber(this.buckets[i]!)}"`)} ${cumulative}`);
    }
    out.push(`${this.name}_bucket${labelText(this.labelNames, values, 'le="+Inf"')} ${s.count}`);
    out.push(`${this.name}_sum${labelText(this.labelNames, values)} ${formatNumber(s.sum)}`);
    out.push(`${this.name}_count${labelText(this.labelNames, values)} ${s.count}`);
  }
}

/** A gauge whose values are read when scraped (in-flight counts, pool health), so it never goes stale. */
export class CollectedGauge {
  readonly type = 'gauge';
  constructor(
    readonly name: string,
    readonly help: string,
    readonly labelNames: readonly string[],
    private readonly collect: () => Iterable<readonly [Values, number]>,
  ) {}
  render(out: string[]): void {
    out.push(`# HELP ${this.name} ${escapeHelp(this.help)}`, `# TYPE ${this.name} gauge`);
    for (const [values, v] of this.collect()) out.push(`${this.name}${labelText(this.labelNames, values)} ${formatNumber(v)}`);
  }
}

export class Registry {
  private readonly metrics: Array<{ render(out: string[]): void; name: string }> = [];
  constructor(private readonly maxSeries = DEFAULT_MAX_SERIES) {}

  counter(name: string, help: string, labelNames: readonly string[]): Counter {
    return this.add(new Counter(name, help, labelNames, this.maxSeries));
  }
  histogram(name: string, help: string, labelNames: readonly string[], buckets: readonly number[]): Histogram {
    return this.add(new Histogram(name, help, labelNames, [...buckets].sort((a, b) => a - b), this.maxSeries));
  }
  gauge(name: string, help: string, labelNames: readonly string[], collect: () => Iterable<readonly [Values, number]>): CollectedGauge {
    return this.add(new CollectedGauge(name, help, labelNames, collect));
  }

  /** The exposition text, ending in a newline as the format requires. */
  render(): string {
    const out: string[] = [];
    for (const m of this.metrics) m.render(out);
    return out.join('\n') + '\n';
  }

  private add<M extends { render(out: string[]): void; name: string }>(m: M): M {
    if (this.metrics.some((x) => x.name === m.name)) throw new Error(`metric ${m.name} registered twice`);
    this.metrics.push(m);
    return m;
  }
}

/** The content type Prometheus expects for this format. */
export const PROMETHEUS_CONTENT_TYPE = 'text/plain; version=0.0.4; charset=utf-8';
