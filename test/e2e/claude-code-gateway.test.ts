/**
 * What Claude Code does besides generating, against aiproxy with pool members that map its model names
 * (model_map) to other upstreams: count_tokens (its /context view and compaction), and gateway model
 * discovery (GET /v1/models?limit=1000 with CLAUDE_CODE_ENABLE_GATEWAY_MODEL_DISCOVERY=1, which keeps
 * only claude-* and anthropic-* ids). Its documented gateway contract: /v1/messages and
 * /v1/messages/count_tokens, forwarding anthropic-beta and anthropic-version
 * (https://code.claude.com/docs/en/llm-gateway).
 */
import { afterAll, beforeAll, describe, expect, test } from 'bun:test';
import Anthropic from '@anthropic-ai/sdk';
import OpenAI from 'openai';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { startAnthropicMock } from '../helpers/mocks/anthropic-mock.ts';
import { googleError } from '../helpers/mocks/gemini-mock-errors.ts';
import { startGeminiMock, type GeminiMock } from '../helpers/mocks/gemini-mock.ts';
import { startOpenAIMock } from '../helpers/mocks/openai-mock.ts';
import type { MockReply, MockServer } from '../helpers/mocks/types.ts';
import { startProxy, type TestProxy } from '../helpers/proxy.ts';
import { startStack } from '../helpers/stack.ts';
import { last } from './anthropic-client-util.ts';

const dir = mkdtempSync(join(tmpdir(), 'aiproxy-cc-'));
let openai: MockServer;
let claude: MockServer;
let gemini: GeminiMock;
let proxy: TestProxy;

const BETAS = 'claude-code-20250219,interleaved-thinking-2025-05-14,context-management-2025-06-27';

beforeAll(async () => {
  [openai, claude, gemini] = await Promise.all([startOpenAIMock(), startAnthropicMock(), startGeminiMock()]);
  const file = join(dir, 'pools.yaml');
  const member = (m: MockServer, map: string) => `  - {name: main, api_key: ${m.key}, base_url: "${m.url}", model_map: {${map}}}\n`;
  writeFileSync(
    file,
    `gemini-cli:\n${member(gemini, 'claude-sonnet-4-5: gemini-2.5-pro, claude-haiku-4-5: gemini-2.5-flash')}` +
      `openai-custom:\n${member(openai, 'claude-opus-4-1: gpt-4o')}` +
      `claude-custom:\n${member(claude, 'claude-sonnet-4-5: claude-sonnet-4-6')}`,
  );
  proxy = await startProxy(['--provider-pools-file', file, '--model-provider', 'gemini-cli,openai-custom,claude-custom']);
});
afterAll(async () => {
  await Promise.all([proxy.stop(), openai.stop(), claude.stop(), gemini.stop()]);
  rmSync(dir, { recursive: true, force: true });
});

/** Claude Code as configured with ANTHROPIC_BASE_URL=<aiproxy>/<provider>. */
function claudeCode(provider: string): Anthropic {
  return new Anthropic({
    apiKey: proxy.key,
    baseURL: `${proxy.url}/${provider}`,
    maxRetries: 0,
    defaultQuery: { beta: 'true' },
    defaultHeaders: { 'anthropic-beta': BETAS },
  });
}

/** A count_tokens body as Claude Code sends it for its context view: tools, thinking, context_management. */
const countBody = (model: string) =>
  ({
    model,
    messages: [{ role: 'user', content: 'How big is this conversation?' }],
    system: [{ type: 'text', text: 'You are Claude Code.', cache_control: { type: 'ephemeral' } }],
    tools: [{ name: 'Bash', description: 'Run a command.', input_schema: { type: 'object', properties: { command: { type: 'string' } } } }],
    thinking: { type: 'enabled', budget_tokens: 4096 },
    context_management: { edits: [{ type: 'clear_thinking_20251015', keep: 'all' }] },
  }) as unknown as Anthropic.MessageCountTokensParams;

