/**
 * What other protocols allow and api.openai.com refuses: each case encodes a request a Claude Code or
 * Gemini client sends, checks the Chat Completions body, and has the strict mock's validator (which
 * answers the real API's 400s) accept it. The last block goes through the proxy with the SDKs.
 */
import { afterAll, beforeAll, describe, expect, test } from 'bun:test';
import Anthropic from '@anthropic-ai/sdk';
import { GoogleGenAI } from '@google/genai';
import type { CanonicalRequest, Message } from '../../../src/core/index.ts';
import { openaiCodec } from '../../../src/protocols/openai/index.ts';
import { outputLimit } from '../../../src/protocols/openai/model-rules.ts';
import { canonicalRequest } from '../../helpers/canonical.ts';
import { validateChatRequest } from '../../helpers/mocks/openai-mock-validate.ts';
import { startStack, type Stack } from '../../helpers/stack.ts';

const encode = (over: Partial<CanonicalRequest>, model = 'gpt-4o') =>
  openaiCodec.encodeRequest(canonicalRequest({ model, ...over }), { model });
const b64 = (s: string) => Buffer.from(s).toString('base64');
const userWith = (...content: Message['content']): Message[] => [{ role: 'user', content }];

function accepted(body: Record<string, unknown>): Record<string, unknown> {
  expect(validateChatRequest(body)).toBeUndefined();
  return body;
}

describe('openai encodeRequest: tool choice', () => {
  const tools: CanonicalRequest['tools'] = [{ name: 'get_weather', parameters: { type: 'object', properties: {} } }];
  test("DeepSeek's thinking models and GLM choose for themselves where the client forced a tool; others keep the choice", () => {
    for (const toolChoice of [{ type: 'required' as const }, { type: 'tool' as const, name: 'get_weather' }]) {
      for (const model of ['deepseek-v4-pro', 'deepseek-flash', 'deepseek-reasoner', 'deepseek/deepseek-v4-flash', 'glm-4.6', 'z-ai/glm-5.3-flash']) {
        expect(accepted(encode({ tools, toolChoice }, model)).tool_choice, model).toBe('auto');
      }
      expect(accepted(encode({ tools, toolChoice }, 'deepseek-chat')).tool_choice).not.toBe('auto');
      expect(accepted(encode({ tools, toolChoice }, 'gpt-4o')).tool_choice).not.toBe('auto');
    }
    expect(accepted(encode({ tools, toolChoice: { type: 'none' } }, 'deepseek-v4-pro')).tool_choice).toBe('none');
  });
});

describe('openai encodeRequest: stop sequences', () => {
  test('only the first 4 of Anthropic\'s or Gemini\'s longer lists go', () => {
    const body = accepted(encode({ stop: ['A1', 'B2', 'C3', 'D4', 'E5'] }));
    expect(body.stop).toEqual(['A1', 'B2', 'C3', 'D4']);
    expect(validateChatRequest({ ...body, stop: ['A1', 'B2', 'C3', 'D4', 'E5'] })?.code).toBe('array_above_max_length');
  });
});

