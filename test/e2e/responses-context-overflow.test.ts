/**
 * OpenAI's Responses API states a context overflow without figures: HTTP 400 `{"error":{"message":"Your
 * input exceeds the context window of this model. …","code":"context_length_exceeded"}}`, or the same in
 * the stream's `error` / `response.failed` (opencode#6071, dyad#1672). Claude Code compacts only on
 * Anthropic's `prompt is too long: N tokens > M maximum`, Cline and Roo Code trim only on OpenAI's
 * code and "maximum context length" wording; so each gets its own form, with stand-in figures.
 */
import { afterAll, beforeAll, beforeEach, describe, expect, test } from 'bun:test';
import Anthropic from '@anthropic-ai/sdk';
import { ApiError } from '@google/genai';
import OpenAI, { BadRequestError } from 'openai';
import { startProxy, type TestProxy } from '../helpers/proxy.ts';
import { startStack, type Stack } from '../helpers/stack.ts';
import { collect, geminiClient } from './gemini-client-helpers.ts';

const PROVIDER = 'openaiResponses-custom';
const MESSAGE = 'Your input exceeds the context window of this model. Please adjust your input and try again.';
const OVERFLOW = { status: 400, body: { error: { message: MESSAGE, type: 'invalid_request_error', param: 'input', code: 'context_length_exceeded' } } };

const caught = (p: PromiseLike<unknown>): Promise<unknown> =>
  Promise.resolve(p).then(
    () => undefined,
    (e: unknown) => e,
  );
const anthropicMessage = (e: unknown): string => ((e as InstanceType<typeof Anthropic.APIError>).error as { error: { message: string } }).error.message;

describe('the Responses API’s HTTP 400 overflow (strict mock)', () => {
  let s: Stack;
  let claudeCode: Anthropic;
  let cline: OpenAI;
  beforeAll(async () => {
    s = await startStack(`${PROVIDER},openai-custom,claude-custom,gemini-cli`);
    claudeCode = new Anthropic({ apiKey: s.proxy.key, baseURL: `${s.proxy.url}/${PROVIDER}`, maxRetries: 0 });
    cline = new OpenAI({ apiKey: s.proxy.key, baseURL: `${s.proxy.url}/${PROVIDER}/v1`, maxRetries: 0 });
  });
  afterAll(() => s.stop());
  beforeEach(() => s.openai.reset());

  for (const stream of [false, true]) {
    test(`Claude Code (${stream ? 'stream' : 'non-stream'}): "prompt is too long: N tokens > M maximum", the upstream's words kept`, async () => {
      s.openai.queue({ error: OVERFLOW });
      const err = await caught(
        stream
          ? claudeCode.messages.stream({ model: 'gpt-5', max_tokens: 1000, messages: [{ role: 'user', content: 'one more file' }] }).finalMessage()
          : claudeCode.messages.create({ model: 'gpt-5', max_tokens: 1000, messages: [{ role: 'user', content: 'one more file' }] }),
      );
      expect(err).toBeInstanceOf(Anthropic.BadRequestError);
      const message = anthropicMessage(err);
      // Claude Code's own parse: both figures, input above the maximum.
      const m = /^prompt is too long: (\d+) tokens > (\d+) maximum/.exec(message);
      expect(m).not.toBeNull();
      expect(+m![1]!).toBeGreaterThan(+m![2]!);
      expect(message).toContain(MESSAGE);
    });
  }

  test('Cline / Roo Code: code context_length_exceeded and the "maximum context length" wording', async () => {
    s.openai.queue({ error: OVERFLOW });
    const err = await caught(cline.chat.completions.create({ model: 'gpt-5', messages: [{ role: 'user', content: 'x' }] }));
    expect(err).toBeInstanceOf(BadRequestError);
    expect((err as BadRequestError).code).toBe('context_length_exceeded');
    expect((err as BadRequestError).message).toMatch(/maximum context length is \d+ tokens/);
    expect((err as BadRequestError).message).toContain(MESSAGE);
  });

  test('Gemini CLI: a 400 INVALID_ARGUMENT with the upstream’s message, as for a stated overflow', async () => {
    s.openai.queue({ error: OVERFLOW });
    const err = await caught(geminiClient(s, PROVIDER).models.generateContent({ model: 'gpt-5', contents: 'x' }));
    expect(err).toBeInstanceOf(ApiError);
    expect((err as ApiError).status).toBe(400);
    expect((err as ApiError).message).toContain('INVALID_ARGUMENT');
    expect((err as ApiError).message).toContain(MESSAGE);
  });
});

