/**
 * Retry hints an OpenAI-compatible upstream gives, in whole seconds (rounded up so a client never
 * retries early). Header forms first, then the wording OpenAI puts in 429 messages
 * ("Please try again in 7m12s" / "in 20ms"), which is often the only hint on token limits.
 */
export function retryAfterSeconds(headers: Headers, message?: string): number | undefined {
  const ms = headers.get('retry-after-ms');
  if (ms !== null) {
    const n = Number(ms);
    if (Number.isFinite(n) && n >= 0) return Math.ceil(n / 1000);
  }
  const ra = headers.get('retry-after');
  if (ra !== null) {
    const trimmed = ra.trim();
    const n = Number(trimmed);
    if (trimmed !== '' && Number.isFinite(n) && n >= 0) return Math.ceil(n);
    const date = Date.parse(trimmed);
    if (Number.isFinite(date)) return Math.max(0, Math.ceil((date - Date.now()) / 1000));
  }
  return message === undefined ? undefined : retryAfterFromMessage(message);
}

const TRY_AGAIN = /try again in ((?:\d+(?:\.\d+)?(?:ms|h|m|s))+)/i;
const DURATION_PART = /(\d+(?:\.\d+)?)(ms|h|m|s)/g;
const UNIT_SECONDS: Record<string, number> = { ms: 0.001, s: 1, m: 60, h: 3600 };

function retryAfterFromMessage(message: string): number | undefined {
  const m = TRY_AGAIN.exec(message);
  if (!m?.[1]) return undefined;
  let seconds = 0;
  for (const part of m[1].matchAll(DURATION_PART)) seconds += Number(part[1]) * (UNIT_SECONDS[part[2] ?? 's'] ?? 1);
  return Math.ceil(seconds);
}
