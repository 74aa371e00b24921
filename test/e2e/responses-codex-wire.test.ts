/**
 * Codex CLI's own wire, byte for byte where it matters, checked against what codex-rs reads and writes
 * (openai/codex, codex-rs):
 * - the request: codex-api/src/common.rs ResponsesApiRequest (tool_choice "auto", store false, stream
 *   true, include ["reasoning.encrypted_content"], prompt_cache_key, text.verbosity, reasoning that may
 *   be null) and the tools of core/src/tools/spec.rs, which include `{type:"web_search",
 *   external_web_access:false}` by default (web_search_mode defaults to Cached in core/src/config);
 * - the stream: codex-api/src/sse/responses.rs process_sse, which deserialises each
 *   `response.output_item.done` item as protocol/src/models.rs ResponseItem (an item that does not
 *   parse is skipped silently), needs `summary_index` on reasoning_summary_text deltas, and reads
 *   `response.completed` as {id: String, usage?: {input_tokens, output_tokens, total_tokens: i64,
 *   input_tokens_details?: {cached_tokens}, output_tokens_details?: {reasoning_tokens}}}: a completed
 *   event that does not parse is a stream error, and Codex retries the whole turn;
 * - the replay: ResponseItem serialised back (ids skipped, reasoning `content: null`, tool output a
 *   string or an array of input_text / input_image, custom_tool_call with status, web_search_call items
 *   from a session that began on OpenAI).
 * Bounded: every request has a timeout, every stream is read to its end.
 */
import { afterAll, beforeAll, describe, expect, test } from 'bun:test';
import { startStack, type Stack } from '../helpers/stack.ts';
import { APPLY_PATCH, CLAUDE, OPENAI, PATCH, SHELL, UPSTREAMS, dig, lastBody, lastCall, type Upstream } from './responses-client-util.ts';

let s: Stack;
beforeAll(async () => {
  s = await startStack();
});
afterAll(() => s.stop());

const PNG = 'data:image/png;base64,iVBORw0KGgoAAAANSUhEUgAAAAEAAAABCAQAAAC1HAwCAAAAC0lEQVR42mNkYAAAAAYAAjCB0C8AAAAASUVORK5CYII=';
const WEB_SEARCH = { type: 'web_search', external_web_access: false };

/** A body as codex-rs serialises ResponsesApiRequest (common.rs), with Codex's default tools. */
function codexBody(model: string, input: unknown[], extra: Record<string, unknown> = {}): Record<string, unknown> {
  return {
    model,
    instructions: 'You are Codex, a coding agent.',
    input,
    tools: [SHELL, APPLY_PATCH, WEB_SEARCH],
    tool_choice: 'auto',
    parallel_tool_calls: false,
    reasoning: { effort: 'medium', summary: 'auto' },
    store: false,
    stream: true,
    include: ['reasoning.encrypted_content'],
    prompt_cache_key: '0199a8f2-6f7e-7c31-9c1e-6d0c2b1e4a55',
    text: { verbosity: 'low' },
    ...extra,
  };
}

const userText = (text: string) => ({ type: 'message', role: 'user', content: [{ type: 'input_text', text }] });

/** POST /v1/responses as Codex does (Bearer key, SSE accept, its session headers); the raw `data:` payloads. */
async function codexPost(u: Upstream, body: Record<string, unknown>): Promise<{ status: number; events: Array<Record<string, unknown>>; text: string }> {
  const res = await fetch(`${s.proxy.url}/${u.name}/v1/responses`, {
    method: 'POST',
    headers: {
      authorization: `Bearer ${s.proxy.key}`,
      'content-type': 'application/json',
      accept: 'text/event-stream',
      originator: 'codex_cli_rs',
      session_id: '0199a8f2-6f7e-7c31-9c1e-6d0c2b1e4a55',
      'x-client-request-id': '0199a8f2-6f7e-7c31-9c1e-6d0c2b1e4a55',
    },
    body: JSON.stringify(body),
    signal: AbortSignal.timeout(10_000),
  });
  const text = await res.text();
  const events = text
    .split('\n\n')
    .flatMap((frame) => frame.split('\n').filter((l) => l.startsWith('data:')).map((l) => l.slice(5).trim()))
    .filter((d) => d.length > 0)
    .map((d) => JSON.parse(d) as Record<string, unknown>);
  return { status: res.status, events, text };
}

const isInt = (v: unknown): boolean => Number.isInteger(v);

/**
 * Whether codex-rs would deserialise `item` as a ResponseItem it acts on (models.rs): the fields each
 * variant requires, with their types. Anything else Codex drops without a word.
 */
