/**
 * The Responses API (`POST /v1/responses`) from the official `openai` SDK through aiproxy to each
 * upstream (openai-custom via Chat Completions, claude-custom, gemini-cli): plain text answers,
 * streamed and not, with the event grammar a Responses client relies on; `instructions` as the
 * upstream's system prompt; usage; routing by model without a prefix; and an answer cut by
 * max_output_tokens, which is `incomplete`, not `completed`.
 */
import { afterAll, beforeAll, describe, expect, test } from 'bun:test';
import OpenAI from 'openai';
import type { ResponseOutputMessage, ResponseStreamEvent } from 'openai/resources/responses/responses';
import { startStack, type Stack } from '../helpers/stack.ts';
import { MULTIBYTE, PNG_BASE64 } from './openai-client-util.ts';
import {
  GEMINI,
  OPENAI,
  CLAUDE,
  UPSTREAMS,
  clientFor,
  dig,
  eventShape,
  expectSequenced,
  lastBody,
  lastCall,
  maxTokensSent,
  ofType,
  rawEvents,
  streamAll,
  systemText,
  turns,
  within,
} from './responses-client-util.ts';

let s: Stack;
beforeAll(async () => {
  s = await startStack();
});
afterAll(() => s.stop());

/** The event sequence of one streamed text message (deltas collapsed). */
const TEXT_SEQUENCE = [
  'response.created',
  'response.in_progress',
  'response.output_item.added',
  'response.content_part.added',
  'response.output_text.delta',
  'response.output_text.done',
  'response.content_part.done',
  'response.output_item.done',
  'response.completed',
];

/** The mocks' default answer, which names the user text they received. */
const heard = (u: (typeof UPSTREAMS)[number], text: string): string => `mock(${u.family}) heard: ${text}`;

