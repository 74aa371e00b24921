/**
 * The Bun load client: the fallback when wrk is missing, and always the one that measures time to first
 * byte (wrk only sees whole responses). It runs as its own process, pinned like wrk, so its CPU use never
 * lands on the process being measured.
 *
 * Run alone: `bun scripts/bench/load-client.ts SPEC.json` prints one JSON LoadResult line.
 */
import { Histogram } from './histogram.ts';
import type { LatencySummary, LoadResult, LoadSpec } from './load-types.ts';

/** A hard cap on requests per run, so a broken clock cannot turn a run into an endless loop. */
const MAX_REQUESTS = 50_000_000;

function summary(h: Histogram): LatencySummary {
  return { p50: h.percentile(50), p90: h.percentile(90), p99: h.percentile(99), mean: h.mean(), max: h.max() };
}

export async function runBunLoad(spec: LoadSpec): Promise<LoadResult> {
  if (spec.requests.length === 0) throw new Error('a load spec needs at least one request');
  const latency = new Histogram();
  const ttfb = spec.ttfb ? new Histogram() : undefined;
  const urls = spec.requests.map((r) => spec.origin + r.path);
  let started = 0;
  let completed = 0;
  let errors = 0;
  const t0 = performance.now();
  const deadline = t0 + spec.durationS * 1000;

  const worker = async (): Promise<void> => {
    while (performance.now() < deadline && started < MAX_REQUESTS) {
      const k = started++ % spec.requests.length;
      const req = spec.requests[k]!;
      const begin = performance.now();
      try {
        const res = await fetch(urls[k]!, { method: req.method, headers: req.headers, body: req.body });
        if (res.status < 200 || res.status > 299) errors++;
        if (res.body) {
          const reader = res.body.getReader();
          let first = true;
          for (;;) {
            const { done } = await reader.read();
            if (first && ttfb) ttfb.record((performance.now() - begin) * 1000);
            first = false;
            if (done) break;
          }
        }
        completed++;
        latency.record((performance.now() - begin) * 1000);
      } catch {
        errors++;
      }
    }
  };

  await Promise.all(Array.from({ length: Math.max(1, spec.connections) }, worker));
  const durationS = (performance.now() - t0) / 1000;
  return {
    generator: 'bun',
    requests: completed,
    errors,
    durationS,
    rps: completed / durationS,
    latencyUs: summary(latency),
    ...(ttfb ? { ttfbUs: summary(ttfb) } : {}),
  };
}

if (import.meta.main) {
  const path = Bun.argv[2];
  if (!path) throw new Error('usage: load-client.ts SPEC.json');
  const spec = (await Bun.file(path).json()) as LoadSpec;
  console.log(JSON.stringify(await runBunLoad(spec)));
}
