/**
 * scripts/install.sh as an operator runs it, into a staging tree (DESTDIR: no user, ownership or
 * systemctl), with a stand-in binary that only answers --version, and `uname`/`ldd` stubbed in PATH to
 * play each machine. Also that the unit it installs agrees with the directories it makes.
 */
import { afterAll, describe, expect, test } from 'bun:test';
import { chmodSync, cpSync, existsSync, mkdirSync, mkdtempSync, readFileSync, rmSync, statSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { TARGETS } from '../../scripts/build.ts';

const SCRIPTS = join(import.meta.dir, '../../scripts');
const dirs: string[] = [];
afterAll(() => {
  for (const d of dirs) rmSync(d, { recursive: true, force: true });
});

function executable(path: string, text: string): void {
  writeFileSync(path, text);
  chmodSync(path, 0o755);
}

/**
 * A release directory (install.sh, aiproxy.service, config.example.yaml and the named binaries), a
 * staging root, and a bin directory whose `uname -m` answers `machine` and whose `ldd` is glibc's or musl's.
 */
function release(binaries: string[], machine = 'x86_64', libc: 'glibc' | 'musl' = 'glibc'): { rel: string; root: string; path: string } {
  const top = mkdtempSync(join(tmpdir(), 'aiproxy-install-'));
  dirs.push(top);
  const rel = join(top, 'release');
  const stubs = join(top, 'stubs');
  mkdirSync(rel);
  mkdirSync(stubs);
  for (const f of ['install.sh', 'aiproxy.service', 'config.example.yaml']) cpSync(join(SCRIPTS, f), join(rel, f));
  for (const b of binaries) executable(join(rel, b), `#!/bin/sh\necho "aiproxy 0.0.0 (${b})"\n`);
  executable(join(stubs, 'uname'), `#!/bin/sh\necho ${machine}\n`);
  // musl's ldd prints its banner on stderr and fails; glibc's names GNU libc.
  executable(join(stubs, 'ldd'), libc === 'musl' ? '#!/bin/sh\necho "musl libc (x86_64)" >&2\nexit 1\n' : '#!/bin/sh\necho "ldd (GNU libc) 2.36"\n');
  return { rel, root: join(top, 'root'), path: `${stubs}:${process.env.PATH ?? '/usr/bin:/bin'}` };
}

function install(r: { rel: string; root: string; path: string }, args: string[] = []): { code: number; stdout: string; stderr: string } {
  const p = Bun.spawnSync(['sh', join(r.rel, 'install.sh'), ...args], {
    cwd: r.rel,
    env: { PATH: r.path, DESTDIR: r.root },
    stdout: 'pipe',
    stderr: 'pipe',
    timeout: 10_000,
  });
  return { code: p.exitCode ?? -1, stdout: p.stdout.toString(), stderr: p.stderr.toString() };
}

const mode = (path: string): number => statSync(path).mode & 0o777;

describe('scripts/install.sh', () => {
  test.each([
    ['x86_64', 'glibc', 'linux-amd64'],
    ['amd64', 'glibc', 'linux-amd64'],
    ['aarch64', 'glibc', 'linux-arm64'],
    ['arm64', 'glibc', 'linux-arm64'],
    ['x86_64', 'musl', 'linux-amd64-musl'],
  ] as const)('uname -m %s (%s) picks the released %s binary', (machine, libc, target) => {
    const file = TARGETS[target]!.file;
    const r = release(Object.values(TARGETS).map((t) => t.file), machine, libc);
    const out = install(r);
    expect(out.stderr).toBe('');
    expect(out.code).toBe(0);
    expect(out.stdout).toContain(`installing aiproxy 0.0.0 (${file})`);
    expect(readFileSync(join(r.root, 'usr/local/bin/aiproxy'), 'utf8')).toContain(file);
  });

  test('a machine there is no build for is refused by name', () => {
    const out = install(release([], 'riscv64'));
    expect(out.stderr).toBe('install.sh: no aiproxy build for riscv64\n');
    expect(out.code).toBe(1);
  });

  test('no binary next to it: says which file it looked for', () => {
    const out = install(release([]));
    expect(out.stderr).toBe("install.sh: no aiproxy-linux-amd64 next to this script or in dist/; pass the binary's path\n");
    expect(out.code).toBe(1);
  });

  // `sudo sh install.sh aiproxy-linux-amd64` in the download directory: the bare name was run through
  // PATH for its --version, and the install stopped with "does not run on this machine".
  test('the binary given by a bare file name in the working directory', () => {
    const r = release(['aiproxy-linux-amd64']);
    const out = install(r, ['aiproxy-linux-amd64']);
    expect(out.stderr).toBe('');
    expect(out.code).toBe(0);
    expect(out.stdout).toContain('installing aiproxy 0.0.0 (aiproxy-linux-amd64)');
  });

  test('checks the binary against SHA256SUMS beside it, and refuses one that does not match', () => {
    const r = release(['aiproxy-linux-amd64']);
    const digest = new Bun.CryptoHasher('sha256').update(readFileSync(join(r.rel, 'aiproxy-linux-amd64'))).digest('hex');
    writeFileSync(join(r.rel, 'SHA256SUMS'), `${digest}  aiproxy-linux-amd64\n`);
    expect(install(r).stdout).toContain('checksum ok: aiproxy-linux-amd64');
    writeFileSync(join(r.rel, 'SHA256SUMS'), `${'0'.repeat(64)}  aiproxy-linux-amd64\n`);
    const bad = install(r);
    expect(bad.stderr).toEndWith(`install.sh: ${join(r.rel, 'aiproxy-linux-amd64')} does not match SHA256SUMS\n`);
    expect(bad.code).toBe(1);
  });

  test('lays out what the unit expects: config 0750/0640, a generated key, and the state directory (its HOME)', () => {
    const r = release(['aiproxy-linux-amd64']);
    expect(install(r).code).toBe(0);
    expect(mode(join(r.root, 'usr/local/bin/aiproxy'))).toBe(0o755);
    expect(mode(join(r.root, 'etc/systemd/system/aiproxy.service'))).toBe(0o644);
    expect(mode(join(r.root, 'etc/aiproxy'))).toBe(0o750);
    expect(mode(join(r.root, 'etc/aiproxy/config.yaml'))).toBe(0o640);
    expect(mode(join(r.root, 'etc/aiproxy/aiproxy.env'))).toBe(0o640);
    expect(readFileSync(join(r.root, 'etc/aiproxy/aiproxy.env'), 'utf8')).toMatch(/^AIPROXY_API_KEY=[0-9a-f]{48}$/m);
    // Made by systemd only when the service first starts: the documented sign-in as the service's
    // user (HOME=/var/lib/aiproxy) failed to write its credentials before that.
    expect(mode(join(r.root, 'var/lib/aiproxy'))).toBe(0o700);

    const unit = readFileSync(join(r.root, 'etc/systemd/system/aiproxy.service'), 'utf8');
    const setting = (name: string): string | undefined => new RegExp(`^${name}=(.*)$`, 'm').exec(unit)?.[1];
    expect(setting('ExecStart')).toBe('/usr/local/bin/aiproxy --config /etc/aiproxy/config.yaml');
    expect(setting('EnvironmentFile')).toBe('-/etc/aiproxy/aiproxy.env');
    expect(setting('User')).toBe('aiproxy');
    expect(setting('StateDirectory')).toBe('aiproxy');
    expect(setting('WorkingDirectory')).toBe('/var/lib/aiproxy');
    expect(setting('Environment')).toBe('HOME=/var/lib/aiproxy');
    // A mode other than the one on disk makes systemd warn at every start.
    expect(Number.parseInt(setting('StateDirectoryMode')!, 8)).toBe(mode(join(r.root, 'var/lib/aiproxy')));
    expect(Number.parseInt(setting('ConfigurationDirectoryMode') ?? '0755', 8)).toBe(mode(join(r.root, 'etc/aiproxy')));
  });

  test('run again, it keeps the config and the key', () => {
    const r = release(['aiproxy-linux-amd64']);
    expect(install(r).code).toBe(0);
    writeFileSync(join(r.root, 'etc/aiproxy/config.yaml'), 'port: 4000\n');
    const env = readFileSync(join(r.root, 'etc/aiproxy/aiproxy.env'), 'utf8');
    const again = install(r);
    expect(again.code).toBe(0);
    expect(again.stdout).toContain('kept /etc/aiproxy/config.yaml');
    expect(readFileSync(join(r.root, 'etc/aiproxy/config.yaml'), 'utf8')).toBe('port: 4000\n');
    expect(readFileSync(join(r.root, 'etc/aiproxy/aiproxy.env'), 'utf8')).toBe(env);
    expect(existsSync(join(r.root, 'usr/local/bin/aiproxy.new'))).toBe(false);
  });
});
