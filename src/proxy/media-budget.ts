import { ProxyError } from '../core/errors.ts';

/** One URL's download, ready to inline: the base64 text is shared by every part (and attempt) carrying it. */
export interface Fetched {
  /** As served, or as the bytes say; undefined leaves the client's guess. */
  mediaType: string | undefined;
  data: string;
  /** Raw bytes, for the budget of an attempt that finds it already fetched. */
  size: number;
}

/**
 * Downloads per client request. A WeakMap so that nothing has to clear it: the entry goes when the
 * request object does, and a request's failover attempts (each decoding the body again) find it.
 */
export const fetchedFor = new WeakMap<object, Map<string, Promise<Fetched>>>();

/** The bytes one request's media URLs may add, counted as they arrive. */
export class MediaBudget {
  private used = 0;

  constructor(readonly limit: number) {}

  /** The budget as seen by one URL that `copies` parts carry: each of its bytes is sent that many times. */
  share(copies: number): { take(n: number): void; fits(n: number): boolean; exceeded(): ProxyError } {
    return {
      take: (n) => {
        this.used += n * copies;
        if (this.used > this.limit) throw this.exceeded();
      },
      fits: (n) => this.used + n * copies <= this.limit,
      exceeded: () => this.exceeded(),
    };
  }

  private exceeded(): ProxyError {
    return new ProxyError({
      kind: 'invalid_request',
      message: `media URLs in one request may add at most ${size(this.limit)} (Gemini's inline limit); this one needs more`,
    });
  }
}

function size(bytes: number): string {
  return bytes % (1024 * 1024) === 0 ? `${bytes / (1024 * 1024)} MB` : `${bytes} bytes`;
}

/**
 * Runs the jobs at most `limit` at a time. The first failure starts no further job, calls `onFailure`
 * (which aborts those running) and is thrown once they have all settled, so none is left reading.
 */
export async function runLimited(jobs: Array<() => Promise<void>>, limit: number, onFailure: () => void): Promise<void> {
  let next = 0;
  let failed = false;
  let failure: unknown;
  const worker = async (): Promise<void> => {
    while (!failed && next < jobs.length) {
      const job = jobs[next++]!;
      try {
        await job();
      } catch (e) {
        if (!failed) {
          failed = true;
          failure = e;
          onFailure();
        }
      }
    }
  };
  await Promise.all(Array.from({ length: Math.min(limit, jobs.length) }, worker));
  if (failed) throw failure;
}
