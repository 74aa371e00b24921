import { describe, expect, test } from 'bun:test';
import { readableToGemini3 } from '../../../src/protocols/gemini/own-calls.ts';
import { formatSignature } from '../../../src/protocols/gemini/signature.ts';

const SKIP = 'skip_thought_signature_validator';
const fc = (name: string, sig?: string) => ({ functionCall: { name, args: {} }, ...(sig === undefined ? {} : { thoughtSignature: sig }) });
const fr = (name: string) => ({ functionResponse: { name, response: { output: 'ok' } } });

function body(...model: unknown[][]): Record<string, unknown> {
  const contents: unknown[] = [{ role: 'user', parts: [{ text: 'go' }] }];
  for (const parts of model) contents.push({ role: 'model', parts }, { role: 'user', parts: [fr('f')] });
  return { contents };
}
const rewrite = (b: Record<string, unknown>, model = 'gemini-3-pro-preview') => readableToGemini3(JSON.stringify(b), b, model);
const modelParts = (b: Record<string, unknown> | undefined) =>
  (b!.contents as Array<{ role: string; parts: unknown[] }>).filter((c) => c.role === 'model').map((c) => c.parts);

describe('readableToGemini3', () => {
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
});
