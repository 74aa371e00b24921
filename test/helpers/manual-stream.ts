/** Streams a test drives by hand, so that something (a cut, a disconnect) can land between any two chunks. */

export const bytes = (s: string): Uint8Array => new TextEncoder().encode(s);

/** A source the test feeds chunk by chunk; `cancelled()` tells whether its reader gave up on it. */
export function manualSource() {
  let ctl!: ReadableStreamDefaultController<Uint8Array>;
  let cancelled = false;
  const stream = new ReadableStream<Uint8Array>({
    start(c) {
      ctl = c;
    },
    cancel() {
      cancelled = true;
    },
  });
  return { stream, push: (s: string) => ctl.enqueue(bytes(s)), close: () => ctl.close(), cancelled: () => cancelled };
}

/** Reads exactly n chunks and returns their text. */
export async function readChunks(reader: { read(): Promise<{ value?: Uint8Array }> }, n: number): Promise<string> {
  let out = '';
  for (let i = 0; i < n; i++) {
    const { value } = await reader.read();
    out += new TextDecoder().decode(value);
  }
  return out;
}

/** Reads to the end (at most `maxReads` chunks, then fails) and returns the text. */
export async function readRest(reader: { read(): Promise<{ done: boolean; value?: Uint8Array }> }, maxReads = 100): Promise<string> {
  const decoder = new TextDecoder();
  let out = '';
  for (let i = 0; i < maxReads; i++) {
    const { done, value } = await reader.read();
    if (done) return out + decoder.decode();
    out += decoder.decode(value, { stream: true });
  }
  throw new Error('stream did not end');
}
