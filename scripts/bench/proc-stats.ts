/**
 * CPU time and memory of a process, read from /proc. CPU time per request (utime+stime over requests
 * served) is far steadier than req/s on a shared machine, which is why the report leans on it.
 */
import { readFileSync } from 'node:fs';

/** Clock ticks per second for /proc/<pid>/stat; 100 on every Linux we run on, `getconf` confirms. */
function clockTicks(): number {
  try {
    const out = Bun.spawnSync(['getconf', 'CLK_TCK']).stdout.toString().trim();
    const n = Number(out);
    return Number.isInteger(n) && n > 0 ? n : 100;
  } catch {
    return 100;
  }
}

const TICKS_PER_SECOND = clockTicks();

/** utime + stime of all the process's threads, in microseconds. */
export function cpuMicros(pid: number): number {
  return parseCpuTicks(readFileSync(`/proc/${pid}/stat`, 'utf8')) * (1e6 / TICKS_PER_SECOND);
}

/** utime + stime in ticks from a /proc/<pid>/stat line. The command name may hold spaces and `)`, so fields count from the last `)`. */
export function parseCpuTicks(stat: string): number {
  const fields = stat.slice(stat.lastIndexOf(')') + 2).split(' ');
  // fields[0] is field 3 (state); utime and stime are fields 14 and 15.
  const utime = Number(fields[11]);
  const stime = Number(fields[12]);
  if (!Number.isFinite(utime) || !Number.isFinite(stime)) throw new Error('unexpected /proc/<pid>/stat format');
  return utime + stime;
}

export interface Memory {
  /** Resident set now, KiB. */
  rssKb: number;
  /**
   * The anonymous part of it (RssAnon), KiB: the process's own memory (heap, JIT code, buffers). The rest
   * is mostly clean pages of the executable's code read from disk, which processes running the same
   * executable share and the kernel can drop and read again under memory pressure.
   */
  anonKb: number;
  /** Highest resident set since the process started (VmHWM), KiB. */
  peakKb: number;
}

export function memory(pid: number): Memory {
  return parseStatus(readFileSync(`/proc/${pid}/status`, 'utf8'));
}

export function parseStatus(status: string): Memory {
  const field = (name: string): number => {
    const m = new RegExp(`^${name}:\\s+(\\d+) kB`, 'm').exec(status);
    if (!m) throw new Error(`no ${name} in /proc/<pid>/status`);
    return Number(m[1]);
  };
  return { rssKb: field('VmRSS'), anonKb: field('RssAnon'), peakKb: field('VmHWM') };
}

export interface RssSample {
  /** Seconds since sampling started. */
  t: number;
  rssKb: number;
}

/**
 * Samples VmRSS on a timer until stopped. Sampling is cheap (one small file read) and runs in the
 * benchmark process, never in the process being measured.
 */
export function sampleRss(pid: number, intervalMs: number, onSample?: (s: RssSample) => void) {
  const t0 = performance.now();
  const samples: RssSample[] = [];
  const take = (): void => {
    try {
      const s = { t: (performance.now() - t0) / 1000, rssKb: memory(pid).rssKb };
      samples.push(s);
      onSample?.(s);
    } catch {
      // The process ended; the caller notices on its own.
    }
  };
  take();
  const timer = setInterval(take, intervalMs);
  return {
    samples,
    stop(): RssSample[] {
      clearInterval(timer);
      take();
      return samples;
    },
    maxKb(): number {
      let max = 0;
      for (const s of samples) if (s.rssKb > max) max = s.rssKb;
      return max;
    },
  };
}