describe('Claude Code count_tokens with model_map', () => {
  test('gemini-cli: the count is asked of the mapped Gemini model, not of the Claude name Gemini does not know', async () => {
    const { input_tokens } = await claudeCode('gemini-cli').messages.countTokens(countBody('claude-sonnet-4-5'));
    expect(input_tokens).toBeGreaterThan(0);
    expect(last(gemini.calls).url).toBe('/v1beta/models/gemini-2.5-pro:countTokens');
    expect(JSON.stringify(last(gemini.calls).body)).not.toContain('claude-sonnet-4-5');
  });

  test('claude-custom: anthropic-beta reaches the counter (context_management accepted) and the body names the mapped model', async () => {
    const { input_tokens } = await claudeCode('claude-custom').messages.countTokens(countBody('claude-sonnet-4-5'));
    expect(input_tokens).toBeGreaterThan(0);
    const call = last(claude.calls);
    expect(call.url).toBe('/v1/messages/count_tokens');
    expect(call.headers['anthropic-beta']).toBe(BETAS);
    expect((call.body as { model: string }).model).toBe('claude-sonnet-4-6');
  });
});

describe('Claude Code count_tokens against an Anthropic-compatible server without a counter', () => {
  // Many Anthropic-compatible endpoints serve /v1/messages only: DashScope's /apps/anthropic answers a 400
  // that wraps Spring's "No static resource" 404 (Wei-Shaw/sub2api#656), others a plain 404 or 405.
  // Relayed, Claude Code cannot size its context (jwadow/kiro-gateway#103); the local estimate answers.
  let missing: NonNullable<MockReply['error']> | undefined;
  let compatible: MockServer;
  let gateway: TestProxy;
  beforeAll(async () => {
    compatible = await startAnthropicMock({ noCounter: () => missing });
    gateway = await startProxy(['--model-provider', 'claude-custom', '--claude-base-url', compatible.url, '--claude-api-key', compatible.key]);
  });
  afterAll(async () => {
    await Promise.all([gateway.stop(), compatible.stop()]);
  });
  const count = () =>
    new Anthropic({ apiKey: gateway.key, baseURL: gateway.url, maxRetries: 0, defaultQuery: { beta: 'true' }, defaultHeaders: { 'anthropic-beta': BETAS } }).messages.countTokens(
      countBody('claude-sonnet-4-5'),
    );

  test('a 404 or 405 for the path → the estimate', async () => {
    for (const status of [404, 405]) {
      missing = { status, body: { error: { message: 'Not Found', type: 'not_found_error' } } };
      expect((await count()).input_tokens).toBeGreaterThan(0);
      expect(last(compatible.calls).url).toBe('/v1/messages/count_tokens');
    }
  });

  test("DashScope's 400 naming the missing resource → the estimate", async () => {
    const message = 'org.springframework.web.reactive.resource.NoResourceFoundException: 404 NOT_FOUND "No static resource apps/anthropic/v1/messages/count_tokens."';
    missing = { status: 400, body: { error: { code: 'client_error', message, type: 'invalid_request_error' } } };
    expect((await count()).input_tokens).toBeGreaterThan(0);
  });

  test('a 404 for the model, and any other error, still reaches the client', async () => {
    missing = { status: 404, body: { type: 'error', error: { type: 'not_found_error', message: 'model: claude-sonnet-4-5' } } };
    const err = await count().catch((e: unknown) => e);
    expect(err).toBeInstanceOf(Anthropic.NotFoundError);
    missing = { status: 400, body: { type: 'error', error: { type: 'invalid_request_error', message: 'messages: Field required' } } };
    expect(await count().catch((e: unknown) => (e as InstanceType<typeof Anthropic.APIError>).status)).toBe(400);
  });

  test("a gateway's HTML error page, or an empty 200, reaches the client as an Anthropic error that says so (anthropics/claude-code#3197)", async () => {
    const page = '<html>\r\n<head><title>502 Bad Gateway</title></head>\r\n<body>\r\n<center><h1>502 Bad Gateway</h1></center>\r\n<hr><center>nginx</center>\r\n</body>\r\n</html>\r\n';
    missing = { status: 502, body: page, headers: { 'content-type': 'text/html', 'request-id': 'req_gw_1' } };
    const err = (await count().catch((e: unknown) => e)) as InstanceType<typeof Anthropic.APIError>;
    expect(err).toBeInstanceOf(Anthropic.InternalServerError);
    expect(err.status).toBe(502);
    expect(err.error).toEqual({ type: 'error', error: { type: 'api_error', message: 'upstream returned HTTP 502: 502 Bad Gateway' } });
    // The upstream's headers are kept, as a relayed error's are (its request id for a support ticket).
    expect(err.requestID).toBe('req_gw_1');
    // An empty 200, relayed, would be the SDK's bare "Unexpected end of JSON input".
    missing = { status: 200, body: '' };
    const empty = (await count().catch((e: unknown) => e)) as InstanceType<typeof Anthropic.APIError>;
    expect([empty.status, (empty.error as { error: { message: string } }).error.message]).toEqual([502, 'upstream claude-custom answered 200 with an empty body']);
  });
});

