import { afterAll, afterEach, beforeEach, describe, expect, test } from 'bun:test';
import { chmodSync, mkdtempSync, readdirSync, readFileSync, rmSync, statSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { base64CredentialStore, fileCredentialStore } from '../../src/auth/google/credential-store.ts';
import { createTokenManager, type TokenManager, type TokenManagerOptions } from '../../src/auth/google/token-manager.ts';
import { ProxyError } from '../../src/core/errors.ts';
import { startGoogleTokenMock, type GoogleTokenMock } from '../helpers/mocks/google-token-mock.ts';
import { eventually } from '../helpers/stack.ts';

const root = mkdtempSync(join(tmpdir(), 'aiproxy-tokens-'));
afterAll(() => rmSync(root, { recursive: true, force: true }));

const HOUR = 3_600_000;
const REFRESH = '1//refresh-abc';

let token: GoogleTokenMock;
let dir: string;
let file: string;
const managers: TokenManager[] = [];

beforeEach(() => {
  token = startGoogleTokenMock({ refreshTokens: [REFRESH] });
  dir = mkdtempSync(join(root, 'case-'));
  file = join(dir, 'oauth_creds.json');
});
afterEach(async () => {
  for (const m of managers.splice(0)) m.stopBackground();
  await token.stop();
});

function writeCreds(creds: Record<string, unknown>, mode = 0o600): void {
  writeFileSync(file, JSON.stringify(creds, null, 2));
  chmodSync(file, mode);
}

const readCreds = (): Record<string, unknown> => JSON.parse(readFileSync(file, 'utf8'));

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

describe('access tokens', () => {
  test('a valid token is used as it is, without calling the token endpoint', async () => {
    writeCreds({ access_token: 'ya29.valid', refresh_token: REFRESH, expiry_date: Date.now() + HOUR, token_type: 'Bearer' });
    expect(await manager().accessToken()).toBe('ya29.valid');
    expect(token.calls).toHaveLength(0);
  });

  test('an expired token is refreshed exactly once under concurrent requests, and all of them get the new one', async () => {
    writeCreds({ access_token: 'ya29.old', refresh_token: REFRESH, expiry_date: Date.now() - 1000, token_type: 'Bearer' });
    token.delayMs = 100;
    const m = manager();
    const tokens = await Promise.all(Array.from({ length: 12 }, () => m.accessToken()));
    expect(token.refreshCount()).toBe(1);
    expect(token.calls[0]!.params).toMatchObject({ grant_type: 'refresh_token', refresh_token: REFRESH, client_id: token.clientId, client_secret: token.clientSecret });
    expect(new Set(tokens)).toEqual(new Set([token.issued[0]!]));
    // Later calls use the refreshed token without another grant.
    expect(await m.accessToken()).toBe(token.issued[0]!);
    expect(token.refreshCount()).toBe(1);
  });

  test('a token about to expire is refreshed before use, never handed out', async () => {
    writeCreds({ access_token: 'ya29.almost', refresh_token: REFRESH, expiry_date: Date.now() + 60_000 });
    expect(await manager().accessToken()).toBe(token.issued[0]!);
  });

  test('refreshed credentials are written back atomically: same permissions, other fields kept, no temp files left', async () => {
    writeCreds(
      { access_token: 'ya29.old', refresh_token: REFRESH, expiry_date: 1, token_type: 'Bearer', id_token: 'eyJ.keep.me', scope: 'a b', extra_field: 42 },
      0o640,
    );
    const before = Date.now();
    await manager().accessToken();
    const saved = readCreds();
    expect(saved.access_token).toBe(token.issued[0]!);
    expect(saved.refresh_token).toBe(REFRESH);
    expect(saved.id_token).toBe('eyJ.keep.me');
    expect(saved.extra_field).toBe(42);
    expect(saved.expires_in).toBeUndefined();
    // expiry_date stays in milliseconds, as the Gemini CLI reads it.
    expect(saved.expiry_date as number).toBeGreaterThanOrEqual(before + 3599_000 - 5_000);
    expect(saved.expiry_date as number).toBeLessThan(Date.now() + 3600_000);
    expect(statSync(file).mode & 0o777).toBe(0o640);
    expect(readdirSync(dir)).toEqual(['oauth_creds.json']);
    expect(readFileSync(file, 'utf8')).toStartWith('{\n  "');
  });

  test('a token the Gemini CLI refreshed in the file meanwhile is adopted instead of spending a grant', async () => {
    writeCreds({ access_token: 'ya29.old', refresh_token: REFRESH, expiry_date: Date.now() + HOUR });
    const m = manager();
    expect(await m.accessToken()).toBe('ya29.old');
    writeCreds({ access_token: 'ya29.from-cli', refresh_token: REFRESH, expiry_date: Date.now() + HOUR });
    // The API refused our token (say it was revoked); the file already holds a newer one.
    expect(await m.refreshAfterRejection()).toBe(true);
    expect(await m.accessToken()).toBe('ya29.from-cli');
    expect(token.calls).toHaveLength(0);
  });

  test('after a 401 concurrent callers share one refresh, and all retry with the new token', async () => {
    writeCreds({ access_token: 'ya29.revoked', refresh_token: REFRESH, expiry_date: Date.now() + HOUR });
    token.delayMs = 80;
    const m = manager();
    await m.accessToken();
    const results = await Promise.all(Array.from({ length: 6 }, () => m.refreshAfterRejection()));
    expect(results).toEqual([true, true, true, true, true, true]);
    expect(token.refreshCount()).toBe(1);
    expect(await m.accessToken()).toBe(token.issued[0]!);
  });

  test('base64 credentials refresh in memory and write no file', async () => {
    const creds = { access_token: 'ya29.old', refresh_token: REFRESH, expiry_date: 1 };
    const m = createTokenManager({
      store: base64CredentialStore(Buffer.from(JSON.stringify(creds)).toString('base64')),
      oauth: { clientId: token.clientId, clientSecret: token.clientSecret, tokenUrl: token.url },
    });
    expect(await m.accessToken()).toBe(token.issued[0]!);
    expect(await m.accessToken()).toBe(token.issued[0]!);
    expect(token.refreshCount()).toBe(1);
    expect(readdirSync(dir)).toEqual([]);
  });
});

describe('refresh failures', () => {
  test('a revoked refresh token is a 401 naming the cause and how to sign in again, and is not retried until the file changes', async () => {
    writeCreds({ access_token: 'ya29.old', refresh_token: '1//revoked', expiry_date: 1 });
    const m = manager();
    const e = await failure(m.accessToken());
    expect(e.status).toBe(401);
    expect(e.info.kind).toBe('authentication');
    expect(e.message).toContain('invalid_grant: Token has been expired or revoked.');
    expect(e.message).toContain('aiproxy login gemini');
    expect(e.message).toContain(file);
    expect(token.refreshCount()).toBe(1);

    // A second request fails the same way without another grant.
    expect((await failure(m.accessToken())).message).toContain('invalid_grant');
    expect(token.refreshCount()).toBe(1);

    // Signing in again (a new refresh token in the file) makes it work without a restart.
    writeCreds({ access_token: 'ya29.stale', refresh_token: REFRESH, expiry_date: 1 });
    expect(await m.accessToken()).toBe(token.issued[0]!);
  });

  test('a refresh token issued to another OAuth client names the client settings', async () => {
    writeCreds({ access_token: 'ya29.old', refresh_token: REFRESH, expiry_date: 1 });
    const m = manager({ oauth: { clientId: 'someone-else', clientSecret: 'x', tokenUrl: token.url } });
    const e = await failure(m.accessToken());
    expect(e.status).toBe(401);
    expect(e.message).toContain('invalid_client');
    expect(e.message).toContain('gemini.oauth_client_id');
  });

  test('a token endpoint that keeps failing is a 502 to retry, not a sign-in problem, and the next request tries again', async () => {
    writeCreds({ access_token: 'ya29.old', refresh_token: REFRESH, expiry_date: 1 });
    // google-auth-library retries 5xx three times itself.
    const down = { status: 503, body: { error: 'temporarily_unavailable' } };
    token.failNext(down, down, down, down);
    const m = manager();
    const e = await failure(m.accessToken());
    expect(e.status).toBe(502);
    expect(e.message).toContain('try again');
    expect(await m.accessToken()).toBe(token.issued[0]!);
  });

  test('a token endpoint that echoes the refresh token or the client secret in its error does not pass them on', async () => {
    // gemini.oauth_token_url may be any server; what the grant sent is blanked out of the message clients and logs get.
    writeCreds({ access_token: 'ya29.old', refresh_token: REFRESH, expiry_date: 1 });
    const echoed = `refresh_token=${REFRESH}&client_secret=${token.clientSecret} is malformed`;
    token.failNext({ status: 400, body: { error: 'invalid_request', error_description: echoed } });
    const e = await failure(manager().accessToken());
    expect(e.status).toBe(401);
    expect(e.message).toContain('invalid_request: refresh_token=[redacted]&client_secret=[redacted] is malformed');
    expect(e.message).not.toContain(REFRESH);
    expect(e.message).not.toContain(token.clientSecret);
  });

  test('credentials without a refresh token cannot be renewed once expired', async () => {
    writeCreds({ access_token: 'ya29.only', expiry_date: 1 });
    const e = await failure(manager().accessToken());
    expect(e.status).toBe(401);
    expect(e.message).toContain('no refresh_token');
    expect(token.calls).toHaveLength(0);
  });

  test('a missing credentials file is a 401 that says where it looked and how to sign in', async () => {
    const e = await failure(manager().accessToken());
    expect(e.status).toBe(401);
    expect(e.message).toContain(`${file} does not exist`);
    expect(e.message).toContain('aiproxy login gemini');
    expect(e.message).toContain('GEMINI_OAUTH_CREDS_BASE64');
  });

  test('a credentials file that is not JSON is reported as such', async () => {
    writeFileSync(file, '{"access_token": ');
    expect((await failure(manager().accessToken())).message).toContain('is not a JSON object');
  });
});

describe('background refresh', () => {
  test('the token is renewed before it expires without any request, and written back', async () => {
    // Expires 1.2 s after the background lead time: the timer fires then.
    writeCreds({ access_token: 'ya29.old', refresh_token: REFRESH, expiry_date: Date.now() + 10 * 60_000 + 1200 });
    const m = manager({ backgroundLeadMs: 10 * 60_000 });
    m.startBackground();
    await eventually(() => token.refreshCount() === 1, 5000);
    await eventually(() => readCreds().access_token === token.issued[0], 2000);
    expect(await m.accessToken()).toBe(token.issued[0]!);
    expect(token.refreshCount()).toBe(1);
  });

  test('stopped managers do not refresh', async () => {
    writeCreds({ access_token: 'ya29.old', refresh_token: REFRESH, expiry_date: Date.now() + 10 * 60_000 + 1000 });
    const m = manager();
    m.startBackground();
    m.stopBackground();
    await Bun.sleep(1500);
    expect(token.calls).toHaveLength(0);
  });
});
