import { describe, expect, test } from 'bun:test';
import { checkTargets, figuresTable, median, medianRows, ratiosTable, table, withRatios } from '../report.ts';
import type { ScenarioResult } from '../run-scenario.ts';
import { rssGrowth, warmupSeconds } from '../soak.ts';

function result(name: string, target: ScenarioResult['target'], stream: boolean, o: Partial<ScenarioResult>): ScenarioResult {
  return {
    name,
    label: name,
    target,
    stream,
    passthrough: o.passthrough ?? false,
    generator: 'wrk',
    connections: 64,
    requests: 1000,
    errors: 0,
    rps: 1000,
    latencyMs: { p50: 1, p90: 2, p99: 3 },
    c1Ms: { p50: 0.1, p99: 0.2 },
    upstreamCpuUsPerReq: 10,
    ...o,
  };
}

const results: ScenarioResult[] = [
  result('direct', 'direct', false, { rps: 40_000, latencyMs: { p50: 1, p90: 1.5, p99: 2 }, c1Ms: { p50: 0.05, p99: 0.1 } }),
  result('forwarder', 'forwarder', false, {
    rps: 20_000, latencyMs: { p50: 2, p90: 3, p99: 4 }, c1Ms: { p50: 0.25, p99: 0.5 }, cpuUsPerReq: 40, rssMb: { idle: 30, idleAnon: 3, peak: 50 },
  }),
  result('openai-openai', 'aiproxy', false, {
    passthrough: true, rps: 18_000, latencyMs: { p50: 2.5, p90: 3, p99: 8 }, c1Ms: { p50: 0.5, p99: 1 }, cpuUsPerReq: 60, rssMb: { idle: 45, idleAnon: 12, peak: 90 },
  }),
  result('openai-claude', 'aiproxy', false, { rps: 10_000, c1Ms: { p50: 0.4, p99: 1 }, cpuUsPerReq: 100, rssMb: { idle: 38, idleAnon: 10, peak: 120 } }),
  result('x-stream', 'aiproxy', true, { rps: 3_000, c1Ms: { p50: 0.4, p99: 1 }, ttfbMs: { p50: 1, p99: 2 }, cpuUsPerReq: 300 }),
];

describe('ratios', () => {
  const rows = withRatios(results);
  const row = (n: string) => rows.find((r) => r.name === n)!;

  test('req/s and latency are divided by the ceiling and the floor of the same kind', () => {
    expect(row('openai-openai').ratios.rps.ceiling).toBeCloseTo(0.45, 10);
    expect(row('openai-openai').ratios.rps.floor).toBeCloseTo(0.9, 10);
    expect(row('openai-openai').ratios.p99.floor).toBeCloseTo(2, 10);
    expect(row('direct').ratios.rps.ceiling).toBe(1);
  });

  test('added latency is against direct; the floor comparison subtracts the forwarder’s own addition', () => {
    expect(row('openai-openai').ratios.addedC1Ms).toBeCloseTo(0.45, 10);
    expect(row('openai-openai').ratios.addedC1VsFloorMs).toBeCloseTo(0.25, 10);
    expect(row('forwarder').ratios.addedC1Ms).toBeCloseTo(0.2, 10);
    expect(row('direct').ratios.addedC1Ms).toBeUndefined();
  });

  test('CPU and memory are compared with the forwarder only', () => {
    expect(row('openai-claude').ratios.cpu).toBeCloseTo(2.5, 10);
    expect(row('openai-openai').ratios.idleRss).toBeCloseTo(1.5, 10);
  });

  test('a stream without stream baselines in the run gets no ratios rather than wrong ones', () => {
    expect(row('x-stream').ratios.rps.floor).toBeUndefined();
    expect(row('x-stream').ratios.addedTtfbMs).toBeUndefined();
  });

  test('issue 7 targets: passthrough ≥ 0.85 of the floor, conversion ≥ 0.6, memory limits', () => {
    const checks = checkTargets(rows);
    const get = (s: string, what: string) => checks.find((c) => c.scenario === s && c.what.startsWith(what));
    expect(get('openai-openai', 'req/s')).toMatchObject({ limit: 0.85, pass: true });
    expect(get('openai-openai', 'added latency')).toMatchObject({ limit: 0.2, pass: false });
    expect(get('openai-openai', 'idle RSS')).toMatchObject({ pass: false });
    expect(get('openai-claude', 'req/s')).toMatchObject({ limit: 0.6, pass: false });
    expect(get('openai-claude', 'added latency')).toBeUndefined();
    expect(get('openai-claude', 'peak RSS')).toMatchObject({ pass: false });
    expect(get('x-stream', 'req/s')).toBeUndefined();
    expect(checks.some((c) => c.scenario === 'forwarder')).toBe(false);
  });

  test('tables have one line per scenario plus header and rule, with missing figures as dashes', () => {
    const text = figuresTable(rows);
    expect(text.split('\n')).toHaveLength(rows.length + 2);
    expect(text).toContain('openai-claude');
    // Idle RSS, then its anonymous part, then the peak.
    expect(text).toMatch(/^openai-openai .* 45\.0 +12\.0 +90\.0 +0$/m);
    expect(ratiosTable(rows).split('\n')[3]).toMatch(/^forwarder\s+0\.50\s+1\.00/);
    expect(table(['a', 'bb'], [['x', '1'], ['yyy', '22']])).toBe('a    bb\n---  --\nx     1\nyyy  22');
  });
});

