/**
 * Requests shaped like Claude Code's (protocols.md §9), sent with the Anthropic SDK to aiproxy with
 * openai-custom and gemini-cli upstreams: `?beta=true` and beta headers, cache_control everywhere,
 * billing-header system text, `{role:"system"}` entries inside `messages` (mid-conversation and last),
 * thinking `{type:"adaptive"}` with output_config.effort, context_management, tools with
 * defer_loading and draft-07 schemas, tool results with screenshots, a long metadata.user_id.
 */
import { afterAll, beforeAll, describe, expect, test } from 'bun:test';
import Anthropic from '@anthropic-ai/sdk';
import type { MessageCreateParamsBase } from '@anthropic-ai/sdk/resources/messages/messages';
import { startStack, type Stack } from '../helpers/stack.ts';
import { EDIT_TOOL, PNG_BASE64, WEATHER_TOOL, allKeys, expectWellFormed, last, lastBody } from './anthropic-client-util.ts';

let s: Stack;
beforeAll(async () => {
  s = await startStack();
});
afterAll(() => s.stop());

const BETAS = 'claude-code-20250219,interleaved-thinking-2025-05-14,context-management-2025-06-27,mid-conversation-tool-changes-2026-07-01';
const USER_ID = JSON.stringify({
  device_id: 'a3f1c9e4b2d8f7a6c5e4d3b2a1f0e9d8c7b6a5f4e3d2c1b0a9f8e7d6c5b4a3f2',
  account_uuid: '0b3c2d1e-4f5a-6b7c-8d9e-0f1a2b3c4d5e',
  session_id: '9e8d7c6b-5a4f-3e2d-1c0b-a9f8e7d6c5b4',
});

/** A Claude Code client: beta query and headers as the CLI sends them. */
function claudeCode(provider: string): Anthropic {
  return new Anthropic({
    apiKey: s.proxy.key,
    baseURL: `${s.proxy.url}/${provider}`,
    maxRetries: 0,
    defaultQuery: { beta: 'true' },
    defaultHeaders: { 'anthropic-beta': BETAS, 'x-app': 'cli', 'anthropic-dangerous-direct-browser-access': 'true' },
  });
}

const BASH_TOOL = {
  name: 'Bash',
  description: 'Run a shell command.',
  input_schema: {
    $schema: 'https://json-schema.org/draft/2020-12/schema',
    type: 'object',
    additionalProperties: false,
    properties: {
      command: { type: 'string', description: 'The command' },
      timeout: { type: 'number', exclusiveMinimum: 0, maximum: 600000 },
      run_in_background: { type: 'boolean' },
    },
    required: ['command'],
  },
  cache_control: { type: 'ephemeral' },
} as Anthropic.Tool;

const DEFERRED_TOOL = { ...WEATHER_TOOL, defer_loading: true } as Anthropic.Tool;

/** Claude Code's request body for one turn (everything but the conversation). */
function body(model: string, messages: unknown[]): MessageCreateParamsBase {
  return {
    model,
    max_tokens: 32000,
    system: [
      { type: 'text', text: 'x-anthropic-billing-header: cc_version=2.1.332; cc_entrypoint=cli;' },
      { type: 'text', text: 'You are Claude Code, an interactive CLI.', cache_control: { type: 'ephemeral' } },
    ],
    messages: messages as Anthropic.MessageParam[],
    tools: [BASH_TOOL, EDIT_TOOL, DEFERRED_TOOL],
    tool_choice: { type: 'auto' },
    thinking: { type: 'adaptive' },
    output_config: { effort: 'medium' },
    metadata: { user_id: USER_ID },
    context_management: { edits: [{ type: 'clear_thinking_20251015', keep: 'all' }] },
    stream: true,
  } as MessageCreateParamsBase;
}

const reminder = { type: 'text', text: '<system-reminder>Today is Thursday.</system-reminder>' };