describe('Claude Code gateway model discovery', () => {
  test('GET /v1/models?limit=1000 lists the model_map aliases (the only claude-* ids a non-Anthropic upstream has)', async () => {
    const res = await fetch(`${proxy.url}/v1/models?limit=1000`, {
      headers: { authorization: `Bearer ${proxy.key}`, 'anthropic-version': '2023-06-01' },
    });
    expect(res.status).toBe(200);
    const { data } = (await res.json()) as { data: Array<{ id: string; type: string; display_name: string; max_input_tokens?: number }> };
    const ids = data.map((m) => m.id);
    for (const alias of ['claude-sonnet-4-5', 'claude-haiku-4-5', 'claude-opus-4-1']) expect(ids.filter((id) => id === alias)).toHaveLength(1);
    const sonnet = data.find((m) => m.id === 'claude-sonnet-4-5')!;
    // Shown under the model that answers, with its limits.
    expect(sonnet).toMatchObject({ type: 'model', display_name: 'Gemini 2.5 Pro', max_input_tokens: 1048576 });
  });

  test('GET /v1/models/{alias} answers with the alias, not 404', async () => {
    const res = await fetch(`${proxy.url}/openai-custom/v1/models/claude-opus-4-1`, { headers: { 'x-api-key': proxy.key, 'anthropic-version': '2023-06-01' } });
    expect(res.status).toBe(200);
    expect(await res.json()).toMatchObject({ type: 'model', id: 'claude-opus-4-1' });
  });
});

/**
 * Claude Code recovers from an over-long conversation only when the error is in Anthropic's words:
 * "prompt is too long: N tokens > M maximum" (it compacts) or "input length and `max_tokens` exceed
 * context limit: I + O > M" (it lowers max_tokens); see musistudio/claude-code-router#1799 and the
 * messages quoted in anthropics/claude-code#42.
 */
