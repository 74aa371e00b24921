/**
 * Start-up failures as a user meets them: one `aiproxy: …` line on stderr and exit code 2 (1 for a busy
 * port, which may free itself), never a stack trace, and never a port blamed for what the host got wrong.
 */
import { afterAll, describe, expect, test } from 'bun:test';
import { rmSync } from 'node:fs';
import { explainListenFailure } from '../../src/server/listen-error.ts';
import { SOURCE_CMD, tempDir, writeFile } from './cli-process.ts';

const dirs: string[] = [];
afterAll(() => {
  for (const d of dirs) rmSync(d, { recursive: true, force: true });
});

function dir(): string {
  const d = tempDir('aiproxy-listen-');
  dirs.push(d);
  return d;
}

/** Runs the CLI to its exit; `prefix` runs it through another command (setpriv). */
async function run(args: string[], cwd = dir(), prefix: string[] = []): Promise<{ code: number; stderr: string }> {
  const proc = Bun.spawn([...prefix, ...SOURCE_CMD, '--api-key', 'listen-test-key', ...args], {
    cwd,
    env: { PATH: process.env.PATH ?? '/usr/bin:/bin', HOME: cwd },
    stdin: 'ignore',
    stdout: 'pipe',
    stderr: 'pipe',
  });
  // A start that unexpectedly succeeds must not hang the test.
  const timer = setTimeout(() => proc.kill('SIGKILL'), 10_000);
  const [code, stderr] = await Promise.all([proc.exited, new Response(proc.stderr).text()]);
  clearTimeout(timer);
  return { code, stderr };
}

describe('cannot listen', () => {
  test('port already in use: exit 1, which a service manager retries (the port may free itself)', async () => {
    const holder = Bun.serve({ hostname: '127.0.0.1', port: 0, reusePort: false, fetch: () => new Response('taken') });
    try {
      const r = await run(['--host', '127.0.0.1', '--port', String(holder.port)]);
      expect(r.stderr).toBe(
        `aiproxy: cannot listen on 127.0.0.1:${holder.port}: the port is already in use (choose another with --port, AIPROXY_PORT or port: in config.yaml)\n`,
      );
      expect(r.code).toBe(1);
    } finally {
      holder.stop(true);
    }
  });

  test('with log_format json, the failure is one JSON log line like every other, still saying why and what to do', async () => {
    const holder = Bun.serve({ hostname: '127.0.0.1', port: 0, reusePort: false, fetch: () => new Response('taken') });
    try {
      const r = await run(['--host', '127.0.0.1', '--port', String(holder.port), '--log-format', 'json']);
      const lines = r.stderr.trimEnd().split('\n');
      // Every line parses: a log collector reading stderr as JSON lines gets no plain-text line.
      const entries = lines.map((l) => JSON.parse(l) as Record<string, unknown>);
      expect(entries.at(-1)).toMatchObject({
        level: 'error',
        msg: `cannot listen on 127.0.0.1:${holder.port}: the port is already in use (choose another with --port, AIPROXY_PORT or port: in config.yaml)`,
      });
      expect(r.code).toBe(1);
    } finally {
      holder.stop(true);
    }
  });

  test('an address that is not this machine’s (IPv4 and IPv6 documentation ranges)', async () => {
    const v4 = await run(['--host', '198.51.100.1', '--port', '23051']);
    expect(v4.stderr).toBe('aiproxy: cannot listen on 198.51.100.1:23051: not an address of this machine\n');
    expect(v4.code).toBe(2);
    const v6 = await run(['--host', '2001:db8::1', '--port', '23052']);
    expect(v6.stderr).toBe('aiproxy: cannot listen on [2001:db8::1]:23052: not an address of this machine\n');
    expect(v6.code).toBe(2);
  });

  test('a host name that does not resolve (Bun reports it as ENOENT or "port in use")', async () => {
    const r = await run(['--host', 'nonexistent.invalid', '--port', '23053']);
    expect(r.stderr).toBe('aiproxy: cannot listen on nonexistent.invalid:23053: the host name does not resolve\n');
    expect(r.code).toBe(2);
  });

  // As a unit: binding port 80 needs a user without the privilege, and such a user (nobody) may not be
  // able to read a checkout under a private directory (CI's clean clone), so the process cannot show it.
  test('a privileged port: permission denied, said so, exit 2', async () => {
    const e = Object.assign(new Error('Failed to start server'), { code: 'EACCES' });
    const err = await explainListenFailure(e, '127.0.0.1', 80);
    expect(err.message).toBe('cannot listen on 127.0.0.1:80: permission denied (ports below 1024 need privileges)');
    expect(err.exitCode).toBe(2);
  });

  // scripts/aiproxy.service allows only AF_INET, AF_INET6 and AF_UNIX sockets; getifaddrs needs netlink,
  // so there os.networkInterfaces() throws. The reason must still come out, not that stack trace.
  test('where the interfaces cannot be listed (the systemd unit), the error code is believed', async () => {
    const hidden = (): never => {
      throw new Error('A system error occurred: getifaddrs returned an error');
    };
    const busy = await explainListenFailure(Object.assign(new Error('Failed to start server'), { code: 'EADDRINUSE' }), '192.0.2.7', 3000, hidden);
    expect(busy.message).toBe('cannot listen on 192.0.2.7:3000: the port is already in use (choose another with --port, AIPROXY_PORT or port: in config.yaml)');
    expect(busy.exitCode).toBe(1);
    const absent = await explainListenFailure(Object.assign(new Error('Failed to start server'), { code: 'EADDRNOTAVAIL' }), '192.0.2.7', 3000, hidden);
    expect(absent.message).toBe('cannot listen on 192.0.2.7:3000: not an address this machine can listen on');
    expect(absent.exitCode).toBe(2);
  });
});

describe('config errors found before listening', () => {
  test('an invalid host in config.yaml names the key, not the port', async () => {
    const cwd = dir();
    writeFile(cwd, 'config.yaml', 'port: 23054\nhost: 256.1.1.1\n');
    const r = await run([], cwd);
    expect(r.stderr).toBe('aiproxy: config.yaml: host: "256.1.1.1" is not an IPv4 or IPv6 address or a host name\n');
    expect(r.code).toBe(2);
  });

  test('an invalid --host', async () => {
    const r = await run(['--host', 'not a host!', '--port', '23055']);
    expect(r.stderr).toBe('aiproxy: --host: "not a host!" is not an IPv4 or IPv6 address or a host name\n');
    expect(r.code).toBe(2);
  });

  test('a key given twice in config.yaml', async () => {
    const cwd = dir();
    writeFile(cwd, 'config.yaml', 'port: 23056\nport: 23057\n');
    const r = await run([], cwd);
    expect(r.stderr).toBe(`aiproxy: ${cwd}/config.yaml: port: duplicate key on line 2 (first given on line 1)\n`);
    expect(r.code).toBe(2);
  });
});
