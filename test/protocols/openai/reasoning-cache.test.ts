/**
 * DeepSeek's and Kimi's thinking modes answer 400 to a tool-call turn sent back without the
 * reasoning_content it came with; clients that drop it (Gemini CLI drops thought parts) get it back
 * from what the decoders remembered under the turn's first tool call id.
 */
import { beforeEach, describe, expect, test } from 'bun:test';
import type { CanonicalRequest, Message } from '../../../src/core/index.ts';
import { openaiCodec } from '../../../src/protocols/openai/index.ts';
import { clearReasoningCache, recallReasoning } from '../../../src/protocols/openai/reasoning-cache.ts';
import { sseFrame } from '../../../src/util/sse.ts';
import { validateChatRequest } from '../../helpers/mocks/openai-mock-validate.ts';
import { decodeChunks, rechunk } from '../../helpers/sse.ts';

beforeEach(() => clearReasoningCache());

const chunk = (model: string, delta: Record<string, unknown>, finish: string | null = null): string =>
  sseFrame(JSON.stringify({ id: 'chatcmpl-1', object: 'chat.completion.chunk', created: 1, model, choices: [{ index: 0, delta, finish_reason: finish }] }));

/** A DeepSeek thinking-mode stream: reasoning, then a call announced before its arguments. */
function toolStream(model: string, callId: string | undefined, { cut = false } = {}): string {
  const head: Record<string, unknown> = { index: 0, type: 'function', function: { name: 'read_file', arguments: '' } };
  if (callId !== undefined) head.id = callId;
  const frames = [
    chunk(model, { role: 'assistant', content: null, reasoning_content: '' }),
    chunk(model, { reasoning_content: 'Erst lesen… ' }),
    chunk(model, { reasoning_content: '考える' }),
    chunk(model, { tool_calls: [head] }),
    chunk(model, { tool_calls: [{ index: 0, function: { arguments: '{"path":"a.txt"}' } }] }),
  ];
  if (cut) return frames.join('');
  return [
    ...frames,
    chunk(model, {}, 'tool_calls'),
    sseFrame(JSON.stringify({ id: 'chatcmpl-1', object: 'chat.completion.chunk', model, choices: [], usage: { prompt_tokens: 5, completion_tokens: 9, total_tokens: 14 } })),
    sseFrame('[DONE]'),
  ].join('');
}

/** The next request of the loop as a client that kept the calls but not the reasoning sends it. */
function continuation(model: string, turns: Array<{ callId: string; reasoning?: string }>): CanonicalRequest {
  const messages: Message[] = [{ role: 'user', content: [{ type: 'text', text: 'read the files' }] }];
  for (const t of turns) {
    const assistant: Message = { role: 'assistant', content: [{ type: 'tool_call', id: t.callId, name: 'read_file', args: { path: 'a.txt' } }] };
    if (t.reasoning !== undefined) assistant.content.unshift({ type: 'thinking', text: t.reasoning });
    messages.push(assistant, { role: 'user', content: [{ type: 'tool_result', callId: t.callId, content: [{ type: 'text', text: 'ok' }] }] });
  }
  return {
    model,
    system: [{ type: 'text', text: 'You are terse.' }],
    messages,
    tools: [{ name: 'read_file', parameters: { type: 'object', properties: { path: { type: 'string' } } } }],
    stream: true,
    extras: {},
  };
}

const encode = (req: CanonicalRequest): Record<string, unknown> => openaiCodec.encodeRequest(req, { model: req.model });
const assistants = (body: Record<string, unknown>): Array<Record<string, unknown>> =>
  (body.messages as Array<Record<string, unknown>>).filter((m) => m.role === 'assistant');