describe('Claude Code and an upstream context overflow', () => {
  const ask = (provider: string, model: string) =>
    claudeCode(provider)
      .messages.create({ model, max_tokens: 32000, stream: true, messages: [{ role: 'user', content: 'one more file' }] })
      .then(
        () => undefined,
        (e: unknown) => e as InstanceType<typeof Anthropic.APIError>,
      );

  test('OpenAI context_length_exceeded → "prompt is too long: N tokens > M maximum", still a 400 invalid_request_error', async () => {
    const message = "This model's maximum context length is 128000 tokens. However, your messages resulted in 131072 tokens. Please reduce the length of the messages.";
    openai.queue({ error: { status: 400, body: { error: { message, type: 'invalid_request_error', param: 'messages', code: 'context_length_exceeded' } } } });
    const err = await ask('openai-custom', 'claude-opus-4-1');
    expect(err?.status).toBe(400);
    expect(err?.error).toMatchObject({ type: 'error', error: { type: 'invalid_request_error' } });
    expect((err?.error as { error: { message: string } }).error.message).toStartWith('prompt is too long: 131072 tokens > 128000 maximum');
  });

  test('OpenAI, prompt fits but not with max_tokens → the "input length and `max_tokens`" form Claude Code retries', async () => {
    const message =
      "This model's maximum context length is 128000 tokens. However, you requested 150000 tokens (118000 in the messages, 32000 in the completion). Please reduce the length of the messages or completion.";
    openai.queue({ error: { status: 400, body: { error: { message, type: 'invalid_request_error', param: 'messages', code: 'context_length_exceeded' } } } });
    const err = await ask('openai-custom', 'claude-opus-4-1');
    expect((err?.error as { error: { message: string } }).error.message).toStartWith(
      'input length and `max_tokens` exceed context limit: 118000 + 32000 > 128000',
    );
  });

  test('vLLM, its window too small for the max_tokens Claude Code asks → the "input length and `max_tokens`" form, not a compaction', async () => {
    // vLLM's own error body (object "error", numeric code), as a local server behind the OpenAI-compatible API sends it.
    const message =
      "'max_tokens' or 'max_completion_tokens' is too large: 32000. This model's maximum context length is 32768 tokens and your request has 9000 input tokens (32000 > 32768 - 9000). (parameter=max_tokens, value=32000)";
    openai.queue({ error: { status: 400, body: { object: 'error', message, type: 'BadRequestError', param: null, code: 400 } } });
    const err = await ask('openai-custom', 'claude-opus-4-1');
    expect(err?.status).toBe(400);
    expect((err?.error as { error: { message: string } }).error.message).toStartWith('input length and `max_tokens` exceed context limit: 9000 + 32000 > 32768');
  });

  test('Together / NVIDIA "The input (N tokens) is longer than the model\'s context length" → "prompt is too long"', async () => {
    const message = "The input (345516 tokens) is longer than the model's context length (262144 tokens).";
    openai.queue({ error: { status: 400, body: { error: { message, type: 'invalid_request_error', param: null, code: null } } } });
    const err = await ask('openai-custom', 'claude-opus-4-1');
    expect((err?.error as { error: { message: string } }).error.message).toStartWith('prompt is too long: 345516 tokens > 262144 maximum');
  });

  test('Gemini "input token count exceeds the maximum" → "prompt is too long"', async () => {
    gemini.queue({ error: { status: 400, body: googleError(400, 'The input token count (1200293) exceeds the maximum number of tokens allowed (1048576).') } });
    const err = await ask('gemini-cli', 'claude-sonnet-4-5');
    expect(err?.status).toBe(400);
    expect((err?.error as { error: { message: string } }).error.message).toStartWith('prompt is too long: 1200293 tokens > 1048576 maximum');
  });

  test('claude-custom relayed: an Anthropic-compatible server\'s own overflow wording → "prompt is too long", its request-id kept', async () => {
    // llama.cpp's server behind its /v1/messages, as Claude Code showed it (janhq/jan#8108): not
    // Anthropic's words, so Claude Code would show a dead end instead of compacting.
    const message = 'request (24071 tokens) exceeds the available context size (8192 tokens), try increasing it';
    claude.queue({ error: { status: 400, body: { error: { code: 400, message, type: 'exceed_context_size_error', n_prompt_tokens: 24071, n_ctx: 8192 } }, headers: { 'request-id': 'req_llama_1' } } });
    const err = await ask('claude-custom', 'claude-sonnet-4-5');
    expect(err?.status).toBe(400);
    expect(err?.error).toMatchObject({ type: 'error', error: { type: 'invalid_request_error' } });
    expect((err?.error as { error: { message: string } }).error.message).toStartWith('prompt is too long: 24071 tokens > 8192 maximum');
    expect(err?.headers?.get('request-id')).toBe('req_llama_1');
  });

  test('claude-custom relayed: Anthropic\'s own overflow and other errors go back byte for byte', async () => {
    const body = { type: 'error', error: { type: 'invalid_request_error', message: 'prompt is too long: 210000 tokens > 200000 maximum' }, request_id: 'req_011' };
    claude.queue({ error: { status: 400, body } });
    const err = await ask('claude-custom', 'claude-sonnet-4-5');
    expect(err?.error).toEqual(body);
    const other = { type: 'error', error: { type: 'invalid_request_error', message: 'messages.1.content: Field required' }, request_id: 'req_012' };
    claude.queue({ error: { status: 400, body: other } });
    expect((await ask('claude-custom', 'claude-sonnet-4-5'))?.error).toEqual(other);
  });

  test('other 400s keep their message', async () => {
    gemini.queue({ error: { status: 400, body: googleError(400, 'Request contains an invalid argument.') } });
    const err = await ask('gemini-cli', 'claude-sonnet-4-5');
    expect((err?.error as { error: { message: string } }).error.message).toBe('Request contains an invalid argument.');
  });
});

