/**
 * The ad-hoc code signature of a macOS executable, made again over its final bytes. macOS checks each
 * page of a signed executable against the hashes in its signature: on Apple Silicon a mismatch kills
 * the process at start (exit 137), and Gatekeeper calls a downloaded one damaged. Bun 1.4.5 cross-compiling
 * for darwin-x64 appends the program to its runtime but leaves the runtime's own signature in place
 * (Bun's Developer ID, hardened runtime, hashes of the runtime alone), which then matches nothing
 * (deepcoldy/botmux#1287); its darwin-arm64 output is validly signed. No certificate is involved:
 * an ad-hoc signature is the page hashes themselves, which is what `codesign --sign -` writes and
 * what Bun writes for arm64, so this can run on any build machine.
 *
 * Only what a thin 64-bit little-endian Mach-O executable needs: a SuperBlob with one CodeDirectory
 * (version 0x20400, SHA-256, 4 KiB pages, adhoc + linker-signed, the executable segment of __TEXT),
 * laid out as Bun lays out its arm64 one, so that file comes out byte for byte as Bun wrote it.
 */

const MH_MAGIC_64 = 0xfeedfacf;
const MH_EXECUTE = 2;
const LC_SEGMENT_64 = 0x19;
const LC_CODE_SIGNATURE = 0x1d;
const CSMAGIC_EMBEDDED_SIGNATURE = 0xfade0cc0;
const CSMAGIC_CODEDIRECTORY = 0xfade0c02;
const CSSLOT_CODEDIRECTORY = 0;
const CS_ADHOC = 0x2;
const CS_LINKER_SIGNED = 0x20000;
const CS_EXECSEG_MAIN_BINARY = 0x1;
const CS_HASHTYPE_SHA256 = 2;
const PAGE_SHIFT = 12;
const PAGE = 1 << PAGE_SHIFT;
const HASH_SIZE = 32;
/** A CodeDirectory of version 0x20400 (with the executable segment fields) has this fixed part. */
const CD_HEADER = 88;
/** __LINKEDIT's size in memory is kept a multiple of the largest page size macOS uses (16 KiB, arm64). */
const SEGMENT_ALIGN = 0x4000;

interface Layout {
  /** Offset of LC_CODE_SIGNATURE's dataoff field in the file. */
  sigCommand: number;
  dataoff: number;
  datasize: number;
  /** Offset of __LINKEDIT's segment_command_64 in the file. */
  linkedit: number;
  textFileoff: bigint;
  textFilesize: bigint;
  executable: boolean;
}

function layout(b: Buffer): Layout {
  if (b.length < 32 || b.readUInt32LE(0) !== MH_MAGIC_64) throw new Error('not a thin 64-bit little-endian Mach-O file');
  const ncmds = b.readUInt32LE(16);
  let off = 32;
  let sigCommand: number | undefined;
  let linkedit: number | undefined;
  let text: { fileoff: bigint; filesize: bigint } | undefined;
  for (let i = 0; i < ncmds; i++) {
    const cmd = b.readUInt32LE(off);
    const size = b.readUInt32LE(off + 4);
    if (size < 8 || off + size > b.length) throw new Error('malformed load commands');
    if (cmd === LC_CODE_SIGNATURE) sigCommand = off + 8;
    if (cmd === LC_SEGMENT_64) {
      const name = b.toString('latin1', off + 8, off + 24).replace(/\0+$/, '');
      if (name === '__LINKEDIT') linkedit = off;
      if (name === '__TEXT') text = { fileoff: b.readBigUInt64LE(off + 40), filesize: b.readBigUInt64LE(off + 48) };
    }
    off += size;
  }
  if (sigCommand === undefined) throw new Error('no LC_CODE_SIGNATURE load command to fill');
  if (linkedit === undefined || !text) throw new Error('no __LINKEDIT or __TEXT segment');
  const dataoff = b.readUInt32LE(sigCommand);
  const datasize = b.readUInt32LE(sigCommand + 4);
  const linkeditEnd = Number(b.readBigUInt64LE(linkedit + 40) + b.readBigUInt64LE(linkedit + 48));
  // The signature must be the last thing in the file and in __LINKEDIT, so it can grow.
  if (dataoff + datasize !== b.length || linkeditEnd !== b.length) throw new Error('the code signature is not at the end of the file');
  return { sigCommand, dataoff, datasize, linkedit, textFileoff: text.fileoff, textFilesize: text.filesize, executable: b.readUInt32LE(12) === MH_EXECUTE };
}

function codeDirectoryLength(codeLimit: number, identifier: string): number {
  return CD_HEADER + Buffer.byteLength(identifier) + 1 + Math.ceil(codeLimit / PAGE) * HASH_SIZE;
}

/**
 * `file`'s bytes with a fresh ad-hoc signature over everything before the signature's place (the code
 * limit, which stays where the build put it). The signature's space, __LINKEDIT and the file grow
 * or shrink to fit it.
 */
