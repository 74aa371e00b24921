import { appendFile, rename, stat } from 'node:fs/promises';

/**
 * An append-only text file that rotates by size: `file` → `file.1` → … → `file.<keep>`, the oldest
 * dropped. Writes are queued so lines never interleave and the event loop never blocks on disk.
 */
export class RotatingFile {
  private size = -1;
  private queue: Promise<void> = Promise.resolve();

  constructor(
    readonly path: string,
    private readonly maxBytes = 10 * 1024 * 1024,
    private readonly keep = 5,
    private readonly onError: (e: unknown) => void = () => {},
  ) {}

  append(text: string): void {
    this.queue = this.queue.then(() => this.write(text)).catch(this.onError);
  }

  /** Resolves when everything appended so far is on disk. */
  flush(): Promise<void> {
    return this.queue;
  }

  private async write(text: string): Promise<void> {
    if (this.size < 0) this.size = await stat(this.path).then((s) => s.size, () => 0);
    const bytes = Buffer.byteLength(text);
    if (this.size > 0 && this.size + bytes > this.maxBytes) await this.rotate();
    await appendFile(this.path, text, { mode: 0o600 });
    this.size += bytes;
  }

  private async rotate(): Promise<void> {
    for (let i = this.keep - 1; i >= 1; i--) await rename(`${this.path}.${i}`, `${this.path}.${i + 1}`).catch(() => {});
    await rename(this.path, `${this.path}.1`).catch(() => {});
    this.size = 0;
  }
}
