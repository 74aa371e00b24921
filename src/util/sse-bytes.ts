/** Byte-level pieces of SSE framing, for code that looks at upstream bytes without decoding them. */

export const LF = 0x0a;
export const CR = 0x0d;

/** Where the line that goes on at `from` ends (its LF or CR), or -1 when the bytes' end cuts it. */
export function lineEnd(bytes: Buffer, from: number): number {
  const lf = bytes.indexOf(LF, from);
  const cr = bytes.indexOf(CR, from);
  return lf < 0 ? cr : cr < 0 ? lf : Math.min(lf, cr);
}

/** Where the line after the one at `from` starts (CRLF is one line end), or `bytes.length` when the bytes' end cuts that one. */
export function nextLine(bytes: Buffer, from: number): number {
  const end = lineEnd(bytes, from);
  if (end < 0) return bytes.length;
  return end + (bytes[end] === CR && bytes[end + 1] === LF ? 2 : 1);
}
