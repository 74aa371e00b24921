/**
 * `bun run bench`: issue 7's benchmark. Starts a fast mock upstream, then for each scenario a fresh
 * server (direct to the mock, the minimal Bun forwarder, or aiproxy), drives it with wrk (or the Bun
 * client) and reports req/s, latency, CPU per request and RSS, as figures and as ratios to the ceiling
 * and the floor measured in the same run. `--soak` runs the memory soak instead. See `--help`.
 */
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { installExitHandlers } from './bench/children.ts';
import { bunGenerator, ensureWrk, wrkGenerator } from './bench/load-generators.ts';
import { HELP, parseOptions, type BenchOptions } from './bench/options.ts';
import { placement } from './bench/placement.ts';
import { checkTargets, figuresTable, medianRows, ratiosTable, targetsText, withRatios, type Row } from './bench/report.ts';
import { machineInfo, writeResults, type MachineInfo } from './bench/results.ts';
import { runScenario, type RunContext, type ScenarioResult } from './bench/run-scenario.ts';
import { selectScenarios } from './bench/scenarios.ts';
import { REPO_ROOT, startMockProcess } from './bench/servers.ts';
import { runSoak, type SoakResult } from './bench/soak.ts';

const log = (line: string): void => {
  process.stdout.write(`${line}\n`);
};

function header(m: MachineInfo, o: BenchOptions): string {
  return [
    `aiproxy benchmark  ${m.date}  commit ${m.commit ?? '?'}`,
    `machine: ${m.cpu}, ${m.cpus} CPUs, ${m.memoryGb} GB, Linux ${m.kernel}, bun ${m.bun}`,
    o.soak
      ? `load: ${m.loadGenerator}, ${o.connections} connections, ${o.durationS} s of mixed streams, RSS every ${o.sampleS} s`
      : `load: ${m.loadGenerator}, ${o.connections} connections, ${o.durationS} s measured after ${o.warmupS} s warm-up; ` +
        `concurrency-1 phases ${o.c1S} s`,
    `placement: ${m.placement}`,
    `mock: ${o.chunks} deltas per stream, ${o.unaryBytes}-byte replies; aiproxy log level ${o.logLevel}`,
    `aiproxy: ${o.binary ? `the executable ${o.binary}` : 'bun run src/index.ts'}`,
  ].join('\n');
}

function soakText(r: SoakResult): string {
  return [
    `soak: ${r.requests} requests in ${r.durationS} s (${r.rps.toFixed(0)} req/s, ${r.errors} errors), ${r.cpuUsPerReq.toFixed(0)} µs CPU/request`,
    `RSS: idle ${r.idleMb.toFixed(1)} MB; level (median of ${r.warmS.toFixed(0)} s of samples) once warm ${r.warmMb.toFixed(1)} MB, ` +
      `at the end ${r.finalMb.toFixed(1)} MB; max ${r.maxMb.toFixed(1)} MB`,
    `RSS level (median) per ${r.warmS.toFixed(0)} s: ${r.windowMb.map((mb) => mb.toFixed(0)).join(' ')} MB`,
    `${r.pass ? 'PASS' : 'FAIL'}  growth after warm-up ${r.growthPct >= 0 ? '+' : ''}${r.growthPct.toFixed(1)}% (target ≤ 10%)`,
  ].join('\n');
}

async function main(argv: string[]): Promise<number> {
  const opts = parseOptions(argv);
  if (opts.help) {
    process.stdout.write(HELP);
    return 0;
  }
  installExitHandlers();
  const tmpDir = mkdtempSync(join(tmpdir(), 'aiproxy-bench-'));
  process.on('exit', () => rmSync(tmpDir, { recursive: true, force: true }));

  const place = placement(opts.pin);
  const wrkPath = opts.client === 'bun' ? undefined : ensureWrk(opts.installWrk, log);
  if (opts.client === 'wrk' && !wrkPath) throw new Error('--client wrk: wrk is not available');
  const load = wrkPath ? wrkGenerator(wrkPath, tmpDir, place.load) : bunGenerator(tmpDir, place.load);
  const outDir = resolve(opts.outDir);
  const machine = machineInfo(load.name, wrkPath, place.describe, REPO_ROOT);
  const profileDir = opts.cpuProf ? join(outDir, 'profiles', machine.date.replace(/[:.]/g, '-')) : undefined;
  log(header(machine, opts));

  const mock = await startMockProcess({ chunks: opts.chunks, unaryBytes: opts.unaryBytes, paceMs: opts.paceMs, cpus: place.upstream });
  try {
    const ctx: RunContext = { opts, mock, load, ttfbClient: bunGenerator(tmpDir, place.load), placement: place, tmpDir, profileDir, log };
    if (opts.soak) {
      const soak = await runSoak(ctx);
      log(soakText(soak));
      log(`results: ${await writeResults(outDir, 'soak', { machine, options: opts, soak })}`);
      return 0;
    }

    const rounds: Row[][] = [];
    for (let round = 1; round <= opts.rounds; round++) {
      if (opts.rounds > 1) log(`round ${round} of ${opts.rounds}`);
      const results: ScenarioResult[] = [];
      for (const s of selectScenarios(opts.only)) {
        log(`running ${s.name}: ${s.label}`);
        const r = await runScenario(ctx, s);
        const cpu = r.cpuUsPerReq === undefined ? '' : `, ${r.cpuUsPerReq.toFixed(0)} µs CPU/req`;
        log(`  ${r.rps.toFixed(0)} req/s, p50 ${r.latencyMs.p50.toFixed(2)} ms${cpu}${r.errors ? `, ${r.errors} ERRORS` : ''}`);
        results.push(r);
      }
      rounds.push(withRatios(results));
    }
    const rows = rounds.length === 1 ? rounds[0]! : medianRows(rounds);
    if (rounds.length > 1) log(`\nMedians over ${rounds.length} rounds; each round's ratios against its own ceiling and floor.`);
    const targets = checkTargets(rows);
    log(
      '\nFigures (latency in ms; "added" = minus direct to the mock at concurrency 1; CPU use = share of one core ' +
        `the proxy used, near 100% when it was the bottleneck)\n${figuresTable(rows)}`,
    );
    log(`\nRatios (÷ceil = to direct, ÷fwd = to the minimal forwarder, same kind and same run)\n${ratiosTable(rows)}`);
    if (targets.length > 0) log(`\nIssue 7 targets\n${targetsText(targets)}`);
    if (profileDir) log(`\nCPU profiles: ${profileDir}`);
    const perRound = rounds.length > 1 ? { rounds } : {};
    log(`\nresults: ${await writeResults(outDir, 'bench', { machine, options: opts, scenarios: rows, targets, ...perRound })}`);
    return 0;
  } finally {
    await mock.stop();
  }
}

main(Bun.argv.slice(2)).then(
  (code) => process.exit(code),
  (e: unknown) => {
    process.stderr.write(`bench: ${e instanceof Error ? e.message : String(e)}\n`);
    process.exit(1);
  },
);
