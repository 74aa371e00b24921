import { describe, expect, test } from 'bun:test';
import { anthropicCodec } from '../../src/protocols/anthropic/index.ts';
import { geminiCodec } from '../../src/protocols/gemini/index.ts';
import { openaiCodec } from '../../src/protocols/openai/index.ts';
import { mediaTypeOfBase64, sniffBase64, stripBase64Whitespace } from '../../src/util/base64-media.ts';
import { validateMessagesRequest } from '../helpers/mocks/anthropic-mock-validate.ts';
import { checkProto, GenerateContentRequest } from '../helpers/mocks/gemini-mock-proto.ts';
import { checkGenerateRequest } from '../helpers/mocks/gemini-mock-rules.ts';

/** A 1×1 PNG. */
const PNG = 'iVBORw0KGgoAAAANSUhEUgAAAAEAAAABCAYAAAAfFcSJAAAADUlEQVR42mNk+M9QDwADhgGAWjR9awAAAABJRU5ErkJggg==';
const JPEG = '/9j/4AAQSkZJRgABAQEASABIAAD/2wBDAP//////////////////////////////////////////////////////////////////////////////////////wgALCAABAAEBAREA/8QAFBABAAAAAAAAAAAAAAAAAAAAAP/aAAgBAQABPxA=';
const GIF = 'R0lGODlhAQABAA==';
const WEBP = 'UklGRgAAAABXRUJQVlA4IA==';
const PDF = 'JVBERi0xLjQKJcOkw7zDtsOfCjIgMCBvYmoKPDwvTGVuZ3RoIDMgMCBSPj4Kc3RyZWFtCnEKZW5kc3RyZWFtCmVuZG9iagp0cmFpbGVyCjw8Pj4KJSVFT0YK';

/** Python's base64.encodebytes: a line break every 76 characters and one at the end. */
const wrapped = (b64: string, eol = '\n'): string => (b64.match(/.{1,76}/g) ?? []).join(eol) + eol;

const imageMessage = (url: string) => [{ role: 'user', content: [{ type: 'image_url', image_url: { url } }, { type: 'text', text: 'what is it' }] }];

function decode(messages: unknown[]) {
  return openaiCodec.decodeRequest({ model: 'm', messages }, { model: 'm', stream: false });
}

/** The body Gemini gets, asserted to be one the strict Gemini mock (and so Google) accepts. */
function toGemini(messages: unknown[]): Record<string, any> {
  const model = 'gemini-2.5-flash';
  const body = geminiCodec.encodeRequest(decode(messages), { model }) as Record<string, any>;
  expect(checkProto(body, GenerateContentRequest)).toEqual([]);
  expect(checkGenerateRequest(body, { model, issuedSignatures: new Set() })).toBeUndefined();
  return body;
}

/** The body Claude gets, asserted to be one the strict Anthropic mock (and so Anthropic) accepts. */
function toClaude(messages: unknown[]): Record<string, any> {
  const body = anthropicCodec.encodeRequest(decode(messages), { model: 'claude-sonnet-4-5' }) as Record<string, any>;
  expect(validateMessagesRequest(body, { signatures: new Map(), betas: [], countTokens: false })).toBeUndefined();
  return body;
}

describe('base64 media helpers', () => {
  test('whitespace of every kind MIME encoders wrap with goes; base64 itself stays', () => {
    expect(stripBase64Whitespace(wrapped(PNG))).toBe(PNG);
    expect(stripBase64Whitespace(wrapped(PNG, '\r\n'))).toBe(PNG);
    expect(stripBase64Whitespace(' iVBO\tRw0K\fGgo= ')).toBe('iVBORw0KGgo=');
    expect(stripBase64Whitespace(PNG)).toBe(PNG);
  });

  test('magic numbers: PNG, JPEG, GIF, WebP, PDF', () => {
    expect([PNG, JPEG, GIF, WEBP, PDF, 'aGVsbG8gd29ybGQ='].map(sniffBase64)).toEqual([
      'image/png',
      'image/jpeg',
      'image/gif',
      'image/webp',
      'application/pdf',
      undefined,
    ]);
  });

  test('bytes win over a declared image type and a generic one; a specific non-image type and unknown bytes keep theirs', () => {
    expect(mediaTypeOfBase64('image/jpeg', PNG)).toBe('image/png');
    expect(mediaTypeOfBase64('image/png', JPEG)).toBe('image/jpeg');
    expect(mediaTypeOfBase64('image/gif', WEBP)).toBe('image/webp');
    expect(mediaTypeOfBase64('application/octet-stream', PNG)).toBe('image/png');
    expect(mediaTypeOfBase64('application/octet-stream', PDF)).toBe('application/pdf');
    expect(mediaTypeOfBase64('image/jpeg', PDF)).toBe('image/jpeg');
    expect(mediaTypeOfBase64('application/pdf', PNG)).toBe('application/pdf');
    expect(mediaTypeOfBase64('image/heic', 'AAAAGGZ0eXBoZWljAAAAAA==')).toBe('image/heic');
  });
});

