import { afterAll, afterEach, beforeEach, expect, test } from 'bun:test';
import { existsSync, mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { loginWithGoogle } from '../../src/auth/google/login-flow.ts';
import { startGoogleTokenMock, type GoogleTokenMock } from '../helpers/mocks/google-token-mock.ts';

const root = mkdtempSync(join(tmpdir(), 'aiproxy-login-input-'));
afterAll(() => rmSync(root, { recursive: true, force: true }));

let token: GoogleTokenMock;
let credsFile: string;
beforeEach(() => {
  token = startGoogleTokenMock();
  credsFile = join(mkdtempSync(join(root, 'home-')), '.gemini', 'oauth_creds.json');
});
afterEach(() => token.stop());

/** Settles with the outcome, or with 'still waiting' after `ms`. */
async function within(p: Promise<unknown>, ms: number): Promise<string> {
  const timer = Bun.sleep(ms).then(() => 'still waiting');
  return Promise.race([p.then(() => 'signed in', (e: Error) => `failed: ${e.message}`), timer]);
}

test('NO_BROWSER sign-in fails at once, saying why, when standard input is already closed', async () => {
  const empty: AsyncIterable<string> = { async *[Symbol.asyncIterator]() {} };
  const done = loginWithGoogle({
    oauth: { clientId: token.clientId, clientSecret: token.clientSecret, tokenUrl: token.url },
    credsFile,
    pasteOnly: true,
    pasted: empty,
    print: () => {},
    timeoutMs: 30_000,
  });
  const outcome = await within(done, 2000);
  expect(outcome).toStartWith('failed: standard input ended');
  expect(existsSync(credsFile)).toBe(false);
});

test('`NO_BROWSER=1 aiproxy login gemini` with stdin at end of file exits 1 promptly instead of waiting ten minutes', async () => {
  const proc = Bun.spawn(['bun', 'run', 'src/index.ts', 'login', 'gemini', '--gemini-oauth-creds-file', credsFile], {
    cwd: join(import.meta.dir, '../..'),
    env: { PATH: process.env.PATH ?? '', HOME: join(root, 'cli-home'), NO_BROWSER: '1' },
    stdin: 'ignore',
    stdout: 'pipe',
    stderr: 'pipe',
  });
  const exited = await Promise.race([proc.exited, Bun.sleep(4000).then(() => undefined)]);
  if (exited === undefined) proc.kill();
  expect(exited).toBe(1);
  expect(await new Response(proc.stderr).text()).toContain('standard input ended');
});
