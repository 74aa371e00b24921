/**
 * Turns scenario results into what a reader compares: every figure as a ratio to the ceiling (direct to
 * the mock) and to the floor (the minimal forwarder) of the same kind, and the targets checked.
 */
import type { ScenarioResult } from './run-scenario.ts';

export interface Ratios {
  /** req/s ÷ ceiling's and ÷ floor's. */
  rps: { ceiling?: number; floor?: number };
  p50: { ceiling?: number; floor?: number };
  p99: { ceiling?: number; floor?: number };
  /** Latency at concurrency 1 minus the ceiling's (what the hop adds), ms; and that minus the floor's. */
  addedC1Ms?: number;
  addedC1VsFloorMs?: number;
  /** Time to first byte minus the ceiling's, ms; and that minus the floor's. */
  addedTtfbMs?: number;
  addedTtfbVsFloorMs?: number;
  /** Proxy CPU per request ÷ the floor's. */
  cpu?: number;
  idleRss?: number;
  peakRss?: number;
}

export interface Row extends ScenarioResult {
  ratios: Ratios;
}

const div = (a: number | undefined, b: number | undefined): number | undefined =>
  a === undefined || b === undefined || b === 0 ? undefined : a / b;
const sub = (a: number | undefined, b: number | undefined): number | undefined =>
  a === undefined || b === undefined ? undefined : a - b;

export function withRatios(results: ScenarioResult[]): Row[] {
  const base = (target: 'direct' | 'forwarder', stream: boolean): ScenarioResult | undefined =>
    results.find((r) => r.target === target && r.stream === stream);
  return results.map((r) => {
    const ceil = base('direct', r.stream);
    const floor = base('forwarder', r.stream);
    const added = sub(r.c1Ms.p50, ceil?.c1Ms.p50);
    const floorAdded = floor && sub(floor.c1Ms.p50, ceil?.c1Ms.p50);
    const addedTtfb = sub(r.ttfbMs?.p50, ceil?.ttfbMs?.p50);
    const floorTtfb = floor && sub(floor.ttfbMs?.p50, ceil?.ttfbMs?.p50);
    const ratios: Ratios = {
      rps: { ceiling: div(r.rps, ceil?.rps), floor: div(r.rps, floor?.rps) },
      p50: { ceiling: div(r.latencyMs.p50, ceil?.latencyMs.p50), floor: div(r.latencyMs.p50, floor?.latencyMs.p50) },
      p99: { ceiling: div(r.latencyMs.p99, ceil?.latencyMs.p99), floor: div(r.latencyMs.p99, floor?.latencyMs.p99) },
      addedC1Ms: r.target === 'direct' ? undefined : added,
      addedC1VsFloorMs: r.target === 'aiproxy' ? sub(added, floorAdded) : undefined,
      addedTtfbMs: r.target === 'direct' ? undefined : addedTtfb,
      addedTtfbVsFloorMs: r.target === 'aiproxy' ? sub(addedTtfb, floorTtfb) : undefined,
      cpu: div(r.cpuUsPerReq, floor?.cpuUsPerReq),
      idleRss: div(r.rssMb?.idle, floor?.rssMb?.idle),
      peakRss: div(r.rssMb?.peak, floor?.rssMb?.peak),
    };
    return { ...r, ratios };
  });
}

/** The middle value; the mean of the two middle ones for an even count. */
export function median(values: readonly number[]): number {
  const sorted = [...values].sort((a, b) => a - b);
  const mid = sorted.length >> 1;
  return sorted.length % 2 ? sorted[mid]! : (sorted[mid - 1]! + sorted[mid]!) / 2;
}

/** Each number the median of the same field across `samples` (objects of one shape); the rest from the first. */
function medianOf<T>(samples: readonly T[]): T {
  const first = samples[0];
  if (typeof first === 'number') return median(samples as readonly number[]) as T;
  if (first === null || typeof first !== 'object' || Array.isArray(first)) return first as T;
  const out: Record<string, unknown> = {};
  for (const key of Object.keys(first)) {
    const values = samples.map((s) => (s as Record<string, unknown>)[key]).filter((v) => v !== undefined);
    out[key] = values.length ? medianOf(values) : undefined;
  }
  return out as T;
}

/**
 * Several rounds of the same scenario list → one row per scenario, every figure and every ratio the
 * median over the rounds. Ratios are taken within each round first, against that round's baselines.
 */
export function medianRows(rounds: readonly Row[][]): Row[] {
  return rounds[0]!.map((row) => medianOf(rounds.map((round) => round.find((r) => r.name === row.name)!)));
}