function codexParses(item: Record<string, unknown>): boolean {
  switch (item.type) {
    case 'message':
      return (
        typeof item.role === 'string' &&
        Array.isArray(item.content) &&
        item.content.every((c: Record<string, unknown>) => ['input_text', 'output_text'].includes(c.type as string) && typeof c.text === 'string')
      );
    case 'reasoning':
      return (
        Array.isArray(item.summary) &&
        item.summary.every((p: Record<string, unknown>) => p.type === 'summary_text' && typeof p.text === 'string') &&
        (item.encrypted_content == null || typeof item.encrypted_content === 'string')
      );
    case 'function_call':
      return (
        typeof item.name === 'string' &&
        typeof item.arguments === 'string' &&
        typeof item.call_id === 'string' &&
        (item.namespace === undefined || typeof item.namespace === 'string')
      );
    case 'custom_tool_call':
      return typeof item.call_id === 'string' && typeof item.name === 'string' && typeof item.input === 'string';
    case 'tool_search_call':
      return typeof item.call_id === 'string' && typeof item.execution === 'string' && typeof item.arguments === 'object' && item.arguments !== null;
    default:
      return false;
  }
}

/** What Codex requires of a stream it will accept as a finished turn. */
function expectCodexReadable(events: Array<Record<string, unknown>>): Array<Record<string, unknown>> {
  const done = events.filter((e) => e.type === 'response.output_item.done').map((e) => e.item as Record<string, unknown>);
  for (const item of done) expect({ item, parses: codexParses(item) }).toEqual({ item, parses: true });
  for (const e of events.filter((x) => x.type === 'response.output_item.added')) expect(codexParses(e.item as Record<string, unknown>)).toBe(true);
  for (const e of events.filter((x) => x.type === 'response.reasoning_summary_text.delta')) {
    expect(typeof e.delta).toBe('string');
    expect(isInt(e.summary_index)).toBe(true);
  }
  for (const e of events.filter((x) => x.type === 'response.output_text.delta')) expect(typeof e.delta).toBe('string');
  expect(events.some((e) => e.type === 'response.created' && e.response != null)).toBe(true);
  const completed = events.filter((e) => e.type === 'response.completed');
  expect(completed).toHaveLength(1);
  expect(events.at(-1)!.type).toBe('response.completed');
  const response = completed[0]!.response as Record<string, unknown>;
  expect(typeof response.id).toBe('string');
  const usage = response.usage as Record<string, unknown> | null;
  if (usage != null) {
    expect([usage.input_tokens, usage.output_tokens, usage.total_tokens].every(isInt)).toBe(true);
    if (usage.input_tokens_details != null) expect(isInt(dig(usage, 'input_tokens_details', 'cached_tokens'))).toBe(true);
    if (usage.output_tokens_details != null) expect(isInt(dig(usage, 'output_tokens_details', 'reasoning_tokens'))).toBe(true);
  }
  return done;
}

/** Output items as codex-rs serialises them back into `input`: ids skipped, reasoning content null. */
function asCodexReplay(items: Array<Record<string, unknown>>): Array<Record<string, unknown>> {
  return items.map((item) => {
    switch (item.type) {
      case 'message':
        return { type: 'message', role: item.role, content: (item.content as Array<Record<string, unknown>>).map((c) => ({ type: c.type, text: c.text })) };
      case 'reasoning':
        return { type: 'reasoning', summary: item.summary, content: null, encrypted_content: item.encrypted_content ?? null };
      case 'tool_search_call':
        return { type: 'tool_search_call', call_id: item.call_id, status: item.status, execution: item.execution, arguments: item.arguments };
      case 'function_call':
        // codex-rs skips a None namespace when serialising.
        return { type: 'function_call', name: item.name, ...(item.namespace ? { namespace: item.namespace } : {}), arguments: item.arguments, call_id: item.call_id };
      case 'custom_tool_call':
        return { type: 'custom_tool_call', status: item.status, call_id: item.call_id, name: item.name, ...(item.namespace ? { namespace: item.namespace } : {}), input: item.input };
      default:
        throw new Error(`unexpected item ${String(item.type)}`);
    }
  });
}

