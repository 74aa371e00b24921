import { afterAll, afterEach, beforeEach, describe, expect, test } from 'bun:test';
import { existsSync, mkdtempSync, readFileSync, rmSync, statSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { codeFromPaste, loginWithGoogle, type LoginFlowOptions } from '../../src/auth/google/login-flow.ts';
import { signedInLines } from '../../src/cli/login-gemini.ts';
import { startGoogleTokenMock, type GoogleTokenMock } from '../helpers/mocks/google-token-mock.ts';
import { eventually } from '../helpers/stack.ts';

const root = mkdtempSync(join(tmpdir(), 'aiproxy-login-'));
afterAll(() => rmSync(root, { recursive: true, force: true }));

let token: GoogleTokenMock;
let credsFile: string;
beforeEach(() => {
  token = startGoogleTokenMock();
  // A directory that does not exist yet: login creates it, as ~/.gemini may not exist.
  credsFile = join(mkdtempSync(join(root, 'home-')), '.gemini', 'oauth_creds.json');
});
afterEach(() => token.stop());

/** A controllable stdin: lines pushed by the test. */
function pasteBox() {
  const lines: string[] = [];
  let wake: (() => void) | undefined;
  return {
    push(line: string) {
      lines.push(line);
      wake?.();
    },
    iterable: {
      async *[Symbol.asyncIterator]() {
        for (let i = 0; i < 100; i++) {
          while (lines.length === 0) await new Promise<void>((r) => (wake = r));
          yield lines.shift()!;
        }
      },
    } satisfies AsyncIterable<string>,
  };
}

function start(extra: Partial<LoginFlowOptions> = {}) {
  const printed: string[] = [];
  const done = loginWithGoogle({
    oauth: { clientId: token.clientId, clientSecret: token.clientSecret, tokenUrl: token.url },
    credsFile,
    print: (t) => printed.push(t),
    timeoutMs: 10_000,
    ...extra,
  });
  done.catch(() => {});
  /** The consent URL the flow printed, once it has. */
  const consent = async (): Promise<URL> => {
    await eventually(() => printed.some((p) => p.includes('https://accounts.google.com/')), 5000);
    return new URL(/https:\/\/accounts\.google\.com\/\S+/.exec(printed.join('\n'))![0]);
  };
  return { printed, done, consent };
}

/** Plays Google's consent page: issues a code bound to the URL's redirect and PKCE challenge. */
function consentGiven(url: URL, code = `4/mock-${Math.random().toString(36).slice(2)}`): string {
  token.addCode(code, { redirectUri: url.searchParams.get('redirect_uri')!, codeChallenge: url.searchParams.get('code_challenge')!, email: 'dev@example.com' });
  return code;
}

describe('aiproxy login gemini: the installed-app flow', () => {
  test('the consent URL asks for offline access with the Gemini CLI client, scopes, state and PKCE', async () => {
    const { consent, done } = start();
    const url = await consent();
    expect(url.origin + url.pathname).toBe('https://accounts.google.com/o/oauth2/v2/auth');
    const q = Object.fromEntries(url.searchParams);
    expect(q).toMatchObject({ client_id: token.clientId, access_type: 'offline', response_type: 'code', code_challenge_method: 'S256', prompt: 'consent' });
    expect(q.scope!.split(' ')).toContain('https://www.googleapis.com/auth/cloud-platform');
    expect(q.redirect_uri).toMatch(/^http:\/\/127\.0\.0\.1:\d+\/oauth2callback$/);
    expect(q.state!.length).toBeGreaterThanOrEqual(32);
    await fetch(`${q.redirect_uri}?state=${q.state}&error=access_denied`);
    await expect(done).rejects.toThrow('access_denied');
  });

  test('the loopback redirect completes the sign-in and writes a 0600 credentials file', async () => {
    const { consent, done } = start();
    const url = await consent();
    const code = consentGiven(url);
    const res = await fetch(`${url.searchParams.get('redirect_uri')}?state=${url.searchParams.get('state')}&code=${encodeURIComponent(code)}&scope=x`);
    expect(res.status).toBe(200);
    expect(await res.text()).toContain('Signed in as dev@example.com');
    expect(await done).toEqual({ credsFile, email: 'dev@example.com' });

    const exchange = token.calls.find((c) => c.grantType === 'authorization_code')!;
    expect(exchange.status).toBe(200);
    expect(exchange.params.redirect_uri).toBe(url.searchParams.get('redirect_uri')!);
    expect(exchange.params.code_verifier!.length).toBeGreaterThan(40);
    expect(statSync(credsFile).mode & 0o777).toBe(0o600);
    const saved = JSON.parse(readFileSync(credsFile, 'utf8'));
    expect(saved.access_token).toBe(token.issued[0]);
    expect(saved.refresh_token).toStartWith('1//mock-refresh-');
    expect(saved.token_type).toBe('Bearer');
    expect(saved.expiry_date).toBeGreaterThan(Date.now() + 3_500_000);
    expect(saved.expires_in).toBeUndefined();
  });

  test('a redirect with the wrong state is refused and the flow keeps waiting for the real one', async () => {
    const { consent, done } = start();
    const url = await consent();
    const redirect = url.searchParams.get('redirect_uri')!;
    const forged = await fetch(`${redirect}?state=not-ours&code=planted`);
    expect(forged.status).toBe(400);
    expect(token.calls).toHaveLength(0);
    const code = consentGiven(url);
    await fetch(`${redirect}?state=${url.searchParams.get('state')}&code=${encodeURIComponent(code)}`);
    expect((await done).credsFile).toBe(credsFile);
  });

  test('the address of a redirect page that could not load can be pasted instead', async () => {
    const box = pasteBox();
    const { consent, done, printed } = start({ pasted: box.iterable });
    const url = await consent();
    const code = consentGiven(url);
    box.push('');
    box.push('https://example.com/not-it');
    box.push(`${url.searchParams.get('redirect_uri')}?state=${url.searchParams.get('state')}&code=${encodeURIComponent(code)}`);
    expect((await done).email).toBe('dev@example.com');
    expect(printed.join('\n')).toContain('has no code=');
    expect(existsSync(credsFile)).toBe(true);
  });

  test('NO_BROWSER mode uses Google’s code page as redirect and takes the pasted code', async () => {
    const box = pasteBox();
    const { consent, done, printed } = start({ pasteOnly: true, pasted: box.iterable });
    const url = await consent();
    expect(url.searchParams.get('redirect_uri')).toBe('https://codeassist.google.com/authcode');
    expect(printed.join('\n')).toContain('paste the authorization code');
    box.push(consentGiven(url));
    await done;
    expect(token.calls[0]!.params.redirect_uri).toBe('https://codeassist.google.com/authcode');
  });

  test('a code Google refuses fails the login without writing anything', async () => {
    const box = pasteBox();
    const { consent, done } = start({ pasteOnly: true, pasted: box.iterable });
    await consent();
    box.push('4/never-issued');
    await expect(done).rejects.toThrow('Google refused the sign-in code: invalid_grant');
    expect(existsSync(credsFile)).toBe(false);
  });
});

describe('pasted input', () => {
  test('a bare code, a full address, and an address from another attempt', () => {
    expect(codeFromPaste('  4/0Abc-def  ', 's1')).toEqual({ code: '4/0Abc-def' });
    expect(codeFromPaste('http://127.0.0.1:1234/oauth2callback?state=s1&code=4%2Fxyz&scope=a', 's1')).toEqual({ code: '4/xyz' });
    expect(codeFromPaste('http://127.0.0.1:1234/oauth2callback?state=other&code=4%2Fxyz', 's1')).toHaveProperty('problem');
    expect(codeFromPaste('', 's1')).toEqual({});
  });
});

describe('the CLI command', () => {
  const run = (args: string[], env: Record<string, string> = {}) =>
    Bun.spawn(['bun', 'run', 'src/index.ts', 'login', ...args], {
      cwd: join(import.meta.dir, '../..'),
      env: { PATH: process.env.PATH ?? '', HOME: join(root, 'cli-home'), ...env },
      stdin: 'pipe',
      stdout: 'pipe',
      stderr: 'pipe',
    });

  /** Reads the command's output up to the consent URL it prints (at most 10 s); the reader goes on from there. */
  async function consentPrinted(proc: { stdout: ReadableStream<Uint8Array> }) {
    const reader = proc.stdout.getReader();
    let out = '';
    const deadline = Date.now() + 10_000;
    while (!/redirect to (\S+) \.\.\./.test(out) && Date.now() < deadline) {
      const { value, done } = await reader.read();
      if (done) break;
      out += new TextDecoder().decode(value);
    }
    return { reader, out, url: new URL(/https:\/\/accounts\.google\.com\/\S+/.exec(out)![0]) };
  }

  test('`bun run src/index.ts login gemini` signs in through the loopback redirect and writes the configured file', async () => {
    const config = join(root, 'login-config.yaml');
    writeFileSync(config, `gemini:\n  oauth_token_url: ${token.url}\n  oauth_client_id: ${token.clientId}\n  oauth_client_secret: ${token.clientSecret}\n`);
    const proc = run(['gemini', '--config', config, '--gemini-oauth-creds-file', credsFile]);
    const { reader, url, out: first } = await consentPrinted(proc);
    let out = first;
    const code = consentGiven(url);
    const res = await fetch(`${url.searchParams.get('redirect_uri')}?state=${url.searchParams.get('state')}&code=${encodeURIComponent(code)}`);
    expect(res.status).toBe(200);
    expect(await proc.exited).toBe(0);
    for (;;) {
      const { value, done } = await reader.read();
      if (done) break;
      out += new TextDecoder().decode(value);
    }
    expect(out).toContain(`Credentials written to ${credsFile}`);
    expect(statSync(credsFile).mode & 0o777).toBe(0o600);
  });

  test('a sign-in declined on the consent page (Cancel: error=access_denied) shows the browser its page before the command exits 1', async () => {
    const config = join(root, 'login-denied-config.yaml');
    writeFileSync(config, `gemini:\n  oauth_token_url: ${token.url}\n  oauth_client_id: ${token.clientId}\n  oauth_client_secret: ${token.clientSecret}\n`);
    const proc = run(['gemini', '--config', config, '--gemini-oauth-creds-file', credsFile]);
    const { url } = await consentPrinted(proc);
    // The process exited as soon as the flow failed, before the page went out: the browser got an
    // empty response (fetch: ECONNRESET) instead of being told the sign-in was not completed.
    const res = await fetch(`${url.searchParams.get('redirect_uri')}?state=${url.searchParams.get('state')}&error=access_denied`);
    expect(res.status).toBe(400);
    expect(await res.text()).toContain('Sign-in was not completed (access_denied)');
    expect(await proc.exited).toBe(1);
    expect(await new Response(proc.stderr).text()).toContain('sign-in failed: Google sign-in was not completed: access_denied');
    expect(existsSync(credsFile)).toBe(false);
  });

  test("a ${NAME} of config.yaml unset, as when run without the service's environment file, says so", async () => {
    const config = join(root, 'login-env-config.yaml');
    writeFileSync(config, 'api_key: ${AIPROXY_API_KEY}\n');
    const proc = run(['gemini', '--config', config]);
    expect(await proc.exited).toBe(2);
    expect(await new Response(proc.stderr).text()).toContain(
      "api_key: environment variable AIPROXY_API_KEY is not set (aiproxy login reads config.yaml as the server does: give it the server's environment, e.g. its EnvironmentFile)",
    );
  });

  test('an unknown login target is a usage error', async () => {
    const proc = run(['github']);
    expect(await proc.exited).toBe(2);
    expect(await new Response(proc.stderr).text()).toContain('usage: aiproxy login gemini');
  });
});

describe('the message after signing in', () => {
  test('elsewhere than Windows: the mode, and a POSIX shell command that survives spaces and quotes in the path', async () => {
    const dir = mkdtempSync(join(root, "it's a dir "));
    const file = join(dir, 'oauth_creds.json');
    writeFileSync(file, '{"refresh_token":"1//r"}\n');
    const lines = signedInLines('dev@example.com', file, 'linux');
    expect(lines[0]).toBe(`\nSigned in as dev@example.com. Credentials written to ${file} (mode 0600).`);
    const command = /^For a container: (.*)$/.exec(lines[1]!)![1]!;
    const sh = Bun.spawnSync(['sh', '-c', `${command}; printf %s "$GEMINI_OAUTH_CREDS_BASE64"`]);
    expect(sh.stdout.toString()).toBe(Buffer.from('{"refresh_token":"1//r"}\n').toString('base64'));
  });

  test('on Windows: PowerShell instead of a POSIX shell, and no mode bits claimed', () => {
    const lines = signedInLines(undefined, "C:\\Users\\O'Brien Dev\\.gemini\\oauth_creds.json", 'win32');
    expect(lines.join('\n')).not.toContain('0600');
    expect(lines.join('\n')).not.toContain('base64 <');
    expect(lines).toEqual([
      "\nSigned in. Credentials written to C:\\Users\\O'Brien Dev\\.gemini\\oauth_creds.json.",
      "For a container (PowerShell): $env:GEMINI_OAUTH_CREDS_BASE64 = [Convert]::ToBase64String([IO.File]::ReadAllBytes('C:\\Users\\O''Brien Dev\\.gemini\\oauth_creds.json'))",
    ]);
  });
});
