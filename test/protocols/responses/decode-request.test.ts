import { describe, expect, test } from 'bun:test';
import { ProxyError } from '../../../src/core/errors.ts';
import { responsesCodec } from '../../../src/protocols/responses/index.ts';
import { clientTools, namespacedName } from '../../../src/protocols/responses/index.ts';

/** A body with model gpt-5 unless it says otherwise; keys set to undefined are left out, as JSON would. */
const decode = (body: Record<string, unknown>) =>
  responsesCodec.decodeRequest(JSON.parse(JSON.stringify({ model: 'gpt-5', ...body })));

/** The 400 a body is refused with: message and param. */
function refusal(body: Record<string, unknown>): { status: number; message: string; param?: string } {
  try {
    decode(body);
  } catch (e) {
    if (!(e instanceof ProxyError)) throw e;
    return { status: e.status, message: e.message, param: e.info.param };
  }
  throw new Error('expected a 400');
}

const PNG = 'iVBORw0KGgo=';

describe('responses decodeRequest: top level', () => {
  test('a string input is one user turn; instructions are the system prompt', () => {
    const req = decode({ input: 'hi', instructions: 'Be brief.' });
    expect(req.model).toBe('gpt-5');
    expect(req.system).toEqual([{ type: 'text', text: 'Be brief.' }]);
    expect(req.messages).toEqual([{ role: 'user', content: [{ type: 'text', text: 'hi' }] }]);
    expect(req.tools).toEqual([]);
    expect(req.stream).toBe(false);
    expect(req.extras).toEqual({});
  });

  test('sampling, limits, stream, user and the ignored settings', () => {
    const req = decode({
      input: 'hi',
      max_output_tokens: 300,
      temperature: 0.2,
      top_p: 0.9,
      parallel_tool_calls: false,
      stream: true,
      user: 'u-1',
      top_logprobs: 2,
      store: false,
      include: ['reasoning.encrypted_content'],
      truncation: 'auto',
      metadata: { a: 'b' },
      service_tier: 'auto',
      stream_options: { include_obfuscation: false },
      background: false,
      previous_response_id: null,
      some_future_field: { x: 1 },
    });
    expect(req).toMatchObject({ maxTokens: 300, temperature: 0.2, topP: 0.9, parallelToolCalls: false, stream: true, user: 'u-1' });
    expect(req.extras).toEqual({});
  });

  test("text.verbosity is kept for a Chat Completions upstream, which takes it as top-level verbosity", () => {
    expect(decode({ input: 'hi', text: { verbosity: 'low' } }).extras).toEqual({ openai: { verbosity: 'low' } });
    const both = decode({ input: 'hi', prompt_cache_key: 'c', text: { format: { type: 'text' }, verbosity: 'high' } });
    expect(both.extras).toEqual({ openai: { prompt_cache_key: 'c', verbosity: 'high' } });
    expect(decode({ input: 'hi', text: { verbosity: null } }).extras).toEqual({});
  });

  test('prompt_cache_key is kept for a Chat Completions upstream, which takes the same field', () => {
    expect(decode({ input: 'hi', prompt_cache_key: 'conv-1' }).extras).toEqual({ openai: { prompt_cache_key: 'conv-1' } });
    expect(decode({ input: 'hi', prompt_cache_key: '' }).extras).toEqual({});
  });

  test('safety_identifier is the user when user is absent', () => {
    expect(decode({ input: 'hi', safety_identifier: 'sid' }).user).toBe('sid');
  });

  test('reasoning: effort, summary → includeThoughts, effort none → off', () => {
    expect(decode({ input: 'hi', reasoning: { effort: 'high', summary: 'auto' } }).reasoning).toEqual({
      effort: 'high',
      enabled: true,
      includeThoughts: true,
    });
    expect(decode({ input: 'hi', reasoning: { effort: 'none' } }).reasoning).toEqual({ effort: 'none', enabled: false });
    expect(decode({ input: 'hi', reasoning: { summary: 'detailed' } }).reasoning).toEqual({ includeThoughts: true });
    expect(decode({ input: 'hi', reasoning: { effort: 'xhigh', summary: null } }).reasoning).toEqual({ effort: 'xhigh', enabled: true });
    expect(decode({ input: 'hi', reasoning: {} }).reasoning).toBeUndefined();
  });

  test('text.format → responseFormat', () => {
    expect(decode({ input: 'hi', text: { format: { type: 'text' }, verbosity: 'low' } }).responseFormat).toEqual({ type: 'text' });
    expect(decode({ input: 'hi', text: { format: { type: 'json_object' } } }).responseFormat).toEqual({ type: 'json' });
    const schema = { type: 'object', properties: { a: { type: 'string' } } };
    expect(
      decode({ input: 'hi', text: { format: { type: 'json_schema', name: 'out', schema, strict: true, description: 'd' } } }).responseFormat,
    ).toEqual({ type: 'json_schema', name: 'out', schema, strict: true });
    expect(decode({ input: 'hi', text: { verbosity: 'high' } }).responseFormat).toBeUndefined();
  });

  test('tools: flat function tools, defaults, custom tools as a one-string function', () => {
    const req = decode({
      input: 'hi',
      tools: [
        { type: 'function', name: 'get_weather', description: 'Weather', parameters: { type: 'object', properties: { city: { type: 'string' } } }, strict: true },
        { type: 'function', name: 'now', parameters: null, strict: null },
        { type: 'custom', name: 'apply_patch', description: 'Edit files.', format: { type: 'grammar', syntax: 'lark', definition: 'start: "*** Begin Patch"' } },
        { type: 'custom', name: 'note' },
      ],
    });
    expect(req.tools[0]).toEqual({
      name: 'get_weather',
      description: 'Weather',
      parameters: { type: 'object', properties: { city: { type: 'string' } } },
      strict: true,
    });
    expect(req.tools[1]).toEqual({ name: 'now', parameters: { type: 'object', properties: {} } });
    const patch = req.tools[2]!;
    expect(patch.name).toBe('apply_patch');
    expect(patch.parameters).toMatchObject({ type: 'object', properties: { input: { type: 'string' } }, required: ['input'] });
    expect(patch.description).toStartWith('Edit files.\n\n');
    expect(patch.description).toContain('lark');
    expect(patch.description).toContain('start: "*** Begin Patch"');
    expect(req.tools[3]).toMatchObject({ name: 'note', parameters: { required: ['input'] } });
    expect(req.tools[3]!.description).toBeUndefined();
  });

  test('web search tools are dropped: Codex sends {type:"web_search", external_web_access} on every request by default', () => {
    const req = decode({
      input: 'hi',
      tools: [
        { type: 'function', name: 'shell', parameters: { type: 'object', properties: {} } },
        { type: 'web_search', external_web_access: false },
        { type: 'web_search_preview' },
        { type: 'custom', name: 'apply_patch' },
      ],
    });
    expect(req.tools.map((t) => t.name)).toEqual(['shell', 'apply_patch']);
    expect(decode({ input: 'hi', tools: [{ type: 'web_search', external_web_access: true }] }).tools).toEqual([]);
  });

  test('clientTools maps custom tools and namespace members by their upstream name, and never throws', () => {
    const body = {
      tools: [
        { type: 'custom', name: 'apply_patch' },
        { type: 'function', name: 'f' },
        'junk',
        { type: 'custom' },
        { type: 'namespace', name: 'mcp__github', tools: [{ type: 'function', name: 'search_issues' }, null, { type: 'function' }] },
        { type: 'namespace', name: 'broken', tools: 'x' },
      ],
    };
    expect([...clientTools(body)]).toEqual([
      ['apply_patch', { kind: 'custom', name: 'apply_patch' }],
      ['mcp__github__search_issues', { kind: 'function', name: 'search_issues', namespace: 'mcp__github' }],
    ]);
    expect(clientTools(undefined).size).toBe(0);
    expect(clientTools({ tools: 'x' }).size).toBe(0);
  });

  test('namespace tools (Codex groups each MCP server\'s tools in one) become one function per member', () => {
    const req = decode({
      input: 'hi',
      tools: [
        { type: 'function', name: 'shell', parameters: { type: 'object', properties: {} } },
        {
          type: 'namespace',
          name: 'mcp__github',
          description: 'Tools from the github MCP server.',
          tools: [
            { type: 'function', name: 'search_issues', description: 'Search issues.', strict: false, parameters: { type: 'object', properties: { q: { type: 'string' } } } },
            { type: 'function', name: 'whoami', parameters: { type: 'object', properties: {} } },
          ],
        },
      ],
      tool_choice: { type: 'function', name: 'whoami', namespace: 'mcp__github' },
    });
    expect(req.tools).toEqual([
      { name: 'shell', parameters: { type: 'object', properties: {} } },
      { name: 'mcp__github__search_issues', description: 'Search issues.', strict: false, parameters: { type: 'object', properties: { q: { type: 'string' } } } },
      { name: 'mcp__github__whoami', description: 'Tools from the github MCP server.', parameters: { type: 'object', properties: {} } },
    ]);
    expect(req.toolChoice).toEqual({ type: 'tool', name: 'mcp__github__whoami' });
  });

  test('a namespace that is empty or holds a hosted tool is a 400 naming the member', () => {
    expect(() => decode({ input: 'hi', tools: [{ type: 'namespace', name: 'ns', tools: [] }] })).toThrow(/tools\.0\.tools/);
    expect(() => decode({ input: 'hi', tools: [{ type: 'namespace', name: 'ns', tools: [{ type: 'web_search' }] }] })).toThrow(
      /tools\.0\.tools\.0\.type: a namespace holds "function" and "custom" tools/,
    );
  });

  test('a namespaced name over 64 characters is cut and made unique, the same on every request', () => {
    const long = namespacedName('mcp__a_server_with_a_rather_long_name', 'and_a_tool_with_an_even_longer_name');
    expect(long.length).toBe(64);
    expect(long).toMatch(/^[A-Za-z0-9_-]+$/);
    expect(long).toBe(namespacedName('mcp__a_server_with_a_rather_long_name', 'and_a_tool_with_an_even_longer_name'));
    expect(long).not.toBe(namespacedName('mcp__a_server_with_a_rather_long_name', 'and_a_tool_with_an_even_longer_nam3'));
    expect(namespacedName('mcp__fs', 'read')).toBe('mcp__fs__read');
  });

  test('a client-run tool_search is a function; OpenAI\'s own search is dropped and deferred tools are offered as they are', () => {
    const search = { type: 'tool_search', execution: 'client', description: 'Find tools.', parameters: { type: 'object', properties: { query: { type: 'string' }, limit: { type: 'number' } } } };
    expect(decode({ input: 'hi', tools: [search] }).tools).toEqual([
      { name: 'tool_search', description: 'Find tools.', parameters: { type: 'object', properties: { query: { type: 'string' }, limit: { type: 'number' } } } },
    ]);
    const bare = decode({ input: 'hi', tools: [{ type: 'tool_search', execution: 'client' }] }).tools[0]!;
    expect(bare).toMatchObject({ name: 'tool_search', parameters: { required: ['query'] } });
    expect(bare.description).toBeString();
    const server = decode({ input: 'hi', tools: [{ type: 'tool_search' }, { type: 'function', name: 'later', defer_loading: true }] });
    expect(server.tools.map((t) => t.name)).toEqual(['later']);
  });

  test('a client tool search in the history: its call and what it found go upstream, and the found tools are offered', () => {
    const body = {
      input: [
        { type: 'message', role: 'user', content: 'file an issue' },
        { type: 'tool_search_call', call_id: 'ts_1', execution: 'client', status: 'completed', arguments: { query: 'github issue', limit: 2 } },
        {
          type: 'tool_search_output',
          call_id: 'ts_1',
          execution: 'client',
          status: 'completed',
          tools: [
            { type: 'namespace', name: 'mcp__github', description: 'GitHub.', tools: [{ type: 'function', name: 'create_issue', description: 'Create an issue.', parameters: { type: 'object', properties: {} } }] },
            { type: 'function', name: 'shell', description: 'Run a command.', parameters: { type: 'object', properties: {} } },
          ],
        },
        // A search OpenAI ran itself in an earlier session: history only it can continue.
        { type: 'tool_search_call', execution: 'server', status: 'completed', arguments: { query: 'x' } },
        { type: 'tool_search_output', execution: 'server', status: 'completed', tools: [{ type: 'function', name: 'hidden' }] },
      ],
      tools: [{ type: 'tool_search', execution: 'client' }, { type: 'function', name: 'shell', parameters: { type: 'object', properties: {} } }],
    };
    const req = decode(body);
    expect(req.messages[1]!.content).toEqual([{ type: 'tool_call', id: 'ts_1', name: 'tool_search', args: { query: 'github issue', limit: 2 } }]);
    expect(req.messages[2]!.content).toEqual([
      {
        type: 'tool_result',
        callId: 'ts_1',
        name: 'tool_search',
        content: [{ type: 'text', text: 'Tools found and now available:\n- mcp__github__create_issue: Create an issue.\n- shell: Run a command.' }],
      },
    ]);
    expect(req.messages).toHaveLength(3);
    // Declared first; a found tool already declared is not offered twice.
    expect(req.tools.map((t) => t.name)).toEqual(['tool_search', 'shell', 'mcp__github__create_issue']);
    expect([...clientTools(body).keys()]).toEqual(['tool_search', 'mcp__github__create_issue']);
    const empty = decode({ input: [{ type: 'tool_search_call', call_id: 'a', execution: 'client', arguments: '{"query":"x"}' }, { type: 'tool_search_output', call_id: 'a', execution: 'client', tools: [] }] });
    expect(empty.messages[0]!.content[0]).toMatchObject({ args: { query: 'x' } });
    expect(empty.messages[1]!.content[0]).toMatchObject({ content: [{ type: 'text', text: 'No tools matched the search.' }] });
  });

  test('a found tool that is malformed is a 400 naming where it is in input', () => {
    expect(() =>
      decode({ input: [{ type: 'tool_search_output', call_id: 'a', execution: 'client', tools: [{ type: 'function' }] }] }),
    ).toThrow(/input\.0\.tools\.0/);
  });

  test('a replayed function_call with a namespace goes upstream under the namespaced name', () => {
    const req = decode({
      input: [
        { type: 'message', role: 'user', content: 'who am I?' },
        { type: 'function_call', call_id: 'call_1', name: 'whoami', namespace: 'mcp__github', arguments: '{}' },
        { type: 'function_call_output', call_id: 'call_1', output: 'octocat' },
      ],
    });
    expect(req.messages[1]!.content[0]).toMatchObject({ type: 'tool_call', id: 'call_1', name: 'mcp__github__whoami' });
    expect(req.messages[2]!.content[0]).toMatchObject({ type: 'tool_result', callId: 'call_1', name: 'mcp__github__whoami' });
  });

  test('tools declared in additional_tools input items (Codex 0.144+) are offered like declared ones; empty lists and namespaces declare nothing', () => {
    const body = {
      tools: [{ type: 'function', name: 'shell', parameters: { type: 'object' } }],
      input: [
        {
          type: 'additional_tools',
          role: 'developer',
          id: 'at_1',
          tools: [
            { type: 'namespace', name: 'functions', tools: [{ type: 'custom', name: 'exec', description: 'Run JavaScript.' }, { type: 'function', name: 'shell', parameters: { type: 'object' } }] },
            { type: 'namespace', name: 'collaboration', tools: [] },
          ],
        },
        { type: 'additional_tools', role: 'developer', tools: [] },
        { type: 'message', role: 'user', content: 'hi' },
        { type: 'custom_tool_call', call_id: 'c1', name: 'exec', namespace: 'functions', input: 'ls()' },
        { type: 'custom_tool_call_output', call_id: 'c1', output: 'a.txt' },
      ],
    };
    const req = decode(body);
    expect(req.tools.map((t) => t.name)).toEqual(['shell', 'functions__exec', 'functions__shell']);
    expect(req.messages).toHaveLength(3);
    expect(req.messages[1]!.content[0]).toMatchObject({ type: 'tool_call', id: 'c1', name: 'functions__exec', args: { input: 'ls()' } });
    expect(req.messages[2]!.content[0]).toMatchObject({ type: 'tool_result', callId: 'c1', name: 'functions__exec' });
    expect(clientTools(body).get('functions__exec')).toEqual({ kind: 'custom', name: 'exec', namespace: 'functions' });
    expect(() => decode({ input: [{ type: 'additional_tools', tools: [{ type: 'function' }] }] })).toThrow(/input\.0\.tools\.0/);
  });

  test('tool_choice forms', () => {
    expect(decode({ input: 'hi', tool_choice: 'required' }).toolChoice).toEqual({ type: 'required' });
    expect(decode({ input: 'hi', tool_choice: 'none' }).toolChoice).toEqual({ type: 'none' });
    expect(decode({ input: 'hi', tool_choice: { type: 'function', name: 'f' } }).toolChoice).toEqual({ type: 'tool', name: 'f' });
    expect(decode({ input: 'hi', tool_choice: { type: 'custom', name: 'apply_patch' } }).toolChoice).toEqual({ type: 'tool', name: 'apply_patch' });
    expect(
      decode({ input: 'hi', tool_choice: { type: 'allowed_tools', mode: 'required', tools: [{ type: 'function', name: 'f' }] } }).toolChoice,
    ).toEqual({ type: 'required' });
    expect(decode({ input: 'hi', tool_choice: { type: 'allowed_tools', mode: 'auto', tools: [] } }).toolChoice).toEqual({ type: 'auto' });
  });
});

