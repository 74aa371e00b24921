/**
 * Retry hints in whole seconds, rounded up so a client never retries too early. One parser for every
 * protocol: the headers are the same everywhere, and Google and OpenAI both write durations like "7m12s".
 */

const UNIT_SECONDS: Record<string, number> = { h: 3600, m: 60, s: 1, ms: 0.001 };

/** A duration such as "37s", "0.539477544s", "1h2m3.5s" or "20ms". */
export function parseDurationSeconds(text: string): number | undefined {
  const trimmed = text.trim();
  if (!/^(?:\d+(?:\.\d+)?(?:ms|h|m|s))+$/.test(trimmed)) return undefined;
  let seconds = 0;
  for (const m of trimmed.matchAll(/(\d+(?:\.\d+)?)(ms|h|m|s)/g)) seconds += Number(m[1]) * UNIT_SECONDS[m[2]!]!;
  return Math.ceil(seconds);
}

/** `retry-after-ms` (honoured by the official SDKs), then `retry-after` as seconds or an HTTP date. */
export function retryAfterFromHeaders(headers: Headers, now = Date.now()): number | undefined {
  const ms = headers.get('retry-after-ms')?.trim();
  if (ms && /^\d+(?:\.\d+)?$/.test(ms)) return Math.ceil(Number(ms) / 1000);
  const value = headers.get('retry-after')?.trim();
  if (!value) return undefined;
  if (/^\d+(?:\.\d+)?$/.test(value)) return Math.ceil(Number(value));
  const date = Date.parse(value);
  if (Number.isNaN(date)) return undefined;
  return Math.max(0, Math.ceil((date - now) / 1000));
}

/** "Please try again in 7m12s" / "in 20ms": OpenAI's 429 wording, often the only hint on token limits. */
export function retryAfterFromMessage(message: string): number | undefined {
  const m = /try again in ((?:\d+(?:\.\d+)?(?:ms|h|m|s))+)/i.exec(message);
  return m?.[1] ? parseDurationSeconds(m[1]) : undefined;
}

/** The delay of a google.rpc.RetryInfo among an error's `details` (Google's APIs and its OpenAI-compatible endpoint). */
export function retryInfoDelay(details: unknown): number | undefined {
  if (!Array.isArray(details)) return undefined;
  for (const d of details) {
    if (d === null || typeof d !== 'object') continue;
    const delay = (d as Record<string, unknown>).retryDelay;
    const s = typeof delay === 'string' ? parseDurationSeconds(delay) : undefined;
    if (s !== undefined) return s;
  }
  return undefined;
}

