/**
 * Images, PDFs and files crossing protocols: what each upstream refuses (OpenAI's unnamed file_data,
 * Gemini's image/gif and image/jpg), and what aiproxy fetches for Gemini and what it must leave to Gemini.
 */
import { afterAll, beforeAll, describe, expect, test } from 'bun:test';
import Anthropic from '@anthropic-ai/sdk';
import { startStack, type Stack } from '../helpers/stack.ts';
import { last, lastBody, PDF_BASE64, PNG_BASE64, viaPrefix } from './anthropic-client-util.ts';
import { clientFor } from './openai-client-util.ts';

const GIF_BASE64 = 'R0lGODlhAQABAIAAAAAAAP///yH5BAEAAAAALAAAAAABAAEAAAIBRAA7';

let s: Stack;
let server: ReturnType<typeof Bun.serve>;
let base: string;
beforeAll(async () => {
  // The media server below is on 127.0.0.1, which aiproxy refuses to fetch unless told it may.
  s = await startStack(undefined, ['--allow-private-media-urls', 'true']);
  const png = Buffer.from(PNG_BASE64, 'base64');
  server = Bun.serve({
    hostname: '127.0.0.1',
    port: 0,
    fetch(req) {
      const path = new URL(req.url).pathname;
      // An object store serving an image without extension as a generic binary.
      if (path === '/blob/abc123') return new Response(png, { headers: { 'content-type': 'application/octet-stream' } });
      // A login page where an image was expected.
      if (path === '/private/cat.png') return new Response('<html>sign in</html>', { headers: { 'content-type': 'text/html' } });
      // A server answering 200 with nothing at all.
      if (path === '/empty.png') return new Response(null, { status: 200 });
      return new Response('not found', { status: 404 });
    },
  });
  base = `http://127.0.0.1:${server.port}`;
});
afterAll(async () => {
  await server.stop(true);
  await s.stop();
});

type Parts = Array<Record<string, unknown>>;
const geminiParts = (): Parts => (lastBody(s.gemini.calls).contents as Array<{ parts: Parts }>).at(-1)!.parts;

describe('PDFs to openai-custom', () => {
  test('an Anthropic document without a title reaches OpenAI as a file part with a filename', async () => {
    const msg = await viaPrefix(s, 'openai-custom').messages.create({
      model: 'gpt-4o',
      max_tokens: 32,
      messages: [
        {
          role: 'user',
          content: [
            { type: 'document', source: { type: 'base64', media_type: 'application/pdf', data: PDF_BASE64 } },
            { type: 'text', text: 'Summarise' },
          ],
        },
      ],
    });
    expect(msg.content[0]).toMatchObject({ type: 'text' });
    const content = (lastBody(s.openai.calls).messages as Array<{ content: unknown }>)[0]!.content;
    expect(content).toEqual([
      { type: 'file', file: { file_data: `data:application/pdf;base64,${PDF_BASE64}`, filename: 'document.pdf' } },
      { type: 'text', text: 'Summarise' },
    ]);
  });
});

describe('media to gemini-cli', () => {
  test('an image URL without extension served as application/octet-stream is inlined with the type its bytes show', async () => {
    await viaPrefix(s, 'gemini-cli').messages.create({
      model: 'gemini-2.5-flash',
      max_tokens: 32,
      messages: [{ role: 'user', content: [{ type: 'image', source: { type: 'url', url: `${base}/blob/abc123` } }, { type: 'text', text: 'What?' }] }],
    });
    expect(geminiParts()).toEqual([{ inlineData: { mimeType: 'image/png', data: PNG_BASE64 } }, { text: 'What?' }]);
  });

  test('an image URL that answers with an HTML page is a 400 naming the URL, and nothing is sent upstream', async () => {
    const before = s.gemini.calls.length;
    const err = await viaPrefix(s, 'gemini-cli')
      .messages.create({
        model: 'gemini-2.5-flash',
        max_tokens: 32,
        messages: [{ role: 'user', content: [{ type: 'image', source: { type: 'url', url: `${base}/private/cat.png` } }] }],
      })
      .catch((e: unknown) => e);
    expect(err).toBeInstanceOf(Anthropic.BadRequestError);
    expect((err as Error).message).toContain('not an image (text/html)');
    expect(s.gemini.calls.length).toBe(before);
  });

  test('an image URL that answers 200 with no body is a 400 naming the URL, not an internal error', async () => {
    const err = await viaPrefix(s, 'gemini-cli')
      .messages.create({
        model: 'gemini-2.5-flash',
        max_tokens: 32,
        messages: [{ role: 'user', content: [{ type: 'image', source: { type: 'url', url: `${base}/empty.png` } }] }],
      })
      .catch((e: unknown) => e);
    expect(err).toBeInstanceOf(Anthropic.BadRequestError);
    expect((err as Error).message).toContain(`${base}/empty.png`);
  });

  test('an OpenAI data:image/jpg URL reaches Gemini as image/jpeg', async () => {
    const jpeg = '/9j/4AAQSkZJRgABAQAAAQABAAD/2wBDAP//////////////////////////////////////////////////////////////////////////////////////wgALCAABAAEBAREA/8QAFBABAAAAAAAAAAAAAAAAAAAAAP/aAAgBAQABPxA=';
    const res = await clientFor(s, 'gemini-cli').chat.completions.create({
      model: 'gemini-2.5-flash',
      messages: [{ role: 'user', content: [{ type: 'text', text: 'What?' }, { type: 'image_url', image_url: { url: `data:image/jpg;base64,${jpeg}` } }] }],
    });
    expect(res.choices[0]!.message.content).toBeTruthy();
    expect(geminiParts()).toEqual([{ text: 'What?' }, { inlineData: { mimeType: 'image/jpeg', data: jpeg } }]);
  });

  test('a GIF (not a Gemini image type) becomes a note in place, keeping the request and the order of the rest', async () => {
    const res = await viaPrefix(s, 'gemini-cli').messages.create({
      model: 'gemini-2.5-flash',
      max_tokens: 32,
      messages: [
        {
          role: 'user',
          content: [
            { type: 'text', text: 'first' },
            { type: 'image', source: { type: 'base64', media_type: 'image/gif', data: GIF_BASE64 } },
            { type: 'image', source: { type: 'base64', media_type: 'image/png', data: PNG_BASE64 } },
            { type: 'text', text: 'last' },
          ],
        },
      ],
    });
    expect(last(s.gemini.calls).status).toBe(200);
    expect(res.content[0]).toMatchObject({ type: 'text' });
    const parts = geminiParts();
    expect(parts[0]).toEqual({ text: 'first' });
    expect(parts[1]!.text).toContain('image/gif');
    expect(parts.slice(2)).toEqual([{ inlineData: { mimeType: 'image/png', data: PNG_BASE64 } }, { text: 'last' }]);
  });
});