/** Two turns: the model runs Bash, Claude Code sends the output back (with a screenshot) and more system entries. */
async function toolLoop(provider: string, model: string, queue: (reply: Parameters<Stack['openai']['queue']>[0]) => void) {
  const client = claudeCode(provider);
  const first = [
    { role: 'user', content: [reminder, { type: 'text', text: 'List the files.', cache_control: { type: 'ephemeral' } }] },
    { role: 'system', content: [{ type: 'text', text: 'The user switched to plan mode.' }] },
  ];
  queue({ thinking: 'I will run ls.', text: 'Let me look.', toolCalls: [{ name: 'Bash', args: { command: 'ls -la' } }] });
  const stream1 = client.messages.stream(body(model, first));
  const events1: Anthropic.MessageStreamEvent[] = [];
  for await (const ev of stream1) events1.push(ev);
  const turn1 = await stream1.finalMessage();
  expectWellFormed(events1);

  const call = turn1.content.find((b): b is Anthropic.ToolUseBlock => b.type === 'tool_use')!;
  const second = [
    ...first,
    { role: 'assistant', content: turn1.content },
    {
      role: 'user',
      content: [
        {
          type: 'tool_result',
          tool_use_id: call.id,
          content: [
            { type: 'text', text: 'a.txt\nb.txt' },
            { type: 'image', source: { type: 'base64', media_type: 'image/png', data: PNG_BASE64 } },
          ],
          cache_control: { type: 'ephemeral' },
        },
      ],
    },
    { role: 'system', content: 'Remember: be concise.' },
  ];
  queue({ text: 'There are two files.' });
  const stream2 = client.messages.stream(body(model, second));
  const events2: Anthropic.MessageStreamEvent[] = [];
  for await (const ev of stream2) events2.push(ev);
  const turn2 = await stream2.finalMessage();
  expectWellFormed(events2);
  return { turn1, turn2, call };
}

describe('Claude-Code-like requests → openai-custom', () => {
  test('a streamed tool loop with mid-conversation and final system entries, thinking and a screenshot', async () => {
    const { turn1, turn2, call } = await toolLoop('openai-custom', 'gpt-5.4', (r) => s.openai.queue(r));
    expect(turn1.content.map((b) => b.type)).toEqual(['thinking', 'text', 'tool_use']);
    expect(call).toMatchObject({ name: 'Bash', input: { command: 'ls -la' } });
    expect(turn1.stop_reason).toBe('tool_use');
    expect(turn2.content).toMatchObject([{ type: 'text', text: 'There are two files.' }]);

    const sent = lastBody(s.openai.calls);
    expect(last(s.openai.calls).url).toBe('/v1/chat/completions');
    // Nothing Anthropic-only leaks into an API that rejects unknown fields.
    const keys = allKeys(sent);
    for (const k of ['cache_control', 'context_management', 'output_config', 'thinking', 'metadata', 'defer_loading', 'signature']) {
      expect(keys.has(k)).toBe(false);
    }
    expect(sent).toMatchObject({ model: 'gpt-5.4', max_completion_tokens: 32000, tool_choice: 'auto', stream: true });
    // gpt-5.4 refuses function tools with reasoning_effort on Chat Completions (openai-newer-models.test.ts).
    expect(sent).not.toHaveProperty('reasoning_effort');
    const messages = sent.messages as Array<{ role: string; content: unknown; tool_calls?: Array<{ id: string }>; tool_call_id?: string }>;
    expect(messages.map((m) => m.role)).toEqual(['system', 'user', 'system', 'assistant', 'tool', 'user', 'system']);
    expect(messages[0]!.content).toContain('You are Claude Code');
    expect(messages[1]!.content).toEqual([
      { type: 'text', text: '<system-reminder>Today is Thursday.</system-reminder>' },
      { type: 'text', text: 'List the files.' },
    ]);
    expect(messages[2]!.content).toBe('The user switched to plan mode.');
    expect(messages[3]!.tool_calls!.map((c) => c.id)).toEqual([call.id]);
    expect(messages[4]).toMatchObject({ tool_call_id: call.id, content: 'a.txt\nb.txt' });
    // The screenshot cannot ride in a tool message; it follows in a user message.
    expect(messages[5]!.content).toEqual([{ type: 'image_url', image_url: { url: `data:image/png;base64,${PNG_BASE64}` } }]);
    expect(messages[6]!.content).toBe('Remember: be concise.');
    const tools = sent.tools as Array<{ function: { name: string; parameters: unknown } }>;
    expect(tools.map((t) => t.function.name)).toEqual(['Bash', 'edit_file', 'get_weather']);
    expect(tools[0]!.function.parameters).toEqual(BASH_TOOL.input_schema);
  });

  test('a metadata.user_id longer than OpenAI accepts reaches it as a stable 64-character digest', async () => {
    const res = await claudeCode('openai-custom').messages.create({
      ...body('gpt-4o', [{ role: 'user', content: 'hi' }]),
      max_tokens: 4096,
      stream: false,
    });
    expect(last(s.openai.calls).status).toBe(200);
    expect(res.content[0]).toMatchObject({ type: 'text', text: 'mock(openai) heard: hi' });
    const sentUser = lastBody(s.openai.calls).user;
    expect(sentUser).toMatch(/^[0-9a-f]{64}$/);
    await claudeCode('openai-custom').messages.create({ ...body('gpt-4o', [{ role: 'user', content: 'again' }]), max_tokens: 4096, stream: false });
    expect(lastBody(s.openai.calls).user).toBe(sentUser);
  });

  test('count_tokens with the full Claude Code payload answers from the local estimate', async () => {
    const { stream: _s, max_tokens: _m, ...rest } = body('gpt-5.4', [{ role: 'user', content: 'count' }]);
    const res = await claudeCode('openai-custom').messages.countTokens(rest as Anthropic.MessageCountTokensParams);
    expect(res.input_tokens).toBeGreaterThan(50);
  });
});

