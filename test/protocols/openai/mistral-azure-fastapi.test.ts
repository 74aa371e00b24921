import { describe, expect, test } from 'bun:test';
import type { StreamEvent } from '../../../src/core/index.ts';
import { openaiCodec } from '../../../src/protocols/openai/index.ts';
import { decodeChunks } from '../../helpers/sse.ts';

const decodeAll = (sse: string): StreamEvent[] =>
  decodeChunks(openaiCodec.createStreamDecoder(), [new TextEncoder().encode(sse)]);

describe('openai decoders: Mistral reasoning models (Magistral) put thinking in content chunks', () => {
  // Chunk shapes as api.mistral.ai streams them for magistral-medium-2509 (BerriAI/litellm#16272):
  // `delta.content` turns into a list of `thinking` chunks, each nesting text chunks, then text chunks.
  const chunk = (delta: string, finish = 'null', extra = '') =>
    `data: {"id":"c3c77283055240cbbaf6f01d384cfccb","object":"chat.completion.chunk","created":1762355135,"model":"magistral-medium-2509","choices":[{"index":0,"delta":${delta},"finish_reason":${finish}}]${extra}}\n\n`;
  const think = (text: string) => `{"content":[{"type":"thinking","thinking":[{"type":"text","text":${JSON.stringify(text)}}]}]}`;

  test('streamed thinking chunks become thinking events, text chunks text events', () => {
    const sse =
      chunk('{"role":"assistant","content":""}') +
      chunk('{"content":""}') +
      chunk(think('Okay, the user said hello')) +
      chunk(think(", it's a greeting")) +
      chunk('{"content":[{"type":"text","text":"Hello!"}]}') +
      chunk('{"content":[{"type":"text","text":" How can I help?"}]}') +
      chunk('{"content":""}', '"stop"', ',"usage":{"prompt_tokens":8,"total_tokens":40,"completion_tokens":32}') +
      'data: [DONE]\n\n';
    const events = decodeAll(sse);
    expect(events.filter((e) => e.type === 'thinking' || e.type === 'text')).toEqual([
      { type: 'thinking', text: 'Okay, the user said hello' },
      { type: 'thinking', text: ", it's a greeting" },
      { type: 'text', text: 'Hello!' },
      { type: 'text', text: ' How can I help?' },
    ]);
    expect(events.at(-1)).toMatchObject({ type: 'finish', reason: 'stop', usage: { inputTokens: 8, outputTokens: 32 } });
  });

  test('a non-streamed answer keeps the thinking chunk as thinking, apart from the text', () => {
    const body = {
      id: 'cmpl-e5cc70bb28c444948073e77776eb30ef',
      object: 'chat.completion',
      created: 1762355135,
      model: 'magistral-medium-2509',
      choices: [
        {
          index: 0,
          message: {
            role: 'assistant',
            content: [
              { type: 'thinking', thinking: [{ type: 'text', text: 'The user greets me.' }] },
              { type: 'text', text: 'Hello! How can I help?' },
            ],
            tool_calls: null,
          },
          finish_reason: 'stop',
        },
      ],
      usage: { prompt_tokens: 8, total_tokens: 40, completion_tokens: 32 },
    };
    expect(openaiCodec.decodeResponse(body).content).toEqual([
      { type: 'thinking', text: 'The user greets me.' },
      { type: 'text', text: 'Hello! How can I help?' },
    ]);
  });
});

describe('openai decodeError: FastAPI-based servers answer {"detail": …}', () => {
  test('an HTTPException body {"detail":"…"} keeps its message', () => {
    const info = openaiCodec.decodeError(404, '{"detail":"Not Found"}', new Headers());
    expect(info).toEqual({ status: 404, kind: 'not_found', message: 'Not Found' });
  });

  test('a validation error lists each issue with where it is', () => {
    // FastAPI with pydantic v2: 422 {"detail":[{type, loc, msg, input}]}
    const body =
      '{"detail":[{"type":"missing","loc":["body","messages"],"msg":"Field required","input":{"model":"m"}},' +
      '{"type":"float_parsing","loc":["body","temperature"],"msg":"Input should be a valid number, unable to parse string as a number","input":"hot"}]}';
    expect(openaiCodec.decodeError(422, body, new Headers()).message).toBe(
      'body.messages: Field required; body.temperature: Input should be a valid number, unable to parse string as a number',
    );
  });
});

describe('openai stream decoder: Azure OpenAI opens with a prompt_filter_results chunk', () => {
  // The first chunk Azure streams (api-version 2023-06-01-preview on): empty id, model and object,
  // created 0, no choices (sashabaranov/go-openai#448, AbanteAI/mentat#429).
  const filters =
    '{"hate":{"filtered":false,"severity":"safe"},"self_harm":{"filtered":false,"severity":"safe"},"sexual":{"filtered":false,"severity":"safe"},"violence":{"filtered":false,"severity":"safe"}}';
  const head = `data: {"id":"","choices":[],"created":0,"model":"","object":"","system_fingerprint":null,"prompt_filter_results":[{"prompt_index":0,"content_filter_results":${filters}}]}\n\n`;
  const chunk = (delta: string, finish = 'null') =>
    `data: {"id":"chatcmpl-7e5ItVD5q11G4RCkPDfVbautcdoqZ","object":"chat.completion.chunk","created":1689787863,"model":"gpt-35-turbo-16k","choices":[{"index":0,"finish_reason":${finish},"delta":${delta},"content_filter_results":${filters}}],"usage":null}\n\n`;

  test('the start takes the id and model of the first real chunk', () => {
    const sse =
      head + chunk('{"role":"assistant"}') + chunk('{"content":"Hi"}') + chunk('{"content":"!"}') + chunk('{}', '"stop"') + 'data: [DONE]\n\n';
    expect(decodeAll(sse)).toEqual([
      { type: 'start', id: 'chatcmpl-7e5ItVD5q11G4RCkPDfVbautcdoqZ', model: 'gpt-35-turbo-16k', created: 1689787863 },
      { type: 'text', text: 'Hi' },
      { type: 'text', text: '!' },
      { type: 'finish', reason: 'stop', usage: { inputTokens: 0, outputTokens: 0 } },
    ]);
  });

  test('the filter chunk alone emits nothing, so nothing waits on it', () => {
    const decoder = openaiCodec.createStreamDecoder();
    expect(decoder.message({ data: head.slice('data: '.length).trim() })).toEqual([]);
    expect(decoder.message({ data: chunk('{"role":"assistant","content":"Hi"}').slice('data: '.length).trim() })).toEqual([
      { type: 'start', id: 'chatcmpl-7e5ItVD5q11G4RCkPDfVbautcdoqZ', model: 'gpt-35-turbo-16k', created: 1689787863 },
      { type: 'text', text: 'Hi' },
    ]);
  });
});