describe('Codex default request: the web_search tool it always sends is dropped, not refused', () => {
  for (const u of UPSTREAMS) {
    test(`${u.name}: 200, a stream Codex accepts, and no web_search reaches the upstream`, async () => {
      u.mock(s).queue({ thinking: 'Thinking it over.', text: 'Hello from aiproxy.' });
      const r = await codexPost(u, codexBody(u.model, [userText('hi')]));
      expect(r.status).toBe(200);
      const done = expectCodexReadable(r.events);
      expect(done.find((i) => i.type === 'message')).toMatchObject({ role: 'assistant', content: [{ type: 'output_text', text: 'Hello from aiproxy.' }] });
      expect(lastCall(u.mock(s)).status).toBe(200);
      const sent = JSON.stringify(lastBody(u.mock(s)));
      expect(sent).not.toContain('web_search');
      expect(sent).toContain('apply_patch');
      // Chat Completions takes prompt_cache_key too (OpenAI's prompt cache); the other APIs have no such field.
      expect(lastBody(u.mock(s)).prompt_cache_key).toBe(u === OPENAI ? '0199a8f2-6f7e-7c31-9c1e-6d0c2b1e4a55' : undefined);
    });
  }

  test('reasoning null (a model without reasoning) and live web search (danger-full-access) are accepted too', async () => {
    CLAUDE.mock(s).queue({ text: 'ok' });
    const r = await codexPost(CLAUDE, codexBody(CLAUDE.model, [userText('hi')], { reasoning: null, tools: [SHELL, { type: 'web_search', external_web_access: true }] }));
    expect(r.status).toBe(200);
    expectCodexReadable(r.events);
  });

  test('the image_generation tool Codex adds whatever the provider (openai/codex#30557) is dropped too; an image_generation_call replayed from OpenAI is skipped', async () => {
    CLAUDE.mock(s).queue({ text: 'ok' });
    const input = [
      userText('Draw a cat'),
      { type: 'image_generation_call', id: 'ig_1', status: 'completed', revised_prompt: 'A cat', result: 'iVBORw0KGgo=' },
      { type: 'message', role: 'assistant', content: [{ type: 'output_text', text: 'Here is your cat.' }] },
      userText('Thanks'),
    ];
    const r = await codexPost(CLAUDE, codexBody(CLAUDE.model, input, { tools: [SHELL, APPLY_PATCH, WEB_SEARCH, { type: 'image_generation', output_format: 'png' }] }));
    expect({ status: r.status, body: r.status === 200 ? '' : r.text }).toEqual({ status: 200, body: '' });
    expectCodexReadable(r.events);
    const sent = JSON.stringify(lastBody(CLAUDE.mock(s)));
    expect(sent).not.toContain('image_generation');
    expect(sent).toContain('Here is your cat.');
    const forced = await codexPost(CLAUDE, codexBody(CLAUDE.model, [userText('hi')], { tool_choice: { type: 'image_generation' } }));
    expect(forced.status).toBe(400);
  });

  test('forcing web_search through tool_choice is still refused: it cannot be honoured', async () => {
    const r = await codexPost(CLAUDE, codexBody(CLAUDE.model, [userText('hi')], { tool_choice: { type: 'web_search' } }));
    expect(r.status).toBe(400);
    expect(r.text).toContain('tool_choice');
  });
});

describe('Codex tool loop: the items it reads back, replayed as it serialises them', () => {
  for (const u of UPSTREAMS) {
    test(`${u.name}: apply_patch and shell calls parse as Codex ResponseItems; the replay (string and content-item outputs, content:null reasoning) is accepted`, async () => {
      u.mock(s).queue({
        thinking: 'I will patch and then list.',
        toolCalls: [
          { name: 'apply_patch', args: { input: PATCH } },
          { name: 'shell', args: { command: ['bash', '-lc', 'ls'] } },
        ],
      });
      const input1 = [
        { type: 'message', role: 'developer', content: [{ type: 'input_text', text: '<permissions instructions>workspace-write</permissions instructions>' }] },
        userText('<environment_context><cwd>/repo</cwd></environment_context>'),
        userText('Fix main.py'),
      ];
      const r1 = await codexPost(u, codexBody(u.model, input1));
      expect(r1.status).toBe(200);
      const items = expectCodexReadable(r1.events);
      const patch = items.find((i) => i.type === 'custom_tool_call')!;
      const shell = items.find((i) => i.type === 'function_call')!;
      expect(patch).toMatchObject({ name: 'apply_patch', input: PATCH, status: 'completed' });
      expect(shell).toMatchObject({ name: 'shell' });

      u.mock(s).queue({ text: 'Done.' });
      const input2 = [
        ...input1,
        ...asCodexReplay(items),
        // codex-rs CustomToolCallOutput: a plain string.
        { type: 'custom_tool_call_output', call_id: patch.call_id, output: 'Success. Updated the following files:\nM main.py\n' },
        // FunctionCallOutputPayload with content_items (an MCP or view_image result): an array of input parts.
        {
          type: 'function_call_output',
          call_id: shell.call_id,
          output: [
            { type: 'input_text', text: 'main.py\nREADME.md' },
            { type: 'input_image', image_url: PNG },
          ],
        },
      ];
      const r2 = await codexPost(u, codexBody(u.model, input2));
      expect({ status: r2.status, body: r2.status === 200 ? '' : r2.text }).toEqual({ status: 200, body: '' });
      expectCodexReadable(r2.events);
      expect(lastCall(u.mock(s)).status).toBe(200);
      const sent = JSON.stringify(lastBody(u.mock(s)));
      expect(sent).toContain('main.py\\nREADME.md');
      // Gemini pairs calls and results by name, the others by the call ids Codex sent back.
      if (u.family !== 'gemini') {
        expect(sent).toContain(shell.call_id as string);
        expect(sent).toContain(patch.call_id as string);
      }
    });
  }
});

/**
 * OpenAI caches a prompt's prefix unasked; Anthropic only up to a block marked cache_control, and Codex
 * marks none, so every turn was billed whole (router-for-me/CLIProxyAPI#5557). Claude gets two
 * breakpoints: the system prompt's end and the conversation's last block.
 */
