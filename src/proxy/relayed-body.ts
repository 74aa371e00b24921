import { bodyStalled, brokeOff } from '../upstream/fetch.ts';

/** What is used of a body's reader (Bun's own and the web's reader types differ). */
export interface BodyReader {
  read(): Promise<{ done: true; value?: Uint8Array } | { done: false; value: Uint8Array }>;
  cancel(reason?: unknown): Promise<void>;
}

/**
 * A relayed whole answer's body, passed on as it comes and watched to its end: `ended` is told how it
 * ended (no error: whole; 'client disconnected'; else why the upstream broke off or went quiet), once.
 * Once the 200's head is out the client can get no other status, but the request's log line, the
 * metrics and the member's outcome must not count a cut answer as a success, as they do not for a cut
 * stream. A body silent for `idleMs` (0 = never) is given up, as a read whole is. `held`: bytes already
 * read from `reader`, sent first.
 */
export function watchedBody(
  res: Response,
  reader: BodyReader,
  held: Uint8Array | undefined,
  idleMs: number,
  ended: (error?: string) => void,
): ReadableStream<Uint8Array> {
  let size = 0;
  let over = false;
  let stalled = false;
  // Runs only while a read waits on the upstream: a client slow to take the answer is no upstream silence.
  let timer: ReturnType<typeof setTimeout> | undefined;
  const end = (error?: string): void => {
    if (over) return;
    over = true;
    clearTimeout(timer);
    ended(error);
  };
  return new ReadableStream<Uint8Array>({
    async pull(controller) {
      if (held) {
        size += held.byteLength;
        controller.enqueue(held);
        held = undefined;
        return;
      }
      let chunk: Awaited<ReturnType<BodyReader['read']>>;
      if (idleMs > 0) timer = setTimeout(() => ((stalled = true), reader.cancel().catch(() => {})), idleMs);
      try {
        chunk = await reader.read();
      } catch (e) {
        const error = stalled ? bodyStalled(idleMs) : brokeOff(res, e, size);
        end(error.message);
        controller.error(error);
        return;
      } finally {
        clearTimeout(timer);
      }
      if (stalled) {
        const error = bodyStalled(idleMs);
        end(error.message);
        controller.error(error);
      } else if (chunk.done) {
        end();
        controller.close();
      } else {
        size += chunk.value.byteLength;
        controller.enqueue(chunk.value);
      }
    },
    cancel(reason) {
      end('client disconnected');
      return reader.cancel(reason).catch(() => {});
    },
  });
}
