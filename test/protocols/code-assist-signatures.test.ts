import { describe, expect, test } from 'bun:test';
import type { Part, Signature } from '../../src/core/content.ts';
import type { CanonicalResponse, OutputPart } from '../../src/core/response.ts';
import { parseSignature as parseAnthropic } from '../../src/protocols/anthropic/signature.ts';
import { formatSignature, markCodeAssistSignatures, parseSignature } from '../../src/protocols/gemini/signature.ts';
import { codecs, type Protocol } from '../../src/protocols/index.ts';

/**
 * The Gemini API and Code Assist refuse each other's thought signatures, so a Code Assist signature must
 * come back from any client as Code Assist's, never as the Gemini API's (nor the reverse), whatever the
 * client protocol carries it in.
 */

const codeAssist = (value: string): Signature => ({ family: 'code-assist', value });
const gemini = (value: string): Signature => ({ family: 'gemini', value });

function answer(content: OutputPart[]): CanonicalResponse {
  return { id: 'r', model: 'm', content, finishReason: 'tool_calls', usage: { inputTokens: 1, outputTokens: 1 } };
}

/** The client's next request: its history with the answer as the protocol gave it, and the tool's result. */
// eslint-disable-next-line @typescript-eslint/no-explicit-any
function replay(protocol: Protocol, encoded: Record<string, any>): unknown {
  switch (protocol) {
    case 'openai':
      return { model: 'm', messages: [{ role: 'user', content: 'go' }, encoded.choices[0].message, { role: 'tool', tool_call_id: 'call_1', content: 'ok' }] };
    case 'anthropic':
      return {
        model: 'm',
        max_tokens: 100,
        messages: [
          { role: 'user', content: 'go' },
          { role: 'assistant', content: encoded.content },
          { role: 'user', content: [{ type: 'tool_result', tool_use_id: 'call_1', content: 'ok' }] },
        ],
      };
    case 'gemini':
      return {
        contents: [
          { role: 'user', parts: [{ text: 'go' }] },
          encoded.candidates[0].content,
          { role: 'user', parts: [{ functionResponse: { id: 'call_1', name: 'f', response: { output: 'ok' } } }] },
        ],
      };
    case 'responses':
      return { model: 'm', input: [{ role: 'user', content: 'go' }, ...encoded.output, { type: 'function_call_output', call_id: 'call_1', output: 'ok' }] };
  }
}

/** The signatures of the assistant's parts after the round trip, by part type. */
function signaturesBack(protocol: Protocol, content: OutputPart[], request?: Record<string, unknown>): Array<[Part['type'], Signature | undefined]> {
  const encoded = JSON.parse(JSON.stringify(codecs[protocol].encodeResponse(answer(content), request)));
  const req = codecs[protocol].decodeRequest(replay(protocol, encoded), { model: 'm', stream: false });
  const assistant = req.messages.find((m) => m.role === 'assistant')!;
  return assistant.content.flatMap((p): Array<[Part['type'], Signature | undefined]> => {
    if (p.type === 'thinking' || p.type === 'tool_call') return [[p.type, p.signature]];
    // A Gemini client that did not ask for thoughts gets the signature on an empty text part.
    const hidden = p.type === 'text' ? p.extras?.gemini?.thoughtSignature : undefined;
    return hidden === undefined ? [] : [[p.type, parseSignature(hidden)]];
  });
}

