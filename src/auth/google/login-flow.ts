import type { Server } from 'bun';
import { randomId } from '../../core/ids.ts';
import { isRecord, tryParseJson } from '../../util/json.ts';
import { writeFileAtomic } from './atomic-write.ts';
import type { GoogleCredentials } from './credentials.ts';
import { createOAuthClient, type OAuthClientSettings } from './oauth-client.ts';
import { GEMINI_CLI_OAUTH_SCOPES, GOOGLE_CODE_PASTE_REDIRECT } from './oauth-constants.ts';

export interface LoginFlowOptions {
  oauth: OAuthClientSettings;
  /** Where the credentials go (mode 0600, directory created 0700). */
  credsFile: string;
  /**
   * No loopback server: Google shows the code on its own page and the user pastes it (the Gemini CLI's
   * NO_BROWSER mode), for a browser that cannot reach this machine at all.
   */
  pasteOnly?: boolean;
  /** Address the loopback server binds (default 127.0.0.1; 0.0.0.0 inside a container with a published port). */
  callbackHost?: string;
  /** Default: any free port. */
  callbackPort?: number;
  print(text: string): void;
  /** Lines the user pastes: a code, or the whole address of the redirect page that failed to load. */
  pasted?: AsyncIterable<string>;
  timeoutMs?: number;
}

export interface LoginResult {
  credsFile: string;
  /** From the ID token, when Google sent one. */
  email?: string;
}

const CALLBACK_PATH = '/oauth2callback';
/** How long the sign-in waits, once decided, for the callback page to reach the browser. */
const CALLBACK_FLUSH_MS = 2000;

/**
 * Google's installed-app sign-in (protocols.md §4.5): print the consent URL, take the authorization code
 * from the loopback redirect or from a paste, exchange it (PKCE-bound), and write the Gemini CLI's
 * credentials file. `state` ties the redirect to this run, so a stray request to the port cannot
 * plant someone else's code.
 */
export async function loginWithGoogle(o: LoginFlowOptions): Promise<LoginResult> {
  const { CodeChallengeMethod } = await import('google-auth-library');
  const client = await createOAuthClient(o.oauth);
  const { codeVerifier, codeChallenge } = await client.generateCodeVerifierAsync();
  const state = randomId(32);
  const code = Promise.withResolvers<string>();
  const outcome = Promise.withResolvers<LoginResult>();
  // The callback page waits on the outcome; nothing else may leave it unhandled.
  outcome.promise.catch(() => {});

  let server: Server<undefined> | undefined;
  let redirectUri = GOOGLE_CODE_PASTE_REDIRECT;
  if (!o.pasteOnly) {
    server = Bun.serve({
      hostname: o.callbackHost ?? '127.0.0.1',
      port: o.callbackPort ?? 0,
      fetch: (req) => onCallback(new URL(req.url), state, code, outcome.promise),
    });
    // Google accepts any port on the loopback address for installed apps; the bind address may differ (containers).
    redirectUri = `http://127.0.0.1:${server.port}${CALLBACK_PATH}`;
  }

  const authUrl = client.generateAuthUrl({
    redirect_uri: redirectUri,
    access_type: 'offline',
    // Without consent Google issues a refresh token only the first time an account approves the client.
    prompt: 'consent',
    scope: [...GEMINI_CLI_OAUTH_SCOPES],
    state,
    code_challenge_method: CodeChallengeMethod.S256,
    code_challenge: codeChallenge,
  });
  o.print(instructions(authUrl, redirectUri, o.pasteOnly === true));

  const timeoutMs = o.timeoutMs ?? 10 * 60_000;
  const timer = setTimeout(() => code.reject(new Error(`no sign-in arrived within ${Math.round(timeoutMs / 60_000)} minutes`)), timeoutMs);
  // With no redirect to wait for, input that ends (docker run without -i, stdin from /dev/null) ends the sign-in.
  const inputEnded = o.pasteOnly
    ? () => code.reject(new Error('standard input ended before an authorization code was pasted; run the command in an interactive terminal (docker run -it)'))
    : undefined;
  const stopPasting = readPasted(o.pasted, state, code, o.print, inputEnded);
  try {
    const received = await code.promise;
    const { tokens } = await client.getToken({ code: received, codeVerifier, redirect_uri: redirectUri }).catch((e: unknown) => {
      if (isRecord(e) && e.response === undefined) throw new Error(`could not reach Google's token endpoint to exchange the sign-in code: ${oauthReason(e)}`);
      throw new Error(`Google refused the sign-in code: ${oauthReason(e)}`);
    });
    if (!tokens.refresh_token) {
      throw new Error('Google returned no refresh token, so the sign-in could not outlive the hour; remove the app at https://myaccount.google.com/permissions and sign in again');
    }
    const creds: GoogleCredentials = {};
    for (const [k, v] of Object.entries(tokens)) if (v !== null && v !== undefined) creds[k] = v;
    await writeFileAtomic(o.credsFile, `${JSON.stringify(creds, null, 2)}\n`, { mode: 0o600, makeDir: true });
    const result: LoginResult = { credsFile: o.credsFile, email: emailOf(tokens.id_token) };
    outcome.resolve(result);
    return result;
  } catch (e) {
    outcome.reject(e);
    throw e;
  } finally {
    clearTimeout(timer);
    stopPasting();
    // Not forced, and waited for: the browser's callback request is still being answered, and the CLI
    // exits as soon as this returns. A redirect with error=access_denied (Cancel on the consent page)
    // fails the flow before its page is written, and the browser got an empty response instead of it.
    // Bounded: a connection the browser keeps open must not hold the command.
    if (server) {
      let flushed: ReturnType<typeof setTimeout> | undefined;
      await Promise.race([server.stop(), new Promise<void>((resolve) => (flushed = setTimeout(resolve, CALLBACK_FLUSH_MS)))]);
      clearTimeout(flushed);
    }
  }
}

