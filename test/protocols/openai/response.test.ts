import { describe, expect, test } from 'bun:test';
import { ProxyError, type CanonicalResponse } from '../../../src/core/index.ts';
import { openaiCodec } from '../../../src/protocols/openai/index.ts';

// A tool-call answer as api.openai.com returns it (protocols.md §1.3).
const toolCallResponse = {
  id: 'chatcmpl-AbC123',
  object: 'chat.completion',
  created: 1755000000,
  model: 'gpt-4o-2024-08-06',
  system_fingerprint: 'fp_abc',
  service_tier: 'default',
  choices: [
    {
      index: 0,
      message: {
        role: 'assistant',
        content: null,
        refusal: null,
        annotations: [],
        tool_calls: [
          { id: 'call_abc', type: 'function', function: { name: 'get_weather', arguments: '{"city":"Paris"}' } },
          { id: 'call_def', type: 'function', function: { name: 'get_time', arguments: '' } },
        ],
      },
      logprobs: null,
      finish_reason: 'tool_calls',
    },
  ],
  usage: {
    prompt_tokens: 120,
    completion_tokens: 30,
    total_tokens: 150,
    prompt_tokens_details: { cached_tokens: 64, audio_tokens: 0 },
    completion_tokens_details: { reasoning_tokens: 12, audio_tokens: 0, accepted_prediction_tokens: 0, rejected_prediction_tokens: 0 },
  },
};

describe('openai decodeResponse', () => {
  test('tool calls, finish reason and inclusive usage', () => {
    expect(openaiCodec.decodeResponse(toolCallResponse)).toEqual({
      id: 'chatcmpl-AbC123',
      model: 'gpt-4o-2024-08-06',
      created: 1755000000,
      content: [
        { type: 'tool_call', id: 'call_abc', name: 'get_weather', args: { city: 'Paris' } },
        { type: 'tool_call', id: 'call_def', name: 'get_time', args: {} },
      ],
      finishReason: 'tool_calls',
      usage: { inputTokens: 120, outputTokens: 30, cacheReadTokens: 64, reasoningTokens: 12 },
    });
  });

  test('DeepSeek-style reasoning_content becomes thinking before the text', () => {
    const res = openaiCodec.decodeResponse({
      id: 'c1',
      object: 'chat.completion',
      created: 1,
      model: 'deepseek-reasoner',
      choices: [
        { index: 0, message: { role: 'assistant', content: 'Paris.', reasoning_content: 'The capital is…' }, finish_reason: 'stop' },
      ],
      usage: { prompt_tokens: 10, completion_tokens: 20, total_tokens: 30, prompt_cache_hit_tokens: 4, prompt_cache_miss_tokens: 6 },
    });
    expect(res.content).toEqual([
      { type: 'thinking', text: 'The capital is…' },
      { type: 'text', text: 'Paris.' },
    ]);
    expect(res.finishReason).toBe('stop');
    expect(res.usage).toEqual({ inputTokens: 10, outputTokens: 20, cacheReadTokens: 4 });
  });

  test('tool calls win over a "stop" from a compatible server; missing ids are made up', () => {
    const res = openaiCodec.decodeResponse({
      id: 'x',
      model: 'gemini-2.5-flash',
      choices: [
        {
          index: 0,
          message: {
            role: 'assistant',
            tool_calls: [
              { type: 'function', function: { name: 'f', arguments: '{}' }, extra_content: { google: { thought_signature: 'sig' } } },
            ],
          },
          finish_reason: 'stop',
        },
      ],
    });
    expect(res.finishReason).toBe('tool_calls');
    const call = res.content[0];
    expect(call?.type).toBe('tool_call');
    if (call?.type !== 'tool_call') return;
    expect(call.id).toMatch(/^call_[A-Za-z0-9]{24}$/);
    expect(call.signature).toEqual({ family: 'gemini', value: 'sig' });
    expect(res.usage).toEqual({ inputTokens: 0, outputTokens: 0 });
  });

  test('finish reasons map onto the canonical set', () => {
    const reasonOf = (finish_reason: unknown) =>
      openaiCodec.decodeResponse({ id: 'x', model: 'm', choices: [{ index: 0, message: { content: 'a' }, finish_reason }] })
        .finishReason;
    expect(reasonOf('stop')).toBe('stop');
    expect(reasonOf('length')).toBe('length');
    expect(reasonOf('content_filter')).toBe('content_filter');
    expect(reasonOf('function_call')).toBe('tool_calls');
    expect(reasonOf(null)).toBe('other');
  });

  test('refusals are text, marked as refusals; array content from compatible servers is joined', () => {
    const res = openaiCodec.decodeResponse({
      id: 'x',
      model: 'm',
      choices: [{ index: 0, message: { content: [{ type: 'text', text: 'a' }, { type: 'text', text: 'b' }], refusal: 'no' } }],
    });
    expect(res.content).toEqual([
      { type: 'text', text: 'ab' },
      { type: 'text', text: 'no', refusal: true },
    ]);
  });

  test('an error body in a 200 and a malformed body are upstream errors', () => {
    const inBand = () =>
      openaiCodec.decodeResponse({ error: { message: 'Rate limit reached', type: 'requests', code: 'rate_limit_exceeded' } });
    expect(inBand).toThrow(ProxyError);
    try {
      inBand();
    } catch (e) {
      expect((e as ProxyError).info).toMatchObject({ kind: 'rate_limit', status: 429, message: 'Rate limit reached' });
    }
    for (const body of [null, 'text', { id: 'x' }]) {
      try {
        openaiCodec.decodeResponse(body);
        throw new Error('accepted');
      } catch (e) {
        expect(e).toBeInstanceOf(ProxyError);
        expect((e as ProxyError).info).toMatchObject({ kind: 'api_error', status: 502 });
      }
    }
  });

  test('a 200 whose choices are empty is no answer: an upstream error, not an empty reply (keephq/keep#6715)', () => {
    const body = { id: 'chatcmpl-1', object: 'chat.completion', created: 1, model: 'gpt-4o', choices: [], usage: { prompt_tokens: 3, completion_tokens: 0, total_tokens: 3 } };
    expect(() => openaiCodec.decodeResponse(body)).toThrow('upstream returned an invalid chat completion: it has no choices');
    // The Azure prompt-filter body with nothing after it (InternLM/MindSearch#310).
    expect(() => openaiCodec.decodeResponse({ id: '', choices: [], created: 0, model: '', object: '', prompt_filter_results: [] })).toThrow(ProxyError);
  });
});

