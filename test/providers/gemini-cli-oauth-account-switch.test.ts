/**
 * Each Google account has its own Code Assist project. A user who switches accounts in the Gemini CLI
 * (its `/auth` logout deletes ~/.gemini/oauth_creds.json, its login writes the other account's) goes on
 * through aiproxy with the new sign-in: the project discovered for the old account must not follow it,
 * or every request is refused in a project the new account has no rights on (Kilo-Org/kilocode#2525:
 * "This happen after I change my Gemini CLI account", while the Gemini CLI itself works).
 */
import { afterEach, expect, test } from 'bun:test';
import { unlinkSync, writeFileSync } from 'node:fs';
import type { TokenManager } from '../../src/auth/google/token-manager.ts';
import { createProjectResolver } from '../../src/providers/gemini-cli-oauth/project-discovery.ts';
import { startCodeAssistStack, type CodeAssistStack } from '../helpers/code-assist-stack.ts';

let stack: CodeAssistStack | undefined;
afterEach(async () => {
  await stack?.stop();
  stack = undefined;
});

const generateCalls = (st: CodeAssistStack) => st.api.calls.filter((c) => /:(stream)?[gG]enerateContent/.test(c.url));
const ask = (st: CodeAssistStack) => st.openaiClient.chat.completions.create({ model: 'gemini-2.5-flash', messages: [{ role: 'user', content: 'hi' }] });

test('after the Gemini CLI signs in as another account, requests use that account’s project', async () => {
  const st = (stack = await startCodeAssistStack());
  expect((await ask(st)).choices[0]!.message.content).toBeTruthy();
  expect((generateCalls(st)[0]!.body as { project: string }).project).toBe(st.api.project);

  // The Gemini CLI's /auth: logout deletes the file; a request meanwhile finds the sign-out (checked once a second).
  unlinkSync(st.credsFile);
  await Bun.sleep(1100);
  expect(await ask(st).then(() => 200, (e: { status?: number }) => e.status)).toBe(401);

  // Then it signs in as another account, whose project Google named differently.
  st.api.acceptToken('ya29.other-account', 'other-project-4711');
  writeFileSync(st.credsFile, JSON.stringify({ access_token: 'ya29.other-account', refresh_token: '1//other-account', expiry_date: Date.now() + 3_600_000, token_type: 'Bearer' }), { mode: 0o600 });
  expect((await ask(st)).choices[0]!.message.content).toBeTruthy();
  const last = generateCalls(st).at(-1)!;
  expect(last.headers.authorization).toBe('Bearer ya29.other-account');
  expect((last.body as { project: string }).project).toBe('other-project-4711');
});

test('a token the Gemini CLI replaced with another account’s is picked up with that account’s project', async () => {
  const st = (stack = await startCodeAssistStack());
  await ask(st);
  // The file now holds the other account, and the old account's token is no longer accepted: the 401's
  // refresh reads the file again and adopts the new sign-in; the retry must carry its project too.
  st.api.acceptToken('ya29.other-account', 'other-project-4711');
  writeFileSync(st.credsFile, JSON.stringify({ access_token: 'ya29.other-account', refresh_token: '1//other-account', expiry_date: Date.now() + 3_600_000, token_type: 'Bearer' }), { mode: 0o600 });
  st.api.rejectToken('ya29.initial');
  expect((await ask(st)).choices[0]!.message.content).toBeTruthy();
  const last = generateCalls(st).at(-1)!;
  expect(last.status).toBe(200);
  expect((last.body as { project: string }).project).toBe('other-project-4711');
  // One discovery per account, not one per request.
  await ask(st);
  expect(st.api.calls.filter((c) => c.url.endsWith(':loadCodeAssist'))).toHaveLength(2);
});

test('a discovery still under way for the old account is not the new account’s project', async () => {
  // Two accounts' sign-ins; loadCodeAssist answers each with its own project, the first one late.
  let signIn = 1;
  const tokens = { accessToken: async () => `ya29.account-${signIn}`, signIn: () => signIn, refreshAfterRejection: async () => true } as unknown as TokenManager;
  let releaseFirst!: () => void;
  const firstHeld = new Promise<void>((resolve) => (releaseFirst = resolve));
  let loads = 0;
  const fetchFake = (async (_url: string, init: RequestInit) => {
    const account = String((init.headers as Record<string, string>).authorization).replace('Bearer ya29.', '');
    if (++loads === 1) await firstHeld;
    return Response.json({ currentTier: { id: 'free-tier' }, cloudaicompanionProject: `project-of-${account}` });
  }) as unknown as typeof fetch;
  const r = createProjectResolver({ apiBase: 'http://code-assist.invalid/v1internal', tokens, fetch: fetchFake, timeoutMs: 5000 });
  const old = r.project();
  await Bun.sleep(5);
  signIn = 2;
  const next = r.project();
  releaseFirst();
  expect(await old).toBe('project-of-account-1');
  expect(await next).toBe('project-of-account-2');
  // What the old account's discovery found is not kept for the new sign-in.
  expect(await r.project()).toBe('project-of-account-2');
  expect(loads).toBe(2);
});
