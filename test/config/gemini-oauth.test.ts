import { afterAll, describe, expect, test } from 'bun:test';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { parseArgs } from '../../src/cli/args.ts';
import { loadConfig } from '../../src/config/load.ts';

const dir = mkdtempSync(join(tmpdir(), 'aiproxy-config-oauth-'));
afterAll(() => rmSync(dir, { recursive: true, force: true }));

const load = (argv: string[], env: Record<string, string> = {}) => loadConfig({ flags: parseArgs(argv).flags, env, cwd: join(dir, 'nowhere') });
const b64 = (v: unknown): string => Buffer.from(JSON.stringify(v)).toString('base64');

describe('gemini-cli-oauth settings', () => {
  test('defaults: the Gemini CLI’s public OAuth client, no base64 credentials', () => {
    const g = load([]).gemini;
    expect(g.oauthClientId).toBe('681255809395-oo8ft2oprdrnp9e3aqf6av3hmdib135j.apps.googleusercontent.com');
    expect(g.oauthClientSecret).toBe('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');
    expect(g.oauthCredsBase64).toBeUndefined();
  });

  test('config.yaml sets the OAuth client, base64 credentials, token URL and Code Assist URL', () => {
    const creds = b64({ refresh_token: '1//x' });
    const file = join(dir, 'oauth.yaml');
    writeFileSync(
      file,
      `gemini:\n  oauth_client_id: my-client\n  oauth_client_secret: my-secret\n  oauth_creds_base64: ${creds}\n  oauth_token_url: http://127.0.0.1:9/token\n  code_assist_base_url: http://127.0.0.1:9/\n`,
    );
    const g = load(['--config', file]).gemini;
    expect(g).toMatchObject({ oauthClientId: 'my-client', oauthClientSecret: 'my-secret', oauthCredsBase64: creds, oauthTokenUrl: 'http://127.0.0.1:9/token', codeAssistBaseUrl: 'http://127.0.0.1:9' });
  });

  test('GEMINI_OAUTH_CREDS_BASE64 beats the file, line breaks from `base64` tolerated', () => {
    const fromEnv = b64({ refresh_token: '1//env', access_token: 'ya29.a' });
    const file = join(dir, 'both.yaml');
    writeFileSync(file, `gemini:\n  oauth_creds_base64: ${b64({ refresh_token: '1//file' })}\n`);
    const wrapped = `${fromEnv.slice(0, 20)}\n${fromEnv.slice(20)}`;
    expect(load(['--config', file], { GEMINI_OAUTH_CREDS_BASE64: wrapped }).gemini.oauthCredsBase64).toBe(fromEnv);
  });

  test('base64 credentials that do not decode to a JSON object stop start-up without echoing the secret', () => {
    expect(() => load([], { GEMINI_OAUTH_CREDS_BASE64: 'not base64 !!' })).toThrow('GEMINI_OAUTH_CREDS_BASE64: is not base64');
    expect(() => load([], { GEMINI_OAUTH_CREDS_BASE64: Buffer.from('{"access_token": "ya29.sec').toString('base64') })).toThrow(
      'GEMINI_OAUTH_CREDS_BASE64: is not base64 of a JSON credentials file',
    );
    let message = '';
    try {
      load([], { GEMINI_OAUTH_CREDS_BASE64: Buffer.from('["ya29.secret"]').toString('base64') });
    } catch (e) {
      message = (e as Error).message;
    }
    expect(message).toContain('is not base64 of a JSON object');
    expect(message).not.toContain('ya29');
  });

  test('unknown keys under gemini are still rejected', () => {
    const file = join(dir, 'typo.yaml');
    writeFileSync(file, 'gemini:\n  oauth_client_idd: x\n');
    expect(() => load(['--config', file])).toThrow('gemini.oauth_client_idd: unknown key');
  });
});
