import { afterEach, describe, expect, test } from 'bun:test';
import Anthropic from '@anthropic-ai/sdk';
import OpenAI from 'openai';
import { startCodeAssistStack, STACK_REFRESH_TOKEN, type CodeAssistStack } from '../helpers/code-assist-stack.ts';
import { googleError } from '../helpers/mocks/gemini-mock-errors.ts';

let s: CodeAssistStack | undefined;
afterEach(async () => {
  await s?.stop();
  s = undefined;
});

const generateCalls = (st: CodeAssistStack) => st.api.calls.filter((c) => /:(stream)?[gG]enerateContent/.test(c.url));
const ask = (st: CodeAssistStack, content = 'hi') =>
  st.openaiClient.chat.completions.create({ model: 'gemini-2.5-flash', messages: [{ role: 'user', content }] });

describe('OAuth tokens through the proxy', () => {
  test('an expired token is refreshed once for a burst of concurrent requests, never sent, and written back', async () => {
    s = await startCodeAssistStack({ creds: { access_token: 'ya29.expired', refresh_token: STACK_REFRESH_TOKEN, expiry_date: Date.now() - 60_000, token_type: 'Bearer', scope: 'x' } });
    const st = s;
    st.token.delayMs = 150;
    const answers = await Promise.all(Array.from({ length: 8 }, (_, i) => ask(st, `q${i}`)));
    expect(answers.map((a) => a.choices[0]!.message.content)).toEqual(Array.from({ length: 8 }, (_, i) => `mock(code-assist) heard: q${i}`));
    expect(st.token.refreshCount()).toBe(1);
    const fresh = `Bearer ${st.token.issued[0]}`;
    expect(st.api.calls.every((c) => c.headers.authorization === fresh)).toBe(true);
    const saved = st.readCreds();
    expect(saved).toMatchObject({ access_token: st.token.issued[0], refresh_token: STACK_REFRESH_TOKEN, token_type: 'Bearer' });
    expect(saved.expiry_date as number).toBeGreaterThan(Date.now() + 3_000_000);
  });

  test('a 401 from the API triggers one refresh and one retry, streaming included', async () => {
    s = await startCodeAssistStack();
    const st = s;
    await ask(st); // discovery done with the first token
    st.api.rejectToken('ya29.initial');
    let text = '';
    for await (const chunk of await st.geminiClient.models.generateContentStream({ model: 'gemini-2.5-pro', contents: 'after 401' })) text += chunk.text ?? '';
    expect(text).toBe('mock(code-assist) heard: after 401');
    expect(st.token.refreshCount()).toBe(1);
    expect(generateCalls(st).slice(-2).map((c) => [c.status, c.headers.authorization])).toEqual([
      [401, 'Bearer ya29.initial'],
      [200, `Bearer ${st.token.issued[0]}`],
    ]);
  });

  test('a token still refused after the refresh reaches the client as 401, after exactly one retry', async () => {
    s = await startCodeAssistStack();
    const st = s;
    await ask(st);
    st.api.rejectToken('ya29.initial');
    // Every newly issued token is refused too.
    st.api.acceptToken = () => {};
    const err = await ask(st).catch((e) => e);
    expect(err).toBeInstanceOf(OpenAI.AuthenticationError);
    expect(st.token.refreshCount()).toBe(1);
    expect(generateCalls(st).slice(-2).map((c) => c.status)).toEqual([401, 401]);
  });

  test('a revoked sign-in is a clear 401 in every protocol, naming the cause and the login command', async () => {
    s = await startCodeAssistStack({ creds: { access_token: 'ya29.expired', refresh_token: '1//revoked', expiry_date: 1 } });
    const st = s;
    const openaiErr = await ask(st).catch((e) => e);
    expect(openaiErr).toBeInstanceOf(OpenAI.AuthenticationError);
    expect(openaiErr.error.message).toContain('invalid_grant');
    expect(openaiErr.error.message).toContain('aiproxy login gemini');

    const anthropicErr = await st.anthropicClient.messages.create({ model: 'gemini-2.5-flash', max_tokens: 8, messages: [{ role: 'user', content: 'x' }] }).catch((e) => e);
    expect(anthropicErr).toBeInstanceOf(Anthropic.AuthenticationError);
    expect(anthropicErr.error).toMatchObject({ error: { type: 'authentication_error' } });

    const res = await fetch(`${st.proxy.url}/v1beta/models/gemini-2.5-flash:generateContent`, {
      method: 'POST',
      headers: { 'x-goog-api-key': st.proxy.key, 'content-type': 'application/json' },
      body: JSON.stringify({ contents: [{ role: 'user', parts: [{ text: 'x' }] }] }),
    });
    expect(res.status).toBe(401);
    expect(((await res.json()) as { error: { status: string; message: string } }).error).toMatchObject({ status: 'UNAUTHENTICATED' });
    // The refused refresh token was tried once, not once per request.
    expect(st.token.refreshCount()).toBe(1);
    expect(generateCalls(st)).toHaveLength(0);
  });
});