describe('Codex → claude-custom: prompt cache breakpoints', () => {
  test('the end of the system prompt and the last block of the conversation are marked; nothing else', async () => {
    CLAUDE.mock(s).queue({ text: 'Done.' });
    const input = [
      userText('List the files'),
      { type: 'function_call', call_id: 'call_ls1', name: 'shell', arguments: '{"command":["ls"]}' },
      { type: 'function_call_output', call_id: 'call_ls1', output: 'main.py\nREADME.md' },
    ];
    const r = await codexPost(CLAUDE, codexBody(CLAUDE.model, input));
    expect({ status: r.status, body: r.status === 200 ? '' : r.text }).toEqual({ status: 200, body: '' });
    expect(lastCall(CLAUDE.mock(s)).status).toBe(200);
    const body = lastBody(CLAUDE.mock(s)) as { system: Array<Record<string, unknown>>; messages: Array<{ content: Array<Record<string, unknown>> }> };
    expect(body.system.at(-1)!.cache_control).toEqual({ type: 'ephemeral' });
    const last = body.messages.at(-1)!.content.at(-1)!;
    expect(last).toMatchObject({ type: 'tool_result', tool_use_id: 'call_ls1', cache_control: { type: 'ephemeral' } });
    expect(JSON.stringify(body).match(/cache_control/g)).toHaveLength(2);
  });

  test('not on a Chat Completions client\'s request', async () => {
    CLAUDE.mock(s).queue({ text: 'ok' });
    const res = await fetch(`${s.proxy.url}/claude-custom/v1/chat/completions`, {
      method: 'POST',
      headers: { authorization: `Bearer ${s.proxy.key}`, 'content-type': 'application/json' },
      body: JSON.stringify({ model: CLAUDE.model, messages: [{ role: 'system', content: 'Be brief.' }, { role: 'user', content: 'hi' }] }),
      signal: AbortSignal.timeout(10_000),
    });
    expect(res.status).toBe(200);
    await res.text();
    expect(JSON.stringify(lastBody(CLAUDE.mock(s)))).not.toContain('cache_control');
  });
});

/**
 * Codex's view_image returns the picture as `input_image` with `detail: "original"` (full resolution,
 * a Responses API value), in a function_call_output and so in every later turn's history. Chat
 * Completions takes auto/low/high only and strict servers answer 400 (farion1231/cc-switch#6569,
 * #7555): the image goes to them at `high`.
 */
describe('view_image result with detail "original"', () => {
  for (const u of UPSTREAMS) {
    test(`${u.name}: accepted upstream, the image kept`, async () => {
      u.mock(s).queue({ text: 'A red pixel.' });
      const input = [
        userText('Look at shot.png'),
        { type: 'function_call', call_id: 'call_view1', name: 'view_image', arguments: '{"path":"shot.png"}' },
        { type: 'function_call_output', call_id: 'call_view1', output: [{ type: 'input_image', image_url: PNG, detail: 'original' }] },
      ];
      const r = await codexPost(u, codexBody(u.model, input));
      expect({ status: r.status, body: r.status === 200 ? '' : r.text }).toEqual({ status: 200, body: '' });
      expect(lastCall(u.mock(s)).status).toBe(200);
      const sent = JSON.stringify(lastBody(u.mock(s)));
      expect(sent).toContain(PNG.slice('data:image/png;base64,'.length));
      expect(sent).not.toContain('"original"');
      if (u.family === 'openai') expect(sent).toContain('"detail":"high"');
    });
  }
});

/**
 * Codex declares each MCP server's tools as one `namespace` tool (codex-rs tools/src/tool_spec.rs
 * ToolSpec::Namespace; names qualified in codex-mcp/src/tools.rs) and reads a call of one back as a
 * function_call with `name` and `namespace` (protocol/src/models.rs), which it replays as such.
 */
const GITHUB_MCP = {
  type: 'namespace',
  name: 'mcp__github',
  description: 'Tools from the github MCP server.',
  tools: [
    {
      type: 'function',
      name: 'search_issues',
      description: 'Search issues in a repository.',
      strict: false,
      parameters: { type: 'object', properties: { repo: { type: 'string' }, q: { type: 'string' } }, required: ['repo', 'q'], additionalProperties: false },
    },
  ],
};