describe('Claude-Code-like requests → gemini-cli', () => {
  for (const model of ['gemini-2.5-flash', 'gemini-3-flash-preview']) {
    test(`${model}: a streamed tool loop with system entries, adaptive thinking and a screenshot is accepted by strict Gemini`, async () => {
      const { turn1, turn2, call } = await toolLoop('gemini-cli', model, (r) => s.gemini.queue(r));
      expect(turn1.content.map((b) => b.type)).toEqual(['thinking', 'text', 'tool_use']);
      expect(call).toMatchObject({ name: 'Bash', input: { command: 'ls -la' } });
      expect(turn2.content).toMatchObject([{ type: 'text', text: 'There are two files.' }]);
      expect(last(s.gemini.calls).status).toBe(200);

      const sent = lastBody(s.gemini.calls);
      const keys = allKeys(sent);
      for (const k of ['cache_control', 'context_management', 'output_config', 'metadata', 'defer_loading', '$schema', 'additionalProperties', 'exclusiveMinimum']) {
        expect(keys.has(k)).toBe(false);
      }
      const system = (sent.systemInstruction as { parts: Array<{ text: string }> }).parts.map((p) => p.text).join('\n');
      expect(system).toContain('You are Claude Code');
      expect(system).toContain('The user switched to plan mode.');
      expect(system).toContain('Remember: be concise.');
      const contents = sent.contents as Array<{ role: string; parts: Array<Record<string, unknown>> }>;
      expect(contents.map((c) => c.role)).toEqual(['user', 'model', 'user']);
      // Thought text stays out of the replayed history; the call and its response pair up by name.
      expect(contents[1]!.parts.some((p) => p.thought === true)).toBe(false);
      expect(contents[1]!.parts.at(-1)).toMatchObject({ functionCall: { name: 'Bash', args: { command: 'ls -la' } } });
      const screenshot = { inlineData: { mimeType: 'image/png', data: PNG_BASE64 } };
      // Gemini 3 takes the screenshot inside the response, and refuses it beside (agno-agi/agno#9630).
      expect(contents[2]!.parts).toEqual(
        model.includes('gemini-3')
          ? [{ functionResponse: { name: 'Bash', response: { output: 'a.txt\nb.txt' }, parts: [screenshot] } }]
          : [{ functionResponse: { name: 'Bash', response: { output: 'a.txt\nb.txt' } } }, screenshot],
      );
      const thinking = (sent.generationConfig as { thinkingConfig: Record<string, unknown> }).thinkingConfig;
      // Gemini 3 Flash has a MEDIUM level of its own for the medium effort (BerriAI/litellm#18245).
      expect(thinking).toEqual(model.includes('gemini-3') ? { thinkingLevel: 'MEDIUM', includeThoughts: true } : { thinkingBudget: 8192, includeThoughts: true });
      expect(lastBody(s.gemini.calls).toolConfig).toEqual({ functionCallingConfig: { mode: 'AUTO' } });
    });
  }

  test('a system entry as the only thing after the first user turn still gives Gemini a valid history', async () => {
    const res = await claudeCode('gemini-cli').messages.create({
      ...body('gemini-2.5-flash', [
        { role: 'user', content: 'hello' },
        { role: 'system', content: [{ type: 'text', text: 'Output style: terse.', cache_control: { type: 'ephemeral' } }] },
      ]),
      max_tokens: 4096,
      stream: false,
    });
    expect(last(s.gemini.calls).status).toBe(200);
    expect(res.content.at(-1)).toMatchObject({ type: 'text', text: 'mock(gemini) heard: hello' });
    expect(lastBody(s.gemini.calls).contents).toEqual([{ role: 'user', parts: [{ text: 'hello' }] }]);
  });

  test('count_tokens with the full Claude Code payload goes to Gemini countTokens and is accepted', async () => {
    const { stream: _s, max_tokens: _m, ...rest } = body('gemini-2.5-flash', [
      { role: 'user', content: 'count' },
      { role: 'system', content: 'mid-conversation' },
    ]);
    const res = await claudeCode('gemini-cli').messages.countTokens(rest as Anthropic.MessageCountTokensParams);
    expect(last(s.gemini.calls).url).toBe('/v1beta/models/gemini-2.5-flash:countTokens');
    expect(last(s.gemini.calls).status).toBe(200);
    expect(res.input_tokens).toBeGreaterThan(50);
  });
});

