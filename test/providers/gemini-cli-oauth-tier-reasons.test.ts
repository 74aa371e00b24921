import { afterAll, afterEach, expect, test } from 'bun:test';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileCredentialStore } from '../../src/auth/google/credential-store.ts';
import { createTokenManager } from '../../src/auth/google/token-manager.ts';
import { ProxyError } from '../../src/core/errors.ts';
import { createProjectResolver } from '../../src/providers/gemini-cli-oauth/project-discovery.ts';
import { startCodeAssistMock, type CodeAssistMock, type CodeAssistMockOptions } from '../helpers/mocks/code-assist-mock.ts';

const root = mkdtempSync(join(tmpdir(), 'aiproxy-tier-reasons-'));
afterAll(() => rmSync(root, { recursive: true, force: true }));

let api: CodeAssistMock | undefined;
afterEach(async () => {
  await api?.stop();
  api = undefined;
});

async function discover(mockOpts: CodeAssistMockOptions, maxPolls?: number): Promise<ProxyError> {
  api = await startCodeAssistMock(mockOpts);
  api.acceptToken('ya29.valid');
  const file = join(mkdtempSync(join(root, 'c-')), 'creds.json');
  writeFileSync(file, JSON.stringify({ access_token: 'ya29.valid', refresh_token: '1//r', expiry_date: Date.now() + 3_600_000 }));
  const tokens = createTokenManager({ store: fileCredentialStore(file), oauth: { clientId: 'c', clientSecret: 's', tokenUrl: 'http://127.0.0.1:9/token' } });
  const resolver = createProjectResolver({ apiBase: `${api.url}/v1internal`, tokens, timeoutMs: 5000, pollIntervalMs: 10, maxPolls });
  const e = await resolver.project().then(
    () => undefined,
    (err: unknown) => err,
  );
  if (!(e instanceof ProxyError)) throw new Error(`expected a ProxyError, got ${String(e)}`);
  return e;
}

// As gemini-cli#1432 shows it: the free tier refused for the location, only standard-tier offered.
test('an account offered only a tier that needs its own project also hears why Google refuses the free tier', async () => {
  const reasonMessage = 'Your current account is not eligible for Gemini Code Assist for individuals because it is not currently available in your location.';
  const e = await discover({ onboarded: false, defaultTier: 'standard-tier', ineligibleTiers: [{ reasonCode: 'UNSUPPORTED_LOCATION', reasonMessage, tierId: 'free-tier' }] });
  expect(e.status).toBe(403);
  expect(e.message).toContain('gemini.project_id');
  expect(e.message).toContain(`${reasonMessage} (UNSUPPORTED_LOCATION)`);
  expect(api!.calls.map((c) => c.url)).toEqual(['/v1internal:loadCodeAssist']);
});

// The Gemini CLI falls back to legacy-tier in the user's own project when Google offers no tier (setup.ts getOnboardTier).
test('an account Google offers no tier at all gets Google’s reasons, not an onboarding error', async () => {
  const reasonMessage = 'Your account is not eligible for Gemini Code Assist for individuals.';
  const e = await discover({ onboarded: false, defaultTier: 'none', ineligibleTiers: [{ reasonCode: 'INELIGIBLE_ACCOUNT', reasonMessage, tierId: 'free-tier' }] });
  expect(e.status).toBe(403);
  expect(e.message).toContain(`${reasonMessage} (INELIGIBLE_ACCOUNT)`);
  expect(e.message).toContain('gemini.project_id');
  expect(api!.calls.map((c) => c.url)).toEqual(['/v1internal:loadCodeAssist']);
});

// aaif-goose/goose#11045: onboarding an account Google no longer serves never finished; its reason was in loadCodeAssist.
test('an onboarding that never finishes also says why Google refuses the account, when it said', async () => {
  const reasonMessage = 'This client is no longer supported for Gemini Code Assist for individuals. To continue using Gemini, please migrate to the Antigravity suite of products: https://antigravity.google';
  const e = await discover({ onboarded: false, onboardPolls: 50, ineligibleTiers: [{ reasonCode: 'UNSUPPORTED_CLIENT', reasonMessage, tierId: 'free-tier' }] }, 2);
  expect(e.status).toBe(504);
  expect(e.message).toContain('onboardUser did not finish after 2 polls');
  expect(e.message).toContain(`${reasonMessage} (UNSUPPORTED_CLIENT)`);
});
