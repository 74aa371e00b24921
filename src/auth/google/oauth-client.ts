import type { OAuth2Client } from 'google-auth-library';

export interface OAuthClientSettings {
  clientId: string;
  clientSecret: string;
  /** Token endpoint (gemini.oauth_token_url); tests point it at a mock. */
  tokenUrl: string;
  /** Consent page; only the login flow uses it. */
  authUrl?: string;
  redirectUri?: string;
  /** Per attempt at the token endpoint (google-auth-library tries up to three times). Default 15 s. */
  timeoutMs?: number;
  /** An HTTP(S) proxy for the token endpoint (gemini.proxy_url); else the environment's applies. */
  proxy?: string;
}

/**
 * An OAuth2Client for the given client. google-auth-library is imported here, on first use, and nowhere
 * else: the import costs about 80 ms, which a proxy without gemini-cli-oauth should never pay at start-up.
 */
export async function createOAuthClient(s: OAuthClientSettings): Promise<OAuth2Client> {
  const { OAuth2Client } = await import('google-auth-library');
  return new OAuth2Client({
    clientId: s.clientId,
    clientSecret: s.clientSecret,
    redirectUri: s.redirectUri,
    endpoints: { oauth2TokenUrl: s.tokenUrl, ...(s.authUrl ? { oauth2AuthBaseUrl: s.authUrl } : {}) },
    // Without a deadline a token endpoint that never answers holds the one shared refresh, and with it
    // every request of the account, for good: the library sets none of its own.
    transporterOptions: { timeout: s.timeoutMs ?? 15_000, ...(s.proxy ? { proxy: s.proxy } : {}) },
  });
}
