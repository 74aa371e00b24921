import { existsSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { rm, writeFile } from 'node:fs/promises';
import type { ProviderName } from '../config/providers.ts';
import type { Logger } from '../util/log.ts';
import { replaceFile, replaceFileSync } from '../util/replace-file.ts';
import type { MemberState } from './member.ts';
import type { Pool } from './pool.ts';

const SAVE_EVERY_MS = 5_000;

/** What runs as the process exits: one listener for every state file in use, however many reloads. */
const atExit = new Set<() => void>();
let exitHooked = false;
function onExit(fn: () => void): () => void {
  if (!exitHooked) {
    exitHooked = true;
    process.on('exit', () => {
      for (const f of atExit) f();
    });
  }
  atExit.add(fn);
  return () => atExit.delete(fn);
}

/** The platform and renames the saves use; a test puts in a rename that fails as Windows' does. */
export interface StateFileIo {
  platform?: NodeJS.Platform;
  rename?: (from: string, to: string) => Promise<void>;
  renameSync?: (from: string, to: string) => void;
}

type Saved = Record<string, Record<string, MemberState & { fingerprint: string }>>;

/**
 * The save under way per file. A reload stops the old configuration's saver (which saves once more) and
 * starts the new one's, so two reloads in quick succession (a config tool sending SIGHUP per change)
 * had two saves of one file at once, sharing its temporary file: one renamed the other's into place (which
 * may not be fully written yet), and the other failed with "could not save pool state: ENOENT". Saves of a
 * file take turns.
 */
const saving = new Map<string, Promise<void>>();

/**
 * Member health in a file of its own (pool.state_file), so cooldowns survive a restart. The user's
 * config and pool files are never written. Saved every few seconds when something changed, atomically,
 * and once more as the process exits.
 */
export function persistPoolState(path: string, pools: ReadonlyMap<ProviderName, Pool>, log: Logger, io: StateFileIo = {}): () => void {
  restore(path, pools, log);
  /** What the file holds: set only once a write succeeded, so a failed one is tried again. */
  let last = '';
  /** The reason the last write failed: a retry every few seconds that fails alike says nothing new. */
  let failing: string | undefined;
  const failed = (e: unknown): void => {
    const reason = (e as Error).message;
    if (reason !== failing) log.warn('could not save pool state', { file: path, reason });
    failing = reason;
  };
  /** The state as it would be written, or undefined when the file already holds it. */
  const changed = (): string | undefined => {
    const data: Saved = {};
    for (const [name, pool] of pools) {
      data[name] = {};
      for (const m of pool.members) data[name]![m.name] = { ...m.state, fingerprint: m.spec.fingerprint };
    }
    const text = JSON.stringify(data);
    return text === last ? undefined : text;
  };
  const save = (): Promise<void> => {
    // Chained on whatever save of this file is under way, and the state read when its turn comes.
    const run = (saving.get(path) ?? Promise.resolve()).then(write);
    saving.set(path, run);
    void run.finally(() => {
      if (saving.get(path) === run) saving.delete(path);
    });
    return run;
  };
  const write = async (): Promise<void> => {
    const text = changed();
    if (text === undefined) return;
    try {
      // A file already there keeps its own mode: a stray one (not ours) goes first, so the state is 0600.
      await rm(`${path}.tmp`, { force: true });
      await writeFile(`${path}.tmp`, text, { mode: 0o600 });
      // On Windows a virus scanner opening the fresh file makes the rename fail for a moment: tried again.
      await replaceFile(`${path}.tmp`, path, io.platform, io.rename);
      last = text;
      failing = undefined;
    } catch (e) {
      failed(e);
    }
  };
  // A shutdown ends in process.exit, where nothing asynchronous runs: what changed since the last
  // periodic save (the rate limit that prompted the restart) is written here, synchronously.
  const saveAtExit = (): void => {
    const text = changed();
    if (text === undefined) return;
    try {
      rmSync(`${path}.tmp`, { force: true });
      writeFileSync(`${path}.tmp`, text, { mode: 0o600 });
      // The same pauses, blocking: the last save is the one a restart needs most.
      replaceFileSync(`${path}.tmp`, path, io.platform, io.renameSync);
      last = text;
    } catch (e) {
      failed(e);
    }
  };
  const timer = setInterval(() => void save(), SAVE_EVERY_MS);
  timer.unref?.();
  const unhook = onExit(saveAtExit);
  return () => {
    clearInterval(timer);
    unhook();
    void save();
  };
}

function restore(path: string, pools: ReadonlyMap<ProviderName, Pool>, log: Logger): void {
  if (!existsSync(path)) return;
  try {
    const saved = JSON.parse(readFileSync(path, 'utf8')) as Saved;
    for (const [name, pool] of pools) {
      for (const m of pool.members) {
        // A reload starts these tasks again: a member that went on from the running one knows better than the file.
        if (m.carriedOver) continue;
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
