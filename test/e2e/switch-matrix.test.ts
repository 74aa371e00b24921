/**
 * Every client protocol through a tool loop whose turns each go to another upstream, as a /model switch
 * (or a pool fallback) sends them: OpenAI Chat Completions, the Responses API, Anthropic Messages and
 * Gemini, each with its official SDK, against all five upstream kinds. Turn 1 thinks and calls a tool,
 * turn 2 thinks and calls two in parallel, turn 3 thinks and answers. The client keeps each answer as
 * its SDK returned it (streamed or whole) with the tool results, and sends the history on to the next
 * upstream, whose strict mock refuses what the real API refuses: thinking signatures Anthropic did not
 * issue or a final tool turn without its thinking, Gemini 3 calls without a signature it issued (or the
 * bypass value), empty text parts, reasoning items OpenAI did not issue, a DeepSeek tool-call turn
 * without reasoning_content, results not right after their calls.
 *
 * Order: per client, five loops; loop k goes U[k] → U[k+a] → U[k+a+b] (indices mod 5), with (a, b) fixed
 * per client, so each upstream serves every position once per client and the four clients together
 * make every ordered pair of upstreams a switch twice. Streaming alternates by turn and loop; the route
 * by X-Model-Provider header (even loops) or path prefix (odd loops); in even loops the middle turn does
 * not think; odd loops forget aiproxy's in-memory caches before every turn (as a restart between turns
 * would). Reverting any of 922293e, 6fbbb25, 4ff7313 or a60fdab fails at least one loop.
 */
import { afterAll, beforeAll, describe, expect, test } from 'bun:test';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import Anthropic from '@anthropic-ai/sdk';
import { GoogleGenAI, type Content, type Part } from '@google/genai';
import OpenAI from 'openai';
import type { ChatCompletionMessageParam } from 'openai/resources/chat/completions';
import type { ResponseInputItem } from 'openai/resources/responses/responses';
import { clearThinkingCache } from '../../src/protocols/anthropic/thinking-cache.ts';
import { clearSignatureCache } from '../../src/protocols/gemini/signature-cache.ts';
import { isRecord } from '../../src/util/json.ts';
import { startAnthropicMock } from '../helpers/mocks/anthropic-mock.ts';
import { startCodeAssistMock } from '../helpers/mocks/code-assist-mock.ts';
import { startGeminiMock } from '../helpers/mocks/gemini-mock.ts';
import { startGoogleTokenMock } from '../helpers/mocks/google-token-mock.ts';
import { startOpenAIMock } from '../helpers/mocks/openai-mock.ts';
import type { MockServer } from '../helpers/mocks/types.ts';
import { startProxy, type TestProxy } from '../helpers/proxy.ts';
import { asInput } from './responses-client-util.ts';

const UPSTREAMS = ['openai-custom', 'claude-custom', 'gemini-cli', 'gemini-cli-oauth', 'openaiResponses-custom'] as const;
type Upstream = (typeof UPSTREAMS)[number];
type Client = 'chat' | 'responses' | 'anthropic' | 'gemini';

/** A model of each upstream whose rules are the strictest about replayed reasoning. */
const MODEL: Record<Upstream, string> = {
  'openai-custom': 'deepseek-reasoner',
  'claude-custom': 'claude-sonnet-4-6',
  'gemini-cli': 'gemini-3-pro-preview',
  'gemini-cli-oauth': 'gemini-3-flash-preview',
  'openaiResponses-custom': 'gpt-5-codex',
};

/** Per client the two steps (a, b) through UPSTREAMS; a + b ≢ 0 (mod 5), so the three turns differ. */
const STEPS: Record<Client, readonly [number, number]> = { chat: [1, 2], responses: [3, 4], anthropic: [2, 4], gemini: [3, 1] };

function sequences(client: Client): Upstream[][] {
  const [a, b] = STEPS[client];
  return UPSTREAMS.map((_, k) => [UPSTREAMS[k]!, UPSTREAMS[(k + a) % 5]!, UPSTREAMS[(k + a + b) % 5]!]);
}

