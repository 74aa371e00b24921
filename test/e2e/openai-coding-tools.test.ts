/**
 * What OpenAI-API coding tools and chat apps send through aiproxy to claude-custom and gemini-cli,
 * beyond what the `openai` SDK's own types cover: Roo Code's prompt-cache breakpoints, Cherry Studio's
 * per-family reasoning knobs, and the context-overflow error Cline and Roo Code recover from.
 */
import { afterAll, beforeAll, describe, expect, test } from 'bun:test';
import OpenAI, { BadRequestError } from 'openai';
import { anthropicErrorBody, startAnthropicMock } from '../helpers/mocks/anthropic-mock.ts';
import { startProxy } from '../helpers/proxy.ts';
import { googleError } from '../helpers/mocks/gemini-mock.ts';
import { startStack, type Stack } from '../helpers/stack.ts';
import { CLAUDE, GEMINI, UPSTREAMS, clientFor, collect, dig, lastBody } from './openai-client-util.ts';

let s: Stack;
beforeAll(async () => {
  s = await startStack();
});
afterAll(() => s.stop());

/** A chat completion posted as a tool puts it on the wire: fields the SDK types lack included. */
async function post(provider: string, body: Record<string, unknown>): Promise<Response> {
  return fetch(`${s.proxy.url}/${provider}/v1/chat/completions`, {
    method: 'POST',
    headers: { authorization: `Bearer ${s.proxy.key}`, 'content-type': 'application/json' },
    body: JSON.stringify(body),
  });
}

const EPHEMERAL = { type: 'ephemeral' };
const cached = (text: string) => ({ type: 'text', text, cache_control: EPHEMERAL });

/**
 * Roo Code's OpenAI Compatible provider with prompt caching on (src/api/providers/openai.ts): the
 * system prompt as one cached text part, and the last text part of the last two user messages cached.
 */
const ROO_CACHED_TURN = {
  stream: true,
  stream_options: { include_usage: true },
  temperature: 0,
  messages: [
    { role: 'system', content: [cached('You are Roo, a highly skilled software engineer.')] },
    { role: 'user', content: [{ type: 'text', text: '<task>fix the bug</task>' }, cached('<environment_details>…</environment_details>')] },
    { role: 'assistant', content: 'Reading the file.' },
    { role: 'user', content: [cached('[read_file] contents…')] },
  ],
};

describe('Roo Code / Kilo Code: prompt-cache breakpoints on text parts', () => {
  test('claude-custom: each marked part reaches Anthropic as a cache_control block, so the prompt is cached', async () => {
    const res = await post(CLAUDE.name, { ...ROO_CACHED_TURN, model: CLAUDE.model });
    expect(res.status).toBe(200);
    await res.text();
    const body = lastBody(s.claude);
    expect(dig(body, 'system', 0, 'cache_control')).toEqual(EPHEMERAL);
    const messages = body.messages as Array<{ role: string; content: Array<Record<string, unknown>> }>;
    expect(messages[0]!.content.map((b) => b.cache_control)).toEqual([undefined, EPHEMERAL]);
    expect(messages.at(-1)!.content.at(-1)!.cache_control).toEqual(EPHEMERAL);
  });

  test('gemini-cli: the same request is accepted, with no Anthropic field in it', async () => {
    const res = await post(GEMINI.name, { ...ROO_CACHED_TURN, model: GEMINI.model });
    expect(res.status).toBe(200);
    expect(await res.text()).toContain('data: [DONE]');
    expect(JSON.stringify(lastBody(s.gemini))).not.toContain('cache_control');
  });

  test('claude-custom: more than the four breakpoints Anthropic takes: the last four are kept', async () => {
    const messages = [
      { role: 'system', content: [cached('system')] },
      ...['one', 'two', 'three', 'four', 'five'].flatMap((t) => [
        { role: 'user', content: [cached(t)] },
        { role: 'assistant', content: `ok ${t}` },
      ]),
      { role: 'user', content: 'six' },
    ];
    const res = await post(CLAUDE.name, { model: CLAUDE.model, messages });
    expect(res.status).toBe(200);
    const body = JSON.stringify(lastBody(s.claude));
    expect(body.match(/cache_control/g)).toHaveLength(4);
    expect(dig(lastBody(s.claude), 'system', 0, 'cache_control')).toBeUndefined();
    expect(dig(lastBody(s.claude), 'messages', 8, 'content', 0, 'cache_control')).toEqual(EPHEMERAL);
  });
});

