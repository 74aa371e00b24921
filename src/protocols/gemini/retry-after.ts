import { isRecord } from '../../util/json.ts';

const UNIT_SECONDS: Record<string, number> = { h: 3600, m: 60, s: 1, ms: 0.001 };

/**
 * A Google duration ("37s", "0.539477544s", and the "1h2m3.5s" form seen in quotaResetDelay) in
 * whole seconds, rounded up so a client never retries too early.
 */
export function parseDurationSeconds(text: string): number | undefined {
  const trimmed = text.trim();
  if (!/^(?:\d+(?:\.\d+)?(?:ms|h|m|s))+$/.test(trimmed)) return undefined;
  let seconds = 0;
  for (const m of trimmed.matchAll(/(\d+(?:\.\d+)?)(ms|h|m|s)/g)) seconds += Number(m[1]) * UNIT_SECONDS[m[2]!]!;
  return Math.ceil(seconds);
}

/** `retry-after-ms`, then `retry-after` as seconds or an HTTP date. */
export function retryAfterFromHeaders(headers: Headers): number | undefined {
  const ms = headers.get('retry-after-ms');
  if (ms !== null && /^\d+(?:\.\d+)?$/.test(ms.trim())) return Math.ceil(Number(ms) / 1000);
  const value = headers.get('retry-after')?.trim();
  if (!value) return undefined;
  if (/^\d+(?:\.\d+)?$/.test(value)) return Math.ceil(Number(value));
  const date = Date.parse(value);
  if (Number.isNaN(date)) return undefined;
  return Math.max(0, Math.ceil((date - Date.now()) / 1000));
}

/** RetryInfo.retryDelay, else ErrorInfo.metadata.quotaResetDelay, else "reset after Ns" in the message. */
export function retryAfterFromGoogleError(error: Record<string, unknown>): number | undefined {
  const details = Array.isArray(error.details) ? error.details : [];
  let fromQuota: number | undefined;
  for (const d of details) {
    if (!isRecord(d)) continue;
    const type = typeof d['@type'] === 'string' ? d['@type'] : '';
    if (type.endsWith('google.rpc.RetryInfo') && typeof d.retryDelay === 'string') {
      const s = parseDurationSeconds(d.retryDelay);
      if (s !== undefined) return s;
    }
    if (type.endsWith('google.rpc.ErrorInfo') && isRecord(d.metadata) && typeof d.metadata.quotaResetDelay === 'string') {
      fromQuota ??= parseDurationSeconds(d.metadata.quotaResetDelay);
    }
  }
  if (fromQuota !== undefined) return fromQuota;
  const m = typeof error.message === 'string' ? /reset after (\d+(?:\.\d+)?)s/i.exec(error.message) : null;
  return m ? Math.ceil(Number(m[1])) : undefined;
}
