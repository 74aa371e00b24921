import type { OAuth2Client } from 'google-auth-library';
import { ProxyError } from '../../core/errors.ts';
import type { Logger } from '../../util/log.ts';
import { outsideRequest } from '../../util/request-context.ts';
import { SignedOutError, type CredentialStore } from './credential-store.ts';
import { isFresh, mergeRefreshed, type GoogleCredentials } from './credentials.ts';
import { createOAuthClient, type OAuthClientSettings } from './oauth-client.ts';
import { refreshFailure } from './refresh-error.ts';

export interface TokenManagerOptions {
  store: CredentialStore;
  oauth: OAuthClientSettings;
  /** A token expiring sooner than this is refreshed before it is handed out. */
  refreshMarginMs?: number;
  /** The background timer refreshes this long before expiry, so requests rarely wait for a refresh. */
  backgroundLeadMs?: number;
  /** After a transient background failure, try again this much later. */
  retryMs?: number;
  /** After a 401, a refresh that finished this recently already replaced the rejected token. */
  recentMs?: number;
  /** How often at most a request checks that the credentials are still there (not signed out). */
  presenceCheckMs?: number;
  log?: Logger;
  now?: () => number;
  /** For tests: how the OAuth client is made (default: google-auth-library, imported on first use). */
  createClient?: (s: OAuthClientSettings) => Promise<Pick<OAuth2Client, 'setCredentials' | 'refreshAccessToken'>>;
}

export interface TokenManager {
  /** An access token good for at least the refresh margin; refreshes first when needed. */
  accessToken(): Promise<string>;
  /**
   * The API answered 401 to a token we believed valid: refresh once (joining a refresh already under way)
   * and resolve true so the caller retries. Throws a ProxyError naming the cause when refreshing fails.
   */
  refreshAfterRejection(): Promise<boolean>;
  /**
   * Which sign-in the credentials in use belong to: it changes when another sign-in replaces them (a new
   * refresh token, a sign-in after a sign-out), so what was learnt about the old account, such as its Code
   * Assist project, is not carried over to the new one.
   */
  signIn(): number;
  /** Keeps the token fresh without traffic. The timer never keeps the process alive. */
  startBackground(): void;
  stopBackground(): void;
}

const MINUTE = 60_000;
const MIN_TIMER_MS = 1_000;
/** setTimeout's ceiling (about 24.8 days); a longer delay would fire at once. */
const MAX_TIMER_MS = 2 ** 31 - 1;

/**
 * One OAuth access token shared by every request of an upstream. All refreshes go through one promise
 * (single flight), so a burst of requests on an expired token costs one refresh grant, not one each.
 * A refresh token Google refused for good is remembered, and not tried again until the credentials
 * change (a new sign-in), so a broken sign-in does not hammer the token endpoint.
 * Credentials that disappear (the Gemini CLI's logout deletes its file) sign the account out: the token
 * in memory is forgotten, the file is never written back, and requests fail until someone signs in again.
 */