function instructions(authUrl: string, redirectUri: string, pasteOnly: boolean): string {
  const head = `Sign in with Google for aiproxy's gemini-cli-oauth provider. Open this URL in a browser:\n\n  ${authUrl}\n`;
  if (pasteOnly) return `${head}\nThen paste the authorization code Google shows here and press Enter:`;
  return (
    `${head}\nWaiting for Google to redirect to ${redirectUri} ...\n` +
    'If the browser runs on another machine, that page will fail to load: copy its address from the\n' +
    'address bar (or just the code= value), paste it here and press Enter.'
  );
}

async function onCallback(
  url: URL,
  state: string,
  code: PromiseWithResolvers<string>,
  outcome: Promise<LoginResult>,
): Promise<Response> {
  if (url.pathname !== CALLBACK_PATH) return page(404, 'Not found.');
  if (url.searchParams.get('state') !== state) {
    // Not our redirect (an old tab, a stray request): refuse it and keep waiting for the real one.
    return page(400, 'This sign-in link does not belong to the running `aiproxy login gemini`. Start over from the URL it printed.');
  }
  const error = url.searchParams.get('error');
  if (error) {
    code.reject(new Error(`Google sign-in was not completed: ${error}`));
    return page(400, `Sign-in was not completed (${error}). You can close this tab.`);
  }
  const value = url.searchParams.get('code');
  if (!value) return page(400, 'The redirect carried no authorization code.');
  code.resolve(value);
  return outcome.then(
    (r) => page(200, `Signed in${r.email ? ` as ${r.email}` : ''}. aiproxy saved the credentials; you can close this tab.`),
    (e: unknown) => page(500, `Sign-in failed: ${(e as Error).message}`),
  );
}

function page(status: number, text: string): Response {
  const html = `<!doctype html><meta charset="utf-8"><title>aiproxy</title><p>${text.replace(/[<>&]/g, (c) => `&#${c.charCodeAt(0)};`)}</p>`;
  return new Response(html, { status, headers: { 'content-type': 'text/html; charset=utf-8' } });
}

/** Reads pasted lines until one yields a code; returns a function that stops reading. */
function readPasted(
  lines: AsyncIterable<string> | undefined,
  state: string,
  code: PromiseWithResolvers<string>,
  print: (text: string) => void,
  onEnd?: () => void,
): () => void {
  if (!lines) {
    onEnd?.();
    return () => {};
  }
  const it = lines[Symbol.asyncIterator]();
  let stopped = false;
  void (async () => {
    // Bounded by the input: each iteration consumes one line, and the loop ends with the stream or on stop.
    while (!stopped) {
      const next = await it.next().catch(() => ({ done: true as const, value: undefined }));
      if (stopped) return;
      if (next.done) return onEnd?.();
      const parsed = codeFromPaste(next.value, state);
      if ('code' in parsed) {
        code.resolve(parsed.code);
        return;
      }
      if (parsed.problem) print(parsed.problem);
    }
  })();
  return () => {
    stopped = true;
    void it.return?.();
  };
}

/** A bare code, or the redirect address with `code` (and `state`, which must be ours) in its query. */
export function codeFromPaste(line: string, state: string): { code: string } | { problem?: string } {
  const text = line.trim();
  if (text === '') return {};
  if (!/^https?:\/\//i.test(text) && !text.includes('code=')) return { code: text };
  let params: URLSearchParams;
  try {
    params = /^https?:\/\//i.test(text) ? new URL(text).searchParams : new URLSearchParams(text.replace(/^[^?]*\?/, ''));
  } catch {
    return { problem: 'That is not a URL; paste the whole address or just the code.' };
  }
  const found = params.get('code');
  if (!found) return { problem: 'That address has no code= in it; paste the address of the page Google redirected to.' };
  const given = params.get('state');
  if (given !== null && given !== state) return { problem: 'That address is from another sign-in attempt (state does not match); use the URL printed above.' };
  return { code: found };
}

/** The `email` claim of an ID token, for the success message. Only displayed, so the signature is not checked. */
function emailOf(idToken: string | null | undefined): string | undefined {
  const payload = idToken?.split('.')[1];
  if (!payload) return undefined;
  const claims = tryParseJson(Buffer.from(payload, 'base64url').toString('utf8'));
  return isRecord(claims) && typeof claims.email === 'string' ? claims.email : undefined;
}

function oauthReason(e: unknown): string {
  const data = isRecord(e) && isRecord(e.response) ? e.response.data : undefined;
  if (isRecord(data) && typeof data.error === 'string') {
    return typeof data.error_description === 'string' ? `${data.error}: ${data.error_description}` : data.error;
  }
  return e instanceof Error ? e.message : String(e);
}
