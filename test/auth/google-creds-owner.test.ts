import { afterAll, afterEach, beforeEach, expect, test } from 'bun:test';
import { chmodSync, chownSync, mkdtempSync, readFileSync, rmSync, statSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileCredentialStore } from '../../src/auth/google/credential-store.ts';
import { createTokenManager } from '../../src/auth/google/token-manager.ts';
import { startGoogleTokenMock, type GoogleTokenMock } from '../helpers/mocks/google-token-mock.ts';

const root = mkdtempSync(join(tmpdir(), 'aiproxy-creds-owner-'));
afterAll(() => rmSync(root, { recursive: true, force: true }));

const REFRESH = '1//owner-refresh';
let token: GoogleTokenMock;
beforeEach(() => {
  token = startGoogleTokenMock({ refreshTokens: [REFRESH] });
});
afterEach(() => token.stop());

// aiproxy in a container runs as root over the user's mounted ~/.gemini: the rewritten file must stay the
// user's, or the Gemini CLI on the host can no longer read its own 0600 credentials.
test.skipIf(process.getuid?.() !== 0)('refreshed credentials written back by root keep the file’s owner', async () => {
  const user = { uid: 4321, gid: 4321 };
  const file = join(mkdtempSync(join(root, 'c-')), 'oauth_creds.json');
  writeFileSync(file, JSON.stringify({ access_token: 'ya29.old', refresh_token: REFRESH, expiry_date: 1 }, null, 2));
  chmodSync(file, 0o600);
  chownSync(file, user.uid, user.gid);
  const m = createTokenManager({ store: fileCredentialStore(file), oauth: { clientId: token.clientId, clientSecret: token.clientSecret, tokenUrl: token.url } });
  expect(await m.accessToken()).toBe(token.issued[0]!);
  expect(JSON.parse(readFileSync(file, 'utf8')).access_token).toBe(token.issued[0]!);
  const st = statSync(file);
  expect({ uid: st.uid, gid: st.gid, mode: st.mode & 0o777 }).toEqual({ ...user, mode: 0o600 });
});