for (const u of UPSTREAMS) {
  describe(`Responses client → ${u.name}: text`, () => {
    test('non-streaming: one completed message item with output_text, usage, model; instructions become the system prompt', async () => {
      u.mock(s).queue({ usage: { input: 12, output: 5, cached: 4 } });
      const res = await clientFor(s, u.name).responses.create({
        model: u.model,
        instructions: 'Be terse.',
        input: 'Hello 你好',
      });
      expect(res.object).toBe('response');
      expect(res.id).toStartWith('resp_');
      expect(res.status).toBe('completed');
      expect(res.model).toBe(u.model);
      expect(res.error ?? null).toBeNull();
      expect(res.incomplete_details ?? null).toBeNull();
      expect(typeof res.created_at).toBe('number');

      expect(res.output).toHaveLength(1);
      const item = res.output[0] as ResponseOutputMessage;
      expect(item).toMatchObject({ type: 'message', role: 'assistant', status: 'completed' });
      expect(item.id).toStartWith('msg_');
      expect(item.content).toHaveLength(1);
      expect(item.content[0]).toMatchObject({ type: 'output_text', text: heard(u, 'Hello 你好'), annotations: [] });
      // The SDK's convenience property: all output_text joined.
      expect(res.output_text).toBe(heard(u, 'Hello 你好'));

      expect(res.usage).toMatchObject({
        input_tokens: 12,
        input_tokens_details: { cached_tokens: 4 },
        output_tokens: 5,
        output_tokens_details: { reasoning_tokens: 0 },
        total_tokens: 17,
      });

      const body = lastBody(u.mock(s));
      expect(lastCall(u.mock(s)).status).toBe(200);
      expect(systemText(u, body)).toBe('Be terse.');
      // The instructions are not also sent as a user turn.
      expect(turns(u, body)).toEqual([['user', 'Hello 你好']]);
      if (u === OPENAI) expect(lastCall(s.openai).url).toBe('/v1/chat/completions');
    });

    test('non-streaming: an input array of messages (assistant history as output_text) becomes the upstream history in order', async () => {
      const res = await clientFor(s, u.name).responses.create({
        model: u.model,
        input: [
          { role: 'developer', content: 'Answer in English.' },
          { role: 'user', content: [{ type: 'input_text', text: 'first' }] },
          { type: 'message', role: 'assistant', content: [{ type: 'output_text', text: 'ack', annotations: [] }], id: 'msg_prev1', status: 'completed' },
          { role: 'user', content: 'second' },
        ],
      });
      expect(res.output_text).toBe(heard(u, 'second'));
      const body = lastBody(u.mock(s));
      expect(systemText(u, body)).toBe('Answer in English.');
      const assistantRole = u.family === 'gemini' ? 'model' : 'assistant';
      expect(turns(u, body)).toEqual([['user', 'first'], [assistantRole, 'ack'], ['user', 'second']]);
    });

    test('streaming (multi-byte text split across network chunks): the event grammar, deltas that add up, a completed response with usage', async () => {
      u.mock(s).queue({ text: MULTIBYTE, splitBytes: 3, usage: { input: 9, output: 7 } });
      const { events, final } = await streamAll(clientFor(s, u.name), {
        model: u.model,
        instructions: 'Be terse.',
        input: 'stream please',
      });
      expect(eventShape(events)).toEqual(TEXT_SEQUENCE);
      expectSequenced(events);

      const deltas = ofType(events, 'response.output_text.delta');
      expect(deltas.length).toBeGreaterThan(1);
      expect(deltas.map((d) => d.delta).join('')).toBe(MULTIBYTE);
      const done = ofType(events, 'response.output_text.done')[0]!;
      expect(done.text).toBe(MULTIBYTE);

      const added = ofType(events, 'response.output_item.added')[0]!;
      expect(added.output_index).toBe(0);
      expect(added.item).toMatchObject({ type: 'message', role: 'assistant' });
      const itemId = added.item.id!;
      expect(itemId).toStartWith('msg_');
      for (const d of deltas) expect(d).toMatchObject({ item_id: itemId, output_index: 0, content_index: 0 });
      expect(done).toMatchObject({ item_id: itemId, output_index: 0, content_index: 0 });
      expect(ofType(events, 'response.output_item.done')[0]!.item).toMatchObject({
        id: itemId,
        type: 'message',
        status: 'completed',
        content: [{ type: 'output_text', text: MULTIBYTE }],
      });

      const created = ofType(events, 'response.created')[0]!;
      expect(created.response.status).toBe('in_progress');
      expect(created.response.id).toStartWith('resp_');
      const completed = ofType(events, 'response.completed')[0]!;
      expect(completed.response.id).toBe(created.response.id);
      expect(completed.response.status).toBe('completed');
      expect(completed.response.usage).toMatchObject({ input_tokens: 9, output_tokens: 7, total_tokens: 16 });

      expect(final.status).toBe('completed');
      expect(final.output_text).toBe(MULTIBYTE);
      expect(final.model).toBe(u.model);
      expect(systemText(u, lastBody(u.mock(s)))).toBe('Be terse.');
    });

    test('streaming, plain SDK event stream: sequence numbers from 0, same grammar, upstream asked to stream', async () => {
      u.mock(s).queue({ text: 'alpha beta gamma delta' });
      const events = await rawEvents(clientFor(s, u.name), { model: u.model, input: 'x' });
      expectSequenced(events);
      expect(eventShape(events)).toEqual(TEXT_SEQUENCE);
      expect(ofType(events, 'response.output_text.delta').map((d) => d.delta).join('')).toBe('alpha beta gamma delta');
      const call = lastCall(u.mock(s));
      if (u.family === 'gemini') expect(call.url).toContain(':streamGenerateContent');
      else expect(lastBody(u.mock(s)).stream).toBe(true);
    });

    test('on the wire: `event:` names match each data type, the stream ends with response.completed and has no [DONE]', async () => {
      u.mock(s).queue({ text: 'one two' });
      const res = await fetch(`${s.proxy.url}/${u.name}/v1/responses`, {
        method: 'POST',
        headers: { authorization: `Bearer ${s.proxy.key}`, 'content-type': 'application/json' },
        body: JSON.stringify({ model: u.model, input: 'x', stream: true }),
      });
      expect(res.status).toBe(200);
      expect(res.headers.get('content-type')).toStartWith('text/event-stream');
      const text = await within(res.text());
      expect(text).not.toContain('[DONE]');
      const frames = text.split('\n\n').filter((f) => f.trim() !== '');
      const types: string[] = [];
      for (const frame of frames) {
        const event = /^event: (.+)$/m.exec(frame)?.[1];
        const data = JSON.parse(/^data: (.+)$/m.exec(frame)![1]!) as { type: string };
        expect(event).toBe(data.type);
        types.push(data.type);
      }
      expect(types.at(-1)).toBe('response.completed');
      expect(types.filter((t) => t === 'response.completed')).toHaveLength(1);
    });

    test('an input_image (data URL) next to input_text reaches the upstream as its own inline image', async () => {
      await clientFor(s, u.name).responses.create({
        model: u.model,
        input: [{ role: 'user', content: [{ type: 'input_text', text: 'What is this?' }, { type: 'input_image', image_url: `data:image/png;base64,${PNG_BASE64}`, detail: 'high' }] }],
      });
      expect(lastCall(u.mock(s)).status).toBe(200);
      const body = lastBody(u.mock(s));
      if (u.family === 'openai') {
        expect(dig(body, 'messages', 0, 'content')).toEqual([
          { type: 'text', text: 'What is this?' },
          { type: 'image_url', image_url: { url: `data:image/png;base64,${PNG_BASE64}`, detail: 'high' } },
        ]);
      } else if (u.family === 'anthropic') {
        expect(dig(body, 'messages', 0, 'content')).toEqual([
          { type: 'text', text: 'What is this?' },
          // The conversation's last block is a prompt cache breakpoint (responses-codex-wire.test.ts).
          { type: 'image', source: { type: 'base64', media_type: 'image/png', data: PNG_BASE64 }, cache_control: { type: 'ephemeral' } },
        ]);
      } else {
        expect(dig(body, 'contents', 0, 'parts')).toEqual([{ text: 'What is this?' }, { inlineData: { mimeType: 'image/png', data: PNG_BASE64 } }]);
      }
    });

    test('text.format json_schema asks the upstream for that JSON in its own way', async () => {
      const schema = { type: 'object', properties: { city: { type: 'string' } }, required: ['city'], additionalProperties: false };
      u.mock(s).queue({ text: '{"city":"Paris"}' });
      const res = await clientFor(s, u.name).responses.create({
        model: u.model,
        input: 'Where?',
        text: { format: { type: 'json_schema', name: 'place', schema, strict: true } },
      });
      expect(JSON.parse(res.output_text)).toEqual({ city: 'Paris' });
      const body = lastBody(u.mock(s));
      if (u.family === 'openai') expect(body.response_format).toEqual({ type: 'json_schema', json_schema: { name: 'place', schema, strict: true } });
      else if (u.family === 'anthropic') expect(body.output_config).toEqual({ format: { type: 'json_schema', schema } });
      else expect(body.generationConfig).toMatchObject({ responseMimeType: 'application/json', responseJsonSchema: schema });
    });

    // OpenAI's structured outputs answer a request they will not fill in with a refusal (message.refusal),
    // which the SDK's parse helpers leave unparsed; as output_text they JSON.parse it and throw
    // (Oaklight/llm-rosetta#429: a converter that made refusals text; pydantic/pydantic-ai#4310 the symptom).
    test('a refusal arrives as a refusal part, not output_text: responses.parse gives output_parsed null, streamed and not', async () => {
      if (u.family !== 'openai') return;
      const refusal = "I'm sorry, I cannot assist with that request.";
      const schema = { type: 'object', properties: { city: { type: 'string' } }, required: ['city'], additionalProperties: false };
      const text = { format: { type: 'json_schema' as const, name: 'place', schema, strict: true } };
      u.mock(s).queue({ refusal }, { refusal });
      const res = await clientFor(s, u.name).responses.parse({ model: u.model, input: 'Where?', text });
      expect(res.output_parsed).toBeNull();
      expect(res.output).toHaveLength(1);
      expect(res.output[0]).toMatchObject({ type: 'message', content: [{ type: 'refusal', refusal }] });
      expect(res.output_text).toBe('');
      const stream = clientFor(s, u.name).responses.stream({ model: u.model, input: 'Where?', text });
      const events: ResponseStreamEvent[] = [];
      for await (const e of stream) events.push(e);
      const final = await stream.finalResponse();
      expect(final.output_parsed).toBeNull();
      expect(final.output[0]).toMatchObject({ type: 'message', content: [{ type: 'refusal', refusal }] });
      expect(eventShape(events)).toEqual(TEXT_SEQUENCE.map((t) => t.replace('output_text', 'refusal')));
      expect(ofType(events, 'response.refusal.delta').map((e) => e.delta).join('')).toBe(refusal);
      expect(ofType(events, 'response.refusal.done')[0]!.refusal).toBe(refusal);
    });

    for (const stream of [false, true]) {
      test(`max_output_tokens reached → status incomplete, incomplete_details.reason max_output_tokens (${stream ? 'stream' : 'non-stream'})`, async () => {
        u.mock(s).queue({ text: 'This answer was cut', finish: u.lengthFinish });
        const params = { model: u.model, input: 'write a long essay', max_output_tokens: 16 };
        if (!stream) {
          const res = await clientFor(s, u.name).responses.create(params);
          expect(res.status).toBe('incomplete');
          expect(res.incomplete_details).toEqual({ reason: 'max_output_tokens' });
          expect(res.output_text).toBe('This answer was cut');
        } else {
          const { events, final } = await streamAll(clientFor(s, u.name), params);
          const types = events.map((e) => e.type);
          expect(types.at(-1)).toBe('response.incomplete');
          expect(types).not.toContain('response.completed');
          expectSequenced(events);
          const last = ofType(events, 'response.incomplete')[0]!;
          expect(last.response.status).toBe('incomplete');
          expect(last.response.incomplete_details).toEqual({ reason: 'max_output_tokens' });
          expect(ofType(events, 'response.output_text.delta').map((d) => d.delta).join('')).toBe('This answer was cut');
          expect(final.status).toBe('incomplete');
          expect(final.output_text).toBe('This answer was cut');
        }
        expect(maxTokensSent(u, lastBody(u.mock(s)))).toBe(16);
      });
    }
  });
}