export function adhocSign(file: Uint8Array, identifier = 'a.out'): Buffer {
  const l = layout(Buffer.from(file.buffer, file.byteOffset, file.byteLength));
  const codeLimit = l.dataoff;
  const cdLength = codeDirectoryLength(codeLimit, identifier);
  const datasize = 12 + 8 + cdLength;
  const out = Buffer.alloc(codeLimit + datasize);
  out.set(file.subarray(0, codeLimit));

  // Load commands first: they lie in the first page, which the signature hashes.
  out.writeUInt32LE(datasize, l.sigCommand + 4);
  const linkeditFileoff = out.readBigUInt64LE(l.linkedit + 40);
  const filesize = BigInt(codeLimit + datasize) - linkeditFileoff;
  out.writeBigUInt64LE(filesize, l.linkedit + 48);
  const vmsize = out.readBigUInt64LE(l.linkedit + 32);
  if (vmsize < filesize) {
    const align = BigInt(SEGMENT_ALIGN);
    out.writeBigUInt64LE(((filesize + align - 1n) / align) * align, l.linkedit + 32);
  }

  const nCodeSlots = Math.ceil(codeLimit / PAGE);
  const ident = Buffer.from(`${identifier}\0`, 'latin1');
  let p = l.dataoff;
  // SuperBlob: magic, length, count, then one index entry (type, offset).
  out.writeUInt32BE(CSMAGIC_EMBEDDED_SIGNATURE, p);
  out.writeUInt32BE(datasize, p + 4);
  out.writeUInt32BE(1, p + 8);
  out.writeUInt32BE(CSSLOT_CODEDIRECTORY, p + 12);
  out.writeUInt32BE(20, p + 16);
  p += 20;
  const hashOffset = CD_HEADER + ident.length;
  out.writeUInt32BE(CSMAGIC_CODEDIRECTORY, p);
  out.writeUInt32BE(cdLength, p + 4);
  out.writeUInt32BE(0x20400, p + 8);
  out.writeUInt32BE(CS_ADHOC | CS_LINKER_SIGNED, p + 12);
  out.writeUInt32BE(hashOffset, p + 16);
  out.writeUInt32BE(CD_HEADER, p + 20); // identOffset
  out.writeUInt32BE(0, p + 24); // nSpecialSlots
  out.writeUInt32BE(nCodeSlots, p + 28);
  out.writeUInt32BE(codeLimit, p + 32);
  out.writeUInt8(HASH_SIZE, p + 36);
  out.writeUInt8(CS_HASHTYPE_SHA256, p + 37);
  out.writeUInt8(0, p + 38); // platform
  out.writeUInt8(PAGE_SHIFT, p + 39);
  // spare2, scatterOffset, teamOffset, spare3 and codeLimit64 stay 0.
  out.writeBigUInt64BE(l.textFileoff, p + 64); // execSegBase
  out.writeBigUInt64BE(l.textFilesize, p + 72); // execSegLimit
  out.writeBigUInt64BE(l.executable ? BigInt(CS_EXECSEG_MAIN_BINARY) : 0n, p + 80);
  out.set(ident, p + CD_HEADER);
  // The last page is hashed as far as the code limit, not padded.
  for (let i = 0; i < nCodeSlots; i++) {
    const hash = new Bun.CryptoHasher('sha256').update(out.subarray(i * PAGE, Math.min((i + 1) * PAGE, codeLimit))).digest();
    out.set(hash, p + hashOffset + i * HASH_SIZE);
  }
  return out;
}

/**
 * Why `file`'s signature would not pass macOS's check of its pages, or undefined when every page of the
 * code limit matches a SHA-256 CodeDirectory that reaches the signature itself.
 */
export function signatureProblem(file: Uint8Array): string | undefined {
  const b = Buffer.from(file.buffer, file.byteOffset, file.byteLength);
  let l: Layout;
  try {
    l = layout(b);
  } catch (e) {
    return (e as Error).message;
  }
  const sig = b.subarray(l.dataoff, l.dataoff + l.datasize);
  if (sig.length < 12 || sig.readUInt32BE(0) !== CSMAGIC_EMBEDDED_SIGNATURE) return 'no embedded signature';
  const count = sig.readUInt32BE(8);
  for (let i = 0; i < count; i++) {
    const at = sig.readUInt32BE(16 + 8 * i);
    if (sig.readUInt32BE(12 + 8 * i) !== CSSLOT_CODEDIRECTORY || sig.readUInt32BE(at) !== CSMAGIC_CODEDIRECTORY) continue;
    const cd = sig.subarray(at, at + sig.readUInt32BE(at + 4));
    const hashOffset = cd.readUInt32BE(16);
    const nCodeSlots = cd.readUInt32BE(28);
    const codeLimit = cd.readUInt32BE(32);
    if (cd[37] !== CS_HASHTYPE_SHA256 || cd[36] !== HASH_SIZE || cd[39] !== PAGE_SHIFT) return 'the code directory is not SHA-256 over 4 KiB pages';
    // A certificate's signature (Bun's runtime carries its Developer ID one) vouches for the code directory
    // it was made over: pages that match again after a rewrite would still fail its check.
    if ((cd.readUInt32BE(12) & CS_ADHOC) === 0) return 'the signature is not ad hoc (a certificate signed the code before the build changed it)';
    if (codeLimit !== l.dataoff) return `the signature covers ${codeLimit} bytes, the code runs to ${l.dataoff}`;
    let bad = 0;
    for (let i = 0; i < nCodeSlots; i++) {
      const hash = new Bun.CryptoHasher('sha256').update(b.subarray(i * PAGE, Math.min((i + 1) * PAGE, codeLimit))).digest();
      if (!hash.equals(cd.subarray(hashOffset + i * HASH_SIZE, hashOffset + (i + 1) * HASH_SIZE))) bad++;
    }
    return bad ? `${bad} of ${nCodeSlots} pages do not match their hashes` : undefined;
  }
  return 'no code directory';
}
