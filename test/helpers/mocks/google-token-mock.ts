/**
 * A strict in-process Google OAuth token endpoint (protocols.md §4.5): form-encoded POSTs with
 * `grant_type=refresh_token` or `authorization_code` (PKCE S256 checked), the client id and secret, and
 * RFC 6749 error bodies (`invalid_grant`, `invalid_client`) for anything Google would refuse.
 * `url` is the full token URL, as gemini.oauth_token_url wants it.
 */
import { createHash } from 'node:crypto';
import { randomId } from '../../../src/core/ids.ts';
import { jsonResponse, sleep } from './mock-util.ts';

export interface TokenCall {
  grantType: string;
  params: Record<string, string>;
  status: number;
}

export interface GoogleTokenMock {
  url: string;
  clientId: string;
  clientSecret: string;
  calls: TokenCall[];
  /** Refresh tokens the endpoint honours. */
  refreshTokens: Set<string>;
  /** Access tokens it handed out, in order. */
  issued: string[];
  /** Lifetime of issued access tokens (seconds). */
  expiresIn: number;
  /** Holds every answer back this long, so concurrent callers overlap. */
  delayMs: number;
  /** The next answers are these errors (status + OAuth error body), in order. */
  failNext(...errors: Array<{ status: number; body: unknown }>): void;
  /** An authorization code the consent page would have issued for this redirect and PKCE challenge. */
  addCode(code: string, opts: { redirectUri: string; codeChallenge: string; email?: string }): void;
  refreshCount(): number;
  stop(): Promise<void>;
}

export interface GoogleTokenMockOptions {
  clientId?: string;
  clientSecret?: string;
  refreshTokens?: string[];
  /** Called with each access token issued, e.g. to make the Code Assist mock accept it. */
  onIssue?: (accessToken: string) => void;
}

export const SCOPE =
  'https://www.googleapis.com/auth/cloud-platform https://www.googleapis.com/auth/userinfo.email https://www.googleapis.com/auth/userinfo.profile openid';

const oauthError = (status: number, error: string, description: string): Response =>
  jsonResponse(status, { error, error_description: description });

/** An unsigned JWT with an email claim: enough for code that only reads claims. */
function fakeIdToken(email: string): string {
  const part = (o: unknown): string => Buffer.from(JSON.stringify(o)).toString('base64url');
  return `${part({ alg: 'RS256', typ: 'JWT' })}.${part({ iss: 'https://accounts.google.com', email, email_verified: true })}.sig`;
}

export function startGoogleTokenMock(opts: GoogleTokenMockOptions = {}): GoogleTokenMock {
  const clientId = opts.clientId ?? '681255809395-mock.apps.googleusercontent.com';
  const clientSecret = opts.clientSecret ?? 'GOCSPX-mock-secret';
  const calls: TokenCall[] = [];
  const issued: string[] = [];
  const failures: Array<{ status: number; body: unknown }> = [];
  const codes = new Map<string, { redirectUri: string; codeChallenge: string; email: string }>();

  const issue = (): string => {
    const token = `ya29.mock-${issued.length + 1}-${randomId(12)}`;
    issued.push(token);
    opts.onIssue?.(token);
    return token;
  };

  const answer = (params: Record<string, string>): Response => {
    const failure = failures.shift();
    if (failure) return jsonResponse(failure.status, failure.body);
    if (params.client_id !== clientId || params.client_secret !== clientSecret) {
      return oauthError(401, 'invalid_client', 'The OAuth client was not found.');
    }
    if (params.grant_type === 'refresh_token') {
      if (!params.refresh_token || !mock.refreshTokens.has(params.refresh_token)) {
        return oauthError(400, 'invalid_grant', 'Token has been expired or revoked.');
      }
      return jsonResponse(200, { access_token: issue(), expires_in: mock.expiresIn, scope: SCOPE, token_type: 'Bearer' });
    }
    if (params.grant_type === 'authorization_code') {
      const entry = params.code ? codes.get(params.code) : undefined;
      if (!entry) return oauthError(400, 'invalid_grant', 'Malformed auth code.');
      codes.delete(params.code!);
      if (params.redirect_uri !== entry.redirectUri) return oauthError(400, 'redirect_uri_mismatch', 'Bad Request');
      const challenge = createHash('sha256').update(params.code_verifier ?? '').digest('base64url');
      if (challenge !== entry.codeChallenge) return oauthError(400, 'invalid_grant', 'Invalid code verifier.');
      const refreshToken = `1//mock-refresh-${randomId(16)}`;
      mock.refreshTokens.add(refreshToken);
      return jsonResponse(200, {
        access_token: issue(),
        refresh_token: refreshToken,
        expires_in: mock.expiresIn,
        scope: SCOPE,
        token_type: 'Bearer',
        id_token: fakeIdToken(entry.email),
      });
    }
    return oauthError(400, 'unsupported_grant_type', `Invalid grant_type: ${params.grant_type ?? ''}`);
  };

  const server = Bun.serve({
    hostname: '127.0.0.1',
    port: 0,
    async fetch(req) {
      const url = new URL(req.url);
      if (req.method !== 'POST' || url.pathname !== '/token') return new Response('Not Found', { status: 404 });
      const type = req.headers.get('content-type') ?? '';
      const params: Record<string, string> = {};
      if (type.startsWith('application/x-www-form-urlencoded')) {
        for (const [k, v] of new URLSearchParams(await req.text())) params[k] = v;
      }
      if (mock.delayMs) await sleep(mock.delayMs);
      const res = type.startsWith('application/x-www-form-urlencoded')
        ? answer(params)
        : oauthError(400, 'invalid_request', 'Expected a form-encoded body.');
      calls.push({ grantType: params.grant_type ?? '', params, status: res.status });
      return res;
    },
  });

  const mock: GoogleTokenMock = {
    url: `http://127.0.0.1:${server.port}/token`,
    clientId,
    clientSecret,
    calls,
    refreshTokens: new Set(opts.refreshTokens ?? []),
    issued,
    expiresIn: 3599,
    delayMs: 0,
    failNext: (...errors) => {
      failures.push(...errors);
    },
    addCode(code, o) {
      codes.set(code, { redirectUri: o.redirectUri, codeChallenge: o.codeChallenge, email: o.email ?? 'user@example.com' });
    },
    refreshCount: () => calls.filter((c) => c.grantType === 'refresh_token').length,
    async stop() {
      await server.stop(true);
    },
  };
  return mock;
}
