/** What a secret is replaced with, in log lines and in upstream error bodies alike. */
export const REDACTED = '[redacted]';

/** Shorter values are not treated as secrets: blanking "123456" out would also mangle token counts. */
export const MIN_SECRET_LENGTH = 8;

/** `text` with every occurrence of each secret (of at least MIN_SECRET_LENGTH characters) blanked out. */
export function blankOut(text: string, secrets: readonly string[]): string {
  let out = text;
  for (const s of secrets) if (s.length >= MIN_SECRET_LENGTH && out.includes(s)) out = out.replaceAll(s, REDACTED);
  return out;
}