describe('Claude Code WebSearch on a model mapped to an upstream that cannot search', () => {
  // Its WebSearch tool sends the server tool alone and gives whatever text comes back to its model as
  // the results; with the tool dropped that was the mapped model's guess ("Did 0 searches":
  // router-for-me/CLIProxyAPI#364, #121). A 400 that names the tool tells it the search did not run.
  const webSearch = { type: 'web_search_20250305', name: 'web_search', max_uses: 8 } as unknown as Anthropic.Tool;
  const ask = (provider: string, model: string, tools: Anthropic.ToolUnion[]) =>
    claudeCode(provider).messages.create({
      model,
      max_tokens: 1024,
      messages: [{ role: 'user', content: 'Perform a web search for the query: bun 1.4 release notes' }],
      tools,
    });

  for (const [provider, model, mock] of [
    ['openai-custom', 'claude-opus-4-1', () => openai],
    ['gemini-cli', 'claude-sonnet-4-5', () => gemini],
  ] as const) {
    test(`${provider}: a 400 naming the tool, and nothing is asked of the upstream`, async () => {
      const before = mock().calls.length;
      const err = (await ask(provider, model, [webSearch]).catch((e: unknown) => e)) as InstanceType<typeof Anthropic.APIError>;
      expect(err).toBeInstanceOf(Anthropic.BadRequestError);
      expect(err.message).toContain('web_search_20250305 is a tool only Anthropic runs; provider ' + provider + ' cannot');
      expect(mock().calls.length).toBe(before);
    });
  }

  test('beside a tool of the client’s own the request stands: that tool goes up', async () => {
    const bash = { name: 'Bash', description: 'Run a command.', input_schema: { type: 'object' as const, properties: { command: { type: 'string' } } } };
    const res = await ask('openai-custom', 'claude-opus-4-1', [webSearch, bash]);
    expect(res.content[0]?.type).toBe('text');
    const body = last(openai.calls).body as { tools?: Array<{ function: { name: string } }> };
    expect(body.tools?.map((t) => t.function.name)).toEqual(['Bash']);
  });

  test('claude-custom runs it: the request goes as sent', async () => {
    await ask('claude-custom', 'claude-sonnet-4-5', [webSearch]);
    expect((last(claude.calls).body as { tools: unknown[] }).tools).toEqual([webSearch]);
  });

  test('with an Anthropic provider among the fallbacks, the request skips to it', async () => {
    const file = join(dir, 'fallbacks.yaml');
    writeFileSync(file, 'fallbacks:\n  openai-custom: [claude-custom]\n');
    const fb = await startStack('openai-custom,claude-custom', ['--config', file]);
    try {
      const openaiBefore = fb.openai.calls.length;
      const client = new Anthropic({ apiKey: fb.proxy.key, baseURL: `${fb.proxy.url}/openai-custom`, maxRetries: 0 });
      await client.messages.create({ model: 'claude-sonnet-4-5', max_tokens: 1024, messages: [{ role: 'user', content: 'news today?' }], tools: [webSearch] });
      expect(fb.openai.calls.length).toBe(openaiBefore);
      expect((last(fb.claude.calls).body as { tools: unknown[] }).tools).toEqual([webSearch]);
    } finally {
      await fb.stop();
    }
  });
});

