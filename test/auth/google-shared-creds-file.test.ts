import { afterAll, afterEach, beforeEach, expect, test } from 'bun:test';
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileCredentialStore } from '../../src/auth/google/credential-store.ts';
import { createTokenManager } from '../../src/auth/google/token-manager.ts';
import { startGoogleTokenMock, type GoogleTokenMock } from '../helpers/mocks/google-token-mock.ts';

/**
 * The credentials file shared with a running Gemini CLI. Gemini CLI releases affected by
 * google-gemini/gemini-cli#21691 rewrite the file after their own refresh with Google's answer only,
 * which carries no refresh_token.
 */
const root = mkdtempSync(join(tmpdir(), 'aiproxy-shared-creds-'));
afterAll(() => rmSync(root, { recursive: true, force: true }));

const MINUTE = 60_000;
const REFRESH = '1//shared-refresh';
let token: GoogleTokenMock;
let file: string;
beforeEach(() => {
  token = startGoogleTokenMock({ refreshTokens: [REFRESH] });
  file = join(mkdtempSync(join(root, 'c-')), 'oauth_creds.json');
});
afterEach(() => token.stop());

const write = (creds: Record<string, unknown>): void => writeFileSync(file, JSON.stringify(creds, null, 2));

test('a file the Gemini CLI rewrote without refresh_token does not cost aiproxy its refresh token', async () => {
  let clock = Date.now();
  write({ access_token: 'ya29.first', refresh_token: REFRESH, expiry_date: clock + 60 * MINUTE, token_type: 'Bearer' });
  const m = createTokenManager({
    store: fileCredentialStore(file),
    oauth: { clientId: token.clientId, clientSecret: token.clientSecret, tokenUrl: token.url },
    now: () => clock,
  });
  expect(await m.accessToken()).toBe('ya29.first');

  // The Gemini CLI refreshes 50 minutes in and writes only what Google answered.
  write({ access_token: 'ya29.cli', expiry_date: clock + 110 * MINUTE, scope: 'x', token_type: 'Bearer', id_token: 'eyJ.cli' });
  clock += 58 * MINUTE;
  // Ours is about to expire: the CLI's newer token is adopted, no grant spent.
  expect(await m.accessToken()).toBe('ya29.cli');
  expect(token.refreshCount()).toBe(0);
  // The file gets the refresh token back at once, so a restarted aiproxy (or the CLI) can refresh.
  expect(JSON.parse(readFileSync(file, 'utf8'))).toMatchObject({ access_token: 'ya29.cli', refresh_token: REFRESH });

  // An hour later the CLI's token expires too; the refresh token aiproxy read first still renews it.
  clock += 60 * MINUTE;
  expect(await m.accessToken()).toBe(token.issued[0]!);
  expect(token.calls[0]!.params.refresh_token).toBe(REFRESH);
  const saved = JSON.parse(readFileSync(file, 'utf8'));
  expect(saved).toMatchObject({ access_token: token.issued[0], refresh_token: REFRESH, id_token: 'eyJ.cli' });
});

test('a stale token the Gemini CLI left without refresh_token is renewed with the refresh token aiproxy knows', async () => {
  let clock = Date.now();
  write({ access_token: 'ya29.first', refresh_token: REFRESH, expiry_date: clock + 60 * MINUTE });
  const m = createTokenManager({
    store: fileCredentialStore(file),
    oauth: { clientId: token.clientId, clientSecret: token.clientSecret, tokenUrl: token.url },
    now: () => clock,
  });
  expect(await m.accessToken()).toBe('ya29.first');
  write({ access_token: 'ya29.cli', expiry_date: clock + 30 * MINUTE, token_type: 'Bearer' });
  clock += 58 * MINUTE;
  expect(await m.accessToken()).toBe(token.issued[0]!);
  expect(token.calls.map((c) => c.params.refresh_token)).toEqual([REFRESH]);
  expect(JSON.parse(readFileSync(file, 'utf8')).refresh_token).toBe(REFRESH);
});