describe('MCP tools in a namespace (Codex declares each MCP server\'s tools as one)', () => {
  for (const u of UPSTREAMS) {
    test(`${u.name}: the model sees one function per member; its call comes back with name and namespace, and the replay is accepted`, async () => {
      u.mock(s).queue({ toolCalls: [{ name: 'mcp__github__search_issues', args: { repo: 'acme/app', q: 'crash' } }] });
      const input1 = [userText('Find crash reports in acme/app')];
      const r1 = await codexPost(u, codexBody(u.model, input1, { tools: [SHELL, APPLY_PATCH, WEB_SEARCH, GITHUB_MCP] }));
      expect({ status: r1.status, body: r1.status === 200 ? '' : r1.text }).toEqual({ status: 200, body: '' });
      const sent1 = JSON.stringify(lastBody(u.mock(s)));
      expect(sent1).toContain('"mcp__github__search_issues"');
      expect(sent1).toContain('Search issues in a repository.');
      expect(sent1).not.toContain('"namespace"');
      const items = expectCodexReadable(r1.events);
      const call = items.find((i) => i.type === 'function_call')!;
      expect(call).toMatchObject({ name: 'search_issues', namespace: 'mcp__github' });
      expect(JSON.parse(call.arguments as string)).toEqual({ repo: 'acme/app', q: 'crash' });
      const added = r1.events.find((e) => e.type === 'response.output_item.added' && (e.item as { type: string }).type === 'function_call')!;
      expect(added.item).toMatchObject({ name: 'search_issues', namespace: 'mcp__github' });

      u.mock(s).queue({ text: 'Found two.' });
      const input2 = [...input1, ...asCodexReplay(items), { type: 'function_call_output', call_id: call.call_id, output: '#12 crash on start; #40 crash on exit' }];
      const r2 = await codexPost(u, codexBody(u.model, input2, { tools: [SHELL, APPLY_PATCH, WEB_SEARCH, GITHUB_MCP] }));
      expect({ status: r2.status, body: r2.status === 200 ? '' : r2.text }).toEqual({ status: 200, body: '' });
      expectCodexReadable(r2.events);
      expect(lastCall(u.mock(s)).status).toBe(200);
      const sent2 = JSON.stringify(lastBody(u.mock(s)));
      // The call in the history goes upstream under the name the tool was declared with there.
      expect(sent2.split('"mcp__github__search_issues"').length - 1).toBeGreaterThanOrEqual(2);
      expect(sent2).toContain('#12 crash on start');
    });
  }
});

/** Codex's client-run tool search (tools/src/tool_spec.rs ToolSpec::ToolSearch), offered when it holds MCP tools back. */
const TOOL_SEARCH = {
  type: 'tool_search',
  execution: 'client',
  description: 'Searches the available MCP tools and loads the ones that match.',
  parameters: { type: 'object', properties: { query: { type: 'string' }, limit: { type: 'number' } }, required: ['query'], additionalProperties: false },
};

describe('a tool search Codex runs itself (MCP tools held back until the model looks for them)', () => {
  for (const u of UPSTREAMS) {
    test(`${u.name}: the search is a tool_search_call; what it found is offered upstream and called with its namespace`, async () => {
      const tools = [SHELL, APPLY_PATCH, TOOL_SEARCH];
      u.mock(s).queue({ toolCalls: [{ name: 'tool_search', args: { query: 'github issues', limit: 1 } }] });
      const input1 = [userText('Find crash reports in acme/app')];
      const r1 = await codexPost(u, codexBody(u.model, input1, { tools }));
      expect({ status: r1.status, body: r1.status === 200 ? '' : r1.text }).toEqual({ status: 200, body: '' });
      const items1 = expectCodexReadable(r1.events);
      const search = items1.find((i) => i.type === 'tool_search_call')!;
      expect(search).toMatchObject({ execution: 'client', arguments: { query: 'github issues', limit: 1 } });
      expect(JSON.stringify(lastBody(u.mock(s)))).not.toContain('search_issues');

      // Codex runs the search and sends what it found; the model then calls the found tool.
      u.mock(s).queue({ toolCalls: [{ name: 'mcp__github__search_issues', args: { repo: 'acme/app', q: 'crash' } }] });
      const input2 = [...input1, ...asCodexReplay(items1), { type: 'tool_search_output', call_id: search.call_id, status: 'completed', execution: 'client', tools: [GITHUB_MCP] }];
      const r2 = await codexPost(u, codexBody(u.model, input2, { tools }));
      expect({ status: r2.status, body: r2.status === 200 ? '' : r2.text }).toEqual({ status: 200, body: '' });
      const sent2 = JSON.stringify(lastBody(u.mock(s)));
      expect(sent2).toContain('- mcp__github__search_issues: Search issues in a repository.');
      expect(sent2.split('"mcp__github__search_issues"').length - 1).toBeGreaterThanOrEqual(1);
      const call = expectCodexReadable(r2.events).find((i) => i.type === 'function_call')!;
      expect(call).toMatchObject({ name: 'search_issues', namespace: 'mcp__github' });
      expect(JSON.parse(call.arguments as string)).toEqual({ repo: 'acme/app', q: 'crash' });
    });
  }
});

/**
 * Codex 0.144 and later (its "responses lite" requests) send no top-level `tools`: the tools travel in an
 * `additional_tools` input item, `{type, role: "developer", id, tools}`, a tree of namespaces holding
 * function and freeform custom tools, of which some namespaces may be empty (theopenco/llmgateway#3613,
 * SaladDay/cc-switch-cli#466, 10/chatgpt-codex-proxy#9). A call of a namespaced custom tool comes back,
 * and is replayed, as a custom_tool_call that names its namespace.
 */
const LITE_TOOLS = {
  type: 'additional_tools',
  role: 'developer',
  id: 'at_0199a8f2-6f7e-7c31-9c1e-6d0c2b1e4a55',
  tools: [
    {
      type: 'namespace',
      name: 'functions',
      description: '',
      tools: [
        { type: 'custom', name: 'exec', description: 'Run JavaScript code to orchestrate tool calls.', format: { type: 'text' } },
        { type: 'function', name: 'wait', description: 'Waits for a running exec cell.', strict: false, parameters: { type: 'object', properties: { cell_id: { type: 'string' } } } },
      ],
    },
    { type: 'namespace', name: 'collaboration', description: '', tools: [] },
  ],
};

