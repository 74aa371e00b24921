import Anthropic from '@anthropic-ai/sdk';
import { GoogleGenAI } from '@google/genai';
import OpenAI from 'openai';
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { startCodeAssistMock, type CodeAssistMock, type CodeAssistMockOptions } from './mocks/code-assist-mock.ts';
import { startGoogleTokenMock, type GoogleTokenMock } from './mocks/google-token-mock.ts';
import { startProxy, type TestProxy } from './proxy.ts';

export const STACK_REFRESH_TOKEN = '1//stack-refresh';

/** A mock Code Assist API, a mock token endpoint it trusts, a credentials file, aiproxy on gemini-cli-oauth, and the three SDKs. */
export interface CodeAssistStack {
  api: CodeAssistMock;
  token: GoogleTokenMock;
  proxy: TestProxy;
  credsFile: string;
  readCreds(): Record<string, unknown>;
  openaiClient: OpenAI;
  anthropicClient: Anthropic;
  geminiClient: GoogleGenAI;
  stop(): Promise<void>;
}

export interface CodeAssistStackOptions {
  /** Credentials file content; default a token valid for an hour, accepted by the API. */
  creds?: Record<string, unknown>;
  mock?: CodeAssistMockOptions;
  /** Extra proxy flags (e.g. --project-id). */
  flags?: string[];
  /** Extra top-level config.yaml lines (e.g. pool settings). */
  config?: string[];
}

export async function startCodeAssistStack(opts: CodeAssistStackOptions = {}): Promise<CodeAssistStack> {
  const api = await startCodeAssistMock(opts.mock);
  const token = startGoogleTokenMock({ refreshTokens: [STACK_REFRESH_TOKEN], onIssue: (t) => api.acceptToken(t) });
  const dir = mkdtempSync(join(tmpdir(), 'aiproxy-ca-stack-'));
  const credsFile = join(dir, 'oauth_creds.json');
  const creds = opts.creds ?? { access_token: 'ya29.initial', refresh_token: STACK_REFRESH_TOKEN, expiry_date: Date.now() + 3_600_000, token_type: 'Bearer' };
  if (typeof creds.access_token === 'string') api.acceptToken(creds.access_token);
  writeFileSync(credsFile, JSON.stringify(creds, null, 2), { mode: 0o600 });
  const configFile = join(dir, 'config.yaml');
  writeFileSync(
    configFile,
    [
      'gemini:',
      `  code_assist_base_url: ${api.url}`,
      `  oauth_token_url: ${token.url}`,
      `  oauth_client_id: ${token.clientId}`,
      `  oauth_client_secret: ${token.clientSecret}`,
      ...(opts.config ?? []),
      '',
    ].join('\n'),
  );
  const proxy = await startProxy(['--config', configFile, '--model-provider', 'gemini-cli-oauth', '--gemini-oauth-creds-file', credsFile, ...(opts.flags ?? [])]);
  return {
    api,
    token,
    proxy,
    credsFile,
    readCreds: () => JSON.parse(readFileSync(credsFile, 'utf8')),
    openaiClient: new OpenAI({ apiKey: proxy.key, baseURL: `${proxy.url}/v1`, maxRetries: 0 }),
    anthropicClient: new Anthropic({ apiKey: proxy.key, baseURL: proxy.url, maxRetries: 0 }),
    geminiClient: new GoogleGenAI({ apiKey: proxy.key, httpOptions: { baseUrl: proxy.url, apiVersion: 'v1beta' } }),
    stop: async () => {
      await Promise.all([proxy.stop(), api.stop(), token.stop()]);
      rmSync(dir, { recursive: true, force: true });
    },
  };
}