describe('project through the proxy', () => {
  test('a new account is onboarded on the first request, then every request carries the project', async () => {
    s = await startCodeAssistStack({ mock: { onboarded: false, onboardPolls: 1 } });
    const st = s;
    const [a, b] = await Promise.all([ask(st, 'one'), ask(st, 'two')]);
    expect([a.choices[0]!.message.content, b.choices[0]!.message.content]).toEqual(['mock(code-assist) heard: one', 'mock(code-assist) heard: two']);
    const setup = st.api.calls.filter((c) => !/Content/.test(c.url)).map((c) => c.url.replace(/operations\/.*/, 'operations/…'));
    expect(setup).toEqual(['/v1internal:loadCodeAssist', '/v1internal:onboardUser', '/v1internal/operations/…']);
    expect(generateCalls(st).map((c) => (c.body as { project: string }).project)).toEqual([st.api.project, st.api.project]);
  });

  test('--project-id goes to loadCodeAssist as the Gemini CLI sends it, then every request carries it', async () => {
    s = await startCodeAssistStack({ mock: { project: 'my-team-project', defaultTier: 'standard-tier' }, flags: ['--project-id', 'my-team-project'] });
    await ask(s, 'one');
    await ask(s, 'two');
    expect(s.api.calls.map((c) => c.url)).toEqual(['/v1internal:loadCodeAssist', '/v1internal:generateContent', '/v1internal:generateContent']);
    expect(generateCalls(s).map((c) => (c.body as { project: string }).project)).toEqual(['my-team-project', 'my-team-project']);
  });

  test('--project-id: a Standard account never set up is onboarded in it on the first request (its calls were refused until then)', async () => {
    s = await startCodeAssistStack({ mock: { project: 'my-team-project', defaultTier: 'standard-tier', onboarded: false, onboardPolls: 1 }, flags: ['--project-id', 'my-team-project'] });
    const answer = await ask(s, 'hello');
    expect(answer.choices[0]!.message.content).toBe('mock(code-assist) heard: hello');
    const onboard = s.api.calls.find((c) => c.url === '/v1internal:onboardUser');
    expect(onboard?.body).toMatchObject({ tierId: 'standard-tier', cloudaicompanionProject: 'my-team-project' });
    expect(generateCalls(s).map((c) => (c.body as { project: string }).project)).toEqual(['my-team-project']);
  });

  test('a refusal during discovery reaches the client with Google’s message and a hint', async () => {
    s = await startCodeAssistStack();
    s.api.loadError = { status: 403, body: googleError(403, 'The caller does not have permission') };
    const err = await ask(s).catch((e) => e);
    expect(err).toBeInstanceOf(OpenAI.PermissionDeniedError);
    expect(err.error.message).toContain('The caller does not have permission');
    expect(err.error.message).toContain('Hint:');
    expect(err.error.message).toContain('gemini.project_id');
  });
});
