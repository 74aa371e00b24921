import { googleDailyQuotaReset, parseDurationSeconds, retryInfoDelay } from '../../util/retry-after.ts';
import { isRecord } from '../../util/json.ts';

/**
 * A delay Google wrote only in the message: Code Assist's "Your quota will reset after 12h34m16s."
 * (earendil-works/pi#2851, google-gemini/gemini-cli#13004), the Gemini API's "Please retry in
 * 26.660853464s." (what gemini-cli falls back to when a 429 comes without RetryInfo,
 * google-gemini/gemini-cli#12586).
 */
const MESSAGE_DELAY = /(?:reset after|retry in) ((?:\d+(?:\.\d+)?(?:ms|h|m|s))+)/i;

/**
 * RetryInfo.retryDelay, else ErrorInfo.metadata.quotaResetDelay, else a delay named in the message;
 * a quota spent for the day lasts at least until Google's midnight, whatever the RetryInfo says.
 */
export function retryAfterFromGoogleError(error: Record<string, unknown>): number | undefined {
  const hint = retryHint(error);
  const daily = googleDailyQuotaReset(error.details);
  return daily === undefined ? hint : Math.max(daily, hint ?? 0);
}

function retryHint(error: Record<string, unknown>): number | undefined {
  const retryInfo = retryInfoDelay(error.details);
  if (retryInfo !== undefined) return retryInfo;
  const details = Array.isArray(error.details) ? error.details : [];
  let fromQuota: number | undefined;
  for (const d of details) {
    if (!isRecord(d)) continue;
    const type = typeof d['@type'] === 'string' ? d['@type'] : '';
    if (type.endsWith('google.rpc.ErrorInfo') && isRecord(d.metadata) && typeof d.metadata.quotaResetDelay === 'string') {
      fromQuota ??= parseDurationSeconds(d.metadata.quotaResetDelay);
    }
  }
  if (fromQuota !== undefined) return fromQuota;
  const m = typeof error.message === 'string' ? MESSAGE_DELAY.exec(error.message) : null;
  return m?.[1] ? parseDurationSeconds(m[1]) : undefined;
}