/** Left-aligned first column, right-aligned figures. */
export function table(headers: string[], rows: string[][]): string {
  const widths = headers.map((h, i) => Math.max(h.length, ...rows.map((r) => (r[i] ?? '').length)));
  const line = (cells: string[]): string =>
    cells.map((c, i) => (i === 0 ? c.padEnd(widths[i]!) : c.padStart(widths[i]!))).join('  ');
  return [line(headers), widths.map((w) => '-'.repeat(w)).join('  '), ...rows.map(line)].join('\n');
}

const f = (v: number | undefined, digits: number): string => (v === undefined || !Number.isFinite(v) ? '–' : v.toFixed(digits));
const signed = (v: number | undefined, digits: number): string => (v === undefined ? '–' : `${v >= 0 ? '+' : ''}${v.toFixed(digits)}`);

export function figuresTable(rows: Row[]): string {
  return table(
    ['scenario', 'req/s', 'p50 ms', 'p99 ms', 'c1 p50 ms', 'added c1 ms', 'added TTFB ms', 'CPU µs/req', 'CPU use', 'idle MB', 'idle anon MB', 'peak MB', 'errors'],
    rows.map((r) => [
      r.name,
      f(r.rps, 0),
      f(r.latencyMs.p50, 2),
      f(r.latencyMs.p99, 2),
      f(r.c1Ms.p50, 3),
      signed(r.ratios.addedC1Ms, 3),
      signed(r.ratios.addedTtfbMs, 3),
      f(r.cpuUsPerReq, 0),
      r.cpuUtil === undefined ? '–' : `${(r.cpuUtil * 100).toFixed(0)}%`,
      f(r.rssMb?.idle, 1),
      f(r.rssMb?.idleAnon, 1),
      f(r.rssMb?.peak, 1),
      String(r.errors),
    ]),
  );
}

export function ratiosTable(rows: Row[]): string {
  return table(
    ['scenario', 'req/s ÷ceil', 'req/s ÷fwd', 'p50 ÷ceil', 'p50 ÷fwd', 'p99 ÷ceil', 'p99 ÷fwd', 'c1 added −fwd ms', 'TTFB added −fwd ms', 'CPU ÷fwd', 'idle ÷fwd', 'peak ÷fwd'],
    rows.map((r) => [
      r.name,
      f(r.ratios.rps.ceiling, 2),
      f(r.ratios.rps.floor, 2),
      f(r.ratios.p50.ceiling, 2),
      f(r.ratios.p50.floor, 2),
      f(r.ratios.p99.ceiling, 2),
      f(r.ratios.p99.floor, 2),
      signed(r.ratios.addedC1VsFloorMs, 3),
      signed(r.ratios.addedTtfbVsFloorMs, 3),
      f(r.ratios.cpu, 2),
      f(r.ratios.idleRss, 2),
      f(r.ratios.peakRss, 2),
    ]),
  );
}

export interface TargetCheck {
  scenario: string;
  what: string;
  value: number;
  op: '≥' | '≤';
  limit: number;
  pass: boolean;
}

/** Issue 7's targets, for the aiproxy scenarios that ran. Figures whose baseline did not run are skipped. */
export function checkTargets(rows: Row[]): TargetCheck[] {
  const out: TargetCheck[] = [];
  const atLeast = (scenario: string, what: string, value: number | undefined, limit: number): void => {
    if (value !== undefined) out.push({ scenario, what, value, op: '≥', limit, pass: value >= limit });
  };
  const atMost = (scenario: string, what: string, value: number | undefined, limit: number): void => {
    if (value !== undefined) out.push({ scenario, what, value, op: '≤', limit, pass: value <= limit });
  };
  for (const r of rows) {
    if (r.target !== 'aiproxy') continue;
    atLeast(r.name, 'req/s ÷ forwarder', r.ratios.rps.floor, r.passthrough ? 0.85 : 0.6);
    if (r.passthrough) atMost(r.name, 'added latency at c1 − forwarder\'s (ms)', r.ratios.addedC1VsFloorMs, 0.2);
    atMost(r.name, 'idle RSS (MB)', r.rssMb?.idle, 40);
    atMost(r.name, 'peak RSS (MB)', r.rssMb?.peak, 100);
    if (r.stream) atMost(r.name, 'added time to first byte at c1 (ms)', r.ratios.addedTtfbMs, 0.5);
  }
  return out;
}

export function targetsText(checks: TargetCheck[]): string {
  return checks
    .map((c) => `${c.pass ? 'PASS' : 'FAIL'}  ${c.scenario.padEnd(24)} ${c.what}: ${c.value.toFixed(c.value < 10 ? 3 : 1)} (target ${c.op} ${c.limit})`)
    .join('\n');
}
