import { describe, expect, test } from 'bun:test';
import type { CanonicalRequest, Message } from '../../../src/core/index.ts';
import { openaiCodec } from '../../../src/protocols/openai/index.ts';
import { MISSING_RESULT } from '../../../src/protocols/openai/encode-messages.ts';
import { canonicalRequest } from '../../helpers/canonical.ts';

const base = (over: Partial<CanonicalRequest> = {}): CanonicalRequest => canonicalRequest(over);

const encode = (req: CanonicalRequest, model = 'gpt-4o') => openaiCodec.encodeRequest(req, { model });
const messagesOf = (req: CanonicalRequest, model?: string) => encode(req, model).messages as unknown[];

describe('openai encodeRequest: conversation shape', () => {
  test('system parts become one leading system message; a mid system turn stays in place', () => {
    const req = base({
      system: [
        { type: 'text', text: 'You are Claude Code.', extras: { anthropic: { cache_control: { type: 'ephemeral' } } } },
        { type: 'text', text: 'Be brief.' },
      ],
      messages: [
        { role: 'user', content: [{ type: 'text', text: 'hi' }] },
        { role: 'system', content: [{ type: 'text', text: 'Tools changed.' }] },
        { role: 'user', content: [{ type: 'text', text: 'go' }] },
      ],
    });
    expect(messagesOf(req)).toEqual([
      { role: 'system', content: 'You are Claude Code.\n\nBe brief.' },
      { role: 'user', content: 'hi' },
      { role: 'system', content: 'Tools changed.' },
      { role: 'user', content: 'go' },
    ]);
  });

  test('for a model whose template takes only a leading system message (Qwen 3.5+, MiniMax), a mid system turn joins it', () => {
    const messages: Message[] = [
      { role: 'user', content: [{ type: 'text', text: 'hi' }] },
      { role: 'system', content: [{ type: 'text', text: 'Tools changed.' }] },
      { role: 'user', content: [{ type: 'text', text: 'go' }] },
    ];
    expect(messagesOf(base({ model: 'qwen3.6-27b', system: [{ type: 'text', text: 'Be brief.' }], messages }))).toEqual([
      { role: 'system', content: 'Be brief.\n\nTools changed.' },
      { role: 'user', content: 'hi' },
      { role: 'user', content: 'go' },
    ]);
    // With no system prompt of its own, the late one leads.
    expect(messagesOf(base({ model: 'MiniMax-M2', messages }))).toEqual([
      { role: 'system', content: 'Tools changed.' },
      { role: 'user', content: 'hi' },
      { role: 'user', content: 'go' },
    ]);
  });

  test('thinking is dropped, tool calls carry JSON-string arguments and never a signature', () => {
    const req = base({
      messages: [
        { role: 'user', content: [{ type: 'text', text: 'weather?' }] },
        {
          role: 'assistant',
          content: [
            { type: 'thinking', text: 'hmm', signature: { family: 'anthropic', value: 'sig' } },
            { type: 'text', text: 'Checking.' },
            { type: 'tool_call', id: 'toolu_1', name: 'get_weather', args: { city: 'Paris' }, signature: { family: 'gemini', value: 'g' } },
          ],
        },
        { role: 'user', content: [{ type: 'tool_result', callId: 'toolu_1', content: [{ type: 'text', text: '21C' }] }] },
      ],
    });
    expect(messagesOf(req)).toEqual([
      { role: 'user', content: 'weather?' },
      {
        role: 'assistant',
        content: 'Checking.',
        tool_calls: [{ id: 'toolu_1', type: 'function', function: { name: 'get_weather', arguments: '{"city":"Paris"}' } }],
      },
      { role: 'tool', tool_call_id: 'toolu_1', content: '21C' },
    ]);
  });

  test('an assistant turn with only thinking is dropped; one with only tool calls has null content', () => {
    const req = base({
      messages: [
        { role: 'user', content: [{ type: 'text', text: 'a' }] },
        { role: 'assistant', content: [{ type: 'thinking', text: 'only thoughts' }] },
        { role: 'user', content: [{ type: 'text', text: 'b' }] },
        { role: 'assistant', content: [{ type: 'tool_call', id: 'c1', name: 'f', args: {} }] },
        { role: 'user', content: [{ type: 'tool_result', callId: 'c1', content: [] }] },
      ],
    });
    expect(messagesOf(req)).toEqual([
      { role: 'user', content: 'a' },
      { role: 'user', content: 'b' },
      { role: 'assistant', content: null, tool_calls: [{ id: 'c1', type: 'function', function: { name: 'f', arguments: '{}' } }] },
      { role: 'tool', tool_call_id: 'c1', content: '' },
    ]);
  });

  test('tool results follow in call order; their images go in a user message after the tool messages', () => {
    const png = { kind: 'base64' as const, mediaType: 'image/png', data: 'iVBOR' };
    const req = base({
      messages: [
        { role: 'user', content: [{ type: 'text', text: 'shoot both' }] },
        {
          role: 'assistant',
          content: [
            { type: 'tool_call', id: 'a', name: 'screenshot', args: {} },
            { type: 'tool_call', id: 'b', name: 'ls', args: { dir: '/' } },
          ],
        },
        {
          role: 'user',
          content: [
            { type: 'tool_result', callId: 'b', name: 'ls', content: [{ type: 'text', text: 'bin etc' }] },
            { type: 'tool_result', callId: 'a', name: 'screenshot', content: [{ type: 'image', source: png }] },
            { type: 'text', text: 'what do you see?' },
          ],
        },
      ],
    });
    const msgs = messagesOf(req);
    expect(msgs.slice(2)).toEqual([
      { role: 'tool', tool_call_id: 'a', content: 'The tool returned the content attached in the next message.' },
      { role: 'tool', tool_call_id: 'b', content: 'bin etc' },
      {
        role: 'user',
        content: [
          { type: 'image_url', image_url: { url: 'data:image/png;base64,iVBOR' } },
          { type: 'text', text: 'what do you see?' },
        ],
      },
    ]);
  });

  test('a call without a result is answered, so OpenAI does not reject the history', () => {
    const req = base({
      messages: [
        { role: 'user', content: [{ type: 'text', text: 'go' }] },
        { role: 'assistant', content: [{ type: 'tool_call', id: 'lost', name: 'f', args: {} }] },
        { role: 'user', content: [{ type: 'text', text: 'never mind' }] },
      ],
    });
    expect(messagesOf(req).slice(2)).toEqual([
      { role: 'tool', tool_call_id: 'lost', content: MISSING_RESULT },
      { role: 'user', content: 'never mind' },
    ]);
  });

  test('a result whose call is not in the previous turn is passed as text', () => {
    const req = base({
      messages: [
        { role: 'user', content: [{ type: 'tool_result', callId: 'old', name: 'grep', content: [{ type: 'text', text: 'match' }] }] },
      ],
    });
    expect(messagesOf(req)).toEqual([{ role: 'user', content: 'Result of tool call grep (old):\nmatch' }]);
  });

  test('user media: data and http images, audio as input_audio, PDFs as file parts, empty text dropped', () => {
    const msg: Message = {
      role: 'user',
      name: 'bob',
      content: [
        { type: 'text', text: '' },
        { type: 'text', text: 'look' },
        { type: 'image', source: { kind: 'url', url: 'https://x.test/a.jpg' }, detail: 'low' },
        { type: 'file', source: { kind: 'base64', mediaType: 'audio/wav', data: 'UklG' } },
        { type: 'file', source: { kind: 'base64', mediaType: 'application/pdf', data: 'JVBE' }, filename: 'a.pdf' },
        { type: 'file', source: { kind: 'text', mediaType: 'text/plain', data: 'plain doc' } },
      ],
    };
    expect(messagesOf(base({ messages: [msg] }))).toEqual([
      {
        role: 'user',
        name: 'bob',
        content: [
          { type: 'text', text: 'look' },
          { type: 'image_url', image_url: { url: 'https://x.test/a.jpg', detail: 'low' } },
          { type: 'input_audio', input_audio: { data: 'UklG', format: 'wav' } },
          { type: 'file', file: { file_data: 'data:application/pdf;base64,JVBE', filename: 'a.pdf' } },
          { type: 'text', text: 'plain doc' },
        ],
      },
    ]);
  });

  test('a user turn left empty after dropping is not sent', () => {
    const req = base({
      messages: [
        { role: 'user', content: [{ type: 'text', text: '' }] },
        { role: 'user', content: [{ type: 'text', text: 'real' }] },
      ],
    });
    expect(messagesOf(req)).toEqual([{ role: 'user', content: 'real' }]);
  });
});