describe('Claude Code ToolSearch (ENABLE_TOOL_SEARCH) on other upstreams', () => {
  // Its ToolSearch is a tool of its own whose result holds tool_reference blocks, which Anthropic's API
  // expands into the tools they name: {"type":"tool_reference","tool_name":"get_weather"}. Other upstreams
  // got an empty result, as if the search had found nothing.
  const SEARCH_TOOL = { name: 'ToolSearch', description: 'Load deferred tools.', input_schema: { type: 'object', properties: { query: { type: 'string' } } } } as Anthropic.Tool;
  const searched = (model: string) => ({
    ...body(model, [
      { role: 'user', content: 'Weather in Paris?' },
      { role: 'assistant', content: [{ type: 'tool_use', id: 'toolu_01Search', name: 'ToolSearch', input: { query: 'select:get_weather' } }] },
      { role: 'user', content: [{ type: 'tool_result', tool_use_id: 'toolu_01Search', content: [{ type: 'tool_reference', tool_name: 'get_weather' }] }, { type: 'text', text: 'Tool loaded.' }] },
    ]),
    tools: [BASH_TOOL, SEARCH_TOOL, DEFERRED_TOOL],
    max_tokens: 4096,
    stream: false,
  });
  const FOUND = 'Tools found and now available:\n- get_weather';

  test('openai-custom: the tool message names what was found, and the deferred tool is offered', async () => {
    await claudeCode('openai-custom').messages.create(searched('gpt-4o') as Anthropic.MessageCreateParamsNonStreaming);
    const sent = lastBody(s.openai.calls) as { messages: Array<{ role: string; content: unknown }>; tools: Array<{ function: { name: string } }> };
    expect(sent.messages.find((m) => m.role === 'tool')?.content).toBe(FOUND);
    expect(sent.tools.map((t) => t.function.name)).toContain('get_weather');
  });

  test('gemini-cli: the function response names it too', async () => {
    await claudeCode('gemini-cli').messages.create(searched('gemini-2.5-flash') as Anthropic.MessageCreateParamsNonStreaming);
    const sent = lastBody(s.gemini.calls) as { contents: Array<{ parts: Array<{ functionResponse?: { response: unknown } }> }> };
    const response = sent.contents.flatMap((c) => c.parts).find((p) => p.functionResponse)?.functionResponse?.response;
    expect(JSON.stringify(response)).toContain(JSON.stringify(FOUND).slice(1, -1));
  });
});
