import { describe, expect, test } from 'bun:test';
import { readableToGemini } from '../../../src/protocols/gemini/own-calls.ts';
import type { GoogleFamily } from '../../../src/core/content.ts';
import { formatSignature } from '../../../src/protocols/gemini/signature.ts';

const SKIP = 'skip_thought_signature_validator';
const fc = (name: string, sig?: string) => ({ functionCall: { name, args: {} }, ...(sig === undefined ? {} : { thoughtSignature: sig }) });
const fr = (name: string) => ({ functionResponse: { name, response: { output: 'ok' } } });

function body(...model: unknown[][]): Record<string, unknown> {
  const contents: unknown[] = [{ role: 'user', parts: [{ text: 'go' }] }];
  for (const parts of model) contents.push({ role: 'model', parts }, { role: 'user', parts: [fr('f')] });
  return { contents };
}
const rewrite = (b: Record<string, unknown>, model = 'gemini-3-pro-preview', family: GoogleFamily = 'gemini') =>
  readableToGemini(JSON.stringify(b), b, model, family);
const modelParts = (b: Record<string, unknown> | undefined) =>
  (b!.contents as Array<{ role: string; parts: unknown[] }>).filter((c) => c.role === 'model').map((c) => c.parts);

describe('readableToGemini', () => {
  test('the first unsigned call of each model turn gets the bypass value; Google\'s signatures stay', () => {
    const out = rewrite(body([fc('a', 'R29vZ2xl')], [{ text: 'then' }, fc('b'), fc('c')]));
    expect(modelParts(out)).toEqual([[fc('a', 'R29vZ2xl')], [{ text: 'then' }, fc('b', SKIP), fc('c')]]);
  });

  test('a call carrying another family\'s wrapped signature, or a snake_case empty one, is treated as unsigned', () => {
    const wrapped = formatSignature({ family: 'anthropic', value: 'sig' });
    const snake = { function_call: { name: 'b', args: {} }, thought_signature: '' };
    expect(modelParts(rewrite(body([fc('a', wrapped)], [snake])))).toEqual([[fc('a', SKIP)], [{ function_call: { name: 'b', args: {} }, thoughtSignature: SKIP }]]);
  });

  test('nothing to do: all signed, no calls, or a model that does not validate', () => {
    expect(rewrite(body([fc('a', SKIP)], [fc('b', 'R29vZ2xl')]))).toBeUndefined();
    expect(rewrite({ contents: [{ role: 'user', parts: [{ text: 'hi' }] }] })).toBeUndefined();
    expect(rewrite(body([fc('a')]), 'gemini-2.5-pro')).toBeUndefined();
  });

  test("empty text parts a converted stream ended on (the SDK's chat keeps them) leave model turns, on every model", () => {
    const wrapped = formatSignature({ family: 'anthropic', value: 'sig' });
    const google = { text: '', thoughtSignature: 'R29vZ2xl' };
    const b = {
      contents: [
        { role: 'user', parts: [{ text: 'hi' }] },
        { role: 'model', parts: [{ text: 'Hello ' }] },
        { role: 'model', parts: [{ text: '', thoughtSignature: wrapped }] },
        { role: 'model', parts: [{ text: 'there.' }, { text: '' }] },
        { role: 'model', parts: [google] },
        { role: 'user', parts: [{ text: 'and now?' }] },
      ],
    };
    for (const model of ['gemini-2.5-flash', 'gemini-3-pro-preview']) {
      expect(rewrite(b, model)!.contents).toEqual([
        { role: 'user', parts: [{ text: 'hi' }] },
        { role: 'model', parts: [{ text: 'Hello ' }] },
        { role: 'model', parts: [{ text: 'there.' }] },
        { role: 'model', parts: [google] },
        { role: 'user', parts: [{ text: 'and now?' }] },
      ]);
    }
    // Google's own signature-only part alone is left as it came.
    expect(rewrite({ contents: [{ role: 'user', parts: [{ text: 'hi' }] }, { role: 'model', parts: [{ text: 'a' }, google] }, { role: 'user', parts: [{ text: 'b' }] }] }, 'gemini-2.5-flash')).toBeUndefined();
  });
});

/**
 * The Gemini API and Code Assist refuse each other's signatures ("Corrupted thought signature."). The
 * Gemini API's come to Gemini clients raw, Code Assist's marked (markCodeAssistSignatures).
 */
describe('readableToGemini between the two Google backends', () => {
  const API = 'R29vZ2xlQVBJ';
  const CA = 'Q29kZUFzc2lzdA==';
  const marked = formatSignature({ family: 'code-assist', value: CA });
  const thought = (sig: string) => ({ text: 'Read it first.', thought: true, thoughtSignature: sig });

  test('to Code Assist: its own signatures lose their mark, on every part', () => {
    const out = rewrite(body([thought(marked), fc('a', marked)], [{ text: 'then' }, { text: '', thoughtSignature: marked }]), 'gemini-2.5-pro', 'code-assist');
    expect(modelParts(out)).toEqual([[thought(CA), fc('a', CA)], [{ text: 'then' }, { text: '', thoughtSignature: CA }]]);
  });

  test("to Code Assist: a call signed by the Gemini API gets the bypass value on Gemini 3; the API's signature-only part goes", () => {
    const out = rewrite(body([fc('a', API)], [{ text: 'x' }, { text: '', thoughtSignature: API }]), 'gemini-3-flash-preview', 'code-assist');
    expect(modelParts(out)).toEqual([[fc('a', SKIP)], [{ text: 'x' }]]);
  });

  test("to the Gemini API: a call Code Assist signed gets the bypass value on Gemini 3; its signature-only part goes; the API's own stay", () => {
    const out = rewrite(body([fc('a', marked)], [fc('b', API)], [{ text: 'x' }, { text: '', thoughtSignature: marked }]));
    expect(modelParts(out)).toEqual([[fc('a', SKIP)], [fc('b', API)], [{ text: 'x' }]]);
  });

  test('nothing to do goes byte for byte, to either backend', () => {
    // The Gemini API's own history: nothing of Code Assist's, nothing unsigned.
    expect(rewrite(body([thought(API), fc('a', API)]))).toBeUndefined();
    // Code Assist's: no marked signature in the bytes, no call that needs one (a model that does not validate).
    expect(rewrite(body([fc('a')]), 'gemini-2.5-pro', 'code-assist')).toBeUndefined();
    expect(rewrite(body([fc('a', SKIP)]), 'gemini-3-flash-preview', 'code-assist')).toBeUndefined();
  });

  test('the pre-check reads the raw bytes: a marked signature the bytes do not hold is not looked for', () => {
    const b = body([fc('a', marked)]);
    expect(readableToGemini(new TextEncoder().encode(JSON.stringify(b)), b, 'gemini-2.5-pro', 'code-assist')).toBeDefined();
    expect(readableToGemini('{}', b, 'gemini-2.5-pro', 'code-assist')).toBeUndefined();
  });
});
