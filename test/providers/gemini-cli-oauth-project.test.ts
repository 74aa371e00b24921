import { afterAll, afterEach, describe, expect, test } from 'bun:test';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileCredentialStore } from '../../src/auth/google/credential-store.ts';
import { createTokenManager } from '../../src/auth/google/token-manager.ts';
import { ProxyError } from '../../src/core/errors.ts';
import { createProjectResolver, type ProjectDiscoveryOptions } from '../../src/providers/gemini-cli-oauth/project-discovery.ts';
import { startCodeAssistMock, type CodeAssistMock, type CodeAssistMockOptions } from '../helpers/mocks/code-assist-mock.ts';
import { googleError } from '../helpers/mocks/gemini-mock-errors.ts';
import { startGoogleTokenMock, type GoogleTokenMock } from '../helpers/mocks/google-token-mock.ts';

const root = mkdtempSync(join(tmpdir(), 'aiproxy-project-'));
afterAll(() => rmSync(root, { recursive: true, force: true }));

const REFRESH = '1//refresh-project';
let api: CodeAssistMock;
let token: GoogleTokenMock;
afterEach(async () => {
  await Promise.all([api?.stop(), token?.stop()]);
});

/** A Code Assist mock, a token endpoint it trusts, and a resolver signed in with a valid token. */
async function setup(mockOpts: CodeAssistMockOptions = {}, resolverOpts: Partial<ProjectDiscoveryOptions> = {}) {
  api = await startCodeAssistMock(mockOpts);
  token = startGoogleTokenMock({ refreshTokens: [REFRESH], onIssue: (t) => api.acceptToken(t) });
  api.acceptToken('ya29.valid');
  const file = join(mkdtempSync(join(root, 'c-')), 'creds.json');
  writeFileSync(file, JSON.stringify({ access_token: 'ya29.valid', refresh_token: REFRESH, expiry_date: Date.now() + 3_600_000 }));
  const tokens = createTokenManager({ store: fileCredentialStore(file), oauth: { clientId: token.clientId, clientSecret: token.clientSecret, tokenUrl: token.url } });
  return createProjectResolver({ apiBase: `${api.url}/v1internal`, tokens, timeoutMs: 5000, pollIntervalMs: 10, ...resolverOpts });
}

const paths = (): string[] => api.calls.map((c) => `${c.method} ${c.url.replace(/operations\/.*/, 'operations/…')}`);

async function failure(p: Promise<unknown>): Promise<ProxyError> {
  const e = await p.then(
    () => undefined,
    (err: unknown) => err,
  );
  if (!(e instanceof ProxyError)) throw new Error(`expected a ProxyError, got ${String(e)}`);
  return e;
}