interface Call {
  name: string;
  args: Record<string, unknown>;
}
/** What each turn's upstream answers: thinking (see `thinks`), then calls (turns 1 and 2) or text (turn 3). */
const PLAN: ReadonlyArray<{ thinking: string; calls?: Call[]; text?: string }> = [
  { thinking: 'First read the file.', calls: [{ name: 'read_file', args: { path: 'src/ä/main.ts', lines: [1, 40] } }] },
  {
    thinking: 'Now look for the other uses.',
    calls: [
      { name: 'search', args: { query: 'TODO "fix" \\n ✓', options: { regex: false, max: 3 } } },
      { name: 'read_file', args: { path: 'src/util.ts', lines: [] } },
    ],
  },
  { thinking: 'That is all I need.', text: 'The bug is on line 12 of src/ä/main.ts — fixed. ✓' },
];
const resultFor = (turn: number, i: number): string => `result ${turn}.${i}: 42 lines «ok»`;

const SCHEMAS = {
  read_file: {
    type: 'object',
    properties: { path: { type: 'string' }, lines: { type: 'array', items: { type: 'integer' } } },
    required: ['path'],
  },
  search: {
    type: 'object',
    properties: {
      query: { type: 'string' },
      options: { type: 'object', properties: { regex: { type: 'boolean' }, max: { type: 'integer' } } },
    },
    required: ['query'],
  },
} as const;
const TOOL_NAMES = Object.keys(SCHEMAS) as Array<keyof typeof SCHEMAS>;
const PROMPT = 'Fix the bug in src/ä/main.ts';

let proxy: TestProxy;
let mocks: Record<Upstream, MockServer>;
let stopAll: () => Promise<void>;

beforeAll(async () => {
  const [openai, claude, gemini, codeAssist] = await Promise.all([startOpenAIMock(), startAnthropicMock(), startGeminiMock(), startCodeAssistMock()]);
  const token = startGoogleTokenMock({ refreshTokens: ['1//matrix-refresh'], onIssue: (t) => codeAssist.acceptToken(t) });
  codeAssist.acceptToken('ya29.matrix');
  const dir = mkdtempSync(join(tmpdir(), 'aiproxy-switch-matrix-'));
  const creds = join(dir, 'oauth_creds.json');
  writeFileSync(creds, JSON.stringify({ access_token: 'ya29.matrix', refresh_token: '1//matrix-refresh', expiry_date: Date.now() + 3_600_000, token_type: 'Bearer' }), { mode: 0o600 });
  const config = join(dir, 'config.yaml');
  writeFileSync(
    config,
    ['gemini:', `  code_assist_base_url: ${codeAssist.url}`, `  oauth_token_url: ${token.url}`, `  oauth_client_id: ${token.clientId}`, `  oauth_client_secret: ${token.clientSecret}`, ''].join('\n'),
  );
  proxy = await startProxy([
    '--config', config,
    '--gemini-oauth-creds-file', creds,
    '--model-provider', UPSTREAMS.join(','),
    '--openai-base-url', openai.url, '--openai-api-key', openai.key,
    '--claude-base-url', claude.url, '--claude-api-key', claude.key,
    '--gemini-base-url', gemini.url, '--gemini-api-key', gemini.key,
  ]);
  mocks = { 'openai-custom': openai, 'claude-custom': claude, 'gemini-cli': gemini, 'gemini-cli-oauth': codeAssist, 'openaiResponses-custom': openai };
  stopAll = async () => {
    await Promise.all([proxy.stop(), openai.stop(), claude.stop(), gemini.stop(), codeAssist.stop(), token.stop()]);
    rmSync(dir, { recursive: true, force: true });
  };
});
afterAll(() => stopAll());

// ---------------------------------------------------------------------------------------------
// The clients: one turn each, the answer kept in the history as the SDK gave it, results after it.

interface Route {
  upstream: Upstream;
  header: boolean;
  stream: boolean;
}
interface TurnOut {
  calls: Array<Call & { id: string }>;
  text: string;
}

const TIMEOUT = { timeout: 5000, maxRetries: 0 };
const base = (r: Route): string => (r.header ? proxy.url : `${proxy.url}/${r.upstream}`);
const headers = (r: Route): Record<string, string> => (r.header ? { 'X-Model-Provider': r.upstream } : {});
const parseArgs = (s: string): Record<string, unknown> => JSON.parse(s) as Record<string, unknown>;

