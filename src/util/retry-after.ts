import { isRecord } from './json.ts';

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

/**
 * "Please try again in 7m12s" / "in 20ms": OpenAI's 429 wording, often the only hint on token limits;
 * "Please retry in 26.66s.": Google's, which its OpenAI-compatible endpoint sends without a RetryInfo
 * (google-gemini/gemini-cli#12586).
 */
export function retryAfterFromMessage(message: string): number | undefined {
  const m = /(?:try again|retry) in ((?:\d+(?:\.\d+)?(?:ms|h|m|s))+)/i.exec(message);
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

/**
 * Made on first use: a formatter with a time zone loads ICU's zone data, 5 MB of idle memory (measured on
 * the compiled binary) for an error most proxies never see.
 */
let pacificClock: Intl.DateTimeFormat | undefined;
const pacific = (): Intl.DateTimeFormat =>
  (pacificClock ??= new Intl.DateTimeFormat('en-US', { timeZone: 'America/Los_Angeles', hourCycle: 'h23', hour: 'numeric', minute: 'numeric', second: 'numeric' }));

/**
 * A Google quota spent for the day (a QuotaFailure violation whose quotaId names a day, such as
 * `GenerateRequestsPerDayPerProjectPerModel-FreeTier`): seconds until it resets, at midnight Pacific
 * time (ai.google.dev/gemini-api/docs/rate-limits). Google sends that 429 with a RetryInfo of some 30 s
 * all the same, which only spends another request on the same refusal (diegosouzapw/OmniRoute#9504,
 * UKGovernmentBEIS/inspect_ai#5526); the Gemini CLI, too, takes a daily quotaId over the RetryInfo.
 * Undefined for any other error.
 */
export function googleDailyQuotaReset(details: unknown, now = Date.now()): number | undefined {
  if (!Array.isArray(details)) return undefined;
  const violations = details.flatMap((d) => (isRecord(d) && Array.isArray(d.violations) ? d.violations : []));
  if (!violations.some((v) => isRecord(v) && typeof v.quotaId === 'string' && /PerDay|Daily/.test(v.quotaId))) return undefined;
  const at: Record<string, string> = {};
  for (const p of pacific().formatToParts(now)) at[p.type] = p.value;
  return Math.max(1, 86_400 - (Number(at.hour) * 3600 + Number(at.minute) * 60 + Number(at.second)));
}