describe('openai encodeRequest: parameters', () => {
  test('a non-reasoning model gets max_tokens and sampling; topK is dropped', () => {
    const body = encode(base({ maxTokens: 500, temperature: 0.2, topP: 0.9, topK: 64, stop: ['END'], seed: 3, n: 2 }));
    expect(body.max_tokens).toBe(500);
    expect(body.max_completion_tokens).toBeUndefined();
    expect(body.temperature).toBe(0.2);
    expect(body.top_p).toBe(0.9);
    expect(body.stop).toEqual(['END']);
    expect(body.seed).toBe(3);
    expect(body.n).toBeUndefined(); // one choice only: more would be billed and never shown
    expect('top_k' in body).toBe(false);
    expect('topK' in body).toBe(false);
  });

  test('reasoning models get max_completion_tokens, reasoning_effort, and no temperature', () => {
    for (const model of ['o1-mini', 'o3', 'o4-mini', 'gpt-5', 'gpt-5.1-codex', 'openai/o3-pro']) {
      const body = encode(base({ maxTokens: 800, temperature: 0.5, reasoning: { enabled: true, budgetTokens: 24576 } }), model);
      expect(body.max_completion_tokens).toBe(800);
      expect(body.max_tokens).toBeUndefined();
      expect(body.temperature).toBeUndefined();
      expect(body.reasoning_effort).toBe('high');
    }
  });

  test('reasoning_effort is omitted without reasoning settings and for gpt-4 models', () => {
    expect('reasoning_effort' in encode(base(), 'o3')).toBe(false);
    expect('reasoning_effort' in encode(base({ reasoning: { effort: 'low' } }), 'gpt-4o')).toBe(false);
    expect(encode(base({ reasoning: { effort: 'low' } }), 'deepseek-reasoner').reasoning_effort).toBe('low');
  });

  test('user: kept up to OpenAI\'s 64 characters, a longer one (Claude Code\'s user_id) becomes its stable SHA-256 hex', () => {
    expect(encode(base({ user: 'u-1' })).user).toBe('u-1');
    const long = JSON.stringify({ device_id: 'd'.repeat(64), account_uuid: 'a', session_id: 's'.repeat(36) });
    const user = encode(base({ user: long })).user;
    expect(user).toMatch(/^[0-9a-f]{64}$/);
    expect(encode(base({ user: long })).user).toBe(user);
    expect(encode(base({ user: `${long}x` })).user).not.toBe(user);
  });

  test('tools, tool_choice and parallel_tool_calls; the latter two only with tools', () => {
    const parameters = { type: 'object', properties: {}, additionalProperties: false };
    const tool = { name: 'f', description: 'does f', parameters, strict: true };
    const body = encode(base({ tools: [tool], toolChoice: { type: 'tool', name: 'f' }, parallelToolCalls: false }));
    expect(body.tools).toEqual([{ type: 'function', function: { name: 'f', description: 'does f', parameters, strict: true } }]);
    expect(body.tool_choice).toEqual({ type: 'function', function: { name: 'f' } });
    expect(body.parallel_tool_calls).toBe(false);
    const bare = encode(base({ toolChoice: { type: 'auto' }, parallelToolCalls: true }));
    expect('tool_choice' in bare || 'parallel_tool_calls' in bare || 'tools' in bare).toBe(false);
  });

  // Anthropic's strict tool use leaves parameters optional; OpenAI's strict mode refuses that with a 400
  // (laravel/ai#506), so such a tool goes without strict mode, its schema as it came.
  test('strict mode only for parameters OpenAI takes it for: every object closed, every property required', () => {
    const strictOf = (parameters: Record<string, unknown>): unknown =>
      (encode(base({ tools: [{ name: 'f', parameters, strict: true }] })).tools as Array<{ function: { strict?: boolean } }>)[0]!.function.strict;
    const closed = { type: 'object', properties: { path: { type: 'string' } }, required: ['path'], additionalProperties: false };
    expect(strictOf(closed)).toBe(true);
    const optional = { ...closed, properties: { path: { type: 'string' }, limit: { type: 'integer' } } };
    expect(strictOf(optional)).toBe(false);
    expect((encode(base({ tools: [{ name: 'f', parameters: optional, strict: true }] })).tools as Array<{ function: unknown }>)[0]!.function).toEqual({
      name: 'f',
      parameters: optional,
      strict: false,
    });
    expect(strictOf({ type: 'object', properties: { path: { type: 'string' } }, required: ['path'] })).toBe(false);
    const nested = (inner: Record<string, unknown>) => ({ ...closed, properties: { path: { type: 'array', items: inner } } });
    expect(strictOf(nested({ type: 'object', properties: { a: { type: 'string' } }, required: ['a'], additionalProperties: false }))).toBe(true);
    expect(strictOf(nested({ type: 'object', properties: { a: { type: 'string' } }, additionalProperties: false }))).toBe(false);
    expect(strictOf({ ...closed, $defs: { d: { type: 'object', properties: { a: { type: 'string' } } } } })).toBe(false);
    // strict: false stays as it was asked.
    expect((encode(base({ tools: [{ name: 'f', parameters: closed, strict: false }] })).tools as Array<{ function: { strict?: boolean } }>)[0]!.function.strict).toBe(false);
  });

  test('response formats', () => {
    expect(encode(base({ responseFormat: { type: 'json' } })).response_format).toEqual({ type: 'json_object' });
    expect(encode(base({ responseFormat: { type: 'json_schema', schema: { type: 'object' } } })).response_format).toEqual({
      type: 'json_schema',
      json_schema: { name: 'response', schema: { type: 'object' } },
    });
  });

  test('streaming always asks for usage; stream_options is absent otherwise', () => {
    const streaming = encode(base({ stream: true, includeUsage: false }));
    expect(streaming.stream).toBe(true);
    expect(streaming.stream_options).toEqual({ include_usage: true });
    const plain = encode(base({ extras: { openai: { stream_options: { include_obfuscation: false } } } }));
    expect('stream' in plain || 'stream_options' in plain).toBe(false);
  });

  test('extras.openai are merged back, but cannot override what the proxy sets', () => {
    const body = encode(
      base({
        stream: true,
        extras: {
          openai: { logprobs: true, model: 'evil', stream_options: { include_obfuscation: false } },
          anthropic: { metadata: { user_id: 'x' } },
        },
      }),
      'gpt-4o',
    );
    expect(body.logprobs).toBe(true);
    expect(body.model).toBe('gpt-4o');
    expect(body.stream_options).toEqual({ include_obfuscation: false, include_usage: true });
    expect('metadata' in body).toBe(false);
  });
});

