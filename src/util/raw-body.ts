/**
 * A client's body searched where it lies, before any JSON is walked: most requests hold nothing a
 * repair needs, and those go on as they came. Bytes are searched natively, without decoding them.
 */

/** The bytes as a Buffer view (no copy); a string, encoded. */
export function bytesOf(raw: string | Uint8Array): Buffer {
  return typeof raw === 'string' ? Buffer.from(raw) : Buffer.from(raw.buffer, raw.byteOffset, raw.byteLength);
}

/** Whether the body holds `needle`: a string as it is, bytes through a view. */
export function bodyHolds(raw: string | Uint8Array, needle: string): boolean {
  return typeof raw === 'string' ? raw.includes(needle) : bytesOf(raw).includes(needle);
}
