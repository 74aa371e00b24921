/**
 * `bun run build` compiles aiproxy into single-file executables in dist/, one per release target, and
 * writes dist/SHA256SUMS for the binaries it built. `bun run build --target linux-amd64` (repeatable, or
 * comma-separated) builds only those. The git commit is baked in, so `aiproxy --version` names it.
 *
 * Each build starts with a profile run (build/bytecode-order.ts): a binary for this machine is built,
 * started, sent one request of each benchmark scenario and stopped, and every target's executable is then
 * built with the functions that run used laid out together at the front of its bytecode.
 */
import { mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { basename, join } from 'node:path';
import { recordBytecodeOrder } from './build/bytecode-order.ts';
import { adhocSign, signatureProblem } from './build/macho-sign.ts';

interface Target {
  /** Bun's compile target. */
  bun: Bun.Build.CompileTarget;
  /** The released file name. */
  file: string;
}

export const TARGETS: Record<string, Target> = {
  'linux-amd64': { bun: 'bun-linux-x64', file: 'aiproxy-linux-amd64' },
  'linux-arm64': { bun: 'bun-linux-arm64', file: 'aiproxy-linux-arm64' },
  'linux-amd64-musl': { bun: 'bun-linux-x64-musl', file: 'aiproxy-linux-amd64-musl' },
  'darwin-amd64': { bun: 'bun-darwin-x64', file: 'aiproxy-darwin-amd64' },
  'darwin-arm64': { bun: 'bun-darwin-arm64', file: 'aiproxy-darwin-arm64' },
  'windows-amd64': { bun: 'bun-windows-x64', file: 'aiproxy-windows-amd64.exe' },
};

/**
 * Built only when asked for by name: the container image for arm64 hosts needs a musl binary, but it is
 * not one of the published downloads.
 */
const EXTRA_TARGETS: Record<string, Target> = {
  'linux-arm64-musl': { bun: 'bun-linux-arm64-musl', file: 'aiproxy-linux-arm64-musl' },
};

const ROOT = join(import.meta.dir, '..');
const DIST = join(ROOT, 'dist');

function parseTargets(argv: string[]): string[] {
  const names: string[] = [];
  for (let i = 0; i < argv.length; i++) {
    const arg = argv[i]!;
    if (arg === '--target' || arg.startsWith('--target=')) {
      const value = arg === '--target' ? argv[++i] : arg.slice('--target='.length);
      if (!value) throw new Error('--target needs a value');
      names.push(...value.split(',').map((s) => s.trim()).filter(Boolean));
    } else {
      throw new Error(`unknown argument ${arg}; usage: bun run build [--target NAME[,NAME]]`);
    }
  }
  const known = { ...TARGETS, ...EXTRA_TARGETS };
  for (const n of names) {
    if (!(n in known)) throw new Error(`unknown target ${n}; known targets: ${Object.keys(known).join(', ')}`);
  }
  return names.length > 0 ? [...new Set(names)] : Object.keys(TARGETS);
}

function git(args: string[]): string | undefined {
  const r = Bun.spawnSync(['git', ...args], { cwd: ROOT, stdout: 'pipe', stderr: 'ignore' });
  return r.exitCode === 0 ? r.stdout.toString().trim() : undefined;
}

/** The commit the binary is built from; `-dirty` when tracked files differ from it, so a local build cannot pass for a release. */
function commitId(): string {
  const fromEnv = process.env.AIPROXY_COMMIT;
  if (fromEnv) return fromEnv;
  const head = git(['rev-parse', '--short=12', 'HEAD']);
  if (!head) return 'unknown';
  const dirty = git(['status', '--porcelain', '--untracked-files=no']);
  return dirty ? `${head}-dirty` : head;
}

/**
 * Start-up runs its code once (config, schemas, routes): left to the normal JIT policy, the hottest of it
 * is compiled by the JIT tiers within the first milliseconds, which maps ~4 MB of the JIT compilers' code
 * and output into an idle server for code that never runs again. The executable starts with the tier-up
 * thresholds this many times higher and src/index.ts restores the normal policy once it listens.
 */
const STARTUP_JIT_POLICY = 16;

/** `target` undefined builds for this machine (the profile run). */
async function compile(target: Target | undefined, outfile: string, commit: string, order?: string): Promise<string> {
  const result = await Bun.build({
    entrypoints: [join(ROOT, 'src/index.ts')],
    compile: {
      ...(target ? { target: target.bun } : {}),
      outfile,
      // A service must behave the same whatever directory it starts in (bun-elysia-notes §3.2).
      autoloadDotenv: false,
      autoloadBunfig: false,
      // One profile serves every target: functions are matched by a hash of their syntax.
      ...(order ? { bytecodeOrder: order } : {}),
      jitPolicy: STARTUP_JIT_POLICY,
    },
    // Bytecode moves parsing to build time (start-up about a third faster). It defaults to CJS output,
    // where top-level await is an error, so ESM is asked for explicitly.
    bytecode: true,
    format: 'esm',
    // What is imported on first use (google-auth-library and the sign-in flow) goes in chunks of its own,
    // loaded from the executable when needed: in one module its code was loaded at start-up with the rest
    // (idle RSS 53.6 → 51.9 MB, 3 starts each).
    splitting: true,
    minify: true,
    sourcemap: 'linked',
    define: { AIPROXY_COMMIT: JSON.stringify(commit) },
    throw: false,
  });
  if (!result.success) {
    throw new Error(`build for ${target?.bun ?? 'this machine'} failed:\n${result.logs.map((l) => String(l)).join('\n')}`);
  }
  // The map is embedded in the executable (stack traces name the sources without it); the copy written
  // beside it would only clutter dist/ and the release.
  for (const out of result.outputs) if (out.path.endsWith('.map')) rmSync(out.path, { force: true });
  if (target?.bun.startsWith('bun-darwin-')) await signForMacOS(outfile);
  return outfile;
}

/**
 * A macOS executable whose signature does not match its pages is killed at start on Apple Silicon and
 * called damaged by Gatekeeper. Bun 1.4.5 leaves darwin-x64 output with its runtime's own signature
 * (deepcoldy/botmux#1287), so such a file is signed again, ad hoc (build/macho-sign.ts); one Bun signed
 * correctly (darwin-arm64) is left as it is.
 */
async function signForMacOS(file: string): Promise<void> {
  const bytes = new Uint8Array(await Bun.file(file).arrayBuffer());
  const problem = signatureProblem(bytes);
  if (!problem) return;
  const signed = adhocSign(bytes);
  const still = signatureProblem(signed);
  if (still) throw new Error(`${basename(file)}: its code signature could not be repaired: ${still}`);
  await Bun.write(file, signed);
  console.log(`re-signed ${basename(file)} ad hoc (${problem})`);
}

/**
 * The bytecode-order profile (build/bytecode-order.ts), or undefined when it cannot be recorded here: the
 * layout only saves memory, so the build goes on without it, saying why. Windows cannot stop the profile
 * run so that Bun writes the file (a signal there is TerminateProcess), so it is not tried there.
 */
async function profileRun(work: string, commit: string): Promise<string | undefined> {
  if (process.platform === 'win32') {
    console.warn('warning: no bytecode-order profile on Windows; the executables are built without one');
    return undefined;
  }
  const started = performance.now();
  try {
    const order = await recordBytecodeOrder(await compile(undefined, join(work, 'aiproxy-profile'), commit), work);
    console.log(`recorded the bytecode-order profile (${Math.round(performance.now() - started)} ms)`);
    return order;
  } catch (e) {
    console.warn(`warning: ${(e as Error).message}; the executables are built without a bytecode-order profile`);
    return undefined;
  }
}

async function sha256(path: string): Promise<string> {
  const hasher = new Bun.CryptoHasher('sha256');
  // Streamed: binaries are ~100 MB each.
  for await (const chunk of Bun.file(path).stream()) hasher.update(chunk);
  return hasher.digest('hex');
}

async function main(): Promise<void> {
  const names = parseTargets(Bun.argv.slice(2));
  const commit = commitId();
  mkdirSync(DIST, { recursive: true });
  const known = { ...TARGETS, ...EXTRA_TARGETS };
  const built: string[] = [];
  const work = mkdtempSync(join(tmpdir(), 'aiproxy-build-'));
  try {
    const order = await profileRun(work, commit);
    for (const name of names) {
      const started = performance.now();
      const file = await compile(known[name]!, join(DIST, known[name]!.file), commit, order);
      const mib = (Bun.file(file).size / 1048576).toFixed(1);
      console.log(`built ${basename(file)} (${mib} MiB, ${Math.round(performance.now() - started)} ms)`);
      built.push(file);
    }
  } finally {
    rmSync(work, { recursive: true, force: true });
  }
  // sha256sum format ("<hex>  <name>"), so `sha256sum -c SHA256SUMS` verifies a download.
  const lines: string[] = [];
  for (const file of built) lines.push(`${await sha256(file)}  ${basename(file)}`);
  writeFileSync(join(DIST, 'SHA256SUMS'), lines.join('\n') + '\n');
  console.log(`wrote dist/SHA256SUMS (${built.length} file${built.length === 1 ? '' : 's'}), commit ${commit}`);
}

if (import.meta.main) {
  main().catch((e: unknown) => {
    console.error(`build: ${e instanceof Error ? e.message : String(e)}`);
    process.exit(1);
  });
}
