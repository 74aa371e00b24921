/**
 * Shared pieces of the Responses-API client end-to-end tests: an `openai` SDK client routed to one
 * upstream by path prefix, the three upstreams under test (each with the words its own wire format
 * uses for the things these tests provoke), stream collection, and readers of what an upstream
 * received (system prompt, user text, a tool-call turn and its result) in that upstream's own shape.
 */
import { expect } from 'bun:test';
import OpenAI from 'openai';
import type {
  CustomTool,
  FunctionTool,
  Response as ResponseObject,
  ResponseCreateParamsNonStreaming,
  ResponseInputItem,
  ResponseOutputItem,
  ResponseStreamEvent,
} from 'openai/resources/responses/responses';
import type { MockServer } from '../helpers/mocks/types.ts';
import type { Stack } from '../helpers/stack.ts';
import { dig, within } from './openai-client-util.ts';

export { dig, lastBody, lastCall, within } from './openai-client-util.ts';

export type UpstreamName = 'openai-custom' | 'claude-custom' | 'gemini-cli';
export type Family = 'openai' | 'anthropic' | 'gemini';

export interface Upstream {
  name: UpstreamName;
  family: Family;
  /** A model the upstream serves (and that routes to it without a prefix, too). */
  model: string;
  mock(s: Stack): MockServer;
  /** The upstream's own finish reason for "ran out of output tokens". */
  lengthFinish: string;
  /** Part of the message of the mock's in-band mid-stream error. */
  streamError: string;
}

export const OPENAI: Upstream = {
  name: 'openai-custom',
  family: 'openai',
  model: 'gpt-4o',
  mock: (s) => s.openai,
  lengthFinish: 'length',
  streamError: 'The server had an error while processing your request',
};
export const CLAUDE: Upstream = {
  name: 'claude-custom',
  family: 'anthropic',
  model: 'claude-sonnet-4-5',
  mock: (s) => s.claude,
  lengthFinish: 'max_tokens',
  streamError: 'Overloaded',
};
export const GEMINI: Upstream = {
  name: 'gemini-cli',
  family: 'gemini',
  model: 'gemini-2.5-flash',
  mock: (s) => s.gemini,
  lengthFinish: 'MAX_TOKENS',
  streamError: 'The model is overloaded',
};
export const UPSTREAMS: readonly Upstream[] = [OPENAI, CLAUDE, GEMINI];

/** An SDK client that reaches `provider` through the path prefix (`/<provider>/v1/responses`). No retries. */
export function clientFor(s: Stack, provider: UpstreamName): OpenAI {
  return new OpenAI({ apiKey: s.proxy.key, baseURL: `${s.proxy.url}/${provider}/v1`, maxRetries: 0 });
}

/** What a user gets from the SDK's stream helper: every event as iterated, then finalResponse(). */
export interface Streamed {
  events: ResponseStreamEvent[];
  final: ResponseObject;
}

/** `client.responses.stream(...)` read to its end, bounded. */
export function streamAll(client: OpenAI, params: Omit<ResponseCreateParamsNonStreaming, 'stream'>, ms = 10_000): Promise<Streamed> {
  return within(
    (async () => {
      const stream = client.responses.stream(params);
      const events: ResponseStreamEvent[] = [];
      for await (const e of stream) events.push(e);
      return { events, final: await stream.finalResponse() };
    })(),
    ms,
  );
}

/** `client.responses.create({stream: true})` (the SDK's plain event stream, closest to the wire) read to its end, bounded. */
export function rawEvents(client: OpenAI, params: Omit<ResponseCreateParamsNonStreaming, 'stream'>, ms = 10_000): Promise<ResponseStreamEvent[]> {
  return within(
    (async () => {
      const stream = await client.responses.create({ ...params, stream: true });
      const events: ResponseStreamEvent[] = [];
      for await (const e of stream) events.push(e);
      return events;
    })(),
    ms,
  );
}

