/**
 * The `openai` SDK against aiproxy with a claude-custom or gemini-cli upstream: text, system prompts,
 * multi-turn history, images, sampling settings, finish reasons, usage and model listing, streaming
 * and not. Each test checks both what the SDK user sees and what the strict upstream mock received.
 */
import { afterAll, beforeAll, describe, expect, test } from 'bun:test';
import type OpenAI from 'openai';
import { startStack, type Stack } from '../helpers/stack.ts';
import {
  CLAUDE,
  GEMINI,
  MULTIBYTE,
  PNG_BASE64,
  UPSTREAMS,
  clientFor,
  collect,
  dig,
  lastBody,
  lastCall,
  type Upstream,
} from './openai-client-util.ts';

let s: Stack;
beforeAll(async () => {
  // Image URLs below are served from 127.0.0.1, which aiproxy refuses to fetch unless told it may.
  s = await startStack(undefined, ['--allow-private-media-urls', 'true']);
});
afterAll(() => s.stop());

/** What each mock answers by default, so a test can tell which user text reached the upstream. */
const heard = (u: Upstream, text: string): string =>
  `mock(${u.name === 'claude-custom' ? 'anthropic' : 'gemini'}) heard: ${text}`;

for (const u of UPSTREAMS) {
  describe(`OpenAI client → ${u.name}: text`, () => {
    test('non-streaming: a chat.completion with the answer, stop and consistent usage', async () => {
      const client = clientFor(s, u.name);
      const res = await client.chat.completions.create({ model: u.model, messages: [{ role: 'user', content: 'Hello 你好' }] });
      expect(res.object).toBe('chat.completion');
      expect(res.id).toStartWith('chatcmpl-');
      expect(res.model).toBe(u.model);
      expect(res.choices).toHaveLength(1);
      expect(res.choices[0]!.message).toMatchObject({ role: 'assistant', content: heard(u, 'Hello 你好') });
      expect(res.choices[0]!.message.tool_calls).toBeUndefined();
      expect(res.choices[0]!.finish_reason).toBe('stop');
      const usage = res.usage!;
      expect(usage.prompt_tokens).toBeGreaterThan(0);
      expect(usage.completion_tokens).toBeGreaterThan(0);
      expect(usage.total_tokens).toBe(usage.prompt_tokens + usage.completion_tokens);
      expect(u.mock(s).calls).not.toHaveLength(0);
      expect(lastCall(u.mock(s)).status).toBe(200);
    });

    test('streaming: role chunk first, one stable id, multi-byte text split across network writes, [DONE]', async () => {
      u.mock(s).queue({ text: MULTIBYTE, splitBytes: 1 });
      const client = clientFor(s, u.name);
      const stream = await client.chat.completions.create({ model: u.model, stream: true, messages: [{ role: 'user', content: 'hi' }] });
      const got = await collect(stream);
      expect(got.content).toBe(MULTIBYTE);
      expect(got.finishReason).toBe('stop');
      expect(got.chunks[0]!.choices[0]!.delta).toMatchObject({ role: 'assistant' });
      expect(new Set(got.chunks.map((c) => c.id)).size).toBe(1);
      expect(got.chunks[0]!.id).toStartWith('chatcmpl-');
      expect(got.chunks.every((c) => c.object === 'chat.completion.chunk' && c.model === u.model)).toBe(true);
      // Without stream_options.include_usage there is no usage chunk.
      expect(got.usage ?? null).toBeNull();
      expect(got.chunks.every((c) => c.choices.length === 1)).toBe(true);
      // The upstream was asked to stream, in its own way.
      if (u === CLAUDE) expect(lastBody(u.mock(s)).stream).toBe(true);
      else expect(lastCall(u.mock(s)).url).toEndWith(':streamGenerateContent?alt=sse');
    });

    test('on the wire: data-only SSE frames, finish chunk, usage chunk, then data: [DONE]', async () => {
      const res = await fetch(`${s.proxy.url}/${u.name}/v1/chat/completions`, {
        method: 'POST',
        headers: { authorization: `Bearer ${s.proxy.key}`, 'content-type': 'application/json' },
        body: JSON.stringify({ model: u.model, stream: true, stream_options: { include_usage: true }, messages: [{ role: 'user', content: 'wire' }] }),
      });
      expect(res.status).toBe(200);
      expect(res.headers.get('content-type')).toStartWith('text/event-stream');
      const frames = (await res.text()).split('\n\n').filter((f) => f !== '');
      expect(frames.every((f) => f.startsWith('data: ') && !f.includes('\n'))).toBe(true);
      expect(frames[frames.length - 1]).toBe('data: [DONE]');
      const json = frames.slice(0, -1).map((f) => JSON.parse(f.slice('data: '.length)) as OpenAI.ChatCompletionChunk);
      expect(json.at(-1)).toMatchObject({ choices: [], usage: { total_tokens: expect.any(Number) } });
      expect(json.at(-2)!.choices[0]).toMatchObject({ delta: {}, finish_reason: 'stop' });
      expect(json.filter((c) => c.choices[0]?.finish_reason).length).toBe(1);
    });

    test('streaming with include_usage: the SDK stream helper gets the usage chunk after the finish chunk', async () => {
      const client = clientFor(s, u.name);
      const stream = client.chat.completions.stream({
        model: u.model,
        messages: [{ role: 'user', content: 'count me' }],
        stream_options: { include_usage: true },
      });
      const chunks: OpenAI.ChatCompletionChunk[] = [];
      stream.on('chunk', (c) => chunks.push(c));
      const final = await stream.finalChatCompletion();
      expect(final.choices[0]!.message.content).toBe(heard(u, 'count me'));
      expect(final.choices[0]!.finish_reason).toBe('stop');
      const usageChunk = chunks[chunks.length - 1]!;
      expect(usageChunk.choices).toEqual([]);
      expect(usageChunk.usage!.total_tokens).toBe(usageChunk.usage!.prompt_tokens + usageChunk.usage!.completion_tokens);
      expect(usageChunk.usage!.prompt_tokens).toBeGreaterThan(0);
      // Every earlier chunk says `usage: null`, as OpenAI does with include_usage.
      expect(chunks.slice(0, -1).every((c) => c.usage === null)).toBe(true);
      expect(chunks[chunks.length - 2]!.choices[0]!.finish_reason).toBe('stop');
    });
  });

  describe(`OpenAI client → ${u.name}: conversation`, () => {
    test('system and developer messages, leading and mid-conversation, reach the upstream system prompt', async () => {
      const client = clientFor(s, u.name);
      const res = await client.chat.completions.create({
        model: u.model,
        messages: [
          { role: 'system', content: 'You are terse.' },
          { role: 'developer', content: [{ type: 'text', text: 'Answer in French.' }] },
          { role: 'user', content: 'Bonjour' },
          { role: 'assistant', content: 'Salut.' },
          { role: 'system', content: 'Be polite.' },
          { role: 'user', content: 'Ça va ?' },
        ],
      });
      expect(res.choices[0]!.message.content).toBe(heard(u, 'Ça va ?'));
      const body = lastBody(u.mock(s));
      if (u === CLAUDE) {
        expect(body.system).toEqual([
          { type: 'text', text: 'You are terse.' },
          { type: 'text', text: 'Answer in French.' },
          { type: 'text', text: 'Be polite.' },
        ]);
        expect(body.messages).toEqual([
          { role: 'user', content: [{ type: 'text', text: 'Bonjour' }] },
          { role: 'assistant', content: [{ type: 'text', text: 'Salut.' }] },
          { role: 'user', content: [{ type: 'text', text: 'Ça va ?' }] },
        ]);
      } else {
        const system = dig(body, 'systemInstruction', 'parts', 0, 'text') as string;
        expect(system).toContain('You are terse.');
        expect(system).toContain('Answer in French.');
        expect(system).toContain('Be polite.');
        expect(system.indexOf('You are terse.')).toBeLessThan(system.indexOf('Answer in French.'));
        expect(body.contents).toEqual([
          { role: 'user', parts: [{ text: 'Bonjour' }] },
          { role: 'model', parts: [{ text: 'Salut.' }] },
          { role: 'user', parts: [{ text: 'Ça va ?' }] },
        ]);
      }
    });

    test('multi-turn history keeps its order; consecutive user messages merge into one turn', async () => {
      const client = clientFor(s, u.name);
      const stream = await client.chat.completions.create({
        model: u.model,
        stream: true,
        messages: [
          { role: 'user', content: 'one' },
          { role: 'assistant', content: 'two' },
          { role: 'user', content: 'three' },
          { role: 'user', content: 'four' },
          { role: 'assistant', content: 'five' },
          { role: 'user', content: 'six' },
        ],
      });
      const got = await collect(stream);
      expect(got.content).toBe(heard(u, 'six'));
      const body = lastBody(u.mock(s));
      if (u === CLAUDE) {
        expect(body.messages).toEqual([
          { role: 'user', content: [{ type: 'text', text: 'one' }] },
          { role: 'assistant', content: [{ type: 'text', text: 'two' }] },
          { role: 'user', content: [{ type: 'text', text: 'three' }, { type: 'text', text: 'four' }] },
          { role: 'assistant', content: [{ type: 'text', text: 'five' }] },
          { role: 'user', content: [{ type: 'text', text: 'six' }] },
        ]);
        expect(body.stream).toBe(true);
      } else {
        expect(body.contents).toEqual([
          { role: 'user', parts: [{ text: 'one' }] },
          { role: 'model', parts: [{ text: 'two' }] },
          { role: 'user', parts: [{ text: 'three' }, { text: 'four' }] },
          { role: 'model', parts: [{ text: 'five' }] },
          { role: 'user', parts: [{ text: 'six' }] },
        ]);
        expect(lastCall(u.mock(s)).url).toBe(`/v1beta/models/${u.model}:streamGenerateContent?alt=sse`);
      }
    });

    test('a base64 image reaches the upstream as its own inline image form', async () => {
      const client = clientFor(s, u.name);
      const res = await client.chat.completions.create({
        model: u.model,
        messages: [
          {
            role: 'user',
            content: [
              { type: 'text', text: 'What is this?' },
              { type: 'image_url', image_url: { url: `data:image/png;base64,${PNG_BASE64}`, detail: 'high' } },
            ],
          },
        ],
      });
      expect(res.choices[0]!.message.content).toBe(heard(u, 'What is this?'));
      const body = lastBody(u.mock(s));
      if (u === CLAUDE) {
        expect(dig(body, 'messages', 0, 'content')).toEqual([
          { type: 'text', text: 'What is this?' },
          { type: 'image', source: { type: 'base64', media_type: 'image/png', data: PNG_BASE64 } },
        ]);
      } else {
        expect(dig(body, 'contents', 0, 'parts')).toEqual([
          { text: 'What is this?' },
          { inlineData: { mimeType: 'image/png', data: PNG_BASE64 } },
        ]);
      }
    });

    test('an http image URL: Anthropic gets the URL, Gemini gets the bytes aiproxy fetched and inlined', async () => {
      const png = Buffer.from(PNG_BASE64, 'base64');
      let fetched = 0;
      const images = Bun.serve({
        hostname: '127.0.0.1',
        port: 0,
        fetch() {
          fetched++;
          return new Response(png, { headers: { 'content-type': 'image/png' } });
        },
      });
      try {
        const url = `http://127.0.0.1:${images.port}/cat.png?size=1`;
        const stream = await clientFor(s, u.name).chat.completions.create({
          model: u.model,
          stream: true,
          messages: [{ role: 'user', content: [{ type: 'text', text: 'Describe' }, { type: 'image_url', image_url: { url } }] }],
        });
        expect((await collect(stream)).content).toBe(heard(u, 'Describe'));
        const body = lastBody(u.mock(s));
        if (u === CLAUDE) {
          expect(dig(body, 'messages', 0, 'content', 1)).toEqual({ type: 'image', source: { type: 'url', url } });
          expect(fetched).toBe(0);
        } else {
          expect(dig(body, 'contents', 0, 'parts', 1)).toEqual({ inlineData: { mimeType: 'image/png', data: PNG_BASE64 } });
          expect(fetched).toBe(1);
        }
      } finally {
        await images.stop(true);
      }
    });

    test('sampling and limits arrive in the upstream’s own names; temperature 0 stays 0', async () => {
      const client = clientFor(s, u.name);
      await client.chat.completions.create({
        model: u.model,
        messages: [{ role: 'user', content: 'x' }],
        temperature: 0,
        top_p: 0.5,
        stop: ['END', 'STOP'],
        max_completion_tokens: 100,
        seed: 7,
        user: 'user-42',
      });
      const body = lastBody(u.mock(s));
      if (u === CLAUDE) {
        // Claude 4.5 and later refuse temperature and top_p together: temperature goes, top_p stays behind.
        expect(body).toMatchObject({ temperature: 0, stop_sequences: ['END', 'STOP'], max_tokens: 100, metadata: { user_id: 'user-42' } });
        expect(body).not.toHaveProperty('top_p');
        expect(body.seed).toBeUndefined();
      } else {
        // 100 tokens would all go to Gemini 2.5's unasked thinking: it goes off (openai-client-thinking.test.ts).
        expect(body.generationConfig).toEqual({
          temperature: 0,
          topP: 0.5,
          stopSequences: ['END', 'STOP'],
          maxOutputTokens: 100,
          seed: 7,
          thinkingConfig: { thinkingBudget: 0 },
        });
      }
    });

    test('an OpenAI client with no max tokens still sends Anthropic the max_tokens it requires', async () => {
      if (u !== CLAUDE) return;
      await clientFor(s, u.name).chat.completions.create({ model: u.model, messages: [{ role: 'user', content: 'x' }] });
      expect(lastBody(u.mock(s)).max_tokens).toBeGreaterThan(0);
    });

    test('JSON schema output is asked for in the upstream’s own way', async () => {
      const schema = { type: 'object', properties: { city: { type: 'string' } }, required: ['city'], additionalProperties: false };
      u.mock(s).queue({ text: '{"city":"Paris"}' });
      const res = await clientFor(s, u.name).chat.completions.create({
        model: u.model,
        messages: [{ role: 'user', content: 'Where?' }],
        response_format: { type: 'json_schema', json_schema: { name: 'place', schema, strict: true } },
      });
      expect(JSON.parse(res.choices[0]!.message.content!)).toEqual({ city: 'Paris' });
      const body = lastBody(u.mock(s));
      if (u === CLAUDE) expect(body.output_config).toEqual({ format: { type: 'json_schema', schema } });
      else expect(body.generationConfig).toMatchObject({ responseMimeType: 'application/json', responseJsonSchema: schema });
    });

    // Claude, asked for JSON in words, often answers it inside a ```json fence (router-for-me/CLIProxyAPI#2174),
    // which the client's JSON.parse fails on.
    test('JSON mode answered inside a Markdown fence: the client gets the bare JSON, streaming or not', async () => {
      const fenced = '```json\n{"city": "Paris", "tags": ["a`b"]}\n```';
      u.mock(s).queue({ text: fenced }, { text: fenced });
      const params = { model: u.model, messages: [{ role: 'user' as const, content: 'Where? Answer in JSON.' }], response_format: { type: 'json_object' as const } };
      const res = await clientFor(s, u.name).chat.completions.create(params);
      expect(JSON.parse(res.choices[0]!.message.content!)).toEqual({ city: 'Paris', tags: ['a`b'] });
      const got = await collect(await clientFor(s, u.name).chat.completions.create({ ...params, stream: true }));
      expect(JSON.parse(got.content)).toEqual({ city: 'Paris', tags: ['a`b'] });
      expect(got.finishReason).toBe('stop');
    });

    // Pydantic writes a description beside the $ref of a model-typed field; Gemini's responseJsonSchema
    // refuses any keyword but $-ones there (google-gemini/gemini-cli#4758).
    test('a $ref with a description beside it is accepted upstream, and parse reads the answer', async () => {
      if (u !== GEMINI) return;
      const hero = { type: 'object', properties: { name: { type: 'string' } }, required: ['name'], additionalProperties: false };
      const schema = { type: 'object', properties: { hero: { $ref: '#/$defs/Hero', description: 'The hero' } }, required: ['hero'], additionalProperties: false, $defs: { Hero: hero } };
      const response_format = { type: 'json_schema' as const, json_schema: { name: 'story', schema } };
      u.mock(s).queue({ text: '{"hero":{"name":"Ada"}}' }, { text: '{"hero":{"name":"Ada"}}' });
      const res = await clientFor(s, u.name).chat.completions.parse({ model: u.model, messages: [{ role: 'user', content: 'A hero?' }], response_format });
      expect(res.choices[0]!.message.parsed).toEqual({ hero: { name: 'Ada' } });
      expect(lastCall(u.mock(s)).status).toBe(200);
      expect(dig(lastBody(u.mock(s)), 'generationConfig', 'responseJsonSchema', 'properties', 'hero')).toEqual({ ...hero, description: 'The hero' });
      const final = await clientFor(s, u.name).chat.completions.stream({ model: u.model, messages: [{ role: 'user', content: 'A hero?' }], response_format }).finalChatCompletion();
      expect(final.choices[0]!.message.parsed).toEqual({ hero: { name: 'Ada' } });
    });

    // A schema as Pydantic or Zod write it without strict mode: open objects, value bounds. OpenAI takes it
    // as a guide; Anthropic's structured outputs answer 400 to both (ax-llm/ax#458, laravel/ai#715).
    test('a non-strict JSON schema with open objects and bounds is accepted upstream', async () => {
      const schema = {
        type: 'object',
        properties: { city: { type: 'string', minLength: 1 }, stars: { type: 'integer', minimum: 1, maximum: 5 }, where: { type: 'object', properties: { lat: { type: 'number' } } } },
        required: ['city'],
      };
      u.mock(s).queue({ text: '{"city":"Paris","stars":4}' });
      const res = await clientFor(s, u.name).chat.completions.create({
        model: u.model,
        messages: [{ role: 'user', content: 'Where?' }],
        response_format: { type: 'json_schema', json_schema: { name: 'place', schema } },
      });
      expect(JSON.parse(res.choices[0]!.message.content!)).toEqual({ city: 'Paris', stars: 4 });
      if (u !== CLAUDE) return;
      const sent = dig(lastBody(u.mock(s)), 'output_config', 'format', 'schema');
      expect(sent).toMatchObject({ additionalProperties: false, properties: { where: { additionalProperties: false }, stars: { type: 'integer' } } });
      expect(JSON.stringify(sent)).not.toMatch(/"(minimum|maximum|minLength)":/);
    });
  });

  describe(`OpenAI client → ${u.name}: finish reasons and usage`, () => {
    const maxTokens = u === CLAUDE ? 'max_tokens' : 'MAX_TOKENS';
    const refusal = u === CLAUDE ? 'refusal' : 'SAFETY';

    test('max tokens → length, streaming and not', async () => {
      const client = clientFor(s, u.name);
      u.mock(s).queue({ text: 'cut sho', finish: maxTokens }, { text: 'cut sho', finish: maxTokens });
      const res = await client.chat.completions.create({ model: u.model, max_tokens: 3, messages: [{ role: 'user', content: 'x' }] });
      expect(res.choices[0]!.finish_reason).toBe('length');
      expect(res.choices[0]!.message.content).toBe('cut sho');
      const got = await collect(
        await client.chat.completions.create({ model: u.model, max_tokens: 3, stream: true, messages: [{ role: 'user', content: 'x' }] }),
      );
      expect(got.finishReason).toBe('length');
      expect(got.content).toBe('cut sho');
    });

    test('a refusal / safety stop → content_filter, streaming and not', async () => {
      const client = clientFor(s, u.name);
      u.mock(s).queue({ text: 'I cannot', finish: refusal }, { text: 'I cannot', finish: refusal });
      const res = await client.chat.completions.create({ model: u.model, messages: [{ role: 'user', content: 'x' }] });
      expect(res.choices[0]!.finish_reason).toBe('content_filter');
      const got = await collect(await client.chat.completions.create({ model: u.model, stream: true, messages: [{ role: 'user', content: 'x' }] }));
      expect(got.finishReason).toBe('content_filter');
    });

    test('usage per protocols.md §6.6: cached tokens inside prompt_tokens, reasoning inside completion_tokens', async () => {
      const client = clientFor(s, u.name);
      const usage = { input: 100, output: 40, cached: 30, reasoning: 10 };
      u.mock(s).queue({ text: 'ok', usage }, { text: 'ok', usage });
      // Anthropic does not report thinking tokens separately; Gemini does (thoughtsTokenCount).
      const expected = {
        prompt_tokens: 100,
        completion_tokens: 40,
        total_tokens: 140,
        prompt_tokens_details: { cached_tokens: 30 },
        completion_tokens_details: { reasoning_tokens: u === CLAUDE ? 0 : 10 },
      };
      const res = await client.chat.completions.create({ model: u.model, messages: [{ role: 'user', content: 'x' }] });
      expect(res.usage).toMatchObject(expected);
      const got = await collect(
        await client.chat.completions.create({
          model: u.model,
          stream: true,
          stream_options: { include_usage: true },
          messages: [{ role: 'user', content: 'x' }],
        }),
      );
      expect(got.usage).toMatchObject(expected);
    });

    test('a prompt the upstream counts as 0 tokens is estimated from the request, streaming and not; its output count is kept', async () => {
      // z.ai's Anthropic-compatible endpoint reports input_tokens 0 for real prompts (archestra-ai/archestra#5914).
      const client = clientFor(s, u.name);
      const usage = { input: 0, output: 7 };
      const messages = [{ role: 'user' as const, content: 'z'.repeat(2000) }];
      u.mock(s).queue({ text: 'ok', usage });
      const res = await client.chat.completions.create({ model: u.model, messages });
      u.mock(s).queue({ text: 'ok', usage });
      const got = await collect(await client.chat.completions.create({ model: u.model, stream: true, stream_options: { include_usage: true }, messages }));
      expect(res.usage!.prompt_tokens).toBeGreaterThan(500);
      expect(res.usage).toMatchObject({ completion_tokens: 7, total_tokens: res.usage!.prompt_tokens + 7 });
      expect(got.usage).toMatchObject({ prompt_tokens: res.usage!.prompt_tokens, completion_tokens: 7 });
      expect(s.proxy.logs.at(-1)).toContain(`in=${res.usage!.prompt_tokens} out=7`);
    });
  });
}

