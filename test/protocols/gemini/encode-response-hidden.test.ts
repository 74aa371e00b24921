import { describe, expect, test } from 'bun:test';
import type { CanonicalResponse, OutputPart } from '../../../src/core/index.ts';
import { geminiCodec } from '../../../src/protocols/gemini/index.ts';

const response = (content: OutputPart[], finishReason: CanonicalResponse['finishReason'] = 'stop'): CanonicalResponse => ({
  id: 'msg_01',
  model: 'm',
  content,
  finishReason,
  usage: { inputTokens: 1, outputTokens: 1, reasoningTokens: 1 },
});

function partsOf(res: CanonicalResponse, request?: Record<string, unknown>): Array<Record<string, unknown>> {
  const out = geminiCodec.encodeResponse(res, request) as { candidates: Array<{ content: { parts: Array<Record<string, unknown>> } }> };
  return out.candidates[0]!.content.parts;
}

const ask = (thinkingConfig: Record<string, unknown>) => ({ contents: [], generationConfig: { thinkingConfig } });

describe('gemini encodeResponse: thoughts only for includeThoughts: true', () => {
  const thinking = response([
    { type: 'thinking', text: 'SECRET', signature: { family: 'anthropic', value: 'SIG' } },
    { type: 'thinking', text: 'unsigned SECRET' },
    { type: 'text', text: 'Answer.' },
  ]);

  test.each([
    ['no thinkingConfig', { contents: [] }],
    ['a budget alone', ask({ thinkingBudget: 2048 })],
    ['includeThoughts false', ask({ includeThoughts: false })],
  ])('%s: the text is dropped, a signature kept on an empty part that is not a thought', (_label, request) => {
    const parts = partsOf(thinking, request);
    expect(JSON.stringify(parts)).not.toContain('SECRET');
    expect(parts).toEqual([{ text: '', thoughtSignature: 'YWlwcm94eTphbnRocm9waWM6U0lH' }, { text: 'Answer.' }]);
  });

  test('the client can send that turn back: the signed empty part is taken, the answer kept', () => {
    const parts = partsOf(thinking, { contents: [] });
    const req = geminiCodec.decodeRequest({ contents: [{ role: 'user', parts: [{ text: 'q' }] }, { role: 'model', parts }] }, { model: 'm' });
    expect(req.messages[1]!.content.at(-1)).toEqual({ type: 'text', text: 'Answer.' });
  });

  test.each([
    ['camelCase', ask({ includeThoughts: true })],
    ['snake_case', { contents: [], generation_config: { thinking_config: { include_thoughts: true } } }],
  ])('%s true: thought parts', (_label, request) => {
    expect(partsOf(thinking, request).filter((p) => p.thought === true).map((p) => p.text)).toEqual(['SECRET', 'unsigned SECRET']);
  });
});

describe('gemini encodeResponse: a tool call cut by the token limit', () => {
  test('the last call of a length finish is not sent; earlier ones are, and the reason stays MAX_TOKENS', () => {
    const res = response(
      [
        { type: 'text', text: 'Writing.' },
        { type: 'tool_call', id: 'a', name: 'read', args: { path: '/a' } },
        { type: 'tool_call', id: 'b', name: 'write_file', args: { path: '/tmp/a.txt' } },
      ],
      'length',
    );
    const out = geminiCodec.encodeResponse(res, { contents: [] }) as { candidates: Array<{ content: { parts: unknown[] }; finishReason: string }> };
    expect(out.candidates[0]!.content.parts).toEqual([{ text: 'Writing.' }, { functionCall: { id: 'a', name: 'read', args: { path: '/a' } } }]);
    expect(out.candidates[0]!.finishReason).toBe('MAX_TOKENS');
  });

  test('a call that ended the turn by itself is sent whole', () => {
    const call: OutputPart = { type: 'tool_call', id: 'b', name: 'write_file', args: { path: '/tmp/a.txt' } };
    expect(partsOf(response([call], 'tool_calls'))).toEqual([{ functionCall: { id: 'b', name: 'write_file', args: { path: '/tmp/a.txt' } } }]);
    // Text last at the limit is the answer cut short, which the client sees with MAX_TOKENS.
    expect(partsOf(response([call, { type: 'text', text: 'and the' }], 'length'))).toHaveLength(2);
  });
});