describe('Claude Code through a gateway that does not pass its betas on', () => {
  // LiteLLM to Bedrock, Envoy to Vertex, Copilot's API: "context_management: Extra inputs are not
  // permitted" on every request (anthropics/claude-code#49548, #21612; caozhiyuan/copilot-api#305).
  let gatewayed: MockServer;
  let gateway: TestProxy;
  beforeAll(async () => {
    gatewayed = await startAnthropicMock({ betasDropped: true });
    gateway = await startProxy(['--model-provider', 'claude-custom', '--claude-base-url', gatewayed.url, '--claude-api-key', gatewayed.key]);
  });
  afterAll(async () => {
    await Promise.all([gateway.stop(), gatewayed.stop()]);
  });
  const ask = () =>
    new Anthropic({ apiKey: gateway.key, baseURL: gateway.url, maxRetries: 0, defaultQuery: { beta: 'true' }, defaultHeaders: { 'anthropic-beta': BETAS } }).messages.create({
      model: 'claude-sonnet-4-5',
      max_tokens: 1024,
      messages: [{ role: 'user', content: 'hi' }],
      context_management: { edits: [{ type: 'clear_thinking_20251015', keep: 'all' }] },
    } as unknown as Anthropic.MessageCreateParamsNonStreaming);

  test('sent again without context_management, and the next request goes without it at once', async () => {
    const before = gatewayed.calls.length;
    expect((await ask()).content[0]?.type).toBe('text');
    expect(gatewayed.calls.length - before).toBe(2);
    expect(last(gatewayed.calls).body).not.toHaveProperty('context_management');
    const again = gatewayed.calls.length;
    await ask();
    expect(gatewayed.calls.length - again).toBe(1);
  });

  test('a refusal of what the request cannot do without still reaches the client', async () => {
    const err = await new Anthropic({ apiKey: gateway.key, baseURL: gateway.url, maxRetries: 0 }).messages
      .create({ model: 'claude-sonnet-4-5', max_tokens: 1024, messages: [{ role: 'user', content: 'hi' }], mcp_servers: [] } as unknown as Anthropic.MessageCreateParamsNonStreaming)
      .catch((e: unknown) => e);
    expect(err).toBeInstanceOf(Anthropic.BadRequestError);
    expect((err as Error).message).toContain('mcp_servers: Extra inputs are not permitted');
  });
});