/** Event types with runs of the same type collapsed (`delta, delta, delta` → `delta`). */
export function eventShape(events: ResponseStreamEvent[]): string[] {
  const out: string[] = [];
  for (const e of events) if (out[out.length - 1] !== e.type) out.push(e.type);
  return out;
}

export function ofType<T extends ResponseStreamEvent['type']>(events: ResponseStreamEvent[], type: T): Array<Extract<ResponseStreamEvent, { type: T }>> {
  return events.filter((e): e is Extract<ResponseStreamEvent, { type: T }> => e.type === type);
}

/** sequence_number starts at 0 and strictly increases. */
export function expectSequenced(events: ResponseStreamEvent[]): void {
  expect(events.length).toBeGreaterThan(0);
  expect(events[0]!.sequence_number).toBe(0);
  for (let i = 1; i < events.length; i++) expect(events[i]!.sequence_number).toBeGreaterThan(events[i - 1]!.sequence_number);
}

/**
 * Output items as an application sends them back as input (store: false): the items as the API gave
 * them, minus the fields the SDK's parse helpers add (`parsed_arguments`, `parsed`), which the real API
 * refuses as unknown parameters.
 */
export function asInput(items: readonly ResponseOutputItem[]): ResponseInputItem[] {
  return items.map((item) => {
    const copy = JSON.parse(JSON.stringify(item)) as Record<string, unknown>;
    delete copy.parsed_arguments;
    if (Array.isArray(copy.content)) {
      copy.content = (copy.content as Array<Record<string, unknown>>).map(({ parsed: _parsed, ...rest }) => rest);
    }
    return copy as unknown as ResponseInputItem;
  });
}

// ---------------------------------------------------------------------------------------------
// Tools

export const GET_WEATHER: FunctionTool = {
  type: 'function',
  name: 'get_weather',
  description: 'Current weather for a city.',
  strict: false,
  parameters: {
    type: 'object',
    properties: { city: { type: 'string' }, unit: { type: 'string', enum: ['c', 'f'] } },
    required: ['city'],
    additionalProperties: false,
  },
};

export const GET_TIME: FunctionTool = {
  type: 'function',
  name: 'get_time',
  description: 'Local time.',
  strict: false,
  parameters: { type: 'object', properties: { tz: { type: 'string' } } },
};

/** Codex CLI's shell tool (codex-rs tools spec), as it declares it. */
export const SHELL: FunctionTool = {
  type: 'function',
  name: 'shell',
  description: 'Runs a shell command and returns its output.',
  strict: false,
  parameters: {
    type: 'object',
    properties: {
      command: { type: 'array', items: { type: 'string' }, description: 'The command to execute' },
      workdir: { type: 'string', description: 'The working directory to execute the command in' },
      timeout_ms: { type: 'number', description: 'The timeout for the command in milliseconds' },
    },
    required: ['command'],
    additionalProperties: false,
  },
};

/** Codex CLI's freeform apply_patch grammar (tool_apply_patch.lark). */
export const APPLY_PATCH_LARK = `start: begin_patch hunk+ end_patch
begin_patch: "*** Begin Patch" LF
end_patch: "*** End Patch" LF?

hunk: add_hunk | delete_hunk | update_hunk
add_hunk: "*** Add File: " filename LF add_line+
delete_hunk: "*** Delete File: " filename LF
update_hunk: "*** Update File: " filename LF change_move? change?

filename: /(.+)/
add_line: "+" /(.*)/ LF -> line

change_move: "*** Move to: " filename LF
change: (change_context | change_line)+ eof_line?
change_context: ("@@" | "@@ " /(.+)/) LF
change_line: ("+" | "-" | " ") /(.*)/ LF
eof_line: "*** End of File" LF

%import common.LF
`;

