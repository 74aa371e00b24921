import type { Logger } from '../util/log.ts';

/**
 * The soft memory limit (limits.soft_memory_mb). JavaScriptCore sizes its heap from the host's RAM: on a
 * 24 GB machine a busy aiproxy lets garbage, and the sockets' and streams' native buffers it holds, pile
 * up to ~150 MB before collecting, where a collection brings it back near 85. Past the limit the guard
 * runs a full collection at once, the way GOMEMLIMIT makes Go's collector work harder near a limit.
 *
 * A full collection stops JavaScript for ~10-20 ms under load, so two rules keep the guard cheap: never
 * more than one per MIN_GAP_MS nor more than MAX_SHARE of the time, and when what is alive after a
 * collection is itself above the limit (many large requests in flight), the next one waits for growth
 * beyond that: as much as it exceeded the limit by, and at least an eighth of the limit. Just above the
 * limit the guard keeps trying; far above it, it backs off towards the runtime's own pacing (which
 * collects at about twice what is alive) instead of pausing a large heap over and over for little.
 */
const CHECK_MS = 100;
const MIN_GAP_MS = 250;
/** Most of the time spent in the guard's collections: a 15 ms one is followed by 285 ms without. */
const MAX_SHARE = 0.05;
/** The least growth awaited after a collection that left more than the limit in use, as a share of the limit. */
const HEADROOM = 0.125;
const MB = 1024 * 1024;

export interface MemoryGuardOptions {
  /** The limit in MB, read at each check so a config reload applies; 0 turns the guard off. */
  limitMb: () => number;
  log: Logger;
  /** Told of each collection (the metrics count them). */
  onCollect?: () => void;
  /** For tests: the resident set size in bytes, a full collection and the clock. */
  rss?: () => number;
  collect?: () => void;
  now?: () => number;
}

export interface MemoryGuard {
  /** One check, as the timer runs it; true when it collected. */
  check(): boolean;
  stop(): void;
}

export function createMemoryGuard(o: MemoryGuardOptions): MemoryGuard {
  const rss = o.rss ?? (() => process.memoryUsage.rss());
  const collect = o.collect ?? (() => Bun.gc(true));
  const now = o.now ?? (() => performance.now());
  let nextAllowed = -Infinity;
  /** Resident bytes left by the last collection, when that was above the limit. */
  let floor = 0;
  let warnedFor = 0;

  const check = (): boolean => {
    const limitMb = o.limitMb();
    if (limitMb <= 0) return false;
    const limit = limitMb * MB;
    const before = rss();
    // A floor left under an earlier, lower limit (before a reload raised it) no longer applies.
    const threshold = floor >= limit ? floor + Math.max(limit * HEADROOM, floor - limit) : limit;
    if (before < threshold) return false;
    const started = now();
    if (started < nextAllowed) return false;
    collect();
    const took = now() - started;
    const after = rss();
    nextAllowed = started + Math.max(MIN_GAP_MS, took / MAX_SHARE);
    floor = after >= limit ? after : 0;
    o.onCollect?.();
    o.log.debug('memory guard: collected garbage', { before_mb: mb(before), after_mb: mb(after), ms: Math.round(took) });
    if (after >= limit && warnedFor !== limitMb) {
      warnedFor = limitMb;
      o.log.warn(`memory in use stays above limits.soft_memory_mb after a collection; raise it if this host can spare more`, {
        rss_mb: mb(after),
        soft_memory_mb: limitMb,
      });
    }
    return true;
  };
  const timer = setInterval(check, CHECK_MS);
  // An idle proxy's event loop must be free to end (tests, shutdown) whatever the guard does.
  timer.unref();
  return { check, stop: () => clearInterval(timer) };
}

const mb = (bytes: number): number => Math.round(bytes / MB);