describe('a field refused for want of its beta is remembered for that beta set only', () => {
  // Anthropic refuses context_management unless its anthropic-beta comes along: one client sending it
  // without (a script, an older SDK) must not leave Claude Code, which sends the beta, without its
  // context edits for the life of the process.
  let api: MockServer;
  let direct: TestProxy;
  beforeAll(async () => {
    api = await startAnthropicMock();
    direct = await startProxy(['--model-provider', 'claude-custom', '--claude-base-url', api.url, '--claude-api-key', api.key]);
  });
  afterAll(async () => {
    await Promise.all([direct.stop(), api.stop()]);
  });
  const ask = (betas?: string) =>
    new Anthropic({ apiKey: direct.key, baseURL: direct.url, maxRetries: 0, defaultHeaders: betas ? { 'anthropic-beta': betas } : {} }).messages.create({
      model: 'claude-sonnet-4-5',
      max_tokens: 1024,
      messages: [{ role: 'user', content: 'hi' }],
      context_management: { edits: [{ type: 'clear_thinking_20251015', keep: 'all' }] },
    } as unknown as Anthropic.MessageCreateParamsNonStreaming);

  test('without the beta: refused, sent again without; with it, context_management goes up as sent', async () => {
    expect((await ask()).content[0]?.type).toBe('text');
    expect(api.calls.length).toBe(2);
    expect(last(api.calls).body).not.toHaveProperty('context_management');
    await ask(BETAS);
    expect(api.calls.length).toBe(3);
    expect(last(api.calls).body).toHaveProperty('context_management');
    // The same set again in another order is the same set: still sent, and the refusal learned stays.
    await ask(BETAS.split(',').reverse().join(', '));
    expect(last(api.calls).body).toHaveProperty('context_management');
    await ask();
    expect(api.calls.length).toBe(5);
    expect(last(api.calls).body).not.toHaveProperty('context_management');
  });
});

describe("Claude Code's structured output through Bedrock, which takes output_config.effort only", () => {
  // "output_config.format: Extra inputs are not permitted" (BerriAI/litellm#28312): relayed requests too.
  let bedrock: MockServer;
  let gateway: TestProxy;
  beforeAll(async () => {
    bedrock = await startAnthropicMock({ outputConfigKeys: ['effort'] });
    gateway = await startProxy(['--model-provider', 'claude-custom', '--claude-base-url', bedrock.url, '--claude-api-key', bedrock.key]);
  });
  afterAll(async () => {
    await Promise.all([gateway.stop(), bedrock.stop()]);
  });

  test('sent again with the effort kept and the schema in the system prompt', async () => {
    const schema = { type: 'object', properties: { title: { type: 'string' } }, required: ['title'], additionalProperties: false };
    const before = bedrock.calls.length;
    const msg = await new Anthropic({ apiKey: gateway.key, baseURL: gateway.url, maxRetries: 0 }).messages.create({
      model: 'claude-sonnet-4-5',
      max_tokens: 1024,
      system: 'Name the session.',
      messages: [{ role: 'user', content: 'hi' }],
      output_config: { effort: 'low', format: { type: 'json_schema', schema } },
    } as unknown as Anthropic.MessageCreateParamsNonStreaming);
    expect(msg.content[0]?.type).toBe('text');
    expect(bedrock.calls.length - before).toBe(2);
    const body = last(bedrock.calls).body as { system: string; output_config: unknown };
    expect(body.output_config).toEqual({ effort: 'low' });
    expect(body.system).toStartWith('Name the session.\n\n');
    expect(body.system).toContain(JSON.stringify(schema));
  });
});