describe('openai encodeRequest: output ceilings', () => {
  test('Claude Code\'s 32000 is capped at each OpenAI model\'s maximum', () => {
    const cases: Array<[string, string, number]> = [
      ['gpt-4o', 'max_tokens', 16384],
      ['gpt-4o-mini-2024-07-18', 'max_tokens', 16384],
      ['openai/gpt-4o', 'max_tokens', 16384],
      ['gpt-4-turbo', 'max_tokens', 4096],
      ['gpt-4', 'max_tokens', 8192],
      ['gpt-3.5-turbo', 'max_tokens', 4096],
      ['gpt-4.1', 'max_tokens', 32000],
      ['gpt-4.1-mini', 'max_tokens', 32000],
    ];
    for (const [model, field, want] of cases) {
      expect([model, accepted(encode({ maxTokens: 32000 }, model))[field]]).toEqual([model, want]);
    }
    expect(accepted(encode({ maxTokens: 64000 }, 'gpt-4.1')).max_tokens).toBe(32768);
  });

  test('reasoning models are capped on max_completion_tokens', () => {
    expect(accepted(encode({ maxTokens: 200000 }, 'gpt-5')).max_completion_tokens).toBe(128000);
    expect(accepted(encode({ maxTokens: 200000 }, 'o3')).max_completion_tokens).toBe(100000);
    expect(accepted(encode({ maxTokens: 200000 }, 'o4-mini')).max_completion_tokens).toBe(100000);
    expect(accepted(encode({ maxTokens: 50000 }, 'gpt-5-mini')).max_completion_tokens).toBe(50000);
  });

  test('the ceilings of dated ids, the chat and pro variants and the older o1 models', () => {
    const table: Array<[string, number | undefined]> = [
      ['gpt-4o-2024-05-13', 4096],
      ['gpt-4o-2024-08-06', 16384],
      ['chatgpt-4o-latest', 16384],
      ['gpt-4-0613', 8192],
      ['gpt-4-1106-preview', 4096],
      ['gpt-5-chat-latest', 16384],
      ['gpt-5.1-chat-latest', 16384],
      ['gpt-5-pro', 272000],
      ['gpt-5.2-codex', 128000],
      ['o1-mini', 65536],
      ['o1-preview', 32768],
      ['o3-mini-2025-01-31', 100000],
      ['gemini-3-pro-preview', undefined],
      ['gpt-oss-120b', undefined],
    ];
    for (const [model, want] of table) expect([model, outputLimit(model)]).toEqual([model, want]);
  });

  test('a value under the ceiling, and any value for a model OpenAI does not make, is left alone', () => {
    expect(encode({ maxTokens: 1000 }).max_tokens).toBe(1000);
    expect(encode({ maxTokens: 32000 }, 'deepseek-chat').max_tokens).toBe(32000);
    expect(encode({ maxTokens: 200000 }, 'qwen3-coder').max_tokens).toBe(200000);
  });

  test('the mock answers the real 400 to an uncapped value', () => {
    expect(validateChatRequest({ model: 'gpt-4o', messages: [{ role: 'user', content: 'hi' }], max_tokens: 32000 })).toMatchObject({
      message: 'max_tokens is too large: 32000. This model supports at most 16384 completion tokens, whereas you provided 32000.',
      param: 'max_tokens',
      code: 'invalid_value',
    });
  });
});

describe('openai encodeRequest: JSON mode without a schema', () => {
  const JSON_SAID = 'Respond with a single JSON object and nothing else.';

  test('messages that never say "json" get an instruction that does', () => {
    const body = accepted(encode({ responseFormat: { type: 'json' } }));
    expect(body.response_format).toEqual({ type: 'json_object' });
    expect(body.messages).toEqual([
      { role: 'system', content: JSON_SAID },
      { role: 'user', content: 'hi' },
    ]);
    const system = encode({ responseFormat: { type: 'json' }, system: [{ type: 'text', text: 'Be brief.' }] });
    expect((system.messages as unknown[])[0]).toEqual({ role: 'system', content: `Be brief.\n\n${JSON_SAID}` });
  });

  test('messages that already say it, in any case, are sent as they are', () => {
    const body = accepted(encode({ responseFormat: { type: 'json' }, messages: userWith({ type: 'text', text: 'Answer in Json.' }) }));
    expect(body.messages).toEqual([{ role: 'user', content: 'Answer in Json.' }]);
  });

  test('no instruction with a schema or without JSON mode', () => {
    const schema = encode({ responseFormat: { type: 'json_schema', schema: { type: 'object' } } });
    expect(schema.messages).toEqual([{ role: 'user', content: 'hi' }]);
    expect(encode({}).messages).toEqual([{ role: 'user', content: 'hi' }]);
  });
});