// OpenRouter's automatic caching (laravel-openrouter#96, epam/ai-dial-sdk#374): one top-level cache_control,
// which Anthropic's API takes as it is; it counts among the four breakpoints (coder/mux#3112).
describe('OpenRouter-style automatic caching: a top-level cache_control', () => {
  test('claude-custom: it reaches Anthropic at the top of the request, so the prompt is cached', async () => {
    const res = await post(CLAUDE.name, { model: CLAUDE.model, cache_control: { type: 'ephemeral', ttl: '1h' }, messages: [{ role: 'system', content: 'sys' }, { role: 'user', content: 'hi' }] });
    expect(res.status).toBe(200);
    expect(lastBody(s.claude).cache_control).toEqual({ type: 'ephemeral', ttl: '1h' });
  });

  test('claude-custom: beside four marked parts, the last three are kept', async () => {
    const messages = [
      { role: 'system', content: [cached('system')] },
      ...['one', 'two', 'three'].flatMap((t) => [
        { role: 'user', content: [cached(t)] },
        { role: 'assistant', content: `ok ${t}` },
      ]),
      { role: 'user', content: 'four' },
    ];
    const res = await post(CLAUDE.name, { model: CLAUDE.model, cache_control: EPHEMERAL, messages });
    expect(res.status).toBe(200);
    const body = lastBody(s.claude);
    expect(JSON.stringify(body).match(/cache_control/g)).toHaveLength(4);
    expect(dig(body, 'system', 0, 'cache_control')).toBeUndefined();
    expect(body.cache_control).toEqual(EPHEMERAL);
  });

  test('claude-custom behind Bedrock or Vertex, which refuse it: sent again without it, and later requests at once', async () => {
    const bedrock = await startAnthropicMock({ noAutomaticCaching: true });
    const gateway = await startProxy(['--model-provider', 'claude-custom', '--claude-base-url', bedrock.url, '--claude-api-key', bedrock.key]);
    try {
      const client = new OpenAI({ apiKey: gateway.key, baseURL: `${gateway.url}/v1`, maxRetries: 0 });
      const ask = () =>
        client.chat.completions.create({ model: CLAUDE.model, messages: [{ role: 'user', content: 'hi' }], cache_control: EPHEMERAL } as unknown as OpenAI.ChatCompletionCreateParamsNonStreaming);
      expect((await ask()).choices[0]!.message.content).toBeTruthy();
      expect(bedrock.calls.map((c) => c.status)).toEqual([400, 200]);
      expect(await ask()).toBeTruthy();
      expect(bedrock.calls.map((c) => c.status)).toEqual([400, 200, 200]);
      expect(bedrock.calls.at(-1)!.body).not.toHaveProperty('cache_control');
    } finally {
      await Promise.all([gateway.stop(), bedrock.stop()]);
    }
  });

  test('gemini-cli: the same request is accepted, with no Anthropic field in it', async () => {
    const res = await post(GEMINI.name, { model: GEMINI.model, cache_control: EPHEMERAL, messages: [{ role: 'user', content: 'hi' }] });
    expect(res.status).toBe(200);
    expect(JSON.stringify(lastBody(s.gemini))).not.toContain('cache_control');
  });
});