export const APPLY_PATCH: CustomTool = {
  type: 'custom',
  name: 'apply_patch',
  description: 'Use the `apply_patch` tool to edit files. This is a FREEFORM tool, so do not wrap the patch in JSON.',
  format: { type: 'grammar', syntax: 'lark', definition: APPLY_PATCH_LARK },
};

/** A patch with quotes, backslashes, newlines and multi-byte text: everything JSON must escape. */
export const PATCH = '*** Begin Patch\n*** Update File: src/main.py\n@@ def main():\n-    print("hi")\n+    print("hello, 世界 \\u00e9 🙂")\n+    return 0\n*** End Patch\n';

// ---------------------------------------------------------------------------------------------
// What the upstream received, read in its own wire format

/** The text of a content value: a string, or text parts/blocks joined. */
export function textOf(content: unknown): string {
  if (typeof content === 'string') return content;
  if (!Array.isArray(content)) return '';
  return content
    .map((p) => (typeof dig(p, 'text') === 'string' ? (dig(p, 'text') as string) : ''))
    .join('');
}

/** The system prompt the upstream got, all of its pieces joined by blank lines. */
export function systemText(u: Upstream, body: Record<string, unknown>): string {
  if (u.family === 'openai') {
    const messages = (body.messages as unknown[]) ?? [];
    return messages
      .filter((m) => dig(m, 'role') === 'system' || dig(m, 'role') === 'developer')
      .map((m) => textOf(dig(m, 'content')))
      .join('\n\n');
  }
  if (u.family === 'anthropic') {
    const system = body.system;
    if (typeof system === 'string') return system;
    return Array.isArray(system) ? system.map((b) => String(dig(b, 'text') ?? '')).join('\n\n') : '';
  }
  const parts = (dig(body, 'systemInstruction', 'parts') as unknown[] | undefined) ?? [];
  return parts.map((p) => String(dig(p, 'text') ?? '')).join('\n\n');
}

/** The turns the upstream got, as [role, text] (system prompt excluded; tool traffic as empty text). */
export function turns(u: Upstream, body: Record<string, unknown>): Array<[string, string]> {
  if (u.family === 'gemini') {
    return ((body.contents as unknown[]) ?? []).map((c) => [
      String(dig(c, 'role')),
      ((dig(c, 'parts') as unknown[]) ?? []).map((p) => (dig(p, 'thought') === true ? '' : String(dig(p, 'text') ?? ''))).join(''),
    ]);
  }
  const messages = ((body.messages as unknown[]) ?? []).filter((m) => u.family !== 'openai' || (dig(m, 'role') !== 'system' && dig(m, 'role') !== 'developer'));
  return messages.map((m) => {
    const content = dig(m, 'content');
    const text = Array.isArray(content) ? content.filter((b) => dig(b, 'type') === 'text').map((b) => String(dig(b, 'text'))).join('') : textOf(content);
    return [String(dig(m, 'role')), text];
  });
}

/** The largest output allowance the upstream got, in its own field. */
export function maxTokensSent(u: Upstream, body: Record<string, unknown>): unknown {
  if (u.family === 'openai') return body.max_completion_tokens ?? body.max_tokens;
  if (u.family === 'anthropic') return body.max_tokens;
  return dig(body, 'generationConfig', 'maxOutputTokens');
}

/** The function declarations the upstream got: name → parameters schema. */
export function declaredTools(u: Upstream, body: Record<string, unknown>): Map<string, unknown> {
  const out = new Map<string, unknown>();
  if (u.family === 'openai') {
    for (const t of (body.tools as unknown[]) ?? []) out.set(String(dig(t, 'function', 'name')), dig(t, 'function', 'parameters'));
  } else if (u.family === 'anthropic') {
    for (const t of (body.tools as unknown[]) ?? []) out.set(String(dig(t, 'name')), dig(t, 'input_schema'));
  } else {
    for (const group of (body.tools as unknown[]) ?? []) {
      for (const d of (dig(group, 'functionDeclarations') as unknown[]) ?? []) {
        out.set(String(dig(d, 'name')), dig(d, 'parameters') ?? dig(d, 'parametersJsonSchema'));
      }
    }
  }
  return out;
}

