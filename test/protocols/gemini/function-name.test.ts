import { describe, expect, test } from 'bun:test';
import type { CanonicalRequest } from '../../../src/core/index.ts';
import { fromGeminiName, toGeminiName } from '../../../src/protocols/gemini/function-name.ts';
import { geminiCodec } from '../../../src/protocols/gemini/index.ts';
import { parseSSE } from '../../../src/util/sse.ts';

/** Gemini's own rule for function names (start with a letter or underscore). */
const GEMINI_NAME = /^[A-Za-z_][A-Za-z0-9_.:-]*$/;

describe('gemini function names', () => {
  test('names Gemini rejects get a prefix that comes off again; valid names are untouched', () => {
    for (const name of ['2fa_code', '-dash', '9', '_fn_2fa', '_fn_', 'get_weather', '_private', 'Tool-1']) {
      const sent = toGeminiName(name);
      expect(sent).toMatch(GEMINI_NAME);
      expect(fromGeminiName(sent)).toBe(name);
    }
    expect(toGeminiName('get_weather')).toBe('get_weather');
    expect(toGeminiName('_private')).toBe('_private');
  });

  test('encodeRequest declares, forces and replays a leading-digit tool under a valid name', () => {
    const req: CanonicalRequest = {
      model: 'gemini-2.5-flash',
      system: [],
      tools: [{ name: '2fa_code', parameters: { type: 'object', properties: { user: { type: 'string' } } } }],
      toolChoice: { type: 'tool', name: '2fa_code' },
      messages: [
        { role: 'user', content: [{ type: 'text', text: 'code?' }] },
        { role: 'assistant', content: [{ type: 'tool_call', id: 'call_1', name: '2fa_code', args: { user: 'ann' } }] },
        { role: 'user', content: [{ type: 'tool_result', callId: 'call_1', name: '2fa_code', content: [{ type: 'text', text: '123456' }] }] },
      ],
      stream: false,
      extras: {},
    };
    const body = geminiCodec.encodeRequest(req, { model: 'gemini-2.5-flash' });
    const sent = toGeminiName('2fa_code');
    expect(sent).toMatch(GEMINI_NAME);
    expect(body).toMatchObject({
      tools: [{ functionDeclarations: [{ name: sent }] }],
      toolConfig: { functionCallingConfig: { mode: 'ANY', allowedFunctionNames: [sent] } },
      contents: [
        { role: 'user' },
        { role: 'model', parts: [{ functionCall: { name: sent, args: { user: 'ann' } } }] },
        { role: 'user', parts: [{ functionResponse: { name: sent, response: { output: '123456' } } }] },
      ],
    });
  });

  test('a call Gemini makes under the declared name reaches the client under its own name, whole and streamed', () => {
    const sent = toGeminiName('2fa_code');
    const chunk = {
      candidates: [{ content: { role: 'model', parts: [{ functionCall: { name: sent, args: { user: 'ann' } } }] }, finishReason: 'STOP', index: 0 }],
      usageMetadata: { promptTokenCount: 5, candidatesTokenCount: 3, totalTokenCount: 8 },
    };
    const res = geminiCodec.decodeResponse(chunk);
    expect(res.content[0]).toMatchObject({ type: 'tool_call', name: '2fa_code', args: { user: 'ann' } });

    const decoder = geminiCodec.createStreamDecoder();
    const events = [...parseSSE(`data: ${JSON.stringify(chunk)}\n\n`).flatMap((m) => decoder.message(m)), ...decoder.end()];
    expect(events.find((e) => e.type === 'tool_call_start')).toMatchObject({ name: '2fa_code' });
  });
});
