/**
 * Whole Claude Code sessions on Gemini (gemini-cli upstream, the strict Gemini API mock): the history
 * Claude Code sends back is exactly what the SDK accumulated from aiproxy's stream, so every turn
 * checks that aiproxy can read back what it wrote and that Gemini accepts what aiproxy makes of it.
 */
import { afterAll, beforeAll, describe, expect, test } from 'bun:test';
import Anthropic from '@anthropic-ai/sdk';
import type { MessageCreateParamsBase } from '@anthropic-ai/sdk/resources/messages/messages';
import { startStack, type Stack } from '../helpers/stack.ts';
import { startCodeAssistStack, type CodeAssistStack } from '../helpers/code-assist-stack.ts';
import { SSE_HEAD, startFaultServer, type FaultServer } from '../helpers/fault-upstream.ts';
import { startProxy, type TestProxy } from '../helpers/proxy.ts';
import type { MockReply, MockServer } from '../helpers/mocks/types.ts';
import { EDIT_TOOL, PNG_BASE64, expectWellFormed, last, lastBody, streamAll } from './anthropic-client-util.ts';

let stack: Stack;
let oauth: CodeAssistStack;
beforeAll(async () => {
  [stack, oauth] = await Promise.all([startStack(), startCodeAssistStack()]);
});
afterAll(() => Promise.all([stack.stop(), oauth.stop()]));

/** A Claude Code client: beta query and headers as the CLI sends them. */
const claudeCode = (baseURL: string, apiKey: string): Anthropic =>
  new Anthropic({
    apiKey,
    baseURL,
    maxRetries: 0,
    defaultQuery: { beta: 'true' },
    defaultHeaders: { 'anthropic-beta': 'claude-code-20250219,interleaved-thinking-2025-05-14', 'x-app': 'cli' },
  });

interface Upstream {
  name: string;
  client: () => Anthropic;
  mock: () => MockServer;
  /** The generateContent request inside whatever envelope the upstream takes. */
  request: (body: Record<string, unknown>) => Record<string, unknown>;
}
const UPSTREAMS: Upstream[] = [
  { name: 'gemini-cli', client: () => claudeCode(`${stack.proxy.url}/gemini-cli`, stack.proxy.key), mock: () => stack.gemini, request: (b) => b },
  {
    name: 'gemini-cli-oauth',
    client: () => claudeCode(oauth.proxy.url, oauth.proxy.key),
    mock: () => oauth.api,
    request: (b) => b.request as Record<string, unknown>,
  },
];

const BASH = {
  name: 'Bash',
  description: 'Run a shell command.',
  input_schema: {
    $schema: 'http://json-schema.org/draft-07/schema#',
    type: 'object',
    additionalProperties: false,
    properties: { command: { type: 'string' }, timeout: { type: 'number' } },
    required: ['command'],
  },
} as Anthropic.Tool;
const READ = {
  name: 'Read',
  description: 'Read a file.',
  input_schema: { type: 'object', properties: { file_path: { type: 'string' } }, required: ['file_path'] },
} as Anthropic.Tool;

const SYSTEM = [
  { type: 'text', text: 'x-anthropic-billing-header: cc_version=2.1.332; cc_entrypoint=cli;' },
  { type: 'text', text: 'You are Claude Code.', cache_control: { type: 'ephemeral' } },
];

type Block = Anthropic.ContentBlockParam;

/** One Claude Code turn: streams, checks the grammar, and returns the assistant message as Claude Code keeps it. */
async function turn(u: Upstream, model: string, messages: Anthropic.MessageParam[], reply: MockReply, extra: Partial<MessageCreateParamsBase> = {}) {
  u.mock().queue(reply);
  const { events, final } = await streamAll(u.client(), {
    model,
    max_tokens: 32000,
    system: SYSTEM,
    messages,
    tools: [BASH, READ, EDIT_TOOL],
    thinking: { type: 'enabled', budget_tokens: 31999 },
    metadata: { user_id: 'user_abc_account__session_1' },
    ...extra,
  } as never);
  expect(last(u.mock().calls).status).toBe(200);
  expectWellFormed(events);
  return { final, events, assistant: { role: 'assistant' as const, content: final.content as Block[] } };
}

