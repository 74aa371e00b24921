/**
 * pool.state_file: member health survives a restart. The restart an operator does is a SIGTERM (a
 * deploy, systemctl restart), usually seconds after whatever made them restart: a rate limit then must
 * not be forgotten because the periodic save had not come round yet.
 */
import { afterAll, afterEach, beforeAll, describe, expect, test } from 'bun:test';
import { existsSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { rename as realRename } from 'node:fs/promises';
import { join } from 'node:path';
import { openaiErrorBody, startOpenAIMock } from '../helpers/mocks/openai-mock.ts';
import type { MockServer } from '../helpers/mocks/types.ts';
import { startProxy } from '../helpers/proxy.ts';
import { eventually } from '../helpers/stack.ts';
import { post, ROOT, SOURCE_CMD, startCli, tempDir, writeFile, type CliProcess } from '../lifecycle/cli-process.ts';
import { persistPoolState } from '../../src/pool/state-file.ts';
import type { Pool } from '../../src/pool/pool.ts';
import type { ProviderName } from '../../src/config/providers.ts';
import { Logger } from '../../src/util/log.ts';

const KEY = 'state-file-test-key';
let a: MockServer;
let b: MockServer;
let cli: CliProcess | undefined;

beforeAll(async () => {
  [a, b] = await Promise.all([startOpenAIMock({ key: 'sk-state-a-0000' }), startOpenAIMock({ key: 'sk-state-b-1111' })]);
});
afterEach(async () => {
  await cli?.cleanup();
  cli = undefined;
  a.reset();
  b.reset();
});
afterAll(async () => {
  await Promise.all([a.stop(), b.stop()]);
});

const rateLimited = {
  error: { status: 429, body: openaiErrorBody({ message: 'Rate limit reached', type: 'requests', param: null, code: 'rate_limit_exceeded' }), headers: { 'retry-after': '600' } },
};
const poolYaml = (stateFile: string) =>
  [
    `api_key: ${KEY}`,
    `pool: {strategy: fill_first, state_file: "${stateFile}"}`,
    'provider_pools:',
    '  openai-custom:',
    `    - {name: a, api_key: ${a.key}, base_url: "${a.url}"}`,
    `    - {name: b, api_key: ${b.key}, base_url: "${b.url}"}`,
    '',
  ].join('\n');

describe('pool state file', () => {
  test('a SIGTERM right after a rate limit still saves it', async () => {
    const dir = tempDir('aiproxy-state-');
    const stateFile = join(dir, 'pool-state.json');
    const config = writeFile(dir, 'config.yaml', `host: 127.0.0.1\nport: 0\n${poolYaml(stateFile)}`);
    cli = await startCli(SOURCE_CMD, ['--config', config], dir);
    a.queue(rateLimited);
    const res = await post(`${cli.url}/v1/chat/completions`, KEY, { model: 'gpt-4o', messages: [{ role: 'user', content: 'hi' }] });
    expect(res.status).toBe(200); // a 429 → b
    cli.signal('SIGTERM');
    expect(await cli.exited).toBe(0);
    expect(existsSync(stateFile)).toBe(true);
    const saved = JSON.parse(readFileSync(stateFile, 'utf8')) as Record<string, Record<string, { health: string; cooldownUntil: number }>>;
    expect(saved['openai-custom']!.a!.health).toBe('cooling');
    expect(saved['openai-custom']!.a!.cooldownUntil).toBeGreaterThan(Date.now() + 500_000);
  }, 20_000);

  test('a state file that cannot be read is a warning, not a failed start', async () => {
    const dir = tempDir('aiproxy-state-');
    const stateFile = join(dir, 'pool-state.json');
    const config = writeFile(dir, 'config.yaml', poolYaml(stateFile));
    try {
      for (const junk of ['{"openai-custom": {"a": {"health": "coo', 'null', '[1,2]', '{"openai-custom": 5}', '{"openai-custom": {"a": null}}']) {
        writeFileSync(stateFile, junk);
        const p = await startProxy(['--config', config]);
        try {
          const res = await post(`${p.url}/v1/chat/completions`, p.key, { model: 'gpt-4o', messages: [{ role: 'user', content: 'hi' }] });
          expect(res.status).toBe(200);
        } finally {
          await p.stop();
        }
      }
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
  });
});

/**
 * On Windows the rename over the state file fails with EPERM/EACCES/EBUSY while a virus scanner holds the
 * fresh file open; the credentials writer already waits that out (test/auth/atomic-replace.test.ts), and
 * the save at exit, the one a restart needs, was lost to it.
 */
describe('pool state file on Windows, a rename refused while a scanner holds the file', () => {
  const held = (code: string) => Object.assign(new Error(`${code}: operation not permitted, rename`), { code });
  /** One pool with one member cooling down: what there is to save. */
  const coolingPools = () =>
    new Map([['openai-custom', { members: [{ name: 'a', carriedOver: false, spec: { fingerprint: 'f1' }, state: { health: 'cooling', cooldownUntil: 1, errors: [] } }] }]]) as unknown as ReadonlyMap<ProviderName, Pool>;

  test('the periodic save tries the rename again and goes through', async () => {
    const dir = tempDir('aiproxy-state-win-');
    const stateFile = join(dir, 'pool-state.json');
    const codes = ['EPERM', 'EBUSY'];
    let calls = 0;
    try {
      const rename = async (from: string, to: string) => {
        const code = codes[calls++];
        if (code) throw held(code);
        await realRename(from, to);
      };
      persistPoolState(stateFile, coolingPools(), new Logger('error', () => {}), { platform: 'win32', rename })(); // stop() saves
      await eventually(() => existsSync(stateFile), 5000);
      expect(calls).toBe(3);
      expect(JSON.parse(readFileSync(stateFile, 'utf8'))['openai-custom'].a.health).toBe('cooling');
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
  });

  test('the save at exit does too, before the process is gone', async () => {
    const dir = tempDir('aiproxy-state-win-');
    const stateFile = join(dir, 'pool-state.json');
    const script = writeFile(
      dir,
      'exit-save.ts',
      [
        `import { renameSync } from 'node:fs';`,
        `import { persistPoolState } from ${JSON.stringify(join(ROOT, 'src/pool/state-file.ts'))};`,
        `import { Logger } from ${JSON.stringify(join(ROOT, 'src/util/log.ts'))};`,
        `const codes = ['EACCES', 'EPERM', 'EBUSY'];`,
        `let calls = 0;`,
        `const move = (from, to) => {`,
        `  const code = codes[calls++];`,
        `  if (code) throw Object.assign(new Error(code + ': operation not permitted, rename'), { code });`,
        `  renameSync(from, to);`,
        `};`,
        `const pools = new Map([['openai-custom', { members: [{ name: 'a', carriedOver: false, spec: { fingerprint: 'f1' }, state: { health: 'cooling', cooldownUntil: 1, errors: [] } }] }]]);`,
        `persistPoolState(${JSON.stringify(stateFile)}, pools, new Logger('warn', (line) => console.error(line)), { platform: 'win32', renameSync: move });`,
        `process.on('exit', () => console.log('renames: ' + calls));`,
        `process.exit(0);`,
      ].join('\n'),
    );
    try {
      const proc = Bun.spawn([process.execPath, 'run', script], { cwd: dir, stdout: 'pipe', stderr: 'pipe' });
      const timer = setTimeout(() => proc.kill(), 10_000);
      const code = await proc.exited;
      clearTimeout(timer);
      const [out, err] = [await new Response(proc.stdout).text(), await new Response(proc.stderr).text()];
      expect({ code, err }).toEqual({ code: 0, err: '' });
      expect(out).toContain('renames: 4');
      expect(JSON.parse(readFileSync(stateFile, 'utf8'))['openai-custom'].a.health).toBe('cooling');
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
  }, 20_000);
});