describe('tools declared in an additional_tools input item (Codex "responses lite")', () => {
  for (const u of UPSTREAMS) {
    test(`${u.name}: the model is offered them; a custom tool's call comes back with its namespace, and the replay is accepted`, async () => {
      u.mock(s).queue({ toolCalls: [{ name: 'functions__exec', args: { input: 'text(await tools.exec_command({cmd: "ls"}))' } }] });
      const { tools: _none, instructions: _i, ...lite } = codexBody(u.model, []);
      const input1 = [LITE_TOOLS, { type: 'message', role: 'developer', content: [{ type: 'input_text', text: 'You are Codex.' }] }, userText('List the files')];
      const r1 = await codexPost(u, { ...lite, input: input1 });
      expect({ status: r1.status, body: r1.status === 200 ? '' : r1.text }).toEqual({ status: 200, body: '' });
      const sent1 = JSON.stringify(lastBody(u.mock(s)));
      expect(sent1).toContain('"functions__exec"');
      expect(sent1).toContain('"functions__wait"');
      expect(sent1).toContain('Run JavaScript code to orchestrate tool calls.');
      const items = expectCodexReadable(r1.events);
      const call = items.find((i) => i.type === 'custom_tool_call')!;
      expect(call).toMatchObject({ name: 'exec', namespace: 'functions', input: 'text(await tools.exec_command({cmd: "ls"}))' });

      u.mock(s).queue({ text: 'Two files.' });
      const input2 = [...input1, ...asCodexReplay(items), { type: 'custom_tool_call_output', call_id: call.call_id, output: 'a.txt\nb.txt' }];
      const r2 = await codexPost(u, { ...lite, input: input2 });
      expect({ status: r2.status, body: r2.status === 200 ? '' : r2.text }).toEqual({ status: 200, body: '' });
      expectCodexReadable(r2.events);
      expect(lastCall(u.mock(s)).status).toBe(200);
      const sent2 = JSON.stringify(lastBody(u.mock(s)));
      // The call in the history goes upstream under the name the tool was declared with there.
      expect(sent2.split('"functions__exec"').length - 1).toBeGreaterThanOrEqual(2);
      expect(sent2).toContain('b.txt');
    });
  }
});

/** POST /v1/responses/compact as Codex sends it (codex-api CompactionInput): unary JSON in, {output} out. */
async function compactPost(u: Upstream, body: Record<string, unknown>): Promise<{ status: number; json: Record<string, unknown> }> {
  const res = await fetch(`${s.proxy.url}/${u.name}/v1/responses/compact`, {
    method: 'POST',
    headers: { authorization: `Bearer ${s.proxy.key}`, 'content-type': 'application/json', originator: 'codex_cli_rs' },
    body: JSON.stringify(body),
    signal: AbortSignal.timeout(10_000),
  });
  return { status: res.status, json: (await res.json()) as Record<string, unknown> };
}

/** Where each upstream family says "answer without calling a tool". */
const NO_TOOL_CALLS: Record<Upstream['family'], [path: string[], value: unknown]> = {
  openai: [['tool_choice'], 'none'],
  anthropic: [['tool_choice', 'type'], 'none'],
  gemini: [['toolConfig', 'functionCallingConfig', 'mode'], 'NONE'],
};