describe('the Responses API’s in-stream overflow (error, then response.failed)', () => {
  const ev = (type: string, data: Record<string, unknown>) => `event: ${type}\ndata: ${JSON.stringify({ type, ...data })}\n\n`;
  const response = (status: string, extra: Record<string, unknown> = {}) => ({ id: 'resp_1', object: 'response', created_at: 1700000000, status, output: [], model: 'gpt-5', ...extra });
  const FRAMES = [
    ev('response.created', { sequence_number: 0, response: response('in_progress') }),
    ev('response.in_progress', { sequence_number: 1, response: response('in_progress') }),
    ev('error', { sequence_number: 2, code: 'context_length_exceeded', message: MESSAGE, param: 'input' }),
    ev('response.failed', { sequence_number: 3, response: response('failed', { error: { code: 'context_length_exceeded', message: MESSAGE } }) }),
  ];
  // The strict mock's in-band failure is always a server_error; this upstream sends OpenAI's overflow.
  let upstream: ReturnType<typeof Bun.serve>;
  let proxy: TestProxy;
  beforeAll(async () => {
    upstream = Bun.serve({
      hostname: '127.0.0.1',
      port: 0,
      fetch: () => new Response(FRAMES.join(''), { headers: { 'content-type': 'text/event-stream' } }),
    });
    proxy = await startProxy(['--model-provider', PROVIDER, '--openai-base-url', `http://127.0.0.1:${upstream.port}/v1`, '--openai-api-key', 'sk-test']);
  });
  afterAll(async () => {
    await proxy.stop();
    await upstream.stop(true);
  });

  test('Claude Code: the stream’s error event says "prompt is too long: N tokens > M maximum"', async () => {
    const claudeCode = new Anthropic({ apiKey: proxy.key, baseURL: proxy.url, maxRetries: 0 });
    const err = await caught(claudeCode.messages.stream({ model: 'gpt-5', max_tokens: 1000, messages: [{ role: 'user', content: 'one more file' }] }).finalMessage());
    expect(err).toBeInstanceOf(Anthropic.APIError);
    expect((err as InstanceType<typeof Anthropic.APIError>).error).toMatchObject({ type: 'error', error: { type: 'invalid_request_error' } });
    expect(anthropicMessage(err)).toMatch(/^prompt is too long: \d+ tokens > \d+ maximum \(upstream: Your input exceeds the context window/);
  });

  test('a Chat Completions client: code context_length_exceeded in the stream', async () => {
    const cline = new OpenAI({ apiKey: proxy.key, baseURL: `${proxy.url}/v1`, maxRetries: 0 });
    const err = await caught(
      (async () => {
        for await (const _ of await cline.chat.completions.create({ model: 'gpt-5', messages: [{ role: 'user', content: 'x' }], stream: true })) void _;
      })(),
    );
    expect(err).toBeInstanceOf(OpenAI.APIError);
    expect((err as InstanceType<typeof OpenAI.APIError>).code).toBe('context_length_exceeded');
    expect((err as Error).message).toMatch(/maximum context length is \d+ tokens/);
  });

  test('Gemini CLI: the stream’s error keeps the upstream’s message', async () => {
    const gemini = geminiClient({ proxy } as unknown as Stack, PROVIDER);
    const err = await caught(collect(await gemini.models.generateContentStream({ model: 'gpt-5', contents: 'x' })));
    expect(String((err as Error)?.message ?? err)).toContain(MESSAGE);
  });
});
