import { chmod, chown, mkdir, open, realpath, stat, unlink } from 'node:fs/promises';
import { basename, dirname, join } from 'node:path';
import { randomId } from '../../core/ids.ts';
import { replaceFile } from '../../util/replace-file.ts';

export interface AtomicWriteOptions {
  /** Permission bits for the file. Default: those of the file being replaced, else 0600. */
  mode?: number;
  /** Create missing parent directories (with 0700: they hold secrets). */
  makeDir?: boolean;
  /**
   * Only replace a file that is there; a missing one is an ENOENT error, never created. Deleting the file
   * means something (the Gemini CLI's logout deletes its credentials) that a write-back must not undo.
   */
  replaceOnly?: boolean;
}

const missing = (path: string): Error => Object.assign(new Error(`${path} no longer exists`), { code: 'ENOENT' });

/**
 * Replaces a file so that a reader (the Gemini CLI, a restarted proxy) sees either the old or the new
 * content, never a half-written one: write a temporary file in the same directory, flush it, rename it
 * over the target. A symlinked target is followed, so the link keeps pointing at the updated file.
 */
export async function writeFileAtomic(path: string, text: string, opts: AtomicWriteOptions = {}): Promise<void> {
  const target = await realpath(path).catch(() => path);
  const dir = dirname(target);
  if (opts.makeDir) await mkdir(dir, { recursive: true, mode: 0o700 });
  const existing = await stat(target).catch(() => undefined);
  if (opts.replaceOnly && !existing) throw missing(path);
  const mode = opts.mode ?? (existing ? existing.mode & 0o777 : 0o600);
  const tmp = join(dir, `.${basename(target)}.${process.pid}.${randomId(8)}.tmp`);
  const handle = await open(tmp, 'wx', mode);
  try {
    try {
      await handle.writeFile(text, 'utf8');
      await handle.sync();
    } finally {
      await handle.close();
    }
    // The umask may have narrowed the mode given to open(); the copy must match the original exactly.
    await chmod(tmp, mode);
    // The copy is created as whoever runs aiproxy; as root (a container over the user's ~/.gemini) it would
    // leave the Gemini CLI a 0600 file it cannot read. Only root may give a file away; others keep theirs.
    if (existing) await chown(tmp, existing.uid, existing.gid).catch(() => {});
    // Checked again after the slow part (the flush). Node has no rename that fails on a missing target, so
    // a deletion in the few microseconds before the rename can still lose; that is as close as it gets.
    if (opts.replaceOnly && !(await stat(target).catch(() => undefined))) throw missing(path);
    await replaceFile(tmp, target);
  } catch (e) {
    await unlink(tmp).catch(() => {});
    throw e;
  }
}