describe('remote compaction (POST /v1/responses/compact), and its compaction item replayed', () => {
  const history = [
    userText('<environment_context><cwd>/repo</cwd></environment_context>'),
    userText('Fix the crash in main.py'),
    { type: 'function_call', name: 'shell', arguments: '{"command":["bash","-lc","python main.py"]}', call_id: 'call_run1' },
    { type: 'function_call_output', call_id: 'call_run1', output: 'Traceback: ZeroDivisionError in main.py line 3' },
    { type: 'message', role: 'assistant', content: [{ type: 'output_text', text: 'The crash is a division by zero on line 3.' }] },
  ];
  for (const u of UPSTREAMS) {
    test(`${u.name}: the model summarises, the answer is the user's messages and one compaction item, and a replay carries the summary`, async () => {
      u.mock(s).queue({ text: 'Handoff: main.py line 3 divides by zero; next, guard the divisor and rerun.' });
      const r = await compactPost(u, {
        model: u.model,
        input: history,
        instructions: 'You are Codex, a coding agent.',
        tools: [SHELL, APPLY_PATCH],
        parallel_tool_calls: false,
        reasoning: { effort: 'medium', summary: 'auto' },
        prompt_cache_key: '0199a8f2-6f7e-7c31-9c1e-6d0c2b1e4a55',
      });
      expect({ status: r.status, body: r.status === 200 ? '' : r.json }).toEqual({ status: 200, body: '' });
      expect(r.json.object).toBe('response.compaction');
      const output = r.json.output as Array<Record<string, unknown>>;
      expect(output.map((i) => i.type)).toEqual(['message', 'message', 'compaction']);
      expect(output[1]).toMatchObject({ role: 'user', content: [{ type: 'input_text', text: 'Fix the crash in main.py' }] });
      expect(typeof output[2]!.encrypted_content).toBe('string');
      expect(JSON.stringify(output)).not.toContain('divides by zero');
      // The upstream was asked for a summary over the whole history, not streamed, with no tool to call.
      const sent = lastBody(u.mock(s));
      const text = JSON.stringify(sent);
      expect(text).toContain('handoff note');
      expect(text).toContain('ZeroDivisionError');
      const [path, value] = NO_TOOL_CALLS[u.family];
      expect(dig(sent, ...path)).toBe(value);
      expect(lastCall(u.mock(s)).status).toBe(200);

      // Codex replaces its history with the output and goes on.
      u.mock(s).queue({ text: 'Guarding the divisor now.' });
      const r2 = await codexPost(u, codexBody(u.model, [...output, userText('go on')]));
      expect({ status: r2.status, body: r2.status === 200 ? '' : r2.text }).toEqual({ status: 200, body: '' });
      expectCodexReadable(r2.events);
      const replayed = JSON.stringify(lastBody(u.mock(s)));
      expect(replayed).toContain('main.py line 3 divides by zero');
      expect(replayed).toContain('Fix the crash in main.py');
      expect(replayed).not.toContain('encrypted_content');
    });
  }

  for (const u of UPSTREAMS) {
    test(`${u.name}: a compaction_trigger item last (newer Codex) streams exactly one compaction item, which a replay turns back into the summary`, async () => {
      u.mock(s).queue({ text: 'Handoff: guard the divisor on main.py line 3, then rerun.' });
      const r = await codexPost(u, codexBody(u.model, [...history, { type: 'compaction_trigger' }]));
      expect({ status: r.status, body: r.status === 200 ? '' : r.text }).toEqual({ status: 200, body: '' });
      expect(r.events.map((e) => e.type)).toEqual([
        'response.created',
        'response.in_progress',
        'response.output_item.added',
        'response.output_item.done',
        'response.completed',
      ]);
      expect(r.events.map((e) => e.sequence_number)).toEqual([0, 1, 2, 3, 4]);
      const done = r.events[3]!.item as Record<string, unknown>;
      expect(done.type).toBe('compaction');
      const completed = r.events[4]!.response as { id: string; status: string; output: unknown[]; usage: unknown };
      expect(completed).toMatchObject({ status: 'completed', output: [done] });
      expect(typeof completed.id).toBe('string');
      // The summary was asked for without a stream, with the trigger itself left out.
      const sent = lastBody(u.mock(s));
      expect(JSON.stringify(sent)).toContain('handoff note');
      expect(JSON.stringify(sent)).not.toContain('compaction_trigger');
      if (u.family !== 'gemini') expect(sent.stream ?? false).toBe(false);
      else expect(lastCall(u.mock(s)).url).toContain(':generateContent');

      u.mock(s).queue({ text: 'On it.' });
      const r2 = await codexPost(u, codexBody(u.model, [history[1]!, done, userText('go on')]));
      expect(r2.status).toBe(200);
      expect(JSON.stringify(lastBody(u.mock(s)))).toContain('guard the divisor on main.py line 3');
    });
  }

  test("OpenAI's own compaction item (a session begun on OpenAI) is skipped; the user's messages kept beside it still go upstream", async () => {
    CLAUDE.mock(s).queue({ text: 'ok' });
    const input = [userText('Fix the crash in main.py'), { type: 'compaction', encrypted_content: 'gAAAAABpM0Yj-opaque=' }, userText('go on')];
    const r = await codexPost(CLAUDE, codexBody(CLAUDE.model, input));
    expect(r.status).toBe(200);
    const sent = JSON.stringify(lastBody(CLAUDE.mock(s)));
    expect(sent).toContain('Fix the crash in main.py');
    expect(sent).not.toContain('gAAAAABpM0Yj');
  });

  test('a history too long for the routed model is summarised again from its newest part', async () => {
    const long = [
      userText(`Old request: ${'a'.repeat(4000)}`),
      { type: 'function_call', name: 'shell', arguments: '{"command":["ls"]}', call_id: 'call_old' },
      { type: 'function_call_output', call_id: 'call_old', output: `old listing ${'b'.repeat(4000)}` },
      userText(`Newer request: ${'c'.repeat(1000)}`),
      { type: 'function_call', name: 'shell', arguments: '{"command":["pwd"]}', call_id: 'call_new' },
      { type: 'function_call_output', call_id: 'call_new', output: '/repo' },
    ];
    CLAUDE.mock(s).queue({
      error: { status: 400, body: { type: 'error', error: { type: 'invalid_request_error', message: 'prompt is too long: 250000 tokens > 200000 maximum' } } },
    });
    CLAUDE.mock(s).queue({ text: 'Handoff: the newer request is in progress in /repo.' });
    const before = CLAUDE.mock(s).calls.length;
    const r = await compactPost(CLAUDE, { model: CLAUDE.model, input: long, instructions: 'x', tools: [SHELL] });
    expect({ status: r.status, body: r.status === 200 ? '' : r.json }).toEqual({ status: 200, body: '' });
    expect((r.json.output as Array<{ type: string }>).at(-1)!.type).toBe('compaction');
    expect(CLAUDE.mock(s).calls.length).toBe(before + 2);
    const retried = JSON.stringify(lastBody(CLAUDE.mock(s)));
    expect(retried).toContain('The beginning of this conversation is left out here');
    expect(retried).toContain('Newer request');
    expect(retried).not.toContain('Old request');
    // The cut never leaves an output without its call: the old listing went with it.
    expect(retried).not.toContain('old listing');
  });

  test('an upstream error reaches Codex in the OpenAI shape with its status; an overflow is retried once only', async () => {
    const overflow = { type: 'error', error: { type: 'invalid_request_error', message: 'prompt is too long: 250000 tokens > 200000 maximum' } };
    CLAUDE.mock(s).queue({ error: { status: 400, body: { type: 'error', error: { type: 'invalid_request_error', message: 'max_tokens: must be at most 64000' } } } });
    const r = await compactPost(CLAUDE, { model: CLAUDE.model, input: history, instructions: 'x' });
    expect(r.status).toBe(400);
    expect((r.json.error as { message: string }).message).toContain('max_tokens: must be at most 64000');
    const before = CLAUDE.mock(s).calls.length;
    CLAUDE.mock(s).queue({ error: { status: 400, body: overflow } });
    CLAUDE.mock(s).queue({ error: { status: 400, body: overflow } });
    const twice = await compactPost(CLAUDE, { model: CLAUDE.model, input: history, instructions: 'x' });
    expect(twice.status).toBe(400);
    expect((twice.json.error as { code: string }).code).toBe('context_length_exceeded');
    expect(CLAUDE.mock(s).calls.length).toBe(before + 2);
  });
});