describe('openai encodeRequest: documents Chat Completions cannot take as files', () => {
  test('text documents (Gemini inlineData text/plain, JSON, CSV) go as their text', () => {
    const body = accepted(
      encode({
        messages: userWith(
          { type: 'text', text: 'Summarize:' },
          { type: 'file', source: { kind: 'base64', mediaType: 'text/plain', data: b64('The quick brown fox.') } },
          { type: 'file', source: { kind: 'base64', mediaType: 'application/json', data: b64('{"a":1}') } },
          { type: 'file', source: { kind: 'base64', mediaType: 'text/csv; charset=utf-8', data: b64('a,b\n1,2') } },
        ),
      }),
    );
    expect(body.messages).toEqual([
      {
        role: 'user',
        content: [
          { type: 'text', text: 'Summarize:' },
          { type: 'text', text: 'The quick brown fox.' },
          { type: 'text', text: '{"a":1}' },
          { type: 'text', text: 'a,b\n1,2' },
        ],
      },
    ]);
  });

  test('video and other audio become a note; PDFs and wav/mp3 still go as files and audio', () => {
    const body = accepted(
      encode({
        messages: userWith(
          { type: 'file', source: { kind: 'base64', mediaType: 'video/mp4', data: 'AAAA' }, filename: 'clip.mp4' },
          { type: 'file', source: { kind: 'base64', mediaType: 'audio/ogg', data: 'AAAA' } },
          { type: 'file', source: { kind: 'base64', mediaType: 'application/pdf', data: 'JVBE' } },
          { type: 'file', source: { kind: 'base64', mediaType: 'audio/mpeg', data: 'SUQz' } },
          { type: 'file', source: { kind: 'base64', mediaType: 'image/png', data: 'iVBO' } },
        ),
      }),
    );
    expect(body.messages).toEqual([
      {
        role: 'user',
        content: [
          { type: 'text', text: '[A file (clip.mp4) of type video/mp4 was attached here, but this model does not accept that format.]' },
          { type: 'text', text: '[A file of type audio/ogg was attached here, but this model does not accept that format.]' },
          { type: 'file', file: { file_data: 'data:application/pdf;base64,JVBE', filename: 'document.pdf' } },
          { type: 'input_audio', input_audio: { data: 'SUQz', format: 'mp3' } },
          { type: 'image_url', image_url: { url: 'data:image/png;base64,iVBO' } },
        ],
      },
    ]);
  });

  test('the mock refuses file_data that is not a PDF, as OpenAI does', () => {
    const file = { type: 'file', file: { file_data: `data:text/plain;base64,${b64('x')}`, filename: 'a.txt' } };
    expect(validateChatRequest({ model: 'gpt-4o', messages: [{ role: 'user', content: [file] }] })?.message).toContain(
      "but got unsupported MIME type 'text/plain'",
    );
  });

  test('a text-only model still gets a text document\'s text', () => {
    const body = encode(
      { messages: userWith({ type: 'file', source: { kind: 'base64', mediaType: 'text/markdown', data: b64('# Notes') } }) },
      'deepseek-chat',
    );
    expect(body.messages).toEqual([{ role: 'user', content: '# Notes' }]);
  });
});

