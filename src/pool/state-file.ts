import { existsSync, readFileSync } from 'node:fs';
import { rename, writeFile } from 'node:fs/promises';
import type { ProviderName } from '../config/providers.ts';
import type { Logger } from '../util/log.ts';
import type { MemberState } from './member.ts';
import type { Pool } from './pool.ts';

const SAVE_EVERY_MS = 5_000;

type Saved = Record<string, Record<string, MemberState & { fingerprint: string }>>;

/**
 * Member health in a file of its own (pool.state_file), so cooldowns survive a restart. The user's
 * config and pool files are never written. Saved every few seconds when something changed, atomically.
 */
export function persistPoolState(path: string, pools: ReadonlyMap<ProviderName, Pool>, log: Logger): () => void {
  restore(path, pools, log);
  let last = '';
  const save = async (): Promise<void> => {
    const data: Saved = {};
    for (const [name, pool] of pools) {
      data[name] = {};
      for (const m of pool.members) data[name]![m.name] = { ...m.state, fingerprint: m.spec.fingerprint };
    }
    const text = JSON.stringify(data);
    if (text === last) return;
    last = text;
    try {
      await writeFile(`${path}.tmp`, text, { mode: 0o600 });
      await rename(`${path}.tmp`, path);
    } catch (e) {
      log.warn('could not save pool state', { file: path, reason: (e as Error).message });
    }
  };
  const timer = setInterval(() => void save(), SAVE_EVERY_MS);
  timer.unref?.();
  return () => {
    clearInterval(timer);
    void save();
  };
}

function restore(path: string, pools: ReadonlyMap<ProviderName, Pool>, log: Logger): void {
  if (!existsSync(path)) return;
  try {
    const saved = JSON.parse(readFileSync(path, 'utf8')) as Saved;
    for (const [name, pool] of pools) {
      for (const m of pool.members) {
        const s = saved[name]?.[m.name];
        // Only the same account: a changed key starts fresh.
        if (s && s.fingerprint === m.spec.fingerprint) {
          const { fingerprint: _f, ...state } = s;
          m.state = { ...m.state, ...state, errors: Array.isArray(state.errors) ? state.errors : [] };
        }
      }
    }
  } catch (e) {
    log.warn('pool state file unreadable, starting fresh', { file: path, reason: (e as Error).message });
  }
}
