import type { LogLevel } from '../config/types.ts';

const ORDER: Record<LogLevel, number> = { debug: 10, info: 20, warn: 30, error: 40 };

export type LogFields = Record<string, string | number | boolean | undefined | null>;

/**
 * A small leveled logger writing one line per entry to stderr. Callers pass fields, never raw headers
 * or bodies, so a key cannot slip into a log line by accident.
 */
export class Logger {
  private threshold: number;
  constructor(level: LogLevel = 'info', private readonly sink: (line: string) => void = (l) => process.stderr.write(l + '\n')) {
    this.threshold = ORDER[level];
  }
  setLevel(level: LogLevel): void {
    this.threshold = ORDER[level];
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
    let line = `${new Date().toISOString()} ${level.toUpperCase().padEnd(5)} ${msg}`;
    if (fields) {
      for (const [k, v] of Object.entries(fields)) {
        if (v === undefined || v === null) continue;
        const s = String(v);
        line += ` ${k}=${/[\s"=]/.test(s) ? JSON.stringify(s) : s}`;
      }
    }
    this.sink(line);
  }
}