describe('openai request round trip', () => {
  test('decode(encode(x)) keeps the conversation and settings', () => {
    const req: CanonicalRequest = {
      model: 'client-name',
      system: [{ type: 'text', text: 'sys' }],
      messages: [
        { role: 'user', content: [{ type: 'text', text: 'q' }, { type: 'image', source: { kind: 'url', url: 'https://a/b.png' } }] },
        {
          role: 'assistant',
          content: [
            { type: 'text', text: 'calling' },
            { type: 'tool_call', id: 'call_1', name: 'f', args: { x: [1, 2] } },
          ],
        },
        { role: 'user', content: [{ type: 'tool_result', callId: 'call_1', name: 'f', content: [{ type: 'text', text: 'ok' }] }] },
        { role: 'system', content: [{ type: 'text', text: 'later' }] },
        { role: 'user', content: [{ type: 'text', text: 'next' }] },
      ],
      tools: [{ name: 'f', parameters: { type: 'object', properties: { x: { type: 'array' } } } }],
      toolChoice: { type: 'auto' },
      maxTokens: 100,
      temperature: 1,
      stop: ['x'],
      reasoning: { effort: 'low', enabled: true },
      stream: true,
      includeUsage: true,
      user: 'u',
      extras: { openai: { store: false } },
    };
    // A model name outside OpenAI's own families: nothing is dropped for model-specific reasons.
    const back = openaiCodec.decodeRequest(encode(req, 'qwen3-coder'));
    expect(back).toEqual({ ...req, model: 'qwen3-coder' });
  });
});