describe('Responses client → claude-custom: no max_output_tokens', () => {
  // Codex never sends max_output_tokens and retries a response.incomplete unchanged (openai/codex#38831),
  // so Claude gets room for long answers, not the 8192 default: the model's ceiling up to Claude Code's
  // 32000 (Anthropic reserves output tokens per minute from max_tokens up front).
  test('Codex-shaped request (no max_output_tokens, reasoning medium) → 32000, under the model ceiling of 64000', async () => {
    CLAUDE.mock(s).queue({ text: 'ok' });
    await clientFor(s, CLAUDE.name).responses.create({ model: CLAUDE.model, input: 'write a big file', reasoning: { effort: 'medium' }, stream: true });
    const body = lastBody(CLAUDE.mock(s));
    expect(body.max_tokens).toBe(32000);
    expect(dig(body, 'thinking', 'budget_tokens')).toBe(8192);
  });

  test('without reasoning too; a model whose ceiling is unknown keeps the default', async () => {
    CLAUDE.mock(s).queue({ text: 'ok' });
    await clientFor(s, CLAUDE.name).responses.create({ model: 'claude-opus-4-1', input: 'hi', stream: true });
    expect(lastBody(CLAUDE.mock(s)).max_tokens).toBe(32000);
    // Without streaming, no more than a non-streaming request may take (unasked-max-tokens.test.ts).
    CLAUDE.mock(s).queue({ text: 'ok' });
    await clientFor(s, CLAUDE.name).responses.create({ model: 'claude-opus-4-1', input: 'hi' });
    expect(lastBody(CLAUDE.mock(s)).max_tokens).toBe(10666);
    CLAUDE.mock(s).queue({ text: 'ok' });
    await clientFor(s, CLAUDE.name).responses.create({ model: 'claude-custom-unknown-model', input: 'hi' });
    expect(lastBody(CLAUDE.mock(s)).max_tokens).toBe(8192);
  });
});