describe('a Code Assist signature comes back as Code Assist\'s through every client protocol', () => {
  const thought: OutputPart = { type: 'thinking', text: 'Read it first.', signature: codeAssist('Q0EtdGhvdWdodA==') };
  const call: OutputPart = { type: 'tool_call', id: 'call_1', name: 'f', args: { a: 1 }, signature: codeAssist('Q0EtY2FsbA==') };

  test('Gemini: on the thought (shown, or an empty part when hidden) and on the call', () => {
    expect(signaturesBack('gemini', [thought, call])).toEqual([
      ['thinking', codeAssist('Q0EtdGhvdWdodA==')],
      ['tool_call', codeAssist('Q0EtY2FsbA==')],
    ]);
    expect(signaturesBack('gemini', [thought, call], {})).toEqual([
      ['text', codeAssist('Q0EtdGhvdWdodA==')],
      ['tool_call', codeAssist('Q0EtY2FsbA==')],
    ]);
  });

  test('Anthropic: on the thinking block (tool_use has no field for one)', () => {
    expect(signaturesBack('anthropic', [thought, call])).toEqual([
      ['thinking', codeAssist('Q0EtdGhvdWdodA==')],
      ['tool_call', undefined],
    ]);
  });

  test('OpenAI Chat Completions: on the call, in extra_content.google', () => {
    expect(signaturesBack('openai', [thought, call]).filter(([type]) => type === 'tool_call')).toEqual([['tool_call', codeAssist('Q0EtY2FsbA==')]]);
  });

  test('Responses: in the reasoning items, the thought\'s and the call\'s', () => {
    expect(signaturesBack('responses', [thought, call])).toEqual([
      ['thinking', codeAssist('Q0EtdGhvdWdodA==')],
      ['tool_call', codeAssist('Q0EtY2FsbA==')],
    ]);
  });

  test('the Gemini API\'s signatures come back as its own, in every protocol that carries them', () => {
    const own: OutputPart = { type: 'tool_call', id: 'call_1', name: 'f', args: {}, signature: gemini('R0VNLWNhbGw=') };
    for (const protocol of ['gemini', 'openai', 'responses'] as const) {
      expect(signaturesBack(protocol, [own]), protocol).toEqual([['tool_call', gemini('R0VNLWNhbGw=')]]);
    }
  });
});

describe('Gemini clients: the Code Assist marker', () => {
  test('is the value behind a fixed prefix, still valid base64, and parses back', () => {
    const raw = Buffer.from(crypto.getRandomValues(new Uint8Array(48))).toString('base64');
    const wrapped = formatSignature(codeAssist(raw));
    expect(wrapped.endsWith(raw)).toBe(true);
    expect(Buffer.from(Buffer.from(wrapped, 'base64').toString('base64')).toString()).toBe(wrapped);
    expect(Buffer.from(wrapped, 'base64').toString('latin1').startsWith('aiproxy:cloudcode-pa:')).toBe(true);
    expect(parseSignature(wrapped)).toEqual(codeAssist(raw));
  });

  test('a raw signature is the Gemini API\'s; the other markers still parse as theirs', () => {
    expect(parseSignature('CiQBVKhc7sig')).toEqual(gemini('CiQBVKhc7sig'));
    for (const family of ['anthropic', 'openai', 'code-assist'] as const) {
      expect(parseSignature(formatSignature({ family, value: 'c2ln' }))).toEqual({ family, value: 'c2ln' });
    }
  });

  test('Anthropic clients see it as `code-assist:`', () => {
    expect(parseAnthropic('code-assist:c2ln')).toEqual(codeAssist('c2ln'));
  });
});

describe("decoding a Gemini backend's answer: the family comes from where the answer came", () => {
  const answerFrom = () => ({
    candidates: [
      {
        content: { role: 'model', parts: [{ text: 'Read it.', thought: true, thoughtSignature: 'VEhPVUdIVA==' }, { functionCall: { name: 'f', args: {} }, thoughtSignature: 'Q0FMTA==' }] },
        finishReason: 'STOP',
      },
    ],
  });
  const signatures = (body: unknown) =>
    codecs.gemini.decodeResponse(body).content.flatMap((p) => (p.type === 'thinking' || p.type === 'tool_call' ? [p.signature] : []));

  test("the Gemini API's answer (as it came) holds the Gemini API's signatures", () => {
    expect(signatures(answerFrom())).toEqual([gemini('VEhPVUdIVA=='), gemini('Q0FMTA==')]);
  });

  test("Code Assist's (its unwrap marks them) holds Code Assist's, whole and streamed", () => {
    expect(signatures(markCodeAssistSignatures(answerFrom()))).toEqual([codeAssist('VEhPVUdIVA=='), codeAssist('Q0FMTA==')]);
    const decoder = codecs.gemini.createStreamDecoder();
    const events = [...decoder.message({ data: JSON.stringify(markCodeAssistSignatures(answerFrom())) }), ...decoder.end()];
    expect(events.flatMap((e) => (e.type === 'thinking_signature' || e.type === 'tool_call_start' ? [e.signature] : []))).toEqual([
      codeAssist('VEhPVUdIVA=='),
      codeAssist('Q0FMTA=='),
    ]);
  });
});
