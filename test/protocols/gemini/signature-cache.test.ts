import { beforeEach, describe, expect, test } from 'bun:test';
import {
  SIGNATURE_CACHE_LIMIT,
  clearSignatureCache,
  recallSignature,
  rememberSignature,
} from '../../../src/protocols/gemini/signature-cache.ts';

beforeEach(() => clearSignatureCache());

describe('signature cache', () => {
  test('remembers and evicts the oldest beyond its bound', () => {
    for (let i = 0; i < SIGNATURE_CACHE_LIMIT + 5; i++) rememberSignature(`id${i}`, `sig${i}`);
    expect(recallSignature('id0')).toBeUndefined();
    expect(recallSignature('id4')).toBeUndefined();
    expect(recallSignature('id5')).toBe('sig5');
    expect(recallSignature(`id${SIGNATURE_CACHE_LIMIT + 4}`)).toBe(`sig${SIGNATURE_CACHE_LIMIT + 4}`);
  });

  test('re-remembering an id keeps it young', () => {
    rememberSignature('keep', 'a');
    for (let i = 0; i < SIGNATURE_CACHE_LIMIT - 1; i++) rememberSignature(`id${i}`, 's');
    rememberSignature('keep', 'b');
    rememberSignature('one-more', 's');
    expect(recallSignature('keep')).toBe('b');
    expect(recallSignature('id0')).toBeUndefined();
  });
});
