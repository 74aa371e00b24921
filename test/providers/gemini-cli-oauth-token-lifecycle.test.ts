/**
 * The token managers behind gemini-cli-oauth live as long as a served configuration uses them: a reload
 * that drops a member or points it at another file stops the old one's refreshes, and so does stopping
 * the app. Their background log lines go through the app's own logger, outside any request.
 */
import { afterAll, afterEach, expect, test } from 'bun:test';
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { Config } from '../../src/config/types.ts';
import { startCodeAssistStack, type CodeAssistStack } from '../helpers/code-assist-stack.ts';

const root = mkdtempSync(join(tmpdir(), 'aiproxy-token-lifecycle-'));
afterAll(() => rmSync(root, { recursive: true, force: true }));

const MINUTE = 60_000;
let stack: CodeAssistStack | undefined;
afterEach(async () => {
  await stack?.stop();
  stack = undefined;
});

/** A credentials file whose token the background timer renews about 1.5 s after it is read (10-minute lead). */
function account(dir: string, name: string): string {
  const file = join(dir, `${name}.json`);
  const creds = { access_token: `ya29.${name}`, refresh_token: `1//${name}`, expiry_date: Date.now() + 10 * MINUTE + 1500, token_type: 'Bearer' };
  writeFileSync(file, JSON.stringify(creds, null, 2), { mode: 0o600 });
  return file;
}

const member = (name: string, file: string): string[] => [`    - name: ${name}`, `      oauth_creds_file: ${file}`, `      project_id: p-${name}`];

async function pooled(dir: string, names: string[]): Promise<CodeAssistStack> {
  const files = names.map((n) => account(dir, n));
  stack = await startCodeAssistStack({ config: ['provider_pools:', '  gemini-cli-oauth:', ...names.flatMap((n, i) => member(n, files[i]!))] });
  for (const n of [...names, 'a2']) stack.token.refreshTokens.add(`1//${n}`);
  return stack;
}

const refreshesOf = (s: CodeAssistStack, name: string): number => s.token.calls.filter((c) => c.params.refresh_token === `1//${name}`).length;
const accessTokenIn = (file: string): unknown => JSON.parse(readFileSync(file, 'utf8')).access_token;

test('a reload stops the refreshes of the credentials it no longer uses, and keeps those it does', async () => {
  const dir = mkdtempSync(join(root, 'r-'));
  const s = await pooled(dir, ['a', 'b']);
  const config = s.proxy.app.context.config;
  const [a, b] = config.pools['gemini-cli-oauth']!;
  // acct a now signs in with another file; b is unchanged.
  const a2 = account(dir, 'a2');
  const next: Config = { ...config, pools: { ...config.pools, 'gemini-cli-oauth': [{ ...a!, credentials: { ...a!.credentials, oauthCredsFile: a2 } }, b!] } };
  s.proxy.app.reload(next);
  await Bun.sleep(2500);
  expect(refreshesOf(s, 'a')).toBe(0);
  expect(accessTokenIn(join(dir, 'a.json'))).toBe('ya29.a');
  expect(refreshesOf(s, 'a2')).toBe(1);
  expect(refreshesOf(s, 'b')).toBe(1);

  // Dropping the member altogether stops its file's refreshes too.
  s.proxy.app.reload({ ...next, pools: { ...next.pools, 'gemini-cli-oauth': [b!] } });
  const before = s.token.calls.length;
  writeFileSync(a2, JSON.stringify({ access_token: 'ya29.a2', refresh_token: '1//a2', expiry_date: Date.now() + 10 * MINUTE + 1000 }), { mode: 0o600 });
  await Bun.sleep(2000);
  expect(s.token.calls.length).toBe(before);
  expect(accessTokenIn(a2)).toBe('ya29.a2');
});

test('a stopped app leaves no token refresh running', async () => {
  const dir = mkdtempSync(join(root, 's-'));
  const s = await pooled(dir, ['a']);
  await s.proxy.stop();
  s.proxy.stop = async () => {};
  await Bun.sleep(2500);
  expect(s.token.calls).toHaveLength(0);
  expect(accessTokenIn(join(dir, 'a.json'))).toBe('ya29.a');
});

test('background refresh lines go through the app logger (its format) and carry no request id', async () => {
  const s = (stack = await startCodeAssistStack({
    creds: { access_token: 'ya29.expired', refresh_token: '1//stack-refresh', expiry_date: Date.now() - 1000, token_type: 'Bearer' },
    flags: ['--log-format', 'json'],
  }));
  // The request's refresh arms the background timer, from inside that request, to fire about a second later.
  s.token.expiresIn = 601;
  const res = await fetch(`${s.proxy.url}/v1beta/models/gemini-2.5-pro:generateContent`, {
    method: 'POST',
    headers: { 'x-goog-api-key': s.proxy.key, 'content-type': 'application/json', 'x-request-id': 'req-that-armed-it' },
    body: JSON.stringify({ contents: [{ role: 'user', parts: [{ text: 'hi' }] }] }),
  });
  expect(res.status).toBe(200);
  s.token.failNext(...Array.from({ length: 10 }, () => ({ status: 500, body: { error: 'internal_failure', error_description: 'backend error' } })));
  const background = (): string | undefined => s.proxy.logs.find((l) => l.includes('background Google token refresh failed'));
  const end = Date.now() + 8000;
  while (!background() && Date.now() < end) await Bun.sleep(50);
  const line = background();
  expect(line).toBeDefined();
  const entry = JSON.parse(line!);
  expect(entry).toMatchObject({ level: 'warn', msg: 'background Google token refresh failed; retrying' });
  expect(entry.rid).toBeUndefined();
  expect(s.proxy.logs.some((l) => l.includes('req-that-armed-it'))).toBe(true);
});