describe('Responses client without a provider prefix: the model picks the upstream', () => {
  for (const u of UPSTREAMS) {
    test(`${u.model} → ${u.name}`, async () => {
      const counts = UPSTREAMS.map((x) => x.mock(s).calls.length);
      const client = new OpenAI({ apiKey: s.proxy.key, baseURL: `${s.proxy.url}/v1`, maxRetries: 0 });
      const res = await client.responses.create({ model: u.model, input: 'route me' });
      expect(res.output_text).toBe(heard(u, 'route me'));
      UPSTREAMS.forEach((x, i) => expect(x.mock(s).calls.length).toBe(counts[i]! + (x === u ? 1 : 0)));
    });
  }

  test('a sampling knob reaches the upstream in its own field', async () => {
    await clientFor(s, GEMINI.name).responses.create({ model: GEMINI.model, input: 'x', temperature: 0.3, top_p: 0.5 });
    expect(lastBody(s.gemini).generationConfig).toMatchObject({ temperature: 0.3, topP: 0.5 });
    await clientFor(s, CLAUDE.name).responses.create({ model: CLAUDE.model, input: 'x', temperature: 0.3 });
    expect(lastBody(s.claude).temperature).toBe(0.3);
    await clientFor(s, OPENAI.name).responses.create({ model: OPENAI.model, input: 'x', temperature: 0.3, top_p: 0.5 });
    expect(lastBody(s.openai)).toMatchObject({ temperature: 0.3, top_p: 0.5 });
  });

  test("gpt-5's text.verbosity reaches a Chat Completions upstream as its top-level verbosity (BerriAI/litellm#34979)", async () => {
    await clientFor(s, OPENAI.name).responses.create({ model: 'gpt-5.4', input: 'x', text: { verbosity: 'low' } });
    const body = lastBody(s.openai);
    expect(body.verbosity).toBe('low');
    expect(body).not.toHaveProperty('text');
  });

  test("a model that takes only the default verbosity refuses another, and gets the request again without it (google-deepmind/concordia#164)", async () => {
    const res = await clientFor(s, OPENAI.name).responses.create({ model: 'gpt-4o', input: 'x', text: { verbosity: 'low' } });
    expect(res.output_text).toBe(heard(OPENAI, 'x'));
    expect(lastBody(s.openai)).not.toHaveProperty('verbosity');
  });
});