describe('responses decodeRequest: input items', () => {
  test('message forms: easy messages, typed messages, content strings and parts', () => {
    const req = decode({
      input: [
        { role: 'user', content: 'one' },
        {
          type: 'message',
          role: 'user',
          content: [
            { type: 'input_text', text: 'two' },
            { type: 'input_image', image_url: `data:image/png;base64,${PNG}`, detail: 'high' },
            { type: 'input_image', image_url: 'https://example.com/cat.png', detail: 'auto' },
          ],
        },
        { type: 'message', role: 'assistant', content: [{ type: 'output_text', text: 'three', annotations: [] }, { type: 'refusal', refusal: 'no' }] },
        { role: 'assistant', content: '' },
      ],
    });
    expect(req.messages).toEqual([
      { role: 'user', content: [{ type: 'text', text: 'one' }] },
      {
        role: 'user',
        content: [
          { type: 'text', text: 'two' },
          { type: 'image', source: { kind: 'base64', mediaType: 'image/png', data: PNG }, detail: 'high' },
          { type: 'image', source: { kind: 'url', url: 'https://example.com/cat.png' }, detail: 'auto' },
        ],
      },
      { role: 'assistant', content: [{ type: 'text', text: 'three' }, { type: 'text', text: 'no' }] },
    ]);
  });

  test('files: data URL, bare base64 with a filename, file_url; audio', () => {
    const req = decode({
      input: [
        {
          role: 'user',
          content: [
            { type: 'input_file', file_data: 'data:application/pdf;base64,JVBERi0=', filename: 'a.pdf' },
            { type: 'input_file', file_data: 'JVBERi0=', filename: 'b.PDF' },
            { type: 'input_file', file_url: 'https://example.com/c.pdf' },
            { type: 'input_audio', input_audio: { data: 'UklGRg==', format: 'wav' } },
          ],
        },
      ],
    });
    expect(req.messages[0]!.content).toEqual([
      { type: 'file', source: { kind: 'base64', mediaType: 'application/pdf', data: 'JVBERi0=' }, filename: 'a.pdf' },
      { type: 'file', source: { kind: 'base64', mediaType: 'application/pdf', data: 'JVBERi0=' }, filename: 'b.PDF' },
      { type: 'file', source: { kind: 'url', url: 'https://example.com/c.pdf' } },
      { type: 'file', source: { kind: 'base64', mediaType: 'audio/wav', data: 'UklGRg==' } },
    ]);
  });

  test('leading system/developer items are the system prompt, after instructions; later ones stay in place', () => {
    const req = decode({
      instructions: 'base',
      input: [
        { role: 'developer', content: 'dev' },
        { role: 'system', content: [{ type: 'input_text', text: 'sys' }] },
        { role: 'user', content: 'hi' },
        { role: 'developer', content: 'late' },
        { role: 'user', content: 'again' },
      ],
    });
    expect(req.system).toEqual([
      { type: 'text', text: 'base' },
      { type: 'text', text: 'dev' },
      { type: 'text', text: 'sys' },
    ]);
    expect(req.messages).toEqual([
      { role: 'user', content: [{ type: 'text', text: 'hi' }] },
      { role: 'system', content: [{ type: 'text', text: 'late' }] },
      { role: 'user', content: [{ type: 'text', text: 'again' }] },
    ]);
  });

  test('a Codex tool loop: assistant-side items merge, outputs merge, a user message stays its own turn', () => {
    const req = decode({
      input: [
        { role: 'user', content: 'weather in Paris and Rome?' },
        { type: 'reasoning', id: 'rs_1', summary: [{ type: 'summary_text', text: 'Need two calls.' }, { type: 'summary_text', text: 'Both.' }] },
        { type: 'message', role: 'assistant', content: [{ type: 'output_text', text: 'Checking.' }] },
        { type: 'function_call', id: 'fc_1', call_id: 'call_a', name: 'get_weather', arguments: '{"city":"Paris"}' },
        { type: 'function_call', call_id: 'call_b', name: 'get_weather', arguments: 'not json' },
        { type: 'function_call_output', call_id: 'call_a', output: '18C' },
        {
          type: 'function_call_output',
          call_id: 'call_b',
          output: [
            { type: 'input_text', text: '21C' },
            { type: 'input_image', image_url: `data:image/png;base64,${PNG}` },
          ],
        },
        { role: 'user', content: 'thanks' },
      ],
    });
    expect(req.messages).toEqual([
      { role: 'user', content: [{ type: 'text', text: 'weather in Paris and Rome?' }] },
      {
        role: 'assistant',
        content: [
          { type: 'thinking', text: 'Need two calls.\n\nBoth.' },
          { type: 'text', text: 'Checking.' },
          { type: 'tool_call', id: 'call_a', name: 'get_weather', args: { city: 'Paris' } },
          { type: 'tool_call', id: 'call_b', name: 'get_weather', args: {} },
        ],
      },
      {
        role: 'user',
        content: [
          { type: 'tool_result', callId: 'call_a', name: 'get_weather', content: [{ type: 'text', text: '18C' }] },
          {
            type: 'tool_result',
            callId: 'call_b',
            name: 'get_weather',
            content: [
              { type: 'text', text: '21C' },
              { type: 'image', source: { kind: 'base64', mediaType: 'image/png', data: PNG } },
            ],
          },
        ],
      },
      { role: 'user', content: [{ type: 'text', text: 'thanks' }] },
    ]);
  });

  test('custom tool calls and outputs (Codex apply_patch)', () => {
    const req = decode({
      input: [
        { role: 'user', content: 'fix it' },
        { type: 'custom_tool_call', id: 'ctc_1', call_id: 'call_p', name: 'apply_patch', input: '*** Begin Patch\n*** End Patch' },
        { type: 'custom_tool_call_output', call_id: 'call_p', output: 'Done!' },
      ],
    });
    expect(req.messages.slice(1)).toEqual([
      { role: 'assistant', content: [{ type: 'tool_call', id: 'call_p', name: 'apply_patch', args: { input: '*** Begin Patch\n*** End Patch' } }] },
      { role: 'user', content: [{ type: 'tool_result', callId: 'call_p', name: 'apply_patch', content: [{ type: 'text', text: 'Done!' }] }] },
    ]);
  });

  test('reasoning: reasoning_text content when there is no summary; an OpenAI blob stays with its item id as an OpenAI signature', () => {
    const req = decode({
      input: [
        { role: 'user', content: 'q' },
        { type: 'reasoning', id: 'rs_1', summary: [], content: [{ type: 'reasoning_text', text: 'raw thoughts' }] },
        { type: 'reasoning', id: 'rs_2', summary: [{ type: 'summary_text', text: 'sum' }], encrypted_content: 'gAAAAABopenaiblob' },
        { type: 'reasoning', id: 'rs_3', summary: [], encrypted_content: 'gAAAAABother' },
        { role: 'assistant', content: 'a' },
      ],
    });
    expect(req.messages[1]).toEqual({
      role: 'assistant',
      content: [
        { type: 'thinking', text: 'raw thoughts' },
        { type: 'thinking', text: 'sum', signature: { family: 'openai', value: 'rs_2 gAAAAABopenaiblob' } },
        { type: 'thinking', text: '', signature: { family: 'openai', value: 'rs_3 gAAAAABother' } },
        { type: 'text', text: 'a' },
      ],
    });
  });

  test('Codex replays: web_search_call items are skipped; reasoning content:null and "text" content parts are read', () => {
    const req = decode({
      input: [
        { type: 'message', role: 'user', content: [{ type: 'input_text', text: 'q' }] },
        { type: 'web_search_call', status: 'completed', action: { type: 'search', query: 'rust 1.90' } },
        { type: 'reasoning', summary: [{ type: 'summary_text', text: 'sum' }], content: null, encrypted_content: null },
        { type: 'reasoning', summary: [], content: [{ type: 'text', text: 'raw' }], encrypted_content: null },
        { type: 'message', role: 'assistant', content: [{ type: 'output_text', text: 'a' }] },
      ],
    });
    expect(req.messages).toEqual([
      { role: 'user', content: [{ type: 'text', text: 'q' }] },
      {
        role: 'assistant',
        content: [
          { type: 'thinking', text: 'sum' },
          { type: 'thinking', text: 'raw' },
          { type: 'text', text: 'a' },
        ],
      },
    ]);
  });

  test('an output Codex injects without a call_id (automations, cross-thread sends) is a user turn naming the tool', () => {
    const req = decode({
      input: [
        { type: 'function_call_output', id: 'fco_1', name: 'automation_update', namespace: 'codex_app', output: 'Automation: Daily brief' },
        { type: 'message', role: 'user', content: 'go on' },
        { type: 'function_call_output', output: [{ type: 'input_text', text: 'seed' }] },
      ],
    });
    expect(req.messages).toEqual([
      { role: 'user', content: [{ type: 'text', text: 'Output of codex_app.automation_update:' }, { type: 'text', text: 'Automation: Daily brief' }] },
      { role: 'user', content: [{ type: 'text', text: 'go on' }] },
      { role: 'user', content: [{ type: 'text', text: 'Output of a tool:' }, { type: 'text', text: 'seed' }] },
    ]);
  });

  test('Codex agent_message items (multi-agent v2) are user turns with their author and recipient; OpenAI ciphertext is left out', () => {
    const req = decode({
      input: [
        { type: 'message', role: 'user', content: 'Relay the task below.' },
        {
          type: 'agent_message',
          id: 'amsg_1',
          author: '/root',
          recipient: '/root/child',
          content: [{ type: 'input_text', text: 'task:' }, { type: 'encrypted_content', encrypted_content: 'List the files in src.' }],
        },
        { type: 'agent_message', author: '/root/child', recipient: '/root', content: 'Done: 3 files.' },
        { type: 'agent_message', author: '/root', recipient: '/root/x', content: [{ type: 'encrypted_content', encrypted_content: `gAAAAA${'b'.repeat(60)}==` }] },
      ],
    });
    expect(req.messages).toEqual([
      { role: 'user', content: [{ type: 'text', text: 'Relay the task below.' }] },
      { role: 'user', content: [{ type: 'text', text: 'author: /root\nrecipient: /root/child\n\ntask:\nList the files in src.' }] },
      { role: 'user', content: [{ type: 'text', text: 'author: /root/child\nrecipient: /root\n\nDone: 3 files.' }] },
    ]);
  });

  test('a malformed aiproxy payload drops the signature, not the request', () => {
    const bad = ['aiproxy:!!!', `aiproxy:${Buffer.from('{"f":"grok","v":"x"}').toString('base64url')}`, 'aiproxy:'];
    for (const encrypted_content of bad) {
      const req = decode({
        input: [
          { role: 'user', content: 'q' },
          { type: 'reasoning', id: 'rs', summary: [{ type: 'summary_text', text: 't' }], encrypted_content },
        ],
      });
      expect(req.messages[1]).toEqual({ role: 'assistant', content: [{ type: 'thinking', text: 't' }] });
    }
  });
});