interface Conversation {
  turn(r: Route, n: number): Promise<TurnOut>;
}

function chatConversation(): Conversation {
  const messages: ChatCompletionMessageParam[] = [{ role: 'system', content: 'You fix bugs.' }, { role: 'user', content: PROMPT }];
  const tools = TOOL_NAMES.map((name) => ({ type: 'function' as const, function: { name, description: `The ${name} tool`, parameters: SCHEMAS[name] } }));
  return {
    async turn(r, n) {
      const c = new OpenAI({ apiKey: proxy.key, baseURL: `${base(r)}/v1`, defaultHeaders: headers(r), ...TIMEOUT });
      const params = { model: MODEL[r.upstream], messages, tools, reasoning_effort: 'low' as const };
      const message = r.stream
        ? (await c.chat.completions.stream({ ...params, stream_options: { include_usage: true } }).finalChatCompletion()).choices[0]!.message
        : (await c.chat.completions.create(params)).choices[0]!.message;
      messages.push(message as ChatCompletionMessageParam);
      const calls = (message.tool_calls ?? []).map((t) => {
        if (t.type !== 'function') throw new Error(`unexpected ${t.type} tool call`);
        return { id: t.id, name: t.function.name, args: parseArgs(t.function.arguments) };
      });
      calls.forEach((call, i) => messages.push({ role: 'tool', tool_call_id: call.id, content: resultFor(n, i) }));
      return { calls, text: message.content ?? '' };
    },
  };
}

function responsesConversation(): Conversation {
  const input: ResponseInputItem[] = [{ role: 'user', content: PROMPT }];
  const tools = TOOL_NAMES.map((name) => ({ type: 'function' as const, name, description: `The ${name} tool`, parameters: SCHEMAS[name], strict: false }));
  return {
    async turn(r, n) {
      const c = new OpenAI({ apiKey: proxy.key, baseURL: `${base(r)}/v1`, defaultHeaders: headers(r), ...TIMEOUT });
      const params = {
        model: MODEL[r.upstream],
        instructions: 'You fix bugs.',
        input,
        tools,
        reasoning: { effort: 'low' as const, summary: 'auto' as const },
        include: ['reasoning.encrypted_content' as const],
        store: false,
      };
      const res = r.stream ? await c.responses.stream(params).finalResponse() : await c.responses.create(params);
      input.push(...asInput(res.output));
      const calls = res.output.flatMap((i) => (i.type === 'function_call' ? [{ id: i.call_id, name: i.name, args: parseArgs(i.arguments) }] : []));
      calls.forEach((call, i) => input.push({ type: 'function_call_output', call_id: call.id, output: resultFor(n, i) }));
      return { calls, text: res.output_text };
    },
  };
}

function anthropicConversation(): Conversation {
  const messages: Anthropic.MessageParam[] = [{ role: 'user', content: PROMPT }];
  const tools: Anthropic.Tool[] = TOOL_NAMES.map((name) => ({ name, description: `The ${name} tool`, input_schema: SCHEMAS[name] as unknown as Anthropic.Tool.InputSchema }));
  return {
    async turn(r, n) {
      const c = new Anthropic({ apiKey: proxy.key, baseURL: base(r), defaultHeaders: headers(r), ...TIMEOUT });
      const params: Anthropic.MessageCreateParamsNonStreaming = {
        model: MODEL[r.upstream],
        max_tokens: 8000,
        system: 'You fix bugs.',
        thinking: { type: 'enabled', budget_tokens: 2048 },
        tools,
        messages,
      };
      const msg = r.stream ? await c.messages.stream(params).finalMessage() : await c.messages.create(params);
      messages.push({ role: 'assistant', content: msg.content });
      const calls = msg.content.flatMap((b) => (b.type === 'tool_use' ? [{ id: b.id, name: b.name, args: b.input as Record<string, unknown> }] : []));
      if (calls.length) messages.push({ role: 'user', content: calls.map((call, i) => ({ type: 'tool_result' as const, tool_use_id: call.id, content: resultFor(n, i) })) });
      return { calls, text: msg.content.flatMap((b) => (b.type === 'text' ? [b.text] : [])).join('') };
    },
  };
}