// Claude 4.6 on refuses a conversation ending with the assistant ("This model does not support assistant
// message prefill"), which a Chat Completions history can (openclaw/openclaw#75395); OpenAI answers it anew.
describe('OpenAI client → claude-custom: a history ending with the assistant, to a model without prefill', () => {
  const endings: Array<[string, OpenAI.ChatCompletionMessageParam[]]> = [
    ['the assistant’s words', [{ role: 'assistant', content: 'Once upon a time' }]],
    ['a system message after them', [{ role: 'assistant', content: 'Once upon a time' }, { role: 'system', content: 'Be brief.' }]],
  ];
  for (const [label, tail] of endings) {
    for (const stream of [false, true]) {
      test(`${label} (${stream ? 'stream' : 'non-stream'}): a user turn closes it and the answer comes`, async () => {
        s.claude.queue({ text: 'the end' });
        const messages: OpenAI.ChatCompletionMessageParam[] = [{ role: 'user', content: 'A story?' }, ...tail];
        const client = clientFor(s, CLAUDE.name);
        const content = stream
          ? (await collect(await client.chat.completions.create({ model: 'claude-sonnet-4-6', messages, stream: true }))).content
          : (await client.chat.completions.create({ model: 'claude-opus-4-7', messages })).choices[0]!.message.content;
        expect(content).toBe('the end');
        expect((lastBody(s.claude).messages as unknown[]).slice(1)).toEqual([
          { role: 'assistant', content: [{ type: 'text', text: 'Once upon a time' }] },
          { role: 'user', content: [{ type: 'text', text: 'Continue.' }] },
        ]);
      });
    }
  }
});