const toolUses = (m: Anthropic.Message) => m.content.filter((b): b is Anthropic.ToolUseBlock => b.type === 'tool_use');

for (const u of UPSTREAMS)
for (const model of ['gemini-2.5-pro', 'gemini-3-pro-preview']) {
  describe(`Claude Code session on ${u.name} ${model}`, () => {
    test('parallel calls, an error result, an image result, an interrupted tool, more turns and /compact', async () => {
      const messages: Anthropic.MessageParam[] = [{ role: 'user', content: [{ type: 'text', text: 'Fix the failing test.', cache_control: { type: 'ephemeral' } } as Block] }];

      const t1 = await turn(u, model, messages, {
        thinking: 'I should look around.',
        text: 'Let me look.',
        toolCalls: [{ name: 'Bash', args: { command: 'bun test' } }, { name: 'Read', args: { file_path: '/a.ts' } }],
      });
      expect(t1.final.stop_reason).toBe('tool_use');
      const [bash, read] = toolUses(t1.final);
      expect(bash!.input).toEqual({ command: 'bun test' });
      messages.push(t1.assistant, {
        role: 'user',
        content: [
          { type: 'tool_result', tool_use_id: bash!.id, content: 'Exit code 1\nerror: expected 2', is_error: true },
          {
            type: 'tool_result',
            tool_use_id: read!.id,
            content: [
              { type: 'text', text: 'screenshot of the file' },
              { type: 'image', source: { type: 'base64', media_type: 'image/png', data: PNG_BASE64 } },
            ],
            cache_control: { type: 'ephemeral' },
          } as Block,
        ],
      });

      const t2 = await turn(u, model, messages, { thinking: 'Need an edit.', toolCalls: [{ name: 'Bash', args: { command: 'rm -rf build' } }] });
      expect(t2.final.stop_reason).toBe('tool_use');
      const [rm] = toolUses(t2.final);
      // The user pressed Esc while the tool was asked for: Claude Code's interrupted-tool turn.
      messages.push(t2.assistant, {
        role: 'user',
        content: [
          { type: 'tool_result', tool_use_id: rm!.id, content: "The user doesn't want to proceed with this tool use. The tool use was rejected.", is_error: true },
          { type: 'text', text: '[Request interrupted by user for tool use]' },
        ],
      });
      messages.push({ role: 'user', content: 'Do not delete anything; just explain.' });

      const t3 = await turn(u, model, messages, { thinking: 'Explain instead.', text: 'The test expects 2.' });
      expect(t3.final.stop_reason).toBe('end_turn');
      messages.push(t3.assistant, { role: 'user', content: 'Now run it again.' });

      const t4 = await turn(u, model, messages, { thinking: 'Run again.', toolCalls: [{ name: 'Bash', args: { command: 'bun test' } }] });
      const [again] = toolUses(t4.final);
      messages.push(t4.assistant, { role: 'user', content: [{ type: 'tool_result', tool_use_id: again!.id, content: 'ok' }] });
      const t5 = await turn(u, model, messages, { thinking: 'Done.', text: 'All green.' });
      expect(t5.final.stop_reason).toBe('end_turn');
      messages.push(t5.assistant);

      // /compact: the whole history, no tools, no thinking, a summary request last.
      messages.push({ role: 'user', content: 'Your task is to create a detailed summary of the conversation so far.' });
      u.mock().queue({ text: '<summary>…</summary>' });
      const compact = await u.client().messages.create({ model, max_tokens: 20000, system: 'You are a helpful AI assistant tasked with summarizing conversations.', messages });
      expect(last(u.mock().calls).status).toBe(200);
      expect(compact.content[0]).toMatchObject({ type: 'text', text: '<summary>…</summary>' });
      const body = u.request(lastBody(u.mock().calls));
      expect(body.tools).toBeUndefined();
    });
  });
}

