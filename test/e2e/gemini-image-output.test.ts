/**
 * Images a Gemini image model answers (gemini-2.5-flash-image, gemini-3-pro-image: inlineData parts), as
 * each official SDK receives them through aiproxy. They were dropped, leaving a Chat Completions client an
 * empty message with the image's tokens billed (Wei-Shaw/sub2api#4798). Behind an OpenAI-compatible server they
 * come as OpenRouter's `message.images`, which reached only Chat Completions clients (relayed as they came).
 */
import { afterAll, beforeAll, describe, expect, test } from 'bun:test';
import Anthropic from '@anthropic-ai/sdk';
import { GoogleGenAI } from '@google/genai';
import OpenAI from 'openai';
import { startGeminiMock, type GeminiMock } from '../helpers/mocks/gemini-mock.ts';
import { useOpenAICustom } from '../helpers/openai-custom-stack.ts';
import { startProxy, type TestProxy } from '../helpers/proxy.ts';

let gemini: GeminiMock;
let proxy: TestProxy;
let openai: OpenAI;
let anthropic: Anthropic;
beforeAll(async () => {
  gemini = await startGeminiMock();
  proxy = await startProxy(['--model-provider', 'gemini-cli', '--gemini-base-url', gemini.url, '--gemini-api-key', gemini.key]);
  openai = new OpenAI({ apiKey: proxy.key, baseURL: `${proxy.url}/v1`, maxRetries: 0 });
  anthropic = new Anthropic({ apiKey: proxy.key, baseURL: proxy.url, maxRetries: 0 });
});
afterAll(async () => {
  await Promise.all([proxy.stop(), gemini.stop()]);
});

// A 1×1 PNG, and a large image, as a 4K one is: 20 MB of base64 in one stream event, past the 16 MB
// an event could hold before (looplj/axonhub#554, Wei-Shaw/sub2api#874).
const PNG = 'iVBORw0KGgoAAAANSUhEUgAAAAEAAAABCAYAAAAfFcSJAAAADUlEQVR42mNk+M9QDwADhgGAWjR9awAAAABJRU5ErkJggg==';
const BIG = Buffer.alloc(15_000_000, 7).toString('base64');
const DRAFT = Buffer.from('draft').toString('base64');
const reply = { text: 'Here is your cat.', images: [{ mimeType: 'image/png', data: DRAFT, thought: true }, { mimeType: 'image/png', data: PNG }] };

/** OpenRouter's field, which the openai SDK does not type. */
type WithImages = { images?: Array<{ type: string; image_url: { url: string }; index?: number }> };

describe('Gemini image model → OpenAI Chat Completions client', () => {
  // Gemini 3 signs the image part (the mock signs a plain answer's last part).
  test.each(['gemini-2.5-flash-image', 'gemini-3-pro-image-preview'])('%s, a whole answer: the image in message.images as a data URL beside the text; the draft is not output', async (model) => {
    gemini.queue(reply);
    const res = await openai.chat.completions.create({ model, messages: [{ role: 'user', content: 'Draw a cat' }] });
    const message = res.choices[0]!.message as OpenAI.ChatCompletionMessage & WithImages;
    expect(message.content).toBe('Here is your cat.');
    expect(message.images).toEqual([{ type: 'image_url', image_url: { url: `data:image/png;base64,${PNG}` } }]);
    expect(res.choices[0]!.finish_reason).toBe('stop');
    // A client keeping the message as it came sends the images back in its history: not refused.
    gemini.queue({ text: 'Done.' });
    const next = await openai.chat.completions.create({
      model,
      messages: [{ role: 'user', content: 'Draw a cat' }, message as OpenAI.ChatCompletionAssistantMessageParam, { role: 'user', content: 'Thanks' }],
    });
    expect(next.choices[0]!.message.content).toBe('Done.');
  });

  test('streamed: each image whole in delta.images, even one of 20 MB', async () => {
    gemini.queue({ text: '', images: [{ mimeType: 'image/png', data: PNG }, { mimeType: 'image/jpeg', data: BIG }] });
    const stream = await openai.chat.completions.create({ model: 'gemini-2.5-flash-image', stream: true, messages: [{ role: 'user', content: 'Draw two' }] });
    const images: NonNullable<WithImages['images']> = [];
    let finish: string | null = null;
    for await (const chunk of stream) {
      const choice = chunk.choices[0];
      if (!choice) continue;
      images.push(...((choice.delta as WithImages).images ?? []));
      finish = choice.finish_reason ?? finish;
    }
    expect(images.map((i) => [i.index, i.image_url.url.length])).toEqual([
      [0, `data:image/png;base64,${PNG}`.length],
      [1, `data:image/jpeg;base64,${BIG}`.length],
    ]);
    expect(images[1]!.image_url.url).toBe(`data:image/jpeg;base64,${BIG}`);
    expect(finish).toBe('stop');
  });
});

