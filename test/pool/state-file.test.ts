/**
 * pool.state_file: member health survives a restart. The restart an operator does is a SIGTERM (a
 * deploy, systemctl restart), usually seconds after whatever made them restart: a rate limit then must
 * not be forgotten because the periodic save had not come round yet.
 */
import { afterAll, afterEach, beforeAll, describe, expect, test } from 'bun:test';
import { existsSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { openaiErrorBody, startOpenAIMock } from '../helpers/mocks/openai-mock.ts';
import type { MockServer } from '../helpers/mocks/types.ts';
import { startProxy } from '../helpers/proxy.ts';
import { post, SOURCE_CMD, startCli, tempDir, writeFile, type CliProcess } from '../lifecycle/cli-process.ts';

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