describe('openai encodeResponse', () => {
  const res: CanonicalResponse = {
    id: 'msg_01XYZ',
    model: 'claude-sonnet-4-5',
    created: 1755000001,
    content: [
      { type: 'thinking', text: 'Let me think.', signature: { family: 'anthropic', value: 'EqQB' } },
      { type: 'text', text: 'Checking ' },
      { type: 'text', text: 'now.' },
      { type: 'tool_call', id: 'toolu_1', name: 'get_weather', args: { city: 'Paris' } },
      { type: 'tool_call', id: 'call_g', name: 'get_time', args: {}, signature: { family: 'gemini', value: 'CiQB' } },
    ],
    finishReason: 'stop',
    usage: { inputTokens: 100, outputTokens: 50, cacheReadTokens: 80, cacheWriteTokens: 10, reasoningTokens: 20 },
  };

  test('a chat.completion with reasoning_content, tool calls and OpenAI usage', () => {
    expect(openaiCodec.encodeResponse(res)).toEqual({
      id: 'chatcmpl-msg_01XYZ',
      object: 'chat.completion',
      created: 1755000001,
      model: 'claude-sonnet-4-5',
      choices: [
        {
          index: 0,
          message: {
            role: 'assistant',
            content: 'Checking now.',
            refusal: null,
            reasoning_content: 'Let me think.',
            tool_calls: [
              { id: 'toolu_1', type: 'function', function: { name: 'get_weather', arguments: '{"city":"Paris"}' } },
              {
                id: 'call_g',
                type: 'function',
                function: { name: 'get_time', arguments: '{}' },
                // Only the Gemini signature can travel back through an OpenAI client's history.
                extra_content: { google: { thought_signature: 'CiQB' } },
              },
            ],
          },
          logprobs: null,
          finish_reason: 'tool_calls',
        },
      ],
      usage: {
        prompt_tokens: 100,
        completion_tokens: 50,
        total_tokens: 150,
        prompt_tokens_details: { cached_tokens: 80, cache_write_tokens: 10 },
        completion_tokens_details: { reasoning_tokens: 20 },
      },
    });
  });

  test('tool-call-only answers have null content; text-only answers have no tool_calls key', () => {
    const calls = openaiCodec.encodeResponse({ ...res, content: [{ type: 'tool_call', id: 'c', name: 'f', args: {} }] }) as {
      choices: Array<{ message: Record<string, unknown> }>;
    };
    expect(calls.choices[0]!.message.content).toBeNull();
    const text = openaiCodec.encodeResponse({ ...res, content: [], finishReason: 'length' }) as {
      choices: Array<{ message: Record<string, unknown>; finish_reason: string }>;
    };
    expect(text.choices[0]!.message).toEqual({ role: 'assistant', content: '', refusal: null });
    expect(text.choices[0]!.finish_reason).toBe('length');
  });

  test("a refusal goes in message.refusal, content null, where the SDK's parse helpers look for it", () => {
    const body = openaiCodec.encodeResponse({ ...res, content: [{ type: 'text', text: 'I cannot help.', refusal: true }], finishReason: 'stop' }) as {
      choices: Array<{ message: Record<string, unknown> }>;
    };
    expect(body.choices[0]!.message).toEqual({ role: 'assistant', content: null, refusal: 'I cannot help.' });
    const both = openaiCodec.encodeResponse({ ...res, content: [{ type: 'text', text: 'Well.' }, { type: 'text', text: 'No.', refusal: true }] }) as {
      choices: Array<{ message: Record<string, unknown> }>;
    };
    expect(both.choices[0]!.message).toMatchObject({ content: 'Well.', refusal: 'No.' });
  });

  test('canonical reasons OpenAI lacks are reported as stop', () => {
    for (const reason of ['stop_sequence', 'pause', 'other'] as const) {
      const body = openaiCodec.encodeResponse({ ...res, content: [{ type: 'text', text: 'x' }], finishReason: reason }) as {
        choices: Array<{ finish_reason: string }>;
      };
      expect(body.choices[0]!.finish_reason).toBe('stop');
    }
  });

  test('decodeResponse(encodeResponse(x)) ≈ x (anthropic signature is the only loss)', () => {
    const back = openaiCodec.decodeResponse(openaiCodec.encodeResponse(res));
    expect(back).toEqual({
      ...res,
      id: 'chatcmpl-msg_01XYZ',
      content: [
        { type: 'thinking', text: 'Let me think.' },
        { type: 'text', text: 'Checking now.' },
        res.content[3]!,
        res.content[4]!,
      ],
      finishReason: 'tool_calls',
    });
  });

  test('encodeResponse(decodeResponse(x)) reproduces a real body', () => {
    const again = openaiCodec.encodeResponse(openaiCodec.decodeResponse(toolCallResponse)) as Record<string, unknown>;
    expect(again).toMatchObject({
      id: toolCallResponse.id,
      created: toolCallResponse.created,
      model: toolCallResponse.model,
      choices: [
        {
          index: 0,
          message: { role: 'assistant', content: null, tool_calls: [toolCallResponse.choices[0]!.message.tool_calls[0], {
            id: 'call_def', type: 'function', function: { name: 'get_time', arguments: '{}' },
          }] },
          finish_reason: 'tool_calls',
        },
      ],
      usage: { prompt_tokens: 120, completion_tokens: 30, total_tokens: 150 },
    });
  });
});
