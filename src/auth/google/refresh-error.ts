import { ProxyError } from '../../core/errors.ts';
import { isRecord } from '../../util/json.ts';
import { blankOut } from '../../util/redact.ts';

export interface RefreshFailure {
  error: ProxyError;
  /** True when retrying with the same refresh token cannot help (revoked, wrong client). */
  permanent: boolean;
}

interface Where {
  /** Where the credentials live (path or setting). */
  where: string;
  renewHint: string;
  tokenUrl: string;
  /**
   * What the grant sent (the refresh token, the client secret): a token endpoint that echoes one in its
   * error_description or message (gemini.oauth_token_url may be any server) must not hand it to clients and logs.
   */
  secrets?: readonly string[];
}

/**
 * A failed refresh grant → what the client sees. Google's OAuth errors (RFC 6749 §5.2) name the cause;
 * the message repeats it and says how to sign in again. A token endpoint that is down is not a sign-in
 * problem: that is a 502 the client may retry.
 */
export function refreshFailure(e: unknown, at: Where): RefreshFailure {
  const { status, oauthError, description } = readError(e);
  const said = oauthError ? `${oauthError}${description ? `: ${description}` : ''}` : status ? `HTTP ${status}` : '';
  const cause = blankOut(said, at.secrets ?? []);
  if (oauthError === 'invalid_grant') {
    return permanent('authentication', `Google refused to refresh the gemini-cli-oauth access token (${cause}): the sign-in in ${at.where} has expired or been revoked. ${at.renewHint}`);
  }
  if (oauthError === 'invalid_client' || oauthError === 'unauthorized_client') {
    return permanent(
      'authentication',
      `Google refused the OAuth client while refreshing the gemini-cli-oauth token (${cause}): the refresh token in ${at.where} was issued to another client. Set gemini.oauth_client_id and gemini.oauth_client_secret to the client you signed in with, or sign in again. ${at.renewHint}`,
    );
  }
  if (oauthError === 'access_denied' || oauthError === 'admin_policy_enforced' || oauthError === 'org_internal') {
    return permanent('permission', `Google denied the gemini-cli-oauth token refresh (${cause}); the account's administrator may block this app. ${at.renewHint}`);
  }
  if (status !== undefined && status >= 400 && status < 500 && status !== 408 && status !== 429) {
    return permanent('authentication', `Google refused to refresh the gemini-cli-oauth access token (${cause || `HTTP ${status}`}). ${at.renewHint}`);
  }
  const reason = cause || blankOut(networkReason(e), at.secrets ?? []);
  return {
    permanent: false,
    error: new ProxyError({
      kind: 'api_error',
      status: 502,
      message: `could not refresh the gemini-cli-oauth access token: the token endpoint ${host(at.tokenUrl)} failed (${reason}); try again shortly`,
    }),
  };
}

function permanent(kind: 'authentication' | 'permission', message: string): RefreshFailure {
  return { permanent: true, error: new ProxyError({ kind, message }) };
}

/** google-auth-library throws GaxiosError: `response.status` and the parsed OAuth error body in `response.data`. */
function readError(e: unknown): { status?: number; oauthError?: string; description?: string } {
  if (!isRecord(e) || !isRecord(e.response)) return {};
  const status = typeof e.response.status === 'number' ? e.response.status : undefined;
  let data: unknown = e.response.data;
  if (typeof data === 'string') {
    try {
      data = JSON.parse(data);
    } catch {
      return { status };
    }
  }
  if (!isRecord(data)) return { status };
  const oauthError = typeof data.error === 'string' ? data.error : undefined;
  const description = typeof data.error_description === 'string' ? data.error_description : undefined;
  return { status, oauthError, description };
}

function networkReason(e: unknown): string {
  if (isRecord(e) && e.code === 'TimeoutError') return 'no answer in time';
  if (isRecord(e) && typeof e.code === 'string') return e.code;
  return e instanceof Error ? e.message : String(e);
}

function host(url: string): string {
  try {
    return new URL(url).host;
  } catch {
    return url;
  }
}
