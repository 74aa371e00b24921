/**
 * Which models an account may use differs between the accounts of one provider: Code Assist answers a
 * preview model an account has no access to with a bare 404 "Requested entity was not found."
 * (router-for-me/CLIProxyAPI#1325, google-gemini/gemini-cli#15036) while another account serves it. A pool
 * of mixed accounts must not turn every other request for that model into a 404.
 */
import { afterAll, beforeAll, describe, expect, test } from 'bun:test';
import { GoogleGenAI } from '@google/genai';
import OpenAI from 'openai';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { startCodeAssistMock, type CodeAssistMock } from '../helpers/mocks/code-assist-mock.ts';
import { googleError } from '../helpers/mocks/gemini-mock-errors.ts';
import { startProxy, type TestProxy } from '../helpers/proxy.ts';

const dir = mkdtempSync(join(tmpdir(), 'aiproxy-model-access-'));
let free: CodeAssistMock;
let preview: CodeAssistMock;
let proxy: TestProxy;

beforeAll(async () => {
  [free, preview] = await Promise.all([startCodeAssistMock(), startCodeAssistMock()]);
  const member = (name: string, m: CodeAssistMock) => {
    const token = `ya29.${name}-token`;
    m.acceptToken(token);
    const creds = join(dir, `${name}.json`);
    writeFileSync(creds, JSON.stringify({ access_token: token, refresh_token: `1//${name}`, expiry_date: Date.now() + 3_600_000, token_type: 'Bearer' }));
    return `    - {name: ${name}, oauth_creds_file: "${creds}", base_url: "${m.url}", project_id: ${m.project}}\n`;
  };
  const file = join(dir, 'config.yaml');
  writeFileSync(file, `model_providers: [gemini-cli-oauth]\npool: {strategy: fill_first}\nprovider_pools:\n  gemini-cli-oauth:\n${member('free', free)}${member('preview', preview)}`);
  proxy = await startProxy(['--config', file]);
});
afterAll(async () => {
  await Promise.all([proxy.stop(), free.stop(), preview.stop()]);
  rmSync(dir, { recursive: true, force: true });
});

const notFound = { error: { status: 404, body: googleError(404, 'Requested entity was not found.') } };
const generateCalls = (m: CodeAssistMock) => m.calls.filter((c) => c.url.includes('enerateContent'));

describe('a model one account of the pool cannot use', () => {
  test('goes to the next account, which serves it; the first stays healthy for its other models', async () => {
    free.queue(notFound);
    const gemini = new GoogleGenAI({ apiKey: proxy.key, httpOptions: { baseUrl: proxy.url, apiVersion: 'v1beta' } });
    const res = await gemini.models.generateContent({ model: 'gemini-3-pro-preview', contents: 'hi' });
    expect(res.text).toContain('hi');
    expect([generateCalls(free).length, generateCalls(preview).length]).toEqual([1, 1]);

    const view = (await (await fetch(`${proxy.url}/pools`, { headers: { authorization: `Bearer ${proxy.key}` } })).json()) as {
      providers: Record<string, { members: Array<{ name: string; health: string; model_cooldowns_ms: Record<string, number> }> }>;
    };
    const first = view.providers['gemini-cli-oauth']!.members.find((m) => m.name === 'free')!;
    expect(first.health).toBe('healthy');
    expect(first.model_cooldowns_ms).toEqual({});
    // Still first in line for a model it has.
    const openai = new OpenAI({ apiKey: proxy.key, baseURL: `${proxy.url}/v1`, maxRetries: 0 });
    await openai.chat.completions.create({ model: 'gemini-2.5-flash', messages: [{ role: 'user', content: 'hi' }] });
    expect(generateCalls(free).length).toBe(2);
  });

  test('a model no account has is still a 404 to the client, not a rate limit', async () => {
    const openai = new OpenAI({ apiKey: proxy.key, baseURL: `${proxy.url}/v1`, maxRetries: 0 });
    for (let i = 0; i < 2; i++) {
      const err = await openai.chat.completions.create({ model: 'gemini-9-typo', messages: [{ role: 'user', content: 'hi' }] }).catch((e) => e);
      expect(err).toBeInstanceOf(OpenAI.NotFoundError);
      expect(err.error.message).toContain('Requested entity was not found.');
    }
  });

  test('a bad request is still not tried on another account', async () => {
    const before = generateCalls(preview).length;
    free.queue({ error: { status: 400, body: googleError(400, 'Request contains an invalid argument.') } });
    const openai = new OpenAI({ apiKey: proxy.key, baseURL: `${proxy.url}/v1`, maxRetries: 0 });
    const err = await openai.chat.completions.create({ model: 'gemini-2.5-flash', messages: [{ role: 'user', content: 'hi' }] }).catch((e) => e);
    expect(err).toBeInstanceOf(OpenAI.BadRequestError);
    expect(generateCalls(preview).length).toBe(before);
  });
});
