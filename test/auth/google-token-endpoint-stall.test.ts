import { afterAll, afterEach, beforeEach, expect, test } from 'bun:test';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileCredentialStore } from '../../src/auth/google/credential-store.ts';
import { loginWithGoogle } from '../../src/auth/google/login-flow.ts';
import { createTokenManager } from '../../src/auth/google/token-manager.ts';
import { ProxyError } from '../../src/core/errors.ts';
import { startGoogleTokenMock, type GoogleTokenMock } from '../helpers/mocks/google-token-mock.ts';

const root = mkdtempSync(join(tmpdir(), 'aiproxy-token-stall-'));
afterAll(() => rmSync(root, { recursive: true, force: true }));

const REFRESH = '1//stall-refresh';
let token: GoogleTokenMock;
let file: string;
beforeEach(() => {
  token = startGoogleTokenMock({ refreshTokens: [REFRESH] });
  file = join(mkdtempSync(join(root, 'c-')), 'oauth_creds.json');
});
afterEach(() => token.stop());

/** The outcome, or 'still waiting' after `ms`. */
async function within(p: Promise<string>, ms: number): Promise<string> {
  return Promise.race([p.then((t) => `token ${t}`, (e: unknown) => (e instanceof ProxyError ? `error ${e.status}: ${e.message}` : `thrown ${String(e)}`)), Bun.sleep(ms).then(() => 'still waiting')]);
}

test('a token endpoint that never answers fails the refresh in bounded time, and the next request refreshes again', async () => {
  writeFileSync(file, JSON.stringify({ access_token: 'ya29.old', refresh_token: REFRESH, expiry_date: 1 }));
  const m = createTokenManager({
    store: fileCredentialStore(file),
    oauth: { clientId: token.clientId, clientSecret: token.clientSecret, tokenUrl: token.url, timeoutMs: 200 },
  });
  // Accepts the connection and holds the answer back far longer than the test lasts.
  token.delayMs = 60_000;
  const stalled = await within(m.accessToken(), 5000);
  expect(stalled).toStartWith('error 502');
  expect(stalled).toContain('no answer in time');
  expect(stalled).toContain('try again');

  // The stall did not wedge the shared refresh: once Google answers, requests get a token.
  token.delayMs = 0;
  expect(await within(m.accessToken(), 5000)).toMatch(/^token ya29\.mock-/);
});

test('a sign-in whose code exchange gets no answer fails in bounded time instead of hanging', async () => {
  const pasted: AsyncIterable<string> = {
    async *[Symbol.asyncIterator]() {
      yield '4/some-code';
    },
  };
  token.delayMs = 60_000;
  const done = loginWithGoogle({
    oauth: { clientId: token.clientId, clientSecret: token.clientSecret, tokenUrl: token.url, timeoutMs: 200 },
    credsFile: join(mkdtempSync(join(root, 'home-')), 'oauth_creds.json'),
    pasteOnly: true,
    pasted,
    print: () => {},
  });
  const outcome = await within(done.then(() => 'signed in'), 5000);
  expect(outcome).toStartWith('thrown Error: could not reach Google');
});