function geminiConversation(): Conversation {
  const contents: Content[] = [{ role: 'user', parts: [{ text: PROMPT }] }];
  const tools = [{ functionDeclarations: TOOL_NAMES.map((name) => ({ name, description: `The ${name} tool`, parametersJsonSchema: SCHEMAS[name] })) }];
  return {
    async turn(r, n) {
      const g = new GoogleGenAI({ apiKey: proxy.key, httpOptions: { baseUrl: base(r), apiVersion: 'v1beta', headers: headers(r), timeout: 5000 } });
      const request = {
        model: MODEL[r.upstream],
        contents,
        config: { systemInstruction: 'You fix bugs.', tools, thinkingConfig: { includeThoughts: true, thinkingBudget: 2048 } },
      };
      let parts: Part[] = [];
      if (r.stream) {
        for await (const chunk of await g.models.generateContentStream(request)) parts.push(...(chunk.candidates?.[0]?.content?.parts ?? []));
      } else {
        parts = (await g.models.generateContent(request)).candidates?.[0]?.content?.parts ?? [];
      }
      contents.push({ role: 'model', parts });
      const calls = parts.flatMap((p) => (p.functionCall ? [{ id: p.functionCall.id ?? '', name: p.functionCall.name!, args: p.functionCall.args ?? {} }] : []));
      if (calls.length) {
        contents.push({
          role: 'user',
          parts: calls.map((call, i) => ({ functionResponse: { ...(call.id ? { id: call.id } : {}), name: call.name, response: { output: resultFor(n, i) } } })),
        });
      }
      return { calls, text: parts.filter((p) => typeof p.text === 'string' && !p.thought).map((p) => p.text).join('') };
    },
  };
}

const CONVERSATIONS: Record<Client, () => Conversation> = {
  chat: chatConversation,
  responses: responsesConversation,
  anthropic: anthropicConversation,
  gemini: geminiConversation,
};

// ---------------------------------------------------------------------------------------------
// What an upstream received: its tool calls in order, each with the result linked to it.

interface Exchange {
  name: string;
  args: unknown;
  result: string | undefined;
}

const text = (v: unknown): string => (typeof v === 'string' ? v : JSON.stringify(v));
type Json = Record<string, any>; // eslint-disable-line @typescript-eslint/no-explicit-any

function exchanges(upstream: Upstream, body: Json): Exchange[] {
  const out: Exchange[] = [];
  switch (upstream) {
    case 'openai-custom': {
      const ms: Json[] = body.messages;
      ms.forEach((m, i) => {
        if (m.role !== 'assistant' || !Array.isArray(m.tool_calls)) return;
        // A result is one of the tool messages right after its call, with its id.
        const tools: Json[] = [];
        for (let j = i + 1; j < ms.length && ms[j]!.role === 'tool'; j++) tools.push(ms[j]!);
        for (const c of m.tool_calls) {
          const r = tools.find((t) => t.tool_call_id === c.id);
          out.push({ name: c.function.name, args: JSON.parse(c.function.arguments), result: r === undefined ? undefined : text(r.content) });
        }
      });
      return out;
    }
    case 'claude-custom': {
      const ms: Json[] = body.messages;
      ms.forEach((m, i) => {
        if (m.role !== 'assistant' || !Array.isArray(m.content)) return;
        const next: Json[] = Array.isArray(ms[i + 1]?.content) ? ms[i + 1]!.content : [];
        for (const b of m.content.filter((x: Json) => x.type === 'tool_use')) {
          const r = next.find((x) => x.type === 'tool_result' && x.tool_use_id === b.id);
          out.push({ name: b.name, args: b.input, result: r === undefined ? undefined : text(r.content) });
        }
      });
      return out;
    }
    case 'openaiResponses-custom': {
      const items: Json[] = body.input;
      for (const it of items) {
        if (it.type !== 'function_call') continue;
        const r = items.find((x) => x.type === 'function_call_output' && x.call_id === it.call_id);
        out.push({ name: it.name, args: JSON.parse(it.arguments), result: r === undefined ? undefined : text(r.output) });
      }
      return out;
    }
    default: {
      const contents: Json[] = (upstream === 'gemini-cli-oauth' ? body.request : body).contents;
      contents.forEach((c, i) => {
        if (c.role !== 'model') return;
        const calls: Json[] = c.parts.filter((p: Json) => p.functionCall).map((p: Json) => p.functionCall);
        const responses: Json[] = (contents[i + 1]?.parts ?? []).filter((p: Json) => p.functionResponse).map((p: Json) => p.functionResponse);
        calls.forEach((call, k) => {
          // Linked by id where the call has one, else by position; the name must match either way.
          const r = call.id ? responses.find((x) => x.id === call.id) : responses[k];
          out.push({ name: call.name, args: call.args ?? {}, result: r && r.name === call.name ? text(r.response) : undefined });
        });
      });
      return out;
    }
  }
}