/**
 * MCP servers' tools as Claude Code forwards them, in shapes Gemini refuses as they are: a free-form value
 * (z.any() / z.unknown(), desktop-commander's set_config_value and obsidian's frontmatter tool), an array of
 * anything, an enum with an empty member (Smana/runlore#40) and properties on a string (Notion's,
 * anomalyco/opencode#11889). One such tool was a 400 for every turn of the session.
 */
const MCP_TOOLS = [
  {
    name: 'mcp__desktop-commander__set_config_value',
    description: 'Set a config value.',
    input_schema: {
      $schema: 'http://json-schema.org/draft-07/schema#',
      type: 'object',
      additionalProperties: false,
      properties: { key: { type: 'string' }, value: {}, tags: { type: 'array', items: {} } },
      required: ['key', 'value'],
    },
  },
  {
    name: 'mcp__obsidian__manage_frontmatter',
    description: 'Edit a note.',
    input_schema: {
      type: 'object',
      properties: {
        op: { type: 'string', enum: ['get', 'set', ''] },
        value: { description: 'Any JSON value.' },
        data: { type: 'string', description: 'JSON', properties: { page_id: { type: 'string' } }, required: ['page_id'] },
      },
      required: ['op'],
    },
  },
  {
    // zod points back at a reused schema (modelcontextprotocol/typescript-sdk#2100); Gemini takes no $ref.
    name: 'mcp__ms365__create_event',
    description: 'Create a calendar event.',
    input_schema: {
      type: 'object',
      properties: {
        start: { type: 'object', properties: { dateTime: { type: 'string' }, timeZone: { type: 'string' } }, required: ['dateTime', 'timeZone'] },
        end: { $ref: '#/properties/start' },
      },
      required: ['start', 'end'],
    },
  },
] as Anthropic.Tool[];

for (const u of UPSTREAMS) {
  test(`Claude Code on ${u.name}: MCP tool schemas Gemini refuses as they are are accepted, and their calls come back`, async () => {
    u.mock().queue({ toolCalls: [{ name: 'mcp__desktop-commander__set_config_value', args: { key: 'depth', value: '3', tags: ['a'] } }] });
    const msg = await u.client().messages.create({
      model: 'gemini-2.5-pro',
      max_tokens: 8000,
      system: SYSTEM,
      tools: [BASH, ...MCP_TOOLS],
      messages: [{ role: 'user', content: 'Set depth to 3.' }],
    } as never);
    expect(last(u.mock().calls).status).toBe(200);
    expect(msg.content).toMatchObject([
      { type: 'tool_use', name: 'mcp__desktop-commander__set_config_value', input: { key: 'depth', value: '3', tags: ['a'] } },
    ]);
    const decls = (u.request(lastBody(u.mock().calls)).tools as Array<{ functionDeclarations: Array<{ parameters: Record<string, any> }> }>)[0]!
      .functionDeclarations;
    // Nothing the tool needs is lost: required names and the enum's real values stay.
    expect(decls[1]!.parameters).toMatchObject({ required: ['key', 'value'], properties: { value: { type: 'STRING' }, tags: { items: { type: 'STRING' } } } });
    expect(decls[2]!.parameters).toMatchObject({ required: ['op'], properties: { op: { type: 'STRING', enum: ['get', 'set'] }, data: { type: 'STRING' } } });
    // The pointer's target is inlined, so the model knows what `end` holds.
    const event = decls[3]!.parameters.properties;
    expect(event.end).toEqual(event.start);
    expect(event.end).toMatchObject({ type: 'OBJECT', required: ['dateTime', 'timeZone'] });
  });
}

/**
 * Gemini answers the mocks cannot give, written raw: a Gemini API upstream that replays `answer` as
 * one SSE event per chunk (streaming) or as the last chunk's body (not streaming).
 */
