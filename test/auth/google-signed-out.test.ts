import { afterAll, afterEach, beforeEach, expect, test } from 'bun:test';
import { existsSync, mkdtempSync, readdirSync, rmSync, statSync, unlinkSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { dirname, join } from 'node:path';
import { fileCredentialStore } from '../../src/auth/google/credential-store.ts';
import { createTokenManager, type TokenManager, type TokenManagerOptions } from '../../src/auth/google/token-manager.ts';
import { ProxyError } from '../../src/core/errors.ts';
import { Logger } from '../../src/util/log.ts';
import { startGoogleTokenMock, type GoogleTokenMock } from '../helpers/mocks/google-token-mock.ts';

/**
 * The Gemini CLI's logout (and its `/auth` switch) deletes ~/.gemini/oauth_creds.json. aiproxy must take
 * that as a sign-out: never write the file back (that would sign the Gemini CLI in again as the old
 * account), and stop using and renewing the token it still holds.
 */
const root = mkdtempSync(join(tmpdir(), 'aiproxy-signed-out-'));
afterAll(() => rmSync(root, { recursive: true, force: true }));

const MINUTE = 60_000;
const REFRESH = '1//signed-out-refresh';
let token: GoogleTokenMock;
let file: string;
const managers: TokenManager[] = [];
beforeEach(() => {
  token = startGoogleTokenMock({ refreshTokens: [REFRESH] });
  file = join(mkdtempSync(join(root, 'c-')), 'oauth_creds.json');
});
afterEach(async () => {
  for (const m of managers.splice(0)) m.stopBackground();
  await token.stop();
});

const write = (creds: Record<string, unknown>): void => writeFileSync(file, JSON.stringify(creds, null, 2), { mode: 0o600 });

function manager(extra: Partial<TokenManagerOptions> = {}): TokenManager {
  const m = createTokenManager({
    store: fileCredentialStore(file),
    oauth: { clientId: token.clientId, clientSecret: token.clientSecret, tokenUrl: token.url },
    ...extra,
  });
  managers.push(m);
  return m;
}

async function failure(p: Promise<unknown>): Promise<ProxyError> {
  const e = await p.then(
    () => undefined,
    (err: unknown) => err,
  );
  if (!(e instanceof ProxyError)) throw new Error(`expected a ProxyError, got ${String(e)}`);
  return e;
}

const signedOut = (e: ProxyError): void => {
  expect(e.status).toBe(401);
  expect(e.message).toContain('no Google sign-in');
  expect(e.message).toContain(`${file} does not exist`);
  expect(e.message).toContain('aiproxy login gemini');
};

test('a refresh after the file was deleted does not recreate it: the account is signed out', async () => {
  let clock = Date.now();
  write({ access_token: 'ya29.a', refresh_token: REFRESH, expiry_date: clock + 60 * MINUTE, token_type: 'Bearer' });
  // Never checks presence on its own: the refresh alone must notice.
  const m = manager({ now: () => clock, presenceCheckMs: Infinity });
  expect(await m.accessToken()).toBe('ya29.a');
  unlinkSync(file);
  clock += 57 * MINUTE;
  signedOut(await failure(m.accessToken()));
  expect(existsSync(file)).toBe(false);
  // No grant spent on a sign-in that ended, and nothing left over in the directory.
  expect(token.calls).toHaveLength(0);
  expect(readdirSync(dirname(file))).toEqual([]);
  // Still signed out on the next request, not served from what was in memory.
  signedOut(await failure(m.accessToken()));
  signedOut(await failure(m.refreshAfterRejection()));
  expect(existsSync(file)).toBe(false);
});

test('a token still valid in memory is not used once the file is gone', async () => {
  let clock = Date.now();
  write({ access_token: 'ya29.a', refresh_token: REFRESH, expiry_date: clock + 60 * MINUTE, token_type: 'Bearer' });
  const m = manager({ now: () => clock });
  expect(await m.accessToken()).toBe('ya29.a');
  unlinkSync(file);
  clock += 2_000;
  signedOut(await failure(m.accessToken()));
  expect(existsSync(file)).toBe(false);
  expect(token.calls).toHaveLength(0);
});

test('a file deleted while a refresh is under way is not written back, and the new token is not used', async () => {
  write({ access_token: 'ya29.old', refresh_token: REFRESH, expiry_date: Date.now() - 1000, token_type: 'Bearer' });
  const m = manager();
  token.delayMs = 300;
  const pending = m.accessToken();
  await Bun.sleep(100);
  unlinkSync(file);
  signedOut(await failure(pending));
  expect(token.refreshCount()).toBe(1);
  expect(existsSync(file)).toBe(false);
  expect(readdirSync(dirname(file))).toEqual([]);
  signedOut(await failure(m.accessToken()));
  expect(token.refreshCount()).toBe(1);
});

test('signing in again after a sign-out is picked up by the next request', async () => {
  let clock = Date.now();
  write({ access_token: 'ya29.a', refresh_token: REFRESH, expiry_date: clock + 60 * MINUTE, token_type: 'Bearer' });
  const m = manager({ now: () => clock });
  expect(await m.accessToken()).toBe('ya29.a');
  unlinkSync(file);
  clock += 2_000;
  signedOut(await failure(m.accessToken()));
  write({ access_token: 'ya29.other-account', refresh_token: '1//other', expiry_date: clock + 60 * MINUTE, token_type: 'Bearer' });
  expect(await m.accessToken()).toBe('ya29.other-account');
});

test('the background refresh stops at a sign-out, and says so once', async () => {
  const lines: string[] = [];
  // The timer fires about a second after loading: inside the 10-minute lead.
  write({ access_token: 'ya29.a', refresh_token: REFRESH, expiry_date: Date.now() + 10 * MINUTE + 1000, token_type: 'Bearer' });
  const m = manager({ retryMs: 200, log: new Logger('debug', (l) => lines.push(l)) });
  m.startBackground();
  expect(await m.accessToken()).toBe('ya29.a');
  unlinkSync(file);
  await Bun.sleep(2500);
  expect(token.calls).toHaveLength(0);
  expect(existsSync(file)).toBe(false);
  expect(lines.filter((l) => l.includes('signed out'))).toHaveLength(1);
  expect(lines.filter((l) => l.includes('retrying'))).toEqual([]);
});

test('a refresh still writes back a file that exists, keeping its permissions', async () => {
  write({ access_token: 'ya29.old', refresh_token: REFRESH, expiry_date: Date.now() - 1000, token_type: 'Bearer' });
  const m = manager();
  expect(await m.accessToken()).toBe(token.issued[0]!);
  expect(JSON.parse(await Bun.file(file).text())).toMatchObject({ access_token: token.issued[0], refresh_token: REFRESH });
  expect(statSync(file).mode & 0o777).toBe(0o600);
  expect(readdirSync(dirname(file))).toEqual(['oauth_creds.json']);
});