describe('responses decodeRequest: 400s name the field', () => {
  const cases: Array<[string, Record<string, unknown>, string, RegExp]> = [
    ['model missing', { model: undefined, input: 'hi' }, 'model', /model: is required/],
    ['input missing', { input: undefined }, 'input', /input: is required/],
    ['input empty', { input: [] }, 'input', /at least 1/],
    ['instructions array', { input: 'hi', instructions: [{ role: 'system', content: 'x' }] }, 'instructions', /instructions/],
    ['previous_response_id', { input: 'hi', previous_response_id: 'resp_1' }, 'previous_response_id', /keeps no responses.*store=false/],
    ['conversation', { input: 'hi', conversation: 'conv_1' }, 'conversation', /keeps no responses/],
    ['prompt template', { input: 'hi', prompt: { id: 'pmpt_1' } }, 'prompt', /prompt templates/],
    ['background', { input: 'hi', background: true }, 'background', /background/],
    ['unknown item', { input: [{ type: 'bogus' }] }, 'input.0.type', /"bogus"/],
    ['item without type or role', { input: [{ content: 'x' }] }, 'input.0.type', /is required/],
    ['item_reference', { input: ['x'].map(() => ({ type: 'item_reference', id: 'msg_1' })) }, 'input.0.type', /item_reference.*whole conversation/],
    ['bare item reference', { input: [{ id: 'msg_1' }] }, 'input.0.type', /item_reference/],
    ['hosted call item', { input: [{ role: 'user', content: 'x' }, { type: 'file_search_call', id: 'fs_1', status: 'completed' }] }, 'input.1.type', /file_search_call is an OpenAI-hosted tool/],
    ['mcp item', { input: [{ type: 'mcp_call', id: 'mcp_1' }] }, 'input.0.type', /OpenAI-hosted/],
    ['bad role', { input: [{ role: 'tool', content: 'x' }] }, 'input.0.role', /input\.0\.role: expected one of/],
    ['bad part type', { input: [{ role: 'user', content: [{ type: 'input_text', text: 'a' }, { type: 'output_text', text: 'b' }] }] }, 'input.0.content.1.type', /input\.0\.content\.1\.type: expected one of "input_text"/],
    ['assistant image', { input: [{ role: 'assistant', content: [{ type: 'input_image', image_url: 'https://x/y.png' }] }] }, 'input.0.content.0.type', /output_text/],
    ['system image', { input: [{ role: 'system', content: [{ type: 'input_image', image_url: 'https://x/y.png' }] }] }, 'input.0.content.0.type', /input_text/],
    ['text part without text', { input: [{ role: 'user', content: [{ type: 'input_text' }] }] }, 'input.0.content.0.text', /is required/],
    ['image file_id', { input: [{ role: 'user', content: [{ type: 'input_image', file_id: 'file-1', detail: 'auto' }] }] }, 'input.0.content.0.file_id', /file ids need OpenAI's Files API.*image_url/],
    ['file file_id', { input: [{ role: 'user', content: [{ type: 'input_file', file_id: 'file-1' }] }] }, 'input.0.content.0.file_id', /Files API.*file_data/],
    ['empty file', { input: [{ role: 'user', content: [{ type: 'input_file', filename: 'a.pdf' }] }] }, 'input.0.content.0', /file_data or file_url/],
    ['non-base64 data URL', { input: [{ role: 'user', content: [{ type: 'input_image', image_url: 'data:image/png,abc' }] }] }, 'input.0.content.0.image_url', /base64 data URLs/],
    ['ftp image', { input: [{ role: 'user', content: [{ type: 'input_image', image_url: 'ftp://x/y.png' }] }] }, 'input.0.content.0.image_url', /http\(s\) URL/],
    ['bad audio format', { input: [{ role: 'user', content: [{ type: 'input_audio', input_audio: { data: 'x', format: 'ogg' } }] }] }, 'input.0.content.0.input_audio.format', /"wav", "mp3"/],
    ['function_call without call_id', { input: [{ type: 'function_call', name: 'f', arguments: '{}' }] }, 'input.0.call_id', /is required/],
    ['function_call_output bad output', { input: [{ type: 'function_call_output', call_id: 'c', output: 5 }] }, 'input.0.output', /input\.0\.output/],
    ['tool output bad part', { input: [{ type: 'function_call_output', call_id: 'c', output: [{ type: 'output_text', text: 'x' }] }] }, 'input.0.output.0.type', /input_text/],
    ['custom call without input', { input: [{ type: 'custom_tool_call', call_id: 'c', name: 'p' }] }, 'input.0.input', /is required/],
    ['reasoning summary wrong type', { input: [{ type: 'reasoning', id: 'rs', summary: [{ type: 'text', text: 'x' }] }] }, 'input.0.summary.0.type', /summary_text/],
    ['hosted tool', { input: 'hi', tools: [{ type: 'code_interpreter', container: { type: 'auto' } }] }, 'tools.0.type', /code_interpreter is an OpenAI-hosted tool; aiproxy converts function, custom, apply_patch and local shell tools only/],
    ['web_search forced by tool_choice', { input: 'hi', tools: [{ type: 'web_search' }], tool_choice: { type: 'web_search' } }, 'tool_choice.type', /web_search is an OpenAI-hosted tool/],
    ['local_shell tool', { input: 'hi', tools: [{ type: 'function', name: 'f' }, { type: 'local_shell' }] }, 'tools.1.type', /OpenAI-hosted/],
    ['unknown tool', { input: 'hi', tools: [{ type: 'hologram', name: 'crm' }] }, 'tools.0.type', /"hologram" is not supported/],
    ['shell in a hosted container', { input: 'hi', tools: [{ type: 'shell', environment: { type: 'container_auto' } }] }, 'tools.0.environment.type', /"container_auto" runs in a container OpenAI hosts.*openaiResponses-custom/],
    ['shell in a referenced container', { input: 'hi', tools: [{ type: 'shell', environment: { type: 'container_reference', container_id: 'cntr_1' } }] }, 'tools.0.environment.type', /container OpenAI hosts/],
    ['shell beside a function named shell', { input: 'hi', tools: [{ type: 'function', name: 'shell' }, { type: 'shell' }] }, 'tools.1.type', /function named "shell", and another tool has that name/],
    ['apply_patch beside a custom apply_patch', { input: 'hi', tools: [{ type: 'apply_patch' }, { type: 'custom', name: 'apply_patch' }] }, 'tools.0.type', /another tool has that name/],
    ['apply_patch_call with an unknown operation', { input: [{ type: 'apply_patch_call', call_id: 'c', status: 'completed', operation: { type: 'rename_file', path: 'a' } }] }, 'input.0.operation.type', /create_file/],
    ['shell_call without commands', { input: [{ type: 'shell_call', call_id: 'c', action: {} }] }, 'input.0.action.commands', /is required/],
    ['shell_call_output without output', { input: [{ type: 'shell_call_output', call_id: 'c' }] }, 'input.0.output', /is required/],
    ['function tool without name', { input: 'hi', tools: [{ type: 'function', parameters: {} }] }, 'tools.0.name', /is required/],
    ['custom tool bad format', { input: 'hi', tools: [{ type: 'custom', name: 'p', format: { type: 'grammar', syntax: 'lark' } }] }, 'tools.0.format.definition', /tools\.0\.format\.definition: is required/],
    ['custom tool unknown format', { input: 'hi', tools: [{ type: 'custom', name: 'p', format: { type: 'regex' } }] }, 'tools.0.format.type', /"text", "grammar"/],
    ['hosted tool_choice', { input: 'hi', tool_choice: { type: 'file_search' } }, 'tool_choice.type', /OpenAI-hosted/],
    ['tool_choice function without name', { input: 'hi', tool_choice: { type: 'function' } }, 'tool_choice.name', /is required/],
    ['bad tool_choice string', { input: 'hi', tool_choice: 'any' }, 'tool_choice', /tool_choice/],
    ['bad effort', { input: 'hi', reasoning: { effort: 'extreme' } }, 'reasoning.effort', /expected one of/],
    ['bad summary', { input: 'hi', reasoning: { summary: 'verbose' } }, 'reasoning.summary', /"auto", "concise", "detailed"/],
    ['bad format', { input: 'hi', text: { format: { type: 'xml' } } }, 'text.format.type', /"json_schema"/],
    ['json_schema without schema', { input: 'hi', text: { format: { type: 'json_schema', name: 'x' } } }, 'text.format.schema', /is required/],
    ['max_output_tokens 0', { input: 'hi', max_output_tokens: 0 }, 'max_output_tokens', /max_output_tokens/],
    ['temperature 3', { input: 'hi', temperature: 3 }, 'temperature', /less or equal to 2/],
  ];
  for (const [name, body, param, message] of cases) {
    test(name, () => {
      const r = refusal(body);
      expect(r.status).toBe(400);
      expect(r.param).toBe(param);
      expect(r.message).toMatch(message);
    });
  }

  test('a non-object body', () => {
    expect(() => responsesCodec.decodeRequest('hi')).toThrow(ProxyError);
    expect(() => responsesCodec.decodeRequest([])).toThrow(/JSON object/);
  });
});
