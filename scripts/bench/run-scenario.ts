/**
 * One scenario, start to finish: a fresh server process (so its idle and peak RSS are its own), one
 * checked request, warm-up, the measured run with CPU and RSS around it, then the concurrency-1 phases.
 */
import { join } from 'node:path';
import type { BenchRequest, LoadGenerator, LoadResult } from './load-types.ts';
import type { BenchOptions } from './options.ts';
import type { Placement } from './placement.ts';
import { cpuMicros, memory, sampleRss } from './proc-stats.ts';
import type { Scenario } from './scenarios.ts';
import { startAiproxyProcess, startForwarderProcess, type ServerProcess } from './servers.ts';

export interface RunContext {
  opts: BenchOptions;
  mock: ServerProcess;
  load: LoadGenerator;
  /** Always the Bun client: the only generator that sees the first byte. */
  ttfbClient: LoadGenerator;
  placement: Placement;
  tmpDir: string;
  profileDir?: string;
  log: (line: string) => void;
}

export interface ScenarioResult {
  name: string;
  label: string;
  target: Scenario['target'];
  stream: boolean;
  passthrough: boolean;
  generator: LoadResult['generator'];
  connections: number;
  requests: number;
  errors: number;
  rps: number;
  /** Full-response latency under load, ms. */
  latencyMs: { p50: number; p90: number; p99: number };
  /** Latency at concurrency 1, ms. */
  c1Ms: { p50: number; p99: number };
  /** Time to first body byte at concurrency 1 on a paced stream, ms (streams only). */
  ttfbMs?: { p50: number; p99: number };
  /** CPU time of the proxy process (aiproxy or forwarder) per request, µs; absent for direct. */
  cpuUsPerReq?: number;
  /**
   * Share of one core the proxy used during the measured run. Near 1 means the proxy was the bottleneck;
   * well below 1 means req/s was capped elsewhere (load generator or mock), and CPU per request is the fairer figure.
   */
  cpuUtil?: number;
  /** CPU time of the mock upstream per request, µs: shows what the upstream side cost. */
  upstreamCpuUsPerReq: number;
  /**
   * Proxy process memory, MB: after start-up, and the highest under this scenario's load; `idleAnon` is
   * the idle figure's anonymous part (proc-stats Memory.anonKb), the rest being the executable's code pages.
   */
  rssMb?: { idle: number; idleAnon: number; peak: number };
}

const ms = (us: number): number => us / 1000;
const mb = (kb: number): number => kb / 1024;

/** One request, checked, so a misconfigured scenario fails loudly instead of benchmarking error replies. */
async function preflight(origin: string, req: BenchRequest, expect: string, name: string): Promise<void> {
  const res = await fetch(origin + req.path, { method: req.method, headers: req.headers, body: req.body });
  const text = await res.text();
  if (res.status !== 200 || !text.includes(expect)) {
    throw new Error(`scenario ${name}: expected 200 with ${expect}, got ${res.status}: ${text.slice(0, 500)}`);
  }
}

async function startTarget(ctx: RunContext, s: Scenario): Promise<ServerProcess> {
  if (s.target === 'direct') return ctx.mock;
  if (s.target === 'forwarder') return startForwarderProcess(ctx.mock.origin, ctx.placement.proxy);
  return startAiproxyProcess({
    upstream: ctx.mock.origin,
    tmpDir: ctx.tmpDir,
    logLevel: ctx.opts.logLevel,
    cpus: ctx.placement.proxy,
    cpuProfDir: ctx.profileDir ? join(ctx.profileDir, s.name) : undefined,
    binary: ctx.opts.binary,
  });
}

export async function runScenario(ctx: RunContext, s: Scenario): Promise<ScenarioResult> {
  const { opts } = ctx;
  const server = await startTarget(ctx, s);
  const measured = s.target !== 'direct';
  try {
    await preflight(server.origin, s.request, s.expect, s.name);
    if (s.stream) await preflight(server.origin, s.pacedRequest, s.expect, s.name);
    // Let start-up garbage settle before calling the resident set "idle".
    await Bun.sleep(500);
    const idle = measured ? memory(server.pid) : undefined;

    const spec = { origin: server.origin, requests: [s.request], connections: opts.connections };
    if (opts.warmupS > 0) await ctx.load.run({ ...spec, durationS: opts.warmupS });

    const cpu0 = measured ? cpuMicros(server.pid) : 0;
    const up0 = cpuMicros(ctx.mock.pid);
    const rss = measured ? sampleRss(server.pid, 100) : undefined;
    const t0 = performance.now();
    const main = await ctx.load.run({ ...spec, durationS: opts.durationS });
    const wallUs = (performance.now() - t0) * 1000;
    rss?.stop();
    const cpu1 = measured ? cpuMicros(server.pid) : 0;
    const up1 = cpuMicros(ctx.mock.pid);
    const peakKb = measured ? Math.max(rss!.maxKb(), memory(server.pid).peakKb) : 0;

    const c1 = await ctx.load.run({ ...spec, connections: 1, durationS: opts.c1S });
    const ttfb = s.stream
      ? await ctx.ttfbClient.run({ origin: server.origin, requests: [s.pacedRequest], connections: 1, durationS: opts.c1S, ttfb: true })
      : undefined;

    const served = Math.max(1, main.requests);
    return {
      name: s.name,
      label: s.label,
      target: s.target,
      stream: s.stream,
      passthrough: s.passthrough,
      generator: main.generator,
      connections: opts.connections,
      requests: main.requests,
      errors: main.errors + c1.errors + (ttfb?.errors ?? 0),
      rps: main.rps,
      latencyMs: { p50: ms(main.latencyUs.p50), p90: ms(main.latencyUs.p90), p99: ms(main.latencyUs.p99) },
      c1Ms: { p50: ms(c1.latencyUs.p50), p99: ms(c1.latencyUs.p99) },
      ...(ttfb?.ttfbUs ? { ttfbMs: { p50: ms(ttfb.ttfbUs.p50), p99: ms(ttfb.ttfbUs.p99) } } : {}),
      ...(measured ? { cpuUsPerReq: (cpu1 - cpu0) / served, cpuUtil: (cpu1 - cpu0) / wallUs, rssMb: { idle: mb(idle!.rssKb), idleAnon: mb(idle!.anonKb), peak: mb(peakKb) } } : {}),
      upstreamCpuUsPerReq: (up1 - up0) / served,
    };
  } finally {
    if (server !== ctx.mock) await server.stop();
  }
}