describe('replayed items Codex may hold that aiproxy never produced', () => {
  test('a web_search_call (a session begun on OpenAI) is skipped; the rest of the history goes upstream', async () => {
    CLAUDE.mock(s).queue({ text: 'Continuing.' });
    const input = [
      userText('What is new in Rust 1.90?'),
      { type: 'web_search_call', status: 'completed', action: { type: 'search', query: 'Rust 1.90 release notes' } },
      { type: 'message', role: 'assistant', content: [{ type: 'output_text', text: 'Rust 1.90 ships lld by default on Linux.' }] },
      userText('Thanks. And 1.91?'),
    ];
    const r = await codexPost(CLAUDE, codexBody(CLAUDE.model, input));
    expect(r.status).toBe(200);
    expectCodexReadable(r.events);
    const messages = lastBody(CLAUDE.mock(s)).messages as unknown[];
    expect(messages.map((m) => dig(m, 'role'))).toEqual(['user', 'assistant', 'user']);
    expect(JSON.stringify(messages)).not.toContain('web_search');
  });

  test('reasoning replayed with raw reasoning content parts of type "text" (codex-rs ReasoningItemContent::Text)', async () => {
    CLAUDE.mock(s).queue({ text: 'ok' });
    const input = [
      userText('hi'),
      { type: 'reasoning', summary: [], content: [{ type: 'reasoning_text', text: 'first' }, { type: 'text', text: 'second' }], encrypted_content: null },
      { type: 'message', role: 'assistant', content: [{ type: 'output_text', text: 'hello' }] },
      userText('again'),
    ];
    const r = await codexPost(CLAUDE, codexBody(CLAUDE.model, input, { reasoning: null }));
    expect({ status: r.status, body: r.status === 200 ? '' : r.text }).toEqual({ status: 200, body: '' });
  });

  for (const u of UPSTREAMS) {
    test(`${u.name}: an output injected without a call_id (openai/codex#42376) and agent_message items (multi-agent v2) reach the model as text`, async () => {
      u.mock(s).queue({ text: 'On it.' });
      const input = [
        { type: 'function_call_output', id: 'fco_1', name: 'automation_update', namespace: 'codex_app', output: 'Automation: Daily brief' },
        userText('Run the brief.'),
        { type: 'message', role: 'assistant', content: [{ type: 'output_text', text: 'Spawning a worker.' }] },
        { type: 'agent_message', id: 'amsg_1', author: '/root', recipient: '/root/worker', content: [{ type: 'encrypted_content', encrypted_content: 'Summarise the open issues.' }] },
      ];
      const r = await codexPost(u, codexBody(u.model, input));
      expect({ status: r.status, body: r.status === 200 ? '' : r.text }).toEqual({ status: 200, body: '' });
      expectCodexReadable(r.events);
      expect(lastCall(u.mock(s)).status).toBe(200);
      const sent = JSON.stringify(lastBody(u.mock(s)));
      expect(sent).toContain('Output of codex_app.automation_update:');
      expect(sent).toContain('Automation: Daily brief');
      expect(sent).toContain('recipient: /root/worker');
      expect(sent).toContain('Summarise the open issues.');
    });
  }
});
