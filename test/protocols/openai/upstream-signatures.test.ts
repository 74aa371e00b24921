/**
 * A Chat Completions client's history relayed as it came to an OpenAI-compatible upstream: the
 * `extra_content.google.thought_signature` aiproxy gave its tool calls (or did not, when another upstream
 * served the turn) made what that upstream takes. Gemini 3 behind Google's endpoint refuses a first call
 * without a signature and any signature it did not issue; other servers have no use for the field.
 */
import { describe, expect, test } from 'bun:test';
import { formatSignature, SKIP_SIGNATURE } from '../../../src/protocols/gemini/signature.ts';
import { withUpstreamSignatures } from '../../../src/protocols/openai/thought-signature.ts';

const GEMINI_SIG = 'CiQBVKhc7sigFromTheGeminiApi';
const CODE_ASSIST_SIG = formatSignature({ family: 'code-assist', value: 'Q0EtY2FsbA==' });

const call = (id: string, signature?: string) => ({
  id,
  type: 'function',
  function: { name: 'read_file', arguments: '{"path":"a.txt"}' },
  ...(signature === undefined ? {} : { extra_content: { google: { thought_signature: signature } } }),
});
const history = (model: string, ...turns: Array<Array<ReturnType<typeof call>>>) => ({
  model,
  messages: [
    { role: 'user', content: 'go' },
    ...turns.flatMap((calls) => [
      { role: 'assistant', content: null, tool_calls: calls },
      ...calls.map((c) => ({ role: 'tool', tool_call_id: c.id, content: 'ok' })),
    ]),
  ],
});
const repair = (body: Record<string, unknown>, model = body.model as string) => withUpstreamSignatures(JSON.stringify(body), body, model);
const callsOf = (body: Record<string, unknown>) =>
  (body.messages as Array<Record<string, unknown>>).filter((m) => m.role === 'assistant').map((m) => m.tool_calls as Array<Record<string, unknown>>);
const signaturesOf = (body: Record<string, unknown>) =>
  callsOf(body).map((calls) => calls.map((c) => (c.extra_content as { google?: { thought_signature?: string } } | undefined)?.google?.thought_signature));

describe('withUpstreamSignatures: Gemini 3 behind an OpenAI-compatible endpoint', () => {
  test('the first call of a turn another upstream served gets the bypass value; Code Assist’s marked signature is replaced', () => {
    const body = history(
      'gemini-3-flash-preview',
      [call('call_claude0000000')],
      [call('call_ca00000000000', CODE_ASSIST_SIG), call('call_ca00000000001', CODE_ASSIST_SIG)],
      [call('call_gemini0000000', GEMINI_SIG), call('call_gemini0000001')],
    );
    const out = repair(body)!;
    expect(signaturesOf(out)).toEqual([[SKIP_SIGNATURE], [SKIP_SIGNATURE, undefined], [GEMINI_SIG, undefined]]);
    // The Gemini API's own turn goes as it came, the same objects.
    expect(callsOf(out)[2]).toBe(callsOf(body)[2]!);
    expect(out.model).toBe('gemini-3-flash-preview');
    // The rest of the call is untouched.
    expect(callsOf(out)[1]![1]).toEqual({ id: 'call_ca00000000001', type: 'function', function: { name: 'read_file', arguments: '{"path":"a.txt"}' } });
  });

  test('newer and "latest" models check too; Gemini 2.5 only loses what it cannot read', () => {
    for (const model of ['gemini-3.1-pro-preview', 'gemini-flash-latest', 'google/gemini-3-pro-preview']) {
      expect(signaturesOf(repair(history(model, [call('call_claude0000000')]))!), model).toEqual([[SKIP_SIGNATURE]]);
    }
    expect(repair(history('gemini-2.5-flash', [call('call_claude0000000')]))).toBeUndefined();
    expect(signaturesOf(repair(history('gemini-2.5-pro', [call('call_ca00000000000', CODE_ASSIST_SIG)]))!)).toEqual([[undefined]]);
  });

  test('nothing to do: signed first calls, the bypass value already there, or no calls at all', () => {
    expect(repair(history('gemini-3-flash-preview', [call('call_gemini0000000', GEMINI_SIG)], [call('call_skip000000000', SKIP_SIGNATURE)]))).toBeUndefined();
    expect(repair({ model: 'gemini-3-flash-preview', messages: [{ role: 'user', content: 'hi' }, { role: 'assistant', content: 'Hello.' }] })).toBeUndefined();
  });
});

describe('withUpstreamSignatures: other models', () => {
  test('extra_content is left out: a field only Google reads, refused by strict servers', () => {
    const body = history('mistral-large-latest', [call('call_gemini0000000', GEMINI_SIG)], [call('call_plain00000000')]);
    const out = repair(body)!;
    expect(callsOf(out)).toEqual([
      [{ id: 'call_gemini0000000', type: 'function', function: { name: 'read_file', arguments: '{"path":"a.txt"}' } }],
      [call('call_plain00000000')],
    ]);
    expect(callsOf(out)[1]).toBe(callsOf(body)[1]!);
  });

  test('a history without extra_content goes as it came', () => {
    expect(repair(history('gpt-4o', [call('call_plain00000000')]))).toBeUndefined();
  });
});
