/**
 * scripts/build/macho-sign.ts: the ad-hoc signature the build gives a macOS executable whose signature
 * Bun left stale (darwin-x64 keeps the Bun runtime's, deepcoldy/botmux#1287), checked on a small
 * Mach-O made here and, after `bun run build`, on the darwin executables in dist/.
 */
import { describe, expect, test } from 'bun:test';
import { existsSync } from 'node:fs';
import { join } from 'node:path';
import { TARGETS } from '../../scripts/build.ts';
import { adhocSign, signatureProblem } from '../../scripts/build/macho-sign.ts';

const TEXT_SIZE = 0x8000;
const LINKEDIT_DATA = 100;

/**
 * A thin x86_64 executable: __TEXT (32 KiB of varied bytes), __LINKEDIT with some data and then a
 * signature of `sigSize` bytes that vouches for nothing, standing for the stale one of Bun's darwin-x64 output.
 */
function machO(sigSize = 64): Buffer {
  const dataoff = TEXT_SIZE + LINKEDIT_DATA + 12; // 16-aligned
  const b = Buffer.alloc(dataoff + sigSize);
  for (let i = 0; i < TEXT_SIZE; i++) b[i] = (i * 7919) & 0xff;
  const cmds = 32;
  b.writeUInt32LE(0xfeedfacf, 0);
  b.writeUInt32LE(0x01000007, 4);
  b.writeUInt32LE(3, 8);
  b.writeUInt32LE(2, 12); // MH_EXECUTE
  b.writeUInt32LE(3, 16);
  b.writeUInt32LE(72 + 72 + 16, 20);
  b.writeUInt32LE(0, 24);
  b.writeUInt32LE(0, 28);
  const segment = (at: number, name: string, vmaddr: bigint, vmsize: number, fileoff: number, filesize: number): void => {
    b.writeUInt32LE(0x19, at);
    b.writeUInt32LE(72, at + 4);
    b.fill(0, at + 8, at + 24);
    b.write(name, at + 8, 'latin1');
    b.writeBigUInt64LE(vmaddr, at + 24);
    b.writeBigUInt64LE(BigInt(vmsize), at + 32);
    b.writeBigUInt64LE(BigInt(fileoff), at + 40);
    b.writeBigUInt64LE(BigInt(filesize), at + 48);
    b.writeUInt32LE(0, at + 64); // nsects
  };
  segment(cmds, '__TEXT', 0x100000000n, TEXT_SIZE, 0, TEXT_SIZE);
  segment(cmds + 72, '__LINKEDIT', 0x100008000n, 0x4000, TEXT_SIZE, b.length - TEXT_SIZE);
  b.writeUInt32LE(0x1d, cmds + 144);
  b.writeUInt32LE(16, cmds + 148);
  b.writeUInt32LE(dataoff, cmds + 152);
  b.writeUInt32LE(sigSize, cmds + 156);
  b.fill(0x5a, TEXT_SIZE, dataoff);
  // A SuperBlob with nothing in it: a signature that vouches for none of the pages.
  b.writeUInt32BE(0xfade0cc0, dataoff);
  b.writeUInt32BE(sigSize, dataoff + 4);
  b.writeUInt32BE(0, dataoff + 8);
  return b;
}

const segmentSizes = (b: Buffer, at: number) => ({ vmsize: Number(b.readBigUInt64LE(at + 32)), filesize: Number(b.readBigUInt64LE(at + 48)) });

describe('ad-hoc signing of a macOS executable', () => {
  test('a stale signature is found, and the new one covers every page up to it', () => {
    const stale = machO();
    expect(signatureProblem(stale)).toBe('no code directory');
    const signed = adhocSign(stale);
    expect(signatureProblem(signed)).toBeUndefined();
    // The code is as it was; the signature starts where the old one did and ends the file.
    expect(signed.subarray(32 + 160, TEXT_SIZE).equals(stale.subarray(32 + 160, TEXT_SIZE))).toBe(true);
    const dataoff = signed.readUInt32LE(32 + 152);
    const datasize = signed.readUInt32LE(32 + 156);
    expect(dataoff).toBe(stale.readUInt32LE(32 + 152));
    expect(dataoff + datasize).toBe(signed.length);
    // One CodeDirectory: 88-byte header, "a.out\0", one SHA-256 per 4 KiB page.
    const pages = Math.ceil(dataoff / 4096);
    expect(datasize).toBe(20 + 88 + 6 + pages * 32);
    expect(signed.readUInt32BE(dataoff + 20)).toBe(0xfade0c02);
    expect(signed.readUInt32BE(dataoff + 20 + 12)).toBe(0x20002); // adhoc, linker-signed: no certificate
    expect(signed.readUInt32BE(dataoff + 20 + 28)).toBe(pages);
    // __LINKEDIT grew to hold it, its size in memory to a 16 KiB multiple.
    const linkedit = segmentSizes(signed, 32 + 72);
    expect(linkedit.filesize).toBe(signed.length - TEXT_SIZE);
    expect(linkedit.vmsize % 0x4000).toBe(0);
    expect(linkedit.vmsize).toBeGreaterThanOrEqual(linkedit.filesize);
  });

  test('signing again changes nothing, and a page changed afterwards is caught', () => {
    const signed = adhocSign(machO());
    expect(adhocSign(signed).equals(signed)).toBe(true);
    const tampered = Buffer.from(signed);
    tampered[5000] = tampered[5000]! ^ 1;
    expect(signatureProblem(tampered)).toMatch(/^1 of \d+ pages do not match their hashes$/);
  });

  test('a signature that is not ad hoc is a problem even when its pages match (a certificate signed other hashes)', () => {
    const signed = adhocSign(machO());
    const dataoff = signed.readUInt32LE(32 + 152);
    const certified = Buffer.from(signed);
    certified.writeUInt32BE(signed.readUInt32BE(dataoff + 20 + 12) & ~0x2, dataoff + 20 + 12);
    expect(signatureProblem(certified)).toMatch(/not ad hoc/);
    expect(signatureProblem(adhocSign(certified))).toBeUndefined();
  });

  test('a signature larger than needed shrinks with the file', () => {
    const big = machO(64 * 1024);
    const signed = adhocSign(big);
    expect(signatureProblem(signed)).toBeUndefined();
    expect(signed.length).toBeLessThan(big.length);
    expect(segmentSizes(signed, 32 + 72).filesize).toBe(signed.length - TEXT_SIZE);
  });

  test('what is not a 64-bit Mach-O executable is refused, not rewritten', () => {
    expect(() => adhocSign(Buffer.from('MZ not a Mach-O file at all, long enough to read a header'))).toThrow('not a thin 64-bit little-endian Mach-O file');
    expect(signatureProblem(Buffer.alloc(16))).toBe('not a thin 64-bit little-endian Mach-O file');
  });
});

// After `bun run build`: what would be released for macOS must pass the page check macOS makes.
const DARWIN = Object.values(TARGETS)
  .filter((t) => t.bun.startsWith('bun-darwin-'))
  .map((t) => join(import.meta.dir, '../../dist', t.file));
describe.skipIf(!DARWIN.some((f) => existsSync(f)))('darwin executables in dist/', () => {
  test.each(DARWIN.filter((f) => existsSync(f)))('%s is validly signed', async (file) => {
    expect(signatureProblem(new Uint8Array(await Bun.file(file).arrayBuffer()))).toBeUndefined();
  });
});