describe('rounds', () => {
  test('median: the middle value, or the mean of the two middle ones', () => {
    expect(median([3, 1, 2])).toBe(2);
    expect(median([4, 1, 3, 2])).toBe(2.5);
    expect(median([7])).toBe(7);
  });

  test('each figure and each ratio is the median over the rounds, ratios taken within each round first', () => {
    // Round 2's forwarder ran on a slow minute: its own ratios stay sane, and the medians ignore the outlier round 3.
    const round = (fwdRps: number, aiRps: number, aiCpu: number, peak?: number) =>
      withRatios([
        result('forwarder', 'forwarder', false, { rps: fwdRps, cpuUsPerReq: 40 }),
        result('openai-openai', 'aiproxy', false, { passthrough: true, rps: aiRps, cpuUsPerReq: aiCpu, ...(peak ? { rssMb: { idle: 50, idleAnon: 10, peak } } : {}) }),
      ]);
    const rows = medianRows([round(20_000, 18_000, 60, 90), round(10_000, 9_000, 62), round(20_000, 2_000, 300, 110)]);
    const ai = rows.find((r) => r.name === 'openai-openai')!;
    expect(ai.rps).toBe(9_000);
    expect(ai.ratios.rps.floor).toBeCloseTo(0.9, 6);
    expect(ai.cpuUsPerReq).toBe(62);
    expect(ai.ratios.cpu).toBeCloseTo(62 / 40, 6);
    // A figure missing from some rounds is the median of those that have it.
    expect(ai.rssMb).toEqual({ idle: 50, idleAnon: 10, peak: 100 });
    expect(rows.map((r) => r.name)).toEqual(['forwarder', 'openai-openai']);
    expect(ai.passthrough).toBe(true);
  });
});

describe('soak growth', () => {
  test("growth is measured between the medians of the minute after warm-up and the last minute, so one sample on the GC's saw does not decide", () => {
    // Every 5 s: a saw between 100 and 130 MB, with one peak of 160 in the last minute.
    const samples = Array.from({ length: 121 }, (_, i) => ({ t: i * 5, mb: i === 0 ? 40 : i === 118 ? 160 : i % 2 ? 100 : 130 }));
    const g = rssGrowth(samples, warmupSeconds(600));
    expect(g.warmMb).toBe(115);
    expect(g.finalMb).toBe(115);
    expect(g.maxMb).toBe(160);
    expect(g.growthPct).toBe(0);
    expect(g.windowMb).toHaveLength(11);
    // A real leak moves the level: 1 MB more every 5 s.
    const leak = samples.map((s) => ({ t: s.t, mb: 100 + s.t / 5 }));
    const l = rssGrowth(leak, 60);
    expect(l.warmMb).toBeCloseTo(117.5, 6);
    expect(l.finalMb).toBeCloseTo(100 + 114 + 0.5, 6);
    expect(l.growthPct).toBeGreaterThan(80);
  });

  test('a short soak warms up for a tenth of its length', () => {
    expect(warmupSeconds(600)).toBe(60);
    expect(warmupSeconds(30)).toBe(3);
  });
});