describe("structured output through Vertex's Haiku 4.5, which takes no output_config at all", () => {
  // "output_config: Extra inputs are not permitted" (anthropics/claude-code#52312: Claude Code's session
  // titles; BerriAI/litellm#21407): relayed and converted requests alike.
  let vertex: MockServer;
  let gateway: TestProxy;
  beforeAll(async () => {
    vertex = await startAnthropicMock({ noOutputConfig: true });
    gateway = await startProxy(['--model-provider', 'claude-custom', '--claude-base-url', vertex.url, '--claude-api-key', vertex.key]);
  });
  afterAll(async () => {
    await Promise.all([gateway.stop(), vertex.stop()]);
  });
  const schema = { type: 'object', properties: { title: { type: 'string' } }, required: ['title'], additionalProperties: false };

  test("Claude Code's session title: sent again without output_config, the schema in the system prompt; the next request so at once", async () => {
    const client = new Anthropic({ apiKey: gateway.key, baseURL: gateway.url, maxRetries: 0 });
    const params = {
      model: 'claude-haiku-4-5',
      max_tokens: 512,
      system: 'Name the session.',
      messages: [{ role: 'user' as const, content: 'hi' }],
      output_config: { format: { type: 'json_schema' as const, schema } },
    };
    vertex.queue({ text: '{"title":"Greeting"}' }, { text: '{"title":"Greeting"}' });
    const before = vertex.calls.length;
    const msg = await client.messages.create(params);
    expect(msg.content[0]).toMatchObject({ type: 'text', text: '{"title":"Greeting"}' });
    expect(vertex.calls.length - before).toBe(2);
    const body = last(vertex.calls).body as { system: string };
    expect(body).not.toHaveProperty('output_config');
    expect(body.system).toStartWith('Name the session.\n\n');
    expect(body.system).toContain(JSON.stringify(schema));
    await client.messages.create(params);
    expect(vertex.calls.length - before).toBe(3);
    expect(last(vertex.calls).status).toBe(200);
  });

  test('a Chat Completions client asking for a JSON schema gets its answer', async () => {
    const openai = new OpenAI({ apiKey: gateway.key, baseURL: `${gateway.url}/v1`, maxRetries: 0 });
    vertex.queue({ text: '{"title":"Greeting"}' }, { text: '{"title":"Greeting"}' });
    const res = await openai.chat.completions.parse({
      model: 'claude-haiku-4-5-20251001',
      messages: [{ role: 'user', content: 'hi' }],
      response_format: { type: 'json_schema', json_schema: { name: 'title', schema, strict: true } },
    });
    expect(res.choices[0]!.message.parsed).toEqual({ title: 'Greeting' });
    expect(last(vertex.calls).body).not.toHaveProperty('output_config');
  });
});

describe("Claude Code's adaptive thinking on an Anthropic-compatible server that knows enabled and disabled only", () => {
  // Claude Code thinks adaptively on the models it takes for Claude 4.6 and later; a model_map that sends
  // such a name to a server of its own gets "Input should be 'enabled' or 'disabled'" (jundot/omlx#56).
  let compatible: MockServer;
  let gateway: TestProxy;
  beforeAll(async () => {
    compatible = await startAnthropicMock({ thinkingTypes: ['enabled', 'disabled'] });
    gateway = await startProxy(['--model-provider', 'claude-custom', '--claude-base-url', compatible.url, '--claude-api-key', compatible.key]);
  });
  afterAll(async () => {
    await Promise.all([gateway.stop(), compatible.stop()]);
  });
  const client = () => new Anthropic({ apiKey: gateway.key, baseURL: gateway.url, maxRetries: 0, defaultQuery: { beta: 'true' }, defaultHeaders: { 'anthropic-beta': BETAS } });
  const params = (max_tokens: number) =>
    ({
      model: 'claude-sonnet-4-6',
      max_tokens,
      messages: [{ role: 'user', content: 'hi' }],
      thinking: { type: 'adaptive' },
      output_config: { effort: 'high' },
    }) as unknown as Anthropic.MessageCreateParamsNonStreaming;

  test('streamed: sent again with the budget its effort stands for, and the next request so at once', async () => {
    const before = compatible.calls.length;
    const final = await client().messages.stream(params(32000)).finalMessage();
    expect(final.content.at(-1)?.type).toBe('text');
    expect(compatible.calls.length - before).toBe(2);
    expect((last(compatible.calls).body as { thinking: unknown }).thinking).toEqual({ type: 'enabled', budget_tokens: 24576 });
    const again = compatible.calls.length;
    await client().messages.stream(params(32000)).finalMessage();
    expect(compatible.calls.length - again).toBe(1);
  });

  test('max_tokens too small for a budget: thinking off', async () => {
    await client().messages.create({ ...params(1500), model: 'claude-opus-4-6' });
    expect((last(compatible.calls).body as { thinking: unknown }).thinking).toEqual({ type: 'disabled' });
  });
});