describe('project discovery', () => {
  test('an onboarded account: loadCodeAssist names the project, once for all requests', async () => {
    const r = await setup();
    const projects = await Promise.all([r.project(), r.project(), r.project()]);
    expect(projects).toEqual([api.project, api.project, api.project]);
    expect(await r.project()).toBe(api.project);
    expect(paths()).toEqual(['POST /v1internal:loadCodeAssist']);
    expect(api.calls[0]!.body).toEqual({ metadata: { ideType: 'IDE_UNSPECIFIED', platform: 'PLATFORM_UNSPECIFIED', pluginType: 'GEMINI' } });
    expect(api.calls[0]!.headers.authorization).toBe('Bearer ya29.valid');
    expect(api.calls[0]!.headers['user-agent']).toMatch(/^GeminiCLI\/[\d.]+ \(/);
  });

  test('a new free-tier account is onboarded without a project, and the operation is polled until done', async () => {
    const r = await setup({ onboarded: false, onboardPolls: 3 });
    expect(await r.project()).toBe(api.project);
    expect(paths()).toEqual([
      'POST /v1internal:loadCodeAssist',
      'POST /v1internal:onboardUser',
      'GET /v1internal/operations/…',
      'GET /v1internal/operations/…',
      'GET /v1internal/operations/…',
    ]);
    expect(api.calls[1]!.body).toEqual({ tierId: 'free-tier', metadata: { ideType: 'IDE_UNSPECIFIED', platform: 'PLATFORM_UNSPECIFIED', pluginType: 'GEMINI' } });
    expect(api.calls.every((c) => c.status === 200)).toBe(true);
  });

  test('onboarding that never finishes is given up after a bounded number of polls', async () => {
    const r = await setup({ onboarded: false, onboardPolls: 50 }, { maxPolls: 3 });
    const e = await failure(r.project());
    expect(e.status).toBe(504);
    expect(e.message).toContain('gemini.project_id');
    expect(api.calls.filter((c) => c.method === 'GET')).toHaveLength(3);
  });

  test('a tier that needs the user’s own project asks for gemini.project_id instead of onboarding', async () => {
    const r = await setup({ onboarded: false, defaultTier: 'standard-tier' });
    const e = await failure(r.project());
    expect(e.status).toBe(403);
    expect(e.message).toContain('standard-tier');
    expect(e.message).toContain('gemini.project_id');
    expect(paths()).toEqual(['POST /v1internal:loadCodeAssist']);
  });

  const META = { ideType: 'IDE_UNSPECIFIED', platform: 'PLATFORM_UNSPECIFIED', pluginType: 'GEMINI' };

  test('a configured project is given to loadCodeAssist, as the Gemini CLI gives it, and kept for the account in it', async () => {
    const r = await setup({ defaultTier: 'standard-tier' }, { configured: 'my-own-project' });
    expect(await r.project()).toBe('my-own-project');
    expect(await r.project()).toBe('my-own-project');
    expect(paths()).toEqual(['POST /v1internal:loadCodeAssist']);
    expect(api.calls[0]!.body).toEqual({ cloudaicompanionProject: 'my-own-project', metadata: { ...META, duetProject: 'my-own-project' } });
  });

  test('an account of a paid tier never set up is onboarded in the configured project', async () => {
    const r = await setup({ onboarded: false, defaultTier: 'standard-tier', onboardPolls: 2 }, { configured: 'my-own-project' });
    expect(await r.project()).toBe('my-own-project');
    expect(paths()).toEqual(['POST /v1internal:loadCodeAssist', 'POST /v1internal:onboardUser', 'GET /v1internal/operations/…', 'GET /v1internal/operations/…']);
    expect(api.calls[1]!.body).toEqual({ tierId: 'standard-tier', cloudaicompanionProject: 'my-own-project', metadata: { ...META, duetProject: 'my-own-project' } });
    expect(api.onboarded).toBe(true);
  });

  test('the project Code Assist names for the account wins over the configured one, as in the Gemini CLI', async () => {
    const r = await setup({}, { configured: 'some-gcloud-project' });
    expect(await r.project()).toBe(api.project);
  });

  test('a free-tier account never set up is onboarded without the configured project (Precondition Failed otherwise)', async () => {
    const r = await setup({ onboarded: false }, { configured: 'some-gcloud-project' });
    expect(await r.project()).toBe(api.project);
    expect(api.calls[1]!.body).toEqual({ tierId: 'free-tier', metadata: META });
  });

  test('an onboarding in the configured project that never finishes does not ask for the project already set', async () => {
    const r = await setup({ onboarded: false, defaultTier: 'standard-tier', onboardPolls: 50 }, { configured: 'my-own-project', maxPolls: 2 });
    const e = await failure(r.project());
    expect(e.status).toBe(504);
    expect(e.message).toContain('try again in a minute.');
    expect(e.message).not.toContain('gemini.project_id');
  });

  test('the configured project is used when Code Assist names none', async () => {
    const r = await setup({ withholdProject: true }, { configured: 'my-own-project' });
    expect(await r.project()).toBe('my-own-project');
  });

  test('Google’s refusal reaches the caller with its message and a hint, and is not cached', async () => {
    const r = await setup();
    api.loadError = { status: 403, body: googleError(403, 'The caller does not have permission') };
    const e = await failure(r.project());
    expect(e.status).toBe(403);
    expect(e.message).toContain('loadCodeAssist failed: The caller does not have permission');
    expect(e.message).toContain('Hint:');
    api.loadError = undefined;
    expect(await r.project()).toBe(api.project);
  });

  test('an account Google will not serve gets Google’s reasons', async () => {
    const r = await setup({
      withholdProject: true,
      ineligibleTiers: [{ reasonCode: 'INELIGIBLE_ACCOUNT', reasonMessage: 'Your account is not eligible for Gemini Code Assist for individuals.', tierId: 'free-tier' }],
    });
    const e = await failure(r.project());
    expect(e.status).toBe(403);
    expect(e.message).toContain('Google says: Your account is not eligible for Gemini Code Assist for individuals. (INELIGIBLE_ACCOUNT)');
    expect(e.message).toContain('Hint:');
  });

  test('an account Google wants verified is shown the link and not onboarded, as the Gemini CLI does', async () => {
    const validationUrl = 'https://accounts.google.com/signin/continue?sarp=1&plt=verify';
    const r = await setup({
      onboarded: false,
      ineligibleTiers: [{ reasonCode: 'VALIDATION_REQUIRED', reasonMessage: 'Verify your account to continue.', tierId: 'free-tier', validationUrl }],
    });
    const e = await failure(r.project());
    expect(e.status).toBe(403);
    expect(e.message).toContain(validationUrl);
    expect(e.message).toContain('Verify your account to continue.');
    expect(paths()).toEqual(['POST /v1internal:loadCodeAssist']);
  });

  test('an onboarded account without a project and without reasons is told to configure one', async () => {
    const r = await setup({ withholdProject: true });
    const e = await failure(r.project());
    expect(e.status).toBe(403);
    expect(e.message).toContain('Set gemini.project_id');
  });

  test('a 401 during discovery refreshes the token once and retries', async () => {
    const r = await setup();
    api.rejectToken('ya29.valid');
    expect(await r.project()).toBe(api.project);
    expect(token.refreshCount()).toBe(1);
    expect(api.calls.map((c) => c.status)).toEqual([401, 200]);
    expect(api.calls[1]!.headers.authorization).toBe(`Bearer ${token.issued[0]}`);
  });
});