describe('OpenAI client: routing and models', () => {
  test('X-Model-Provider routes a plain /v1 request to the named upstream', async () => {
    const before = s.gemini.calls.length;
    const res = await s.openaiClient.chat.completions.create(
      { model: GEMINI.model, messages: [{ role: 'user', content: 'via header' }] },
      { headers: { 'x-model-provider': 'gemini-cli' } },
    );
    expect(res.choices[0]!.message.content).toBe(heard(GEMINI, 'via header'));
    expect(s.gemini.calls.length).toBe(before + 1);
  });

  test('models.list and models.retrieve through a provider prefix show that upstream’s models in OpenAI shape', async () => {
    const claude = clientFor(s, 'claude-custom');
    const ids: string[] = [];
    for await (const m of claude.models.list()) {
      expect(m.object).toBe('model');
      ids.push(m.id);
      if (ids.length > 100) break;
    }
    expect(ids).toContain('claude-sonnet-4-5-20250929');
    expect(ids.some((id) => id.startsWith('gemini-'))).toBe(false);
    const one = await claude.models.retrieve('claude-sonnet-4-5-20250929');
    expect(one).toMatchObject({ id: 'claude-sonnet-4-5-20250929', object: 'model', owned_by: 'claude-custom' });

    const gemini = clientFor(s, 'gemini-cli');
    const page = await gemini.models.list();
    expect(page.data.map((m) => m.id)).toContain('gemini-2.5-flash');
    const missing = await gemini.models.retrieve('no-such-model').catch((e: unknown) => e);
    expect(missing).toBeInstanceOf(Error);
    expect((missing as { status?: number }).status).toBe(404);
  });
});
