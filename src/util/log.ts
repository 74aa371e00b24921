import { writeSync } from 'node:fs';
import type { LogFormat, LogLevel } from '../config/types.ts';
import { blankOut, MIN_SECRET_LENGTH } from './redact.ts';
import { currentRequest } from './request-context.ts';

const ORDER: Record<LogLevel, number> = { debug: 10, info: 20, warn: 30, error: 40 };

export type LogFields = Record<string, string | number | boolean | undefined | null>;

/** Characters that make a text-format value need quoting. Compiled once: logging is on every request. */
const NEEDS_QUOTES = /[\s"=]/;

/**
 * A small leveled logger writing one line per entry to stderr: readable `key=value` text by default,
 * one JSON object per line with `json`. Callers pass fields, never raw headers or bodies; as a second
 * line of defence, every configured secret is blanked out of the message and every string value. Inside a
 * request, each line carries the request id (`rid`).
 */
export class Logger {
  private threshold: number;
  private secrets: readonly string[] = [];
  private shortestSecret = Infinity;
  constructor(
    level: LogLevel = 'info',
    private readonly sink: (line: string) => void = stderrSink(),
    private format: LogFormat = 'text',
  ) {
    this.threshold = ORDER[level];
  }
  setLevel(level: LogLevel): void {
    this.threshold = ORDER[level];
  }
  setFormat(format: LogFormat): void {
    this.format = format;
  }
  /** Values that must never appear in a log line (upstream keys, client keys). */
  setSecrets(secrets: Iterable<string | undefined>): void {
    const out = new Set<string>();
    for (const s of secrets) if (s && s.length >= MIN_SECRET_LENGTH) out.add(s);
    this.secrets = [...out];
    this.shortestSecret = Math.min(...this.secrets.map((s) => s.length));
  }
  enabled(level: LogLevel): boolean {
    return ORDER[level] >= this.threshold;
  }
  debug(msg: string, fields?: LogFields): void {
    this.write('debug', msg, fields);
  }
  info(msg: string, fields?: LogFields): void {
    this.write('info', msg, fields);
  }
  warn(msg: string, fields?: LogFields): void {
    this.write('warn', msg, fields);
  }
  error(msg: string, fields?: LogFields): void {
    this.write('error', msg, fields);
  }
  private write(level: LogLevel, msg: string, fields?: LogFields): void {
    if (ORDER[level] < this.threshold) return;
    // A request's own line names its id explicitly (it may be written from a stream callback, outside the scope).
    const rid = fields?.rid === undefined ? currentRequest()?.id : undefined;
    this.sink(this.format === 'json' ? jsonLine(level, msg, rid, fields, this.clean) : textLine(level, msg, rid, fields, this.clean));
  }

  /**
   * A text with every secret blanked out. Applied to the message and each string value before they
   * are put together: short flat strings are cheap to search, where searching the finished line meant
   * flattening it first, on every line (about a tenth of a relayed request's own JavaScript).
   */
  private readonly clean = (text: string): string => {
    // Most values (methods, protocols, names, ids) are shorter than any secret.
    return text.length < this.shortestSecret ? text : blankOut(text, this.secrets);
  };
}

/** Longest a log line waits to be written. */
const FLUSH_MS = 20;
/** Buffered text beyond which lines are written at once. */
const FLUSH_BYTES = 64 * 1024;

/**
 * Lines written to stderr in batches (every FLUSH_MS, or sooner when FLUSH_BYTES are waiting) instead
 * of one write per line: under load the write system call was the largest single cost of a relayed
 * request (a write per event-loop turn still cost about a tenth of its CPU). Flushed synchronously at
 * exit, so a last line before a crash or a shutdown is not lost.
 */
export function stderrSink(): (line: string) => void {
  let pending = '';
  let timer: ReturnType<typeof setTimeout> | undefined;
  const flush = (): void => {
    if (timer !== undefined) clearTimeout(timer);
    timer = undefined;
    if (!pending) return;
    const out = pending;
    pending = '';
    try {
      writeSync(2, out);
    } catch {
      // stderr gone (closed pipe): nothing sensible to do with a log line.
    }
  };
  process.on('exit', flush);
  return (line) => {
    pending += line + '\n';
    if (pending.length >= FLUSH_BYTES) flush();
    else if (timer === undefined) {
      timer = setTimeout(flush, FLUSH_MS);
      // The exit handler writes what is left; a pending batch must not hold the process open.
      timer.unref?.();
    }
  };
}

const LEVEL_TEXT: Record<LogLevel, string> = { debug: 'DEBUG', info: 'INFO ', warn: 'WARN ', error: 'ERROR' };

// Many lines share a millisecond under load; formatting the time once per millisecond is enough.
let stampMs = -1;
let stampText = '';
function timestamp(): string {
  const now = Date.now();
  if (now !== stampMs) {
    stampMs = now;
    stampText = new Date(now).toISOString();
  }
  return stampText;
}

/** Field names are the code's own; messages and string values may carry anything and are cleaned. */
type Clean = (text: string) => string;

function textLine(level: LogLevel, msg: string, rid: string | undefined, fields: LogFields | undefined, clean: Clean): string {
  let line = `${timestamp()} ${LEVEL_TEXT[level]} ${clean(msg)}`;
  if (rid !== undefined) line += ` rid=${clean(rid)}`;
  if (fields) {
    for (const k in fields) {
      const v = fields[k];
      if (v === undefined || v === null) continue;
      if (typeof v !== 'string') {
        line += ` ${k}=${v}`;
        continue;
      }
      const s = clean(v);
      line += ` ${k}=${NEEDS_QUOTES.test(s) ? JSON.stringify(s) : s}`;
    }
  }
  return line;
}

function jsonLine(level: LogLevel, msg: string, rid: string | undefined, fields: LogFields | undefined, clean: Clean): string {
  const entry: Record<string, unknown> = { time: timestamp(), level, msg: clean(msg) };
  if (rid !== undefined) entry.rid = clean(rid);
  if (fields) {
    for (const k in fields) {
      const v = fields[k];
      // The entry's own keys win: a field must not be able to forge the level or the message.
      if (v !== undefined && v !== null && !(k in entry)) entry[k] = typeof v === 'string' ? clean(v) : v;
    }
  }
  return JSON.stringify(entry);
}