describe('openai reasoning cache: reasoning a thinking model needs back survives clients that drop it', () => {
  test('a streamed tool-call turn (re-chunked at random, inside multi-byte characters) is put back in front of its calls', () => {
    for (const seed of [1, 2, 3]) {
      clearReasoningCache();
      const events = decodeChunks(openaiCodec.createStreamDecoder(), rechunk(toolStream('deepseek-reasoner', 'call_00_Zx3kP9mQ2wL7vN4b'), seed, 5));
      expect(events.at(-1)).toMatchObject({ type: 'finish', reason: 'tool_calls' });
      const body = encode(continuation('deepseek-reasoner', [{ callId: 'call_00_Zx3kP9mQ2wL7vN4b' }]));
      expect(assistants(body)).toEqual([{ role: 'assistant', content: null, reasoning_content: 'Erst lesen… 考える', tool_calls: expect.any(Array) }]);
      expect(validateChatRequest(body)).toBeUndefined();
    }
  });

  test('a call the server sent without an id is remembered under the id the client was given', () => {
    const events = decodeChunks(openaiCodec.createStreamDecoder(), rechunk(toolStream('deepseek-reasoner', undefined), 4));
    const start = events.find((e) => e.type === 'tool_call_start');
    if (start?.type !== 'tool_call_start') throw new Error('no call decoded');
    expect(recallReasoning(start.id)).toBe('Erst lesen… 考える');
  });

  test('a whole chat.completion is remembered, and every tool-call turn of a longer loop gets its own reasoning', () => {
    for (const [id, reasoning] of [['call_01_Hk2jD8sLq0Pw3Xe', 'Plan one.'], ['call_02_Tn6cY1uVb5Rz9Ma', 'Plan two.']] as const) {
      openaiCodec.decodeResponse({
        id: 'chatcmpl-2',
        object: 'chat.completion',
        model: 'deepseek-reasoner',
        choices: [
          {
            index: 0,
            message: { role: 'assistant', content: null, reasoning_content: reasoning, tool_calls: [{ id, type: 'function', function: { name: 'read_file', arguments: '{}' } }] },
            finish_reason: 'tool_calls',
          },
        ],
      });
    }
    const body = encode(continuation('deepseek-reasoner', [{ callId: 'call_01_Hk2jD8sLq0Pw3Xe' }, { callId: 'call_02_Tn6cY1uVb5Rz9Ma' }]));
    expect(assistants(body).map((m) => m.reasoning_content)).toEqual(['Plan one.', 'Plan two.']);
    expect(validateChatRequest(body)).toBeUndefined();
  });

  test('an id other conversations also use (Kimi numbers its calls) is never remembered: its reasoning would reach them', () => {
    for (const id of ['functions.read_file:0', 'functions.getCurrentWeatherForecast:1', 'call_0']) {
      decodeChunks(openaiCodec.createStreamDecoder(), rechunk(toolStream('kimi-k2-thinking', id), 2));
      expect(recallReasoning(id)).toBeUndefined();
    }
  });

  test("the client's own reasoning_content is sent as it is", () => {
    decodeChunks(openaiCodec.createStreamDecoder(), rechunk(toolStream('kimi-k2-thinking', 'call_kZ4pQ8wE2rT6yU0i'), 2));
    const body = encode(continuation('kimi-k2-thinking', [{ callId: 'call_kZ4pQ8wE2rT6yU0i', reasoning: 'as the client kept it' }]));
    expect(assistants(body)[0]?.reasoning_content).toBe('as the client kept it');
  });

  test('models that refuse reasoning history never get it, and their own reasoning is not kept', () => {
    decodeChunks(openaiCodec.createStreamDecoder(), rechunk(toolStream('qwen3-235b-a22b-thinking', 'call_qA1sD5fG9hJ3kL7z'), 2));
    expect(recallReasoning('call_qA1sD5fG9hJ3kL7z')).toBeUndefined();
    decodeChunks(openaiCodec.createStreamDecoder(), rechunk(toolStream('deepseek-reasoner', 'call_dX2cV6bN0mQ4wE8r'), 2));
    // The same history sent on to a model that refuses the field (Mistral: 422 extra_forbidden).
    expect(assistants(encode(continuation('mistral-large-latest', [{ callId: 'call_dX2cV6bN0mQ4wE8r' }])))[0]).not.toHaveProperty('reasoning_content');
  });

  test('a stream cut before its finish remembers nothing (the turn never completed)', () => {
    const events = decodeChunks(openaiCodec.createStreamDecoder(), rechunk(toolStream('deepseek-reasoner', 'call_cutT3yU7iO1pA5sD', { cut: true }), 6));
    expect(events.at(-1)?.type).toBe('error');
    expect(recallReasoning('call_cutT3yU7iO1pA5sD')).toBeUndefined();
  });

  test('without the reasoning anywhere (another upstream served the turn, or a restart emptied the cache), the field goes empty', () => {
    // DeepSeek refuses only the field's absence, on every later request of the conversation.
    for (const model of ['deepseek-reasoner', 'kimi-k2-thinking']) {
      const body = encode(continuation(model, [{ callId: 'call_unknownF9gH3jK7l' }, { callId: 'call_alsoUnknownQ2w', reasoning: 'kept by the client' }]));
      expect(assistants(body).map((m) => m.reasoning_content)).toEqual(['', 'kept by the client']);
      expect(validateChatRequest(body)).toBeUndefined();
    }
  });
});