export interface ExpectedToolTurn {
  callId: string;
  name: string;
  args: Record<string, unknown>;
  /** The tool's output as the client sent it. */
  output: string;
}

/**
 * The upstream's history holds the call (by id where the upstream has ids) and, right after it, the
 * result paired with it: an OpenAI `tool` message, an Anthropic `tool_result`, a Gemini
 * `functionResponse` named after the function.
 */
export function expectToolTurn(u: Upstream, body: Record<string, unknown>, t: ExpectedToolTurn): void {
  if (u.family === 'openai') {
    const messages = body.messages as unknown[];
    const at = messages.findIndex((m) => ((dig(m, 'tool_calls') as unknown[]) ?? []).some((c) => dig(c, 'id') === t.callId));
    expect(at).toBeGreaterThanOrEqual(0);
    const call = ((dig(messages[at], 'tool_calls') as unknown[]) ?? []).find((c) => dig(c, 'id') === t.callId);
    expect(dig(messages[at], 'role')).toBe('assistant');
    expect(dig(call, 'type')).toBe('function');
    expect(dig(call, 'function', 'name')).toBe(t.name);
    expect(JSON.parse(String(dig(call, 'function', 'arguments')))).toEqual(t.args);
    const result = messages.slice(at + 1).find((m) => dig(m, 'role') === 'tool' && dig(m, 'tool_call_id') === t.callId);
    expect(result).toBeDefined();
    expect(textOf(dig(result, 'content'))).toBe(t.output);
    return;
  }
  if (u.family === 'anthropic') {
    const messages = body.messages as unknown[];
    const at = messages.findIndex((m) => ((dig(m, 'content') as unknown[]) ?? []).some?.((b) => dig(b, 'type') === 'tool_use' && dig(b, 'id') === t.callId));
    expect(at).toBeGreaterThanOrEqual(0);
    expect(dig(messages[at], 'role')).toBe('assistant');
    const use = (dig(messages[at], 'content') as unknown[]).find((b) => dig(b, 'id') === t.callId);
    expect(use).toMatchObject({ type: 'tool_use', id: t.callId, name: t.name, input: t.args });
    const next = messages[at + 1];
    expect(dig(next, 'role')).toBe('user');
    const result = ((dig(next, 'content') as unknown[]) ?? []).find((b) => dig(b, 'type') === 'tool_result' && dig(b, 'tool_use_id') === t.callId);
    expect(result).toBeDefined();
    expect(textOf(dig(result, 'content'))).toBe(t.output);
    expect(dig(result, 'is_error') ?? false).toBe(false);
    return;
  }
  const contents = body.contents as unknown[];
  const at = contents.findIndex((c) => ((dig(c, 'parts') as unknown[]) ?? []).some((p) => dig(p, 'functionCall', 'name') === t.name));
  expect(at).toBeGreaterThanOrEqual(0);
  expect(dig(contents[at], 'role')).toBe('model');
  const call = (dig(contents[at], 'parts') as unknown[]).find((p) => dig(p, 'functionCall', 'name') === t.name);
  expect(dig(call, 'functionCall', 'args')).toEqual(t.args);
  const next = contents[at + 1];
  expect(dig(next, 'role')).toBe('user');
  const response = ((dig(next, 'parts') as unknown[]) ?? []).find((p) => dig(p, 'functionResponse', 'name') === t.name);
  expect(response).toBeDefined();
  // A JSON-object result goes as that object; anything else wrapped as {output}.
  let expected: unknown = { output: t.output };
  try {
    const parsed: unknown = JSON.parse(t.output);
    if (typeof parsed === 'object' && parsed !== null && !Array.isArray(parsed)) expected = parsed;
  } catch {
    // plain text
  }
  expect(dig(response, 'functionResponse', 'response')).toEqual(expected);
}