describe('Claude Code on Gemini: answers only the real API gives', () => {
  let raw: FaultServer;
  let proxy: TestProxy;
  let answer: unknown[] = [];
  beforeAll(async () => {
    raw = await startFaultServer((c) => {
      if (c.request.path.includes(':streamGenerateContent')) {
        c.head(200, SSE_HEAD);
        for (const chunk of answer) c.write(`data: ${JSON.stringify(chunk)}\r\n\r\n`);
      } else {
        const body = JSON.stringify(answer.at(-1));
        c.head(200, { 'content-type': 'application/json', 'content-length': String(Buffer.byteLength(body)) });
        c.write(body);
      }
      c.socket.end();
    });
    proxy = await startProxy(['--model-provider', 'gemini-cli', '--gemini-base-url', raw.url, '--gemini-api-key', 'AIzaSy-raw']);
  });
  afterAll(() => Promise.all([proxy.stop(), raw.stop()]));

  const rawClient = (): Anthropic => claudeCode(proxy.url, proxy.key);
  // 8000: the SDK refuses a larger max_tokens without streaming, and Claude Code's non-streaming calls stay under it.
  const params = { model: 'gemini-2.5-pro', max_tokens: 8000, system: SYSTEM, tools: [BASH], messages: [{ role: 'user', content: 'List the files.' }] } as never;

  // Gemini's own words when it could not write the call (seen in Antigravity-Manager#1045, gemini-cli).
  const MALFORMED = 'Malformed function call: print(default_api.Bash(command="ls"))';
  const malformed = [
    { candidates: [{ content: { role: 'model', parts: [{ text: 'I should list them.', thought: true }] }, index: 0 }], usageMetadata: { promptTokenCount: 40 } },
    {
      candidates: [{ content: { role: 'model' }, finishReason: 'MALFORMED_FUNCTION_CALL', finishMessage: MALFORMED, index: 0 }],
      usageMetadata: { promptTokenCount: 40, candidatesTokenCount: 0, thoughtsTokenCount: 12, totalTokenCount: 52 },
    },
  ];

  test('MALFORMED_FUNCTION_CALL, streaming: Claude Code shows why the turn stopped instead of an empty end_turn', async () => {
    answer = malformed;
    const { events, final } = await streamAll(rawClient(), params);
    expectWellFormed(events);
    expect(final.stop_reason).toBe('end_turn');
    expect(final.content.filter((b) => b.type === 'text')).toEqual([expect.objectContaining({ type: 'text', text: MALFORMED })]);
  });

  test('MALFORMED_FUNCTION_CALL, not streaming: the same note, and a turn with a call or text gets none', async () => {
    answer = malformed;
    const msg = await rawClient().messages.create(params);
    expect(msg.stop_reason).toBe('end_turn');
    expect(msg.content).toEqual([expect.objectContaining({ type: 'text', text: MALFORMED })]);

    answer = [{ candidates: [{ content: { role: 'model', parts: [{ text: 'Partial answer' }] }, finishReason: 'MALFORMED_FUNCTION_CALL', index: 0 }] }];
    const withText = await rawClient().messages.create(params);
    expect(withText.content).toEqual([expect.objectContaining({ type: 'text', text: 'Partial answer' })]);
  });

  test('cached prompt tokens: message_start splits the prompt the way message_delta does', async () => {
    const usage = { promptTokenCount: 1000, cachedContentTokenCount: 800, totalTokenCount: 1000 };
    answer = [
      { candidates: [{ content: { role: 'model', parts: [{ text: 'hi' }] }, index: 0 }], usageMetadata: usage },
      { candidates: [{ content: { role: 'model', parts: [{ text: '' }] }, finishReason: 'STOP', index: 0 }], usageMetadata: { ...usage, candidatesTokenCount: 5, totalTokenCount: 1005 } },
    ];
    // Raw SSE: the SDK's accumulated message is message_start's object, later overwritten by message_delta.
    const res = await rawClient().messages.create({ ...(params as object), stream: true } as never).asResponse();
    const frames = (await res.text()).split('\n').filter((l) => l.startsWith('data: ')).map((l) => JSON.parse(l.slice(6)));
    expect(frames[0].message.usage).toMatchObject({ input_tokens: 200, cache_read_input_tokens: 800 });
    expect(frames.find((f) => f.type === 'message_delta').usage).toMatchObject({ input_tokens: 200, cache_read_input_tokens: 800, output_tokens: 5 });
  });
});
