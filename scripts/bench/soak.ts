/**
 * The soak: one aiproxy under mixed streaming load (every aiproxy stream scenario in turn) for ten
 * minutes, its RSS sampled throughout. A leak shows as growth after warm-up; the target is that the final
 * RSS stays within 10% of the level reached once warm.
 */
import { cpuMicros, memory, sampleRss } from './proc-stats.ts';
import { median } from './report.ts';
import type { RunContext } from './run-scenario.ts';
import { SOAK_SCENARIOS } from './scenarios.ts';
import { startAiproxyProcess } from './servers.ts';

export interface SoakResult {
  durationS: number;
  connections: number;
  scenarios: string[];
  generator: string;
  requests: number;
  errors: number;
  rps: number;
  cpuUsPerReq: number;
  /** MB. */
  idleMb: number;
  /** RSS once warm: the median of the samples in the window of `warmS` seconds that follows the warm-up. */
  warmMb: number;
  warmS: number;
  /** The median of the samples in the last `warmS` seconds. */
  finalMb: number;
  /** The median RSS of each minute (or each tenth of a shorter soak), for the shape of the curve. */
  windowMb: number[];
  maxMb: number;
  /** (final − warm) ÷ warm, in %. */
  growthPct: number;
  pass: boolean;
  samples: Array<{ t: number; mb: number }>;
}

/** Warm-up is the first minute, or a tenth of a shorter soak. */
export function warmupSeconds(durationS: number): number {
  return Math.min(60, durationS / 10);
}

/**
 * Growth from the level once warm to the level at the end; `samples` are in time order. A level is the
 * median of a window of samples (as long as the warm-up), not one sample: under load RSS saws up and
 * down by 10-20% between two garbage collections, and a single sample lands anywhere on that saw.
 */
export function rssGrowth(
  samples: Array<{ t: number; mb: number }>,
  warmS: number,
): { warmMb: number; finalMb: number; maxMb: number; growthPct: number; windowMb: number[] } {
  if (samples.length === 0) throw new Error('no RSS samples');
  const end = samples[samples.length - 1]!.t;
  /** The median of the samples in [from, to). */
  const levelOf = (from: number, to: number): number | undefined => {
    const mbs = samples.filter((s) => s.t >= from && s.t < to).map((s) => s.mb);
    return mbs.length > 0 ? median(mbs) : undefined;
  };
  const warmMb = levelOf(warmS, 2 * warmS) ?? samples[samples.length - 1]!.mb;
  // The last window ends with the last sample, as long as the first one after warm-up.
  const finalMb = median(samples.filter((s) => s.t > end - warmS).map((s) => s.mb));
  const windowMb: number[] = [];
  for (let from = 0; from <= end && warmS > 0; from += warmS) {
    const level = levelOf(from, from + warmS);
    if (level !== undefined) windowMb.push(level);
  }
  const maxMb = Math.max(...samples.map((s) => s.mb));
  return { warmMb, finalMb, maxMb, growthPct: ((finalMb - warmMb) / warmMb) * 100, windowMb };
}

export async function runSoak(ctx: RunContext): Promise<SoakResult> {
  const { opts } = ctx;
  const proxy = await startAiproxyProcess({
    upstream: ctx.mock.origin,
    tmpDir: ctx.tmpDir,
    logLevel: opts.logLevel,
    cpus: ctx.placement.proxy,
    cpuProfDir: ctx.profileDir,
    binary: opts.binary,
  });
  try {
    for (const s of SOAK_SCENARIOS) {
      const res = await fetch(proxy.origin + s.request.path, { method: 'POST', headers: s.request.headers, body: s.request.body });
      const text = await res.text();
      if (res.status !== 200 || !text.includes(s.expect)) throw new Error(`soak: ${s.name} answered ${res.status}: ${text.slice(0, 300)}`);
    }
    await Bun.sleep(500);
    const idleMb = memory(proxy.pid).rssKb / 1024;
    const warmS = warmupSeconds(opts.durationS);
    ctx.log(`soak: ${opts.durationS} s of ${SOAK_SCENARIOS.map((s) => s.name).join(', ')} at ${opts.connections} connections; idle RSS ${idleMb.toFixed(1)} MB`);

    let nextReport = 60;
    const sampler = sampleRss(proxy.pid, opts.sampleS * 1000, (s) => {
      if (s.t < nextReport) return;
      nextReport += 60;
      ctx.log(`  t=${s.t.toFixed(0)} s  RSS ${(s.rssKb / 1024).toFixed(1)} MB`);
    });
    const cpu0 = cpuMicros(proxy.pid);
    const load = await ctx.load.run({
      origin: proxy.origin,
      requests: SOAK_SCENARIOS.map((s) => s.request),
      connections: opts.connections,
      durationS: opts.durationS,
    });
    const samples = sampler.stop().map((s) => ({ t: Math.round(s.t * 10) / 10, mb: Math.round((s.rssKb / 1024) * 10) / 10 }));
    const cpu1 = cpuMicros(proxy.pid);
    const growth = rssGrowth(samples, warmS);
    return {
      durationS: opts.durationS,
      connections: opts.connections,
      scenarios: SOAK_SCENARIOS.map((s) => s.name),
      generator: load.generator,
      requests: load.requests,
      errors: load.errors,
      rps: load.rps,
      cpuUsPerReq: (cpu1 - cpu0) / Math.max(1, load.requests),
      idleMb,
      warmS,
      ...growth,
      pass: growth.growthPct <= 10,
      samples,
    };
  } finally {
    await proxy.stop();
  }
}
