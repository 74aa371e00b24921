import { isRecord } from '../../util/json.ts';

/**
 * The Gemini CLI's credentials file: google-auth-library's `Credentials` serialised as JSON
 * (protocols.md §4.5). `expiry_date` is epoch **milliseconds**. Fields this proxy does not use
 * (id_token, anything newer) are kept so a write-back never loses what the Gemini CLI wrote.
 */
export interface GoogleCredentials {
  access_token?: string;
  refresh_token?: string;
  expiry_date?: number;
  token_type?: string;
  scope?: string;
  id_token?: string;
  [field: string]: unknown;
}

/** Checks a parsed credentials object; `problem` says what makes it unusable. */
export function parseCredentials(value: unknown): { creds: GoogleCredentials } | { problem: string } {
  if (!isRecord(value)) return { problem: 'is not a JSON object' };
  const creds: GoogleCredentials = { ...value };
  for (const key of ['access_token', 'refresh_token', 'token_type', 'scope', 'id_token'] as const) {
    const v = creds[key];
    if (v === null) delete creds[key];
    else if (v !== undefined && typeof v !== 'string') return { problem: `has a non-string ${key}` };
  }
  // Some tools write the expiry as a numeric string; anything else unreadable counts as expired.
  const expiry = creds.expiry_date;
  if (expiry === null || expiry === undefined) delete creds.expiry_date;
  else {
    const n = typeof expiry === 'number' ? expiry : Number(expiry);
    creds.expiry_date = Number.isFinite(n) ? n : 0;
  }
  if (!creds.refresh_token && !creds.access_token) return { problem: 'has neither a refresh_token nor an access_token' };
  return { creds };
}

/** A token usable for at least `marginMs` more. Without an expiry the token is trusted until a 401 says otherwise. */
export function isFresh(creds: GoogleCredentials, marginMs: number, now: number): boolean {
  if (!creds.access_token) return false;
  return creds.expiry_date === undefined || creds.expiry_date - marginMs > now;
}

/**
 * The credentials after a refresh: Google's answer over the old file, keeping the refresh token when the
 * answer has none (it usually has none) and dropping `expires_in`, which the file format does not use.
 */
export function mergeRefreshed(old: GoogleCredentials, refreshed: Record<string, unknown>): GoogleCredentials {
  const next: GoogleCredentials = { ...old };
  for (const [k, v] of Object.entries(refreshed)) {
    if (v === null || v === undefined || k === 'expires_in') continue;
    next[k] = v;
  }
  if (!next.refresh_token) next.refresh_token = old.refresh_token;
  return next;
}
