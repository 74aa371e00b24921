import { homedir } from 'node:os';
import { posix, win32 } from 'node:path';

/**
 * The value checks settings are built from (src/config/settings.ts and operational-settings.ts). Each
 * takes a raw value from YAML (typed) or a flag/env (a string) and returns it checked, or throws an
 * Error whose message says what was wrong; the loader adds where the value came from.
 */

export function show(v: unknown): string {
  return JSON.stringify(v) ?? String(v);
}

/**
 * A URL-valued setting as an error message may show it: without a `user:password@`, and without a
 * query or fragment (which may hold a `?key=…`). It may not parse, so this works on the text: a missing
 * `/` or stray `@` at worst hides more than the credentials.
 */
export function showUrl(v: unknown): string {
  if (typeof v !== 'string') return show(v);
  const scheme = /^[A-Za-z][A-Za-z0-9+.-]*:\/\//.exec(v)?.[0] ?? '';
  const at = v.lastIndexOf('@');
  const s = at < 0 ? v : `${scheme}…@${v.slice(at + 1)}`;
  return show(s.replace(/[?#][^]*$/, ''));
}

export function typeName(v: unknown): string {
  return v === null ? 'null' : Array.isArray(v) ? 'a list' : typeof v;
}

export const text = (raw: unknown): string => {
  if (typeof raw !== 'string') throw new Error(`expected a string, got ${typeName(raw)}`);
  return raw;
};

export const nonEmpty = (raw: unknown): string => {
  const s = text(raw).trim();
  if (!s) throw new Error('must not be empty');
  return s;
};

/** A whole number in [min, max], from YAML (a number) or a flag/env (digits). */
export const integer =
  (min: number, max: number, what: string) =>
  (raw: unknown): number => {
    const n = typeof raw === 'number' ? raw : typeof raw === 'string' && /^\d+$/.test(raw.trim()) ? Number(raw) : NaN;
    if (!Number.isInteger(n) || n < min || n > max) throw new Error(`${show(raw)} is not ${what} (${min}-${max})`);
    return n;
  };

/** A duration in whole milliseconds, up to a day (a longer wait is a typo, not a plan). */
export const milliseconds = integer(0, 86_400_000, 'a number of milliseconds');

/** One of `values` (case-insensitive), or an alias of one. */
export const oneOf =
  <T extends string>(values: readonly T[], aliases: Record<string, T> = {}) =>
  (raw: unknown): T => {
    // YAML 1.1 readers turn `off` into false.
    const s = typeof raw === 'string' ? raw.trim().toLowerCase() : typeof raw === 'boolean' ? String(raw) : '';
    const v = aliases[s] ?? s;
    if (!(values as readonly string[]).includes(v)) throw new Error(`${show(raw)} is not one of ${values.join(', ')}`);
    return v as T;
  };

/** A yes/no switch: a YAML boolean, or true/false (also 1/0, yes/no, on/off) from a flag or env. */
export const flag = (raw: unknown): boolean => {
  if (typeof raw === 'boolean') return raw;
  const s = typeof raw === 'string' ? raw.trim().toLowerCase() : '';
  if (['true', '1', 'yes', 'on'].includes(s)) return true;
  if (['false', '0', 'no', 'off'].includes(s)) return false;
  throw new Error(`${show(raw)} is not true or false`);
};

/** A file path; a leading `~` is the home directory. */
export const path = (raw: unknown): string => expandHome(nonEmpty(raw), homedir());

/**
 * `~`, alone or before a separator, is `home`: `~/` everywhere, and on Windows `~\` too, `\` being its
 * separator (`~\.gemini\oauth_creds.json` was otherwise a relative path under a folder named `~`).
 */
export function expandHome(s: string, home: string, platform: NodeJS.Platform = process.platform): string {
  if (s === '~' || s.startsWith('~/') || (platform === 'win32' && s.startsWith('~\\'))) return home + s.slice(1);
  return s;
}

/**
 * Where the Gemini CLI keeps its Google sign-in, on every system: `.gemini/oauth_creds.json` under the
 * home directory (os.homedir(): `$HOME`, or `%USERPROFILE%` on Windows), joined with the system's separator.
 */
export function geminiCredsFile(home: string, platform: NodeJS.Platform = process.platform): string {
  return (platform === 'win32' ? win32 : posix).join(home, '.gemini', 'oauth_creds.json');
}