// ---------------------------------------------------------------------------------------------

const CLIENTS: Client[] = ['chat', 'responses', 'anthropic', 'gemini'];

/** The requests that generate (not model lists, token counts or Code Assist's set-up calls). */
const GENERATE = /\/chat\/completions|\/responses(?:\?|$)|\/messages(?:\?|$)|enerateContent/;

describe('a tool loop whose every turn another upstream serves', () => {
  for (const client of CLIENTS) {
    sequences(client).forEach((seq, k) => {
      const forget = k % 2 === 1;
      const name = `${client}: ${seq.join(' → ')}`;
      test(`${name}${forget ? ' (caches forgotten between turns)' : ''}`, () => loop(client, seq, k));
    });
  }
});

/** One loop: three turns on seq[0..2], each checked as it comes back and as the next upstream received it. */
async function loop(client: Client, seq: Upstream[], k: number): Promise<void> {
  const forget = k % 2 === 1;
  clearThinkingCache();
  clearSignatureCache();
  const conversation = CONVERSATIONS[client]();
  const logsFrom = proxy.logs.length;
  for (let n = 0; n < PLAN.length; n++) {
    const upstream = seq[n]!;
    const route: Route = { upstream, header: k % 2 === 0, stream: (n + k) % 2 === 0 };
    const plan = PLAN[n]!;
    const mock = mocks[upstream];
    mock.reset();
    // In even loops the middle turn comes without thinking (a model that did not think that turn).
    const thinks = n !== 1 || k % 2 === 1;
    mock.queue({ ...(thinks ? { thinking: plan.thinking } : {}), ...(plan.calls ? { toolCalls: plan.calls } : { text: plan.text }) });
    if (forget && n > 0) {
      clearThinkingCache();
      clearSignatureCache();
    }
    const where = `turn ${n + 1} on ${upstream} (${route.stream ? 'stream' : 'unary'}, ${route.header ? 'header' : 'prefix'})`;
    let out: TurnOut;
    try {
      out = await conversation.turn(route, n);
    } catch (e) {
      const sent = mock.calls.filter((c) => GENERATE.test(c.url)).at(-1);
      throw new Error(`${where}: ${String(e)}\nupstream answered ${sent?.status}: ${JSON.stringify(sent?.body).slice(0, 3000)}`);
    }
    const generate = mock.calls.filter((c) => GENERATE.test(c.url));
    expect(generate.map((c) => c.status), where).toEqual([200]);

    // The calls reach the client whole; the final turn's text too.
    expect(out.calls.map(({ name, args }) => ({ name, args })), where).toEqual(plan.calls ?? []);
    expect(out.text, where).toBe(plan.text ?? '');

    // Every earlier call reached this upstream with its result linked to it, in order.
    const want = PLAN.slice(0, n).flatMap((p, t) => p.calls!.map((c, i) => ({ name: c.name, args: c.args, result: resultFor(t, i) })));
    const got = exchanges(upstream, generate[0]!.body as Json);
    expect(got.map((e) => ({ name: e.name, args: e.args })), where).toEqual(want.map(({ name, args }) => ({ name, args })));
    got.forEach((e, i) => expect(e.result ?? '<no linked result>', where).toContain(want[i]!.result));
  }
  expect(proxy.logs.slice(logsFrom).filter((l) => / ERROR /.test(l))).toEqual([]);
}
