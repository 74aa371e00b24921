import { renameSync } from 'node:fs';
import { rename } from 'node:fs/promises';

/** The codes Windows gives a rename while another program (a virus scanner, an indexer) has either file open. */
const HELD_OPEN = new Set(['EPERM', 'EACCES', 'EBUSY']);
/** Pauses between attempts: about 1.5 s in all, the time a scan of a small file on close takes. */
const RETRY_DELAYS_MS = [10, 40, 100, 300, 1000];

/** How long to wait before trying a failed rename again, or undefined when its error stands. */
function retryDelay(e: unknown, attempt: number, platform: NodeJS.Platform): number | undefined {
  const code = (e as { code?: unknown } | null)?.code;
  if (platform !== 'win32' || attempt >= RETRY_DELAYS_MS.length || typeof code !== 'string' || !HELD_OPEN.has(code)) return undefined;
  return RETRY_DELAYS_MS[attempt];
}

/**
 * rename(from, to) over an existing file. On Windows it fails with EPERM, EACCES or EBUSY while another
 * process holds either file open without sharing deletion: Defender or an indexer opening the freshly
 * closed temporary file, for one (YuGiMob/pi-hashline-edit-pro#16, npm/write-file-atomic#28). Such a
 * hold is brief, so there it is tried again a few times before the error stands; elsewhere a rename
 * replaces an open file, and an error is final.
 */
export async function replaceFile(
  from: string,
  to: string,
  platform: NodeJS.Platform = process.platform,
  move: (from: string, to: string) => Promise<void> = rename,
): Promise<void> {
  for (let attempt = 0; ; attempt++) {
    try {
      return await move(from, to);
    } catch (e) {
      const delay = retryDelay(e, attempt, platform);
      if (delay === undefined) throw e;
      await Bun.sleep(delay);
    }
  }
}

/** replaceFile for where nothing asynchronous runs (a process 'exit' listener): the pauses block. */
export function replaceFileSync(
  from: string,
  to: string,
  platform: NodeJS.Platform = process.platform,
  move: (from: string, to: string) => void = renameSync,
): void {
  for (let attempt = 0; ; attempt++) {
    try {
      return move(from, to);
    } catch (e) {
      const delay = retryDelay(e, attempt, platform);
      if (delay === undefined) throw e;
      Bun.sleepSync(delay);
    }
  }
}