describe('Cherry Studio and OpenRouter-style clients: reasoning asked for in the model family’s own form', () => {
  test('claude-custom: Anthropic’s `thinking` (Cherry Studio, Claude model) turns thinking on; it comes back as reasoning_content', async () => {
    s.claude.queue({ thinking: 'Let me think.', text: 'Answer.' });
    const res = await post(CLAUDE.name, {
      model: CLAUDE.model,
      max_tokens: 8192,
      thinking: { type: 'enabled', budget_tokens: 4096 },
      messages: [{ role: 'user', content: 'think' }],
    });
    expect(res.status).toBe(200);
    const json = (await res.json()) as Record<string, unknown>;
    expect(dig(lastBody(s.claude), 'thinking')).toEqual({ type: 'enabled', budget_tokens: 4096 });
    expect(dig(json, 'choices', 0, 'message', 'reasoning_content')).toBe('Let me think.');
    expect(dig(json, 'choices', 0, 'message', 'content')).toBe('Answer.');
  });

  test('gemini-cli: Google’s extra_body.google.thinking_config (Cherry Studio, Gemini 2.5) sets the budget and thoughts', async () => {
    const on = await post(GEMINI.name, {
      model: GEMINI.model,
      extra_body: { google: { thinking_config: { thinking_budget: 2048, include_thoughts: true } } },
      messages: [{ role: 'user', content: 'think' }],
    });
    expect(on.status).toBe(200);
    expect(dig(lastBody(s.gemini), 'generationConfig', 'thinkingConfig')).toEqual({ thinkingBudget: 2048, includeThoughts: true });
    // Cherry Studio's "thinking off" for Gemini Flash.
    const off = await post(GEMINI.name, {
      model: GEMINI.model,
      extra_body: { google: { thinking_config: { thinking_budget: 0 } } },
      messages: [{ role: 'user', content: 'quick' }],
    });
    expect(off.status).toBe(200);
    expect(dig(lastBody(s.gemini), 'generationConfig', 'thinkingConfig', 'thinkingBudget')).toBe(0);
  });

  for (const u of UPSTREAMS) {
    test(`${u.name}: OpenRouter’s reasoning object is honoured; reasoning_effort wins when both are sent`, async () => {
      u.mock(s).queue({ thinking: 'Hmm.', text: 'Done.' });
      const res = await post(u.name, { model: u.model, stream: true, reasoning: { effort: 'low' }, messages: [{ role: 'user', content: 'x' }] });
      expect(await res.text()).toContain('"reasoning_content":"Hmm."');
      if (u === CLAUDE) expect(dig(lastBody(s.claude), 'thinking', 'type')).toBe('enabled');
      else expect(dig(lastBody(s.gemini), 'generationConfig', 'thinkingConfig')).toEqual({ thinkingBudget: 1024, includeThoughts: true });

      await (await post(u.name, { model: u.model, reasoning_effort: 'none', reasoning: { effort: 'high' }, messages: [{ role: 'user', content: 'x' }] })).text();
      if (u === CLAUDE) expect(dig(lastBody(s.claude), 'thinking', 'type') ?? 'disabled').toBe('disabled');
      else expect(dig(lastBody(s.gemini), 'generationConfig', 'thinkingConfig', 'thinkingBudget')).toBe(0);
    });
  }
});

describe('Cline / Roo Code: a prompt too long for the model is a context overflow they recover from', () => {
  const cases = [
    { u: CLAUDE, error: { status: 400, body: anthropicErrorBody('invalid_request_error', 'prompt is too long: 210000 tokens > 200000 maximum') } },
    { u: GEMINI, error: { status: 400, body: googleError(400, 'The input token count (1200293) exceeds the maximum number of tokens allowed (1048576).') } },
  ];
  for (const { u, error } of cases) {
    for (const stream of [false, true]) {
      test(`${u.name} (${stream ? 'stream' : 'non-stream'}): code context_length_exceeded and OpenAI's "maximum context length" wording`, async () => {
        u.mock(s).queue({ error });
        const client = clientFor(s, u.name);
        const call = async () => {
          const messages = [{ role: 'user' as const, content: 'a very long prompt' }];
          if (!stream) return client.chat.completions.create({ model: u.model, messages });
          return collect(await client.chat.completions.create({ model: u.model, messages, stream: true }));
        };
        const err = await call().then(
          () => undefined,
          (e: unknown) => e,
        );
        expect(err).toBeInstanceOf(BadRequestError);
        const e = err as BadRequestError;
        // Cline: code === "context_length_exceeded"; Roo Code: a 400 whose message mentions "maximum context".
        expect(e.code).toBe('context_length_exceeded');
        expect(e.message).toMatch(/maximum context length is \d+ tokens/);
        // The upstream's own words stay visible.
        expect(e.message).toContain(u === CLAUDE ? 'prompt is too long' : 'input token count');
      });
    }
  }

  test('other 400s keep their message and code', async () => {
    s.claude.queue({ error: { status: 400, body: anthropicErrorBody('invalid_request_error', 'messages: text content blocks must be non-empty') } });
    const err = await clientFor(s, CLAUDE.name)
      .chat.completions.create({ model: CLAUDE.model, messages: [{ role: 'user', content: 'x' }] })
      .catch((e: unknown) => e as BadRequestError);
    expect((err as BadRequestError).code).toBeNull();
    expect((err as BadRequestError).message).toContain('text content blocks must be non-empty');
  });
});
