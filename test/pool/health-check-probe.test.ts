/**
 * An active health check is the member's half-open probe, like the first real request after a
 * cooldown: one at a time, and judged the same way.
 */
import { afterAll, beforeAll, describe, expect, test } from 'bun:test';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { parseArgs } from '../../src/cli/args.ts';
import { loadConfig } from '../../src/config/load.ts';
import type { Config } from '../../src/config/types.ts';
import { createPools } from '../../src/pool/build.ts';
import { checkMember } from '../../src/pool/health-check.ts';
import { DEFAULT_POOL_SETTINGS } from '../../src/pool/settings.ts';
import { Logger } from '../../src/util/log.ts';
import { geminiQuotaError, startGeminiMock, type GeminiMock } from '../helpers/mocks/gemini-mock.ts';
import { startGoogleTokenMock } from '../helpers/mocks/google-token-mock.ts';

let mock: GeminiMock;
beforeAll(async () => {
  mock = await startGeminiMock();
});
afterAll(() => mock.stop());

const quiet = new Logger('error', () => {});
function config(): Config {
  const c = loadConfig({ flags: parseArgs([]).flags, env: {}, cwd: '/nonexistent' });
  return {
    ...c,
    modelProviders: ['gemini-cli'],
    pools: { 'gemini-cli': [{ name: 'g1', weight: 1, modelMap: {}, disabled: false, healthCheckModel: 'gemini-2.5-flash-lite', credentials: { apiKey: mock.key, baseUrl: mock.url } }] },
    pool: { ...DEFAULT_POOL_SETTINGS, cooldownMs: 10 },
  };
}
/** A member that cooled down after upstream errors and whose cooldown is over. */
function cooledMember() {
  const pool = createPools(config()).get('gemini-cli')!;
  const m = pool.members[0]!;
  m.record({ kind: 'server_error', status: 500, message: 'x' }, Date.now() - 1000, { ...pool.settings, errorThreshold: 1 });
  expect(m.state.health).toBe('cooling');
  return { pool, m };
}

describe('a health check is the half-open probe', () => {
  test("a 429 for the check model's own quota proves the account: it is back, only that model cools down", async () => {
    const { pool, m } = cooledMember();
    mock.queue({ error: geminiQuotaError('3600s', 'models/gemini-flash-lite-latest') });
    const outcome = await checkMember(m, pool, { fetch, log: quiet });
    expect(outcome?.kind).toBe('rate_limited');
    expect(m.state.health).toBe('healthy');
    // The check model, as asked: Google may name it otherwise (a models/ prefix, an alias).
    expect(pool.pick('gemini-2.5-flash-lite', {})).toBeUndefined();
    expect(pool.pick('gemini-2.5-pro', {})?.name).toBe('g1');
  });

  test('while a check is out, no real request is sent to the member too', async () => {
    const { pool, m } = cooledMember();
    mock.queue({ headerDelayMs: 300 });
    const check = checkMember(m, pool, { fetch, log: quiet });
    await mock.waitForCalls(mock.calls.length + 1, 2000);
    expect(pool.pick('gemini-2.5-pro', {})).toBeUndefined();
    expect((await check)?.kind).toBe('success');
    expect(pool.pick('gemini-2.5-pro', {})?.name).toBe('g1');
  });

  test('a member a real request is probing is not checked as well', async () => {
    const { pool, m } = cooledMember();
    const before = mock.calls.length;
    expect(pool.pick('gemini-2.5-pro', {})?.name).toBe('g1'); // the real probe, still out
    await checkMember(m, pool, { fetch, log: quiet });
    expect(mock.calls.length).toBe(before);
    expect(m.probing).toBe(true);
    m.release({ kind: 'success' }, Date.now(), pool.settings);
    expect(m.state.health).toBe('healthy');
  });
});

describe('a check the account refuses before anything is sent', () => {
  test('a Google sign-in refused for good (invalid_grant) leaves the member unhealthy with its 401, and the log says why', async () => {
    const token = startGoogleTokenMock({ refreshTokens: [] }); // the refresh token was revoked
    const dir = mkdtempSync(join(tmpdir(), 'aiproxy-hc-grant-'));
    try {
      const credsFile = join(dir, 'oauth_creds.json');
      writeFileSync(credsFile, JSON.stringify({ access_token: 'ya29.old', refresh_token: '1//revoked', expiry_date: Date.now() - 1000 }));
      const c = loadConfig({ flags: parseArgs([]).flags, env: {}, cwd: '/nonexistent' });
      const config: Config = {
        ...c,
        modelProviders: ['gemini-cli-oauth'],
        gemini: { ...c.gemini, oauthTokenUrl: token.url, oauthClientId: token.clientId, oauthClientSecret: token.clientSecret, projectId: 'p-1', codeAssistBaseUrl: 'http://127.0.0.1:9' },
        pools: { 'gemini-cli-oauth': [{ name: 'acct', weight: 1, modelMap: {}, disabled: false, credentials: { oauthCredsFile: credsFile } }] },
        pool: { ...DEFAULT_POOL_SETTINGS, cooldownMs: 10 },
      };
      const pool = createPools(config).get('gemini-cli-oauth')!;
      const m = pool.members[0]!;
      m.record({ kind: 'auth_failed', status: 401, message: 'refused' }, Date.now() - 1000, pool.settings);
      const lines: string[] = [];
      const outcome = await checkMember(m, pool, { fetch, log: new Logger('info', (l) => lines.push(l)) });
      expect(outcome).toMatchObject({ kind: 'auth_failed', status: 401 });
      // Not "cooling" after a made-up 502: /pools shows the account signed out, as a real request would leave it.
      expect(m.state.health).toBe('unhealthy');
      expect(m.state.lastError?.status).toBe(401);
      expect(lines.join('\n')).toContain('invalid_grant');
    } finally {
      await token.stop();
      rmSync(dir, { recursive: true, force: true });
    }
  });
});