describe('openai encodeRequest: history', () => {
  const call = (signature?: { family: 'gemini' | 'anthropic'; value: string }) => ({
    type: 'tool_call' as const,
    id: 'call_1',
    name: 'get_weather',
    args: { city: 'Paris' },
    ...(signature ? { signature } : {}),
  });
  const loop = (assistant: Message['content'], result: { text: string; isError?: boolean }): Message[] => [
    { role: 'user', content: [{ type: 'text', text: 'go' }] },
    { role: 'assistant', content: assistant },
    {
      role: 'user',
      content: [{ type: 'tool_result', callId: 'call_1', content: [{ type: 'text', text: result.text }], isError: result.isError }],
    },
  ];
  const toolCallsOf = (body: Record<string, unknown>) => (body.messages as Array<{ tool_calls?: unknown[] }>)[1]!.tool_calls;

  test('Gemini thought signatures go back as extra_content to Google\'s OpenAI-compatible endpoint', () => {
    const messages = loop([call({ family: 'gemini', value: 'CiQBVKhc' })], { text: 'sunny' });
    expect(toolCallsOf(encode({ messages }, 'gemini-3-pro-preview'))).toEqual([
      {
        id: 'call_1',
        type: 'function',
        function: { name: 'get_weather', arguments: '{"city":"Paris"}' },
        extra_content: { google: { thought_signature: 'CiQBVKhc' } },
      },
    ]);
  });

  test('another family\'s signature never goes: Gemini 3 gets the bypass value on a turn\'s first call instead', () => {
    const anthropic = loop([call({ family: 'anthropic', value: 'sig' }), { ...call(), id: 'call_2' }], { text: 'sunny' });
    const calls = toolCallsOf(encode({ messages: anthropic }, 'gemini-3-pro-preview')) as Array<Record<string, unknown>>;
    expect(calls.map((c) => c.extra_content)).toEqual([{ google: { thought_signature: 'skip_thought_signature_validator' } }, undefined]);
    expect(toolCallsOf(encode({ messages: anthropic }, 'gemini-2.5-flash'))![0]).not.toHaveProperty('extra_content');
  });

  test('no extra_content to models that are not Gemini', () => {
    const gemini = loop([call({ family: 'gemini', value: 'CiQBVKhc' })], { text: 'sunny' });
    expect(toolCallsOf(accepted(encode({ messages: gemini }, 'gpt-4o')))![0]).not.toHaveProperty('extra_content');
    expect(toolCallsOf(encode({ messages: gemini }, 'mistral-large-latest'))![0]).not.toHaveProperty('extra_content');
    expect(toolCallsOf(encode({ messages: gemini }, 'google/gemini-3-flash-preview'))![0]).toHaveProperty('extra_content');
  });

  test('a failed tool call says so in its tool message', () => {
    const failed = accepted(encode({ messages: loop([call()], { text: 'make: *** No rule to make target', isError: true }) }));
    expect((failed.messages as unknown[])[2]).toEqual({
      role: 'tool',
      tool_call_id: 'call_1',
      content: 'Error: make: *** No rule to make target',
    });
    const worded = encode({ messages: loop([call()], { text: 'Error: exit code 2', isError: true }) });
    expect((worded.messages as Array<{ content: string }>)[2]!.content).toBe('Error: exit code 2');
    const fine = encode({ messages: loop([call()], { text: 'ok' }) });
    expect((fine.messages as Array<{ content: string }>)[2]!.content).toBe('ok');
  });

  test('an assistant turn\'s text blocks stay separate paragraphs', () => {
    const body = encode({
      messages: loop([{ type: 'text', text: 'First I will check the file.' }, { type: 'text', text: 'Then run it.' }, call()], { text: 'ok' }),
    });
    expect((body.messages as Array<{ content: string }>)[1]!.content).toBe('First I will check the file.\n\nThen run it.');
  });

  test('a Gemini answer the SDK stored chunk by chunk runs on as it was streamed', () => {
    const chunks = ['Nice ', 'to meet you, Ad', 'a.', ' The file is a.', 'txt and pi is 3.', '14.', '好的。', '然后'];
    const body = encode({
      messages: [
        { role: 'user', content: [{ type: 'text', text: 'hi' }] },
        { role: 'assistant', content: chunks.map((text) => ({ type: 'text' as const, text })) },
        { role: 'user', content: [{ type: 'text', text: 'and?' }] },
      ],
    });
    expect((body.messages as Array<{ content: string }>)[1]!.content).toBe(chunks.join(''));
  });
});

describe('through the proxy to the strict OpenAI mock', () => {
  let s: Stack;
  beforeAll(async () => {
    s = await startStack();
  });
  afterAll(() => s.stop());
  const lastBody = () => s.openai.calls.at(-1)!.body as Record<string, unknown>;

  test('Claude Code\'s max_tokens 32000 and five stop sequences to gpt-4o are answered', async () => {
    const client = new Anthropic({ apiKey: s.proxy.key, baseURL: `${s.proxy.url}/openai-custom`, maxRetries: 0 });
    // Streamed, as Claude Code asks (the SDK refuses 32000 without streaming).
    const msg = await client.messages
      .stream({ model: 'gpt-4o', max_tokens: 32000, stop_sequences: ['A1', 'B2', 'C3', 'D4', 'E5'], messages: [{ role: 'user', content: 'hi' }] })
      .finalMessage();
    expect(msg.content[0]).toMatchObject({ type: 'text' });
    expect(lastBody()).toMatchObject({ max_tokens: 16384, stop: ['A1', 'B2', 'C3', 'D4'] });
  });

  test('a Gemini client\'s JSON mode and inline text document to gpt-4o are answered', async () => {
    const g = new GoogleGenAI({ apiKey: s.proxy.key, httpOptions: { baseUrl: `${s.proxy.url}/openai-custom`, apiVersion: 'v1beta' } });
    const json = await g.models.generateContent({
      model: 'gpt-4o',
      contents: 'List three colours.',
      config: { responseMimeType: 'application/json' },
    });
    expect(json.text).toBeString();
    const doc = await g.models.generateContent({
      model: 'gpt-4o',
      contents: [{ role: 'user', parts: [{ text: 'Summarize:' }, { inlineData: { mimeType: 'text/plain', data: b64('The quick brown fox.') } }] }],
    });
    expect(doc.text).toContain('The quick brown fox.');
  });
});
