import { changedKeys } from '../config/diff.ts';
import type { Config } from '../config/types.ts';
import type { Logger } from '../util/log.ts';
import { systemPromptFor } from './system-prompt.ts';

/** Settings read only when the listener is created. */
const RESTART_KEYS = new Set(['host', 'port']);

export interface Reloadable {
  readonly context: { config: Config };
  reload(next: Config): void;
}

export type ReloadResult = { ok: true; changed: string[] } | { ok: false; reason: string };

/**
 * SIGHUP: reads the configuration again from the same flags, environment and file as at start-up. A
 * new file that does not load is rejected as a whole and the running configuration keeps serving. The
 * log names changed keys only, never values, so a rotated secret does not end up in a log.
 */
export function reloadConfig(app: Reloadable, load: () => Config, log: Logger): ReloadResult {
  const prev = app.context.config;
  const reject = (reason: string): ReloadResult => {
    log.error('config reload rejected; the previous configuration keeps serving', { reason });
    return { ok: false, reason };
  };
  let next: Config;
  try {
    next = load();
  } catch (e) {
    return reject(e instanceof Error ? e.message : String(e));
  }
  // The default ./config.yaml may be absent at start-up, but vanishing later is a mistake, not "use defaults".
  if (prev.configFile && !next.configFile) return reject(`config file ${prev.configFile} is gone`);

  const changed = changedKeys(prev, next);
  // The prompt file's name may stay while its text changed, or the file went: a change all the same.
  if (next.systemPromptFile && !changed.includes('system_prompt_file')) {
    try {
      if (systemPromptFor(next)?.text !== systemPromptFor(prev)?.text) changed.push('system_prompt_file');
    } catch (e) {
      return reject(e instanceof Error ? e.message : String(e));
    }
  }
  if (changed.length === 0) {
    log.info('config reloaded: nothing changed', { file: next.configFile ?? 'none' });
    return { ok: true, changed };
  }
  const applied = changed.filter((k) => !RESTART_KEYS.has(k));
  const needRestart = changed.filter((k) => RESTART_KEYS.has(k));
  if (applied.length > 0) {
    try {
      // The served config keeps the address actually listened on, so a later reload still sees the difference.
      app.reload({ ...next, host: prev.host, port: prev.port });
    } catch (e) {
      return reject(e instanceof Error ? e.message : String(e));
    }
    log.info('config reloaded', { file: next.configFile ?? 'none', changed: applied.join(',') });
  }
  if (needRestart.length > 0) {
    log.warn(`${needRestart.join(' and ')} changed: that takes a restart; still listening on the old address`, {
      host: prev.host,
      port: prev.port,
    });
  }
  return { ok: true, changed: applied };
}