describe('Gemini image model → Responses client', () => {
  test('an image_generation_call item with the base64 in result, whole and streamed', async () => {
    gemini.queue(reply);
    const res = await openai.responses.create({ model: 'gemini-2.5-flash-image', input: 'Draw a cat' });
    expect(res.output_text).toBe('Here is your cat.');
    const items = res.output.filter((i) => i.type === 'image_generation_call');
    expect(items).toEqual([expect.objectContaining({ type: 'image_generation_call', status: 'completed', result: PNG })]);
    // Sent back in the next turn's history, the item is passed over, not refused.
    gemini.queue({ text: 'Done.' });
    const next = await openai.responses.create({ model: 'gemini-2.5-flash-image', input: [{ role: 'user', content: 'Draw a cat' }, ...res.output, { role: 'user', content: 'Thanks' }] as OpenAI.Responses.ResponseInput });
    expect(next.output_text).toBe('Done.');

    gemini.queue(reply);
    const stream = openai.responses.stream({ model: 'gemini-3-pro-image-preview', input: 'Draw a cat' });
    const done: unknown[] = [];
    for await (const ev of stream) if (ev.type === 'response.output_item.done' && ev.item.type === 'image_generation_call') done.push(ev.item);
    const final = await stream.finalResponse();
    expect(done).toEqual([expect.objectContaining({ result: PNG, status: 'completed' })]);
    expect(final.output.find((i) => i.type === 'image_generation_call')).toMatchObject({ result: PNG });
  });
});

describe('Gemini image model → Anthropic client', () => {
  test('no image output in the Messages API: a note in its place, whole and streamed', async () => {
    gemini.queue({ text: '', images: [{ mimeType: 'image/png', data: PNG }] });
    const msg = await anthropic.messages.create({ model: 'gemini-2.5-flash-image', max_tokens: 1000, messages: [{ role: 'user', content: 'Draw a cat' }] });
    expect(msg.content).toEqual([{ type: 'text', text: expect.stringContaining('an image (image/png)') } as Anthropic.TextBlock]);

    gemini.queue(reply);
    const streamed = await anthropic.messages.stream({ model: 'gemini-2.5-flash-image', max_tokens: 1000, messages: [{ role: 'user', content: 'Draw a cat' }] }).finalMessage();
    expect(streamed.content.map((b) => (b.type === 'text' ? b.text.slice(0, 30) : b.type))).toEqual(['Here is your cat.', '[The model answered an image (']);
  });
});

describe('an image model behind an OpenAI-compatible server (OpenRouter, LiteLLM) → other clients', () => {
  const s = useOpenAICustom();
  const model = 'google/gemini-2.5-flash-image';
  const ask = { text: 'Here is your cat.', images: [{ mimeType: 'image/png', data: PNG }] };

  test('a Gemini client gets message.images / delta.images as inlineData parts, whole and streamed', async () => {
    const genai = new GoogleGenAI({ apiKey: s.proxy.key, httpOptions: { baseUrl: s.proxy.url, apiVersion: 'v1beta' } });
    s.upstream.queue(ask);
    const res = await genai.models.generateContent({ model, contents: 'Draw a cat' });
    expect(res.candidates?.[0]?.content?.parts).toEqual([{ text: 'Here is your cat.' }, { inlineData: { mimeType: 'image/png', data: PNG } }]);

    s.upstream.queue(ask);
    const images: unknown[] = [];
    for await (const chunk of await genai.models.generateContentStream({ model, contents: 'Draw a cat' })) {
      for (const p of chunk.candidates?.[0]?.content?.parts ?? []) if (p.inlineData) images.push(p.inlineData);
    }
    expect(images).toEqual([{ mimeType: 'image/png', data: PNG }]);
  });

  test('an Anthropic client gets the note, streamed', async () => {
    const client = new Anthropic({ apiKey: s.proxy.key, baseURL: s.proxy.url, maxRetries: 0 });
    s.upstream.queue(ask);
    const msg = await client.messages.stream({ model, max_tokens: 1000, messages: [{ role: 'user', content: 'Draw a cat' }] }).finalMessage();
    expect(msg.content.map((b) => (b.type === 'text' ? b.text.slice(0, 30) : b.type))).toEqual(['Here is your cat.', '[The model answered an image (']);
  });
});
