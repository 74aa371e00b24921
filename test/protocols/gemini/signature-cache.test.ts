import { beforeEach, describe, expect, test } from 'bun:test';
import type { Signature } from '../../../src/core/content.ts';
import {
  SIGNATURE_CACHE_LIMIT,
  clearSignatureCache,
  recallSignature,
  rememberSignature,
} from '../../../src/protocols/gemini/signature-cache.ts';

beforeEach(() => clearSignatureCache());

const gemini = (value: string): Signature => ({ family: 'gemini', value });

describe('signature cache', () => {
  test('remembers and evicts the oldest beyond its bound', () => {
    for (let i = 0; i < SIGNATURE_CACHE_LIMIT + 5; i++) rememberSignature(`id${i}`, gemini(`sig${i}`));
    expect(recallSignature('id0', 'gemini')).toBeUndefined();
    expect(recallSignature('id4', 'gemini')).toBeUndefined();
    expect(recallSignature('id5', 'gemini')).toBe('sig5');
    expect(recallSignature(`id${SIGNATURE_CACHE_LIMIT + 4}`, 'gemini')).toBe(`sig${SIGNATURE_CACHE_LIMIT + 4}`);
  });

  test('re-remembering an id keeps it young', () => {
    rememberSignature('keep', gemini('a'));
    for (let i = 0; i < SIGNATURE_CACHE_LIMIT - 1; i++) rememberSignature(`id${i}`, gemini('s'));
    rememberSignature('keep', gemini('b'));
    rememberSignature('one-more', gemini('s'));
    expect(recallSignature('keep', 'gemini')).toBe('b');
    expect(recallSignature('id0', 'gemini')).toBeUndefined();
  });

  test('a signature is recalled only for the backend that issued it: the Gemini API and Code Assist refuse each other\'s', () => {
    rememberSignature('from-api', gemini('API_SIG'));
    rememberSignature('from-code-assist', { family: 'code-assist', value: 'CA_SIG' });
    expect(recallSignature('from-api', 'gemini')).toBe('API_SIG');
    expect(recallSignature('from-api', 'code-assist')).toBeUndefined();
    expect(recallSignature('from-code-assist', 'code-assist')).toBe('CA_SIG');
    expect(recallSignature('from-code-assist', 'gemini')).toBeUndefined();
  });
});
