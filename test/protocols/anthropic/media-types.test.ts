import { describe, expect, test } from 'bun:test';
import { anthropicCodec } from '../../../src/protocols/anthropic/index.ts';
import { openaiCodec } from '../../../src/protocols/openai/index.ts';

/** What an Anthropic upstream receives for an OpenAI client's body. */
const upstreamBodyFor = (openaiBody: Record<string, unknown>) =>
  anthropicCodec.encodeRequest(openaiCodec.decodeRequest(openaiBody), { model: 'claude-sonnet-4-5' }) as Record<string, any>;

describe('anthropic codec review: media', () => {
  test('a data:image/jpg image (common for .jpg files) reaches the model as image/jpeg instead of vanishing', () => {
    const body = upstreamBodyFor({
      model: 'claude',
      messages: [
        {
          role: 'user',
          content: [
            { type: 'text', text: 'What is in this photo?' },
            { type: 'image_url', image_url: { url: 'data:image/jpg;base64,/9j/4AAQ' } },
          ],
        },
      ],
    });
    expect(body.messages[0].content).toEqual([
      { type: 'text', text: 'What is in this photo?' },
      { type: 'image', source: { type: 'base64', media_type: 'image/jpeg', data: '/9j/4AAQ' } },
    ]);
  });
});

describe('anthropic codec review: text files', () => {
  test('a markdown or CSV file a Gemini client attaches inline reaches the model as a text document', async () => {
    const { geminiCodec } = await import('../../../src/protocols/gemini/index.ts');
    const b64 = (s: string) => Buffer.from(s, 'utf8').toString('base64');
    const req = geminiCodec.decodeRequest(
      {
        contents: [
          {
            role: 'user',
            parts: [
              { text: 'Summarise these' },
              { inlineData: { mimeType: 'text/markdown', data: b64('# Plan\n- ship') } },
              { inlineData: { mimeType: 'text/csv', data: b64('a,b\n1,2') } },
            ],
          },
        ],
      },
      { model: 'gemini-2.5-pro', stream: false },
    );
    const body = anthropicCodec.encodeRequest(req, { model: 'claude-sonnet-4-5' }) as Record<string, any>;
    expect(body.messages[0].content).toEqual([
      { type: 'text', text: 'Summarise these' },
      { type: 'document', source: { type: 'text', media_type: 'text/plain', data: '# Plan\n- ship' } },
      { type: 'document', source: { type: 'text', media_type: 'text/plain', data: 'a,b\n1,2' } },
    ]);
  });
});
