import { parseDurationSeconds, retryInfoDelay } from '../../util/retry-after.ts';
import { isRecord } from '../../util/json.ts';

/** RetryInfo.retryDelay, else ErrorInfo.metadata.quotaResetDelay, else "reset after Ns" in the message. */
export function retryAfterFromGoogleError(error: Record<string, unknown>): number | undefined {
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
  const m = typeof error.message === 'string' ? /reset after (\d+(?:\.\d+)?)s/i.exec(error.message) : null;
  return m ? Math.ceil(Number(m[1])) : undefined;
}
