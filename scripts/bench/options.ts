/** Command-line options of `bun run bench`. */
import { existsSync } from 'node:fs';
import { resolve } from 'node:path';
import { parseArgs } from 'node:util';

export interface BenchOptions {
  /** Measured seconds per scenario at full concurrency (the whole soak with --soak). */
  durationS: number;
  /** Unmeasured seconds of the same load before each measurement. */
  warmupS: number;
  /** Seconds of the concurrency-1 phases (latency, time to first byte). */
  c1S: number;
  connections: number;
  /** Times the whole scenario list runs; figures and ratios are the medians over the rounds. */
  rounds: number;
  only?: string[];
  soak: boolean;
  /** Seconds between RSS samples in the soak. */
  sampleS: number;
  quick: boolean;
  client: 'auto' | 'wrk' | 'bun';
  installWrk: boolean;
  pin: boolean;
  chunks: number;
  unaryBytes: number;
  paceMs: number;
  logLevel: string;
  cpuProf: boolean;
  /** A compiled aiproxy executable to measure instead of `bun run src/index.ts`. */
  binary?: string;
  outDir: string;
  help: boolean;
}

export const HELP = `bun run bench [options]

Benchmarks aiproxy against a fast mock upstream and a minimal Bun forwarder, all on 127.0.0.1.

  --duration S       measured seconds per scenario (default 10; quick 2; soak 600)
  --warmup S         unmeasured load before each measurement (default 3; quick 1)
  --connections N    concurrent connections (default 64)
  --only a,b         only these scenarios (their ceiling and floor always run too)
  --rounds N         run the whole list N times and report medians (default 1): on a shared machine
                     the baselines drift between a round's first and last minute, and each round's
                     ratios are taken against its own baselines
  --quick            smoke run: 2 s per scenario, short warm-up and concurrency-1 phases
  --soak             10 minutes of mixed streaming load through one aiproxy; RSS every 5 s
  --client wrk|bun   force a load generator (default: wrk, installed with apt-get when missing)
  --no-install       never run apt-get; use the Bun client when wrk is missing
  --no-pin           do not pin processes to CPUs with taskset
  --chunks N         text deltas per mock stream (default 20)
  --unary-bytes N    size of a mock non-streaming reply (default 600)
  --log-level L      aiproxy's log level (default info: one line per request, as users run it)
  --cpu-prof         run aiproxy under bun --cpu-prof; profiles go to <out>/profiles/
  --binary PATH      measure this compiled aiproxy (bun run build) instead of bun run src/index.ts
  --out DIR          results folder (default bench-results)
`;

function num(name: string, raw: string | undefined, fallback: number, min: number): number {
  if (raw === undefined) return fallback;
  const n = Number(raw);
  if (!Number.isFinite(n) || n < min) throw new Error(`--${name} must be a number ≥ ${min}, got ${JSON.stringify(raw)}`);
  return n;
}

export function parseOptions(argv: string[]): BenchOptions {
  const { values: v } = parseArgs({
    args: argv,
    strict: true,
    options: {
      duration: { type: 'string' },
      warmup: { type: 'string' },
      connections: { type: 'string' },
      rounds: { type: 'string' },
      only: { type: 'string' },
      quick: { type: 'boolean', default: false },
      soak: { type: 'boolean', default: false },
      client: { type: 'string', default: 'auto' },
      'no-install': { type: 'boolean', default: false },
      'no-pin': { type: 'boolean', default: false },
      chunks: { type: 'string' },
      'unary-bytes': { type: 'string' },
      'log-level': { type: 'string', default: 'info' },
      'cpu-prof': { type: 'boolean', default: false },
      binary: { type: 'string' },
      out: { type: 'string', default: 'bench-results' },
      help: { type: 'boolean', short: 'h', default: false },
    },
  });
  const quick = v.quick ?? false;
  const soak = v.soak ?? false;
  const client = v.client ?? 'auto';
  if (client !== 'auto' && client !== 'wrk' && client !== 'bun') throw new Error(`--client must be wrk or bun, got ${client}`);
  const cpuProf = v['cpu-prof'] ?? false;
  // A compiled executable takes no bun flags, so it cannot be profiled the way bun run can.
  if (v.binary !== undefined && cpuProf) throw new Error('--binary and --cpu-prof cannot be combined: a compiled executable runs without bun --cpu-prof');
  if (v.binary !== undefined && !existsSync(v.binary)) throw new Error(`--binary: no file ${v.binary} (bun run build makes dist/aiproxy-<os>-<arch>)`);
  const durationS = num('duration', v.duration, soak ? (quick ? 30 : 600) : quick ? 2 : 10, 1);
  return {
    durationS,
    warmupS: num('warmup', v.warmup, quick ? 1 : 3, 0),
    c1S: quick ? 1 : 5,
    connections: Math.round(num('connections', v.connections, 64, 1)),
    rounds: Math.round(num('rounds', v.rounds, 1, 1)),
    only: v.only ? v.only.split(',').map((s) => s.trim()).filter(Boolean) : undefined,
    soak,
    sampleS: quick || durationS < 60 ? 1 : 5,
    quick,
    client,
    installWrk: !(v['no-install'] ?? false),
    pin: !(v['no-pin'] ?? false),
    chunks: Math.round(num('chunks', v.chunks, 20, 1)),
    unaryBytes: Math.round(num('unary-bytes', v['unary-bytes'], 600, 1)),
    paceMs: 20,
    logLevel: v['log-level'] ?? 'info',
    cpuProf,
    binary: v.binary === undefined ? undefined : resolve(v.binary),
    outDir: v.out ?? 'bench-results',
    help: v.help ?? false,
  };
}