describe('OpenAI client image data URLs reach every upstream as it takes them', () => {
  test('base64 wrapped by base64.encodebytes → Gemini gets it unwrapped', () => {
    for (const eol of ['\n', '\r\n']) {
      const body = toGemini(imageMessage(`data:image/png;base64,${wrapped(PNG, eol)}`));
      expect(body.contents[0].parts[0].inlineData).toEqual({ mimeType: 'image/png', data: PNG });
    }
  });

  test('base64 wrapped by base64.encodebytes → Claude gets it unwrapped', () => {
    const body = toClaude(imageMessage(`data:image/png;base64,${wrapped(PNG)}`));
    expect(body.messages[0].content[0]).toEqual({ type: 'image', source: { type: 'base64', media_type: 'image/png', data: PNG } });
  });

  test('PNG bytes declared as image/jpeg → Claude gets image/png (Anthropic refuses the mismatch)', () => {
    const body = toClaude(imageMessage(`data:image/jpeg;base64,${PNG}`));
    expect(body.messages[0].content[0].source).toEqual({ type: 'base64', media_type: 'image/png', data: PNG });
    expect(toGemini(imageMessage(`data:image/jpeg;base64,${PNG}`)).contents[0].parts[0].inlineData.mimeType).toBe('image/png');
  });

  test('JPEG bytes under an alias or octet-stream → image/jpeg', () => {
    for (const declared of ['image/jpg', 'image/JPEG', 'application/octet-stream']) {
      const body = toClaude(imageMessage(`data:${declared};base64,${JPEG}`));
      expect(body.messages[0].content[0].source.media_type).toBe('image/jpeg');
    }
  });

  test('file_data wrapped by base64.encodebytes → Gemini gets it unwrapped', () => {
    const messages = [{ role: 'user', content: [{ type: 'file', file: { filename: 'a.pdf', file_data: `data:application/pdf;base64,${wrapped(PDF)}` } }, { type: 'text', text: 'sum' }] }];
    expect(toGemini(messages).contents[0].parts[0].inlineData).toEqual({ mimeType: 'application/pdf', data: PDF });
    const bare = [{ role: 'user', content: [{ type: 'file', file: { filename: 'a.pdf', file_data: wrapped(PDF) } }, { type: 'text', text: 'sum' }] }];
    expect(toGemini(bare).contents[0].parts[0].inlineData).toEqual({ mimeType: 'application/pdf', data: PDF });
  });
});

describe('every client protocol mends its base64 the same way', () => {
  test('Anthropic client: a wrapped base64 image reaches Gemini unwrapped', () => {
    const req = anthropicCodec.decodeRequest(
      {
        model: 'm',
        max_tokens: 64,
        messages: [{ role: 'user', content: [{ type: 'image', source: { type: 'base64', media_type: 'image/png', data: wrapped(PNG) } }, { type: 'text', text: 'what is it' }] }],
      },
      { model: 'm', stream: false },
    );
    const body = geminiCodec.encodeRequest(req, { model: 'gemini-2.5-flash' }) as Record<string, any>;
    expect(checkProto(body, GenerateContentRequest)).toEqual([]);
    expect(body.contents[0].parts[0].inlineData).toEqual({ mimeType: 'image/png', data: PNG });
  });

  test('Gemini client: PNG bytes labelled image/jpeg reach Claude as image/png', () => {
    const req = geminiCodec.decodeRequest(
      { contents: [{ role: 'user', parts: [{ inlineData: { mimeType: 'image/jpeg', data: PNG } }, { text: 'what is it' }] }] },
      { model: 'claude-sonnet-4-5', stream: false },
    );
    const body = anthropicCodec.encodeRequest(req, { model: 'claude-sonnet-4-5' }) as Record<string, any>;
    expect(validateMessagesRequest(body, { signatures: new Map(), betas: [], countTokens: false })).toBeUndefined();
    expect(body.messages[0].content[0].source).toEqual({ type: 'base64', media_type: 'image/png', data: PNG });
  });
});