export function createTokenManager(o: TokenManagerOptions): TokenManager {
  const now = o.now ?? Date.now;
  const margin = o.refreshMarginMs ?? 5 * MINUTE;
  const lead = Math.max(o.backgroundLeadMs ?? 10 * MINUTE, margin);
  const retryMs = o.retryMs ?? MINUTE;
  const recentMs = o.recentMs ?? 10_000;
  const presenceMs = o.presenceCheckMs ?? 1_000;
  const makeClient = o.createClient ?? createOAuthClient;

  let creds: GoogleCredentials | undefined;
  let loading: Promise<GoogleCredentials> | undefined;
  let refreshing: Promise<GoogleCredentials> | undefined;
  let refreshedAt = -Infinity;
  let dead: { refreshToken: string; error: ProxyError } | undefined;
  let client: ReturnType<typeof makeClient> | undefined;
  let background = false;
  let timer: ReturnType<typeof setTimeout> | undefined;
  let presentAt = -Infinity;
  let checking: Promise<void> | undefined;
  let signIn = 0;

  const loaded = (): Promise<GoogleCredentials> => {
    if (creds) return Promise.resolve(creds);
    loading ??= o.store
      .load()
      .then(adopt)
      .finally(() => {
        loading = undefined;
      });
    return loading;
  };

  function adopt(next: GoogleCredentials): GoogleCredentials {
    // The Gemini CLI's /auth switches accounts by deleting the file and writing the other account's.
    if (!creds || next.refresh_token !== creds.refresh_token) signIn++;
    creds = next;
    presentAt = now();
    if (dead && dead.refreshToken !== next.refresh_token) dead = undefined;
    schedule();
    return next;
  }

  /** Rethrows `e`; a sign-out first drops everything of the ended sign-in, so nothing keeps using or renewing it. */
  function fail(e: unknown): never {
    if (e instanceof SignedOutError && creds) {
      creds = undefined;
      refreshedAt = -Infinity;
      clearTimeout(timer);
      timer = undefined;
      // The next request reads the store again: the same 401 while signed out, a new sign-in once there is one.
      o.log?.warn('the Google credentials were removed (signed out): gemini-cli-oauth requests fail until you sign in again', {
        where: o.store.where,
      });
    }
    throw e;
  }

  /** A request may be served from memory for an hour: this notices a sign-out meanwhile, for a stat a second at most. */
  async function stillSignedIn(): Promise<void> {
    if (!o.store.checkPresent || !creds || now() - presentAt < presenceMs) return;
    checking ??= o.store
      .checkPresent()
      .then(() => {
        presentAt = now();
      }, fail)
      .finally(() => {
        checking = undefined;
      });
    await checking;
  }

  const refresh = (): Promise<GoogleCredentials> => {
    refreshing ??= runRefresh().finally(() => {
      refreshing = undefined;
    });
    return refreshing;
  };

  async function runRefresh(): Promise<GoogleCredentials> {
    // The Gemini CLI or a new sign-in may have renewed the stored token since we read it: use theirs
    // rather than spend another grant, and pick up a replaced refresh token.
    // Unreadable for a moment (a write under way): the token in memory still serves. Deleted: signed out.
    const read = await o.store.load().catch((e: unknown) => (e instanceof SignedOutError ? fail(e) : undefined));
    // Some Gemini CLI releases rewrite the file after their own refresh with Google's answer alone, which has
    // no refresh_token (google-gemini/gemini-cli#21691): keep the one we know, or the next expiry ends the sign-in.
    // Not one Google refused: that would blame the old sign-in for what the new file lacks.
    const repaired = !!read && !read.refresh_token && !!creds?.refresh_token && dead?.refreshToken !== creds.refresh_token;
    const stored = repaired ? { ...read, refresh_token: creds!.refresh_token } : read;
    if (stored && stored.access_token !== creds?.access_token && isFresh(stored, margin, now())) {
      // Saved before adopted: a sign-out found by the save leaves nothing of the ended sign-in in use.
      if (repaired) await save(stored);
      return adopt(stored);
    }
    const base = stored ?? creds;
    if (!base?.refresh_token) {
      throw new ProxyError({
        kind: 'authentication',
        message: `the gemini-cli-oauth access token has expired and ${o.store.where} holds no refresh_token to renew it. ${o.store.renewHint}`,
      });
    }
    if (dead?.refreshToken === base.refresh_token) throw dead.error;

    let answer: Record<string, unknown>;
    try {
      client ??= makeClient(o.oauth).catch((e: unknown) => {
        client = undefined;
        throw e;
      });
      const c = await client;
      c.setCredentials({ ...base });
      answer = { ...(await c.refreshAccessToken()).credentials };
    } catch (e) {
      const secrets = [base.refresh_token, o.oauth.clientSecret];
      const failure = refreshFailure(e, { where: o.store.where, renewHint: o.store.renewHint, tokenUrl: o.oauth.tokenUrl, secrets });
      if (failure.permanent) dead = { refreshToken: base.refresh_token, error: failure.error };
      throw failure.error;
    }
    if (typeof answer.access_token !== 'string' || answer.access_token === '') {
      throw new ProxyError({ kind: 'api_error', status: 502, message: 'the Google token endpoint answered the refresh without a new access_token' });
    }
    const next = mergeRefreshed(base, answer);
    await save(next);
    refreshedAt = now();
    return adopt(next);
  }

  async function save(next: GoogleCredentials): Promise<void> {
    try {
      await o.store.save(next);
    } catch (e) {
      // Deleted while the grant was under way: the token just granted belongs to the ended sign-in too.
      if (e instanceof SignedOutError) fail(e);
      // The new token works from memory; only a restart would need another refresh. Not worth failing a request.
      o.log?.warn('could not write refreshed Google credentials back', { where: o.store.where, error: (e as Error).message });
    }
  }

  function schedule(): void {
    if (!background) return;
    clearTimeout(timer);
    timer = undefined;
    const c = creds;
    if (!c?.refresh_token || c.expiry_date === undefined || dead?.refreshToken === c.refresh_token) return;
    arm(c.expiry_date - lead - now());
  }

  function arm(delayMs: number): void {
    // Armed from whatever request loaded or refreshed the token; the timer must not carry that request's
    // scope (its id on every background log line for the life of the process).
    timer = outsideRequest(() => setTimeout(tick, Math.min(Math.max(delayMs, MIN_TIMER_MS), MAX_TIMER_MS)));
    timer.unref();
  }

  function tick(): void {
    timer = undefined;
    if (!background) return;
    if (creds && isFresh(creds, lead, now())) return schedule();
    refresh().then(
      () => o.log?.debug('refreshed the Google access token in the background', { where: o.store.where }),
      (e: unknown) => {
        const message = (e as Error).message;
        // Signed out: already said; nothing to renew until a request finds a new sign-in.
        if (e instanceof SignedOutError) return;
        if (dead) {
          o.log?.warn('Google refused the background token refresh; requests fail until you sign in again', { error: message });
          return;
        }
        o.log?.warn('background Google token refresh failed; retrying', { error: message, retry_s: Math.round(retryMs / 1000) });
        if (background && timer === undefined) arm(retryMs);
      },
    );
  }

  return {
    async accessToken() {
      await stillSignedIn();
      const c = await loaded();
      if (isFresh(c, margin, now())) return c.access_token!;
      return (await refresh()).access_token!;
    },
    async refreshAfterRejection() {
      await stillSignedIn();
      await loaded();
      if (refreshing) await refreshing;
      else if (now() - refreshedAt >= recentMs) await refresh();
      return true;
    },
    signIn: () => signIn,
    startBackground() {
      if (background) return;
      background = true;
      if (creds) schedule();
      // A missing or broken file is reported by the first request, where someone can read it.
      else loaded().catch(() => {});
    },
    stopBackground() {
      background = false;
      clearTimeout(timer);
      timer = undefined;
    },
  };
}
