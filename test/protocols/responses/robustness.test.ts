import { describe, expect, test } from 'bun:test';
import fc from 'fast-check';
import { accumulateResponse } from 'openai/lib/responses/ResponseAccumulator';
import type { ResponseStreamEvent } from 'openai/resources/responses/responses';
import { ProxyError } from '../../../src/core/errors.ts';
import type { StreamEvent } from '../../../src/core/index.ts';
import { anthropicCodec } from '../../../src/protocols/anthropic/index.ts';
import { geminiCodec } from '../../../src/protocols/gemini/index.ts';
import { openaiCodec } from '../../../src/protocols/openai/index.ts';
import { responsesCodec } from '../../../src/protocols/responses/index.ts';
import { encodeAll, parseStream } from './stream-helpers.ts';

/** A request as Codex sends it: the base every mutation below starts from. */
const codexBody = {
  model: 'gpt-5-codex',
  instructions: 'You are Codex.',
  input: [
    { type: 'message', role: 'developer', content: [{ type: 'input_text', text: '<permissions>' }] },
    { type: 'message', role: 'user', content: [{ type: 'input_text', text: 'fix the bug' }] },
    { type: 'reasoning', id: 'rs_1', summary: [{ type: 'summary_text', text: 'look' }], encrypted_content: 'aiproxy:eyJmIjoiYW50aHJvcGljIiwidiI6InNpZyJ9' },
    { type: 'function_call', id: 'fc_1', call_id: 'call_1', name: 'shell', arguments: '{"command":["ls"]}' },
    { type: 'function_call_output', call_id: 'call_1', output: 'a.ts' },
    { type: 'custom_tool_call', id: 'ctc_1', call_id: 'call_2', name: 'apply_patch', input: '*** Begin Patch' },
    { type: 'custom_tool_call_output', call_id: 'call_2', output: 'Done' },
    { type: 'tool_search_call', call_id: 'call_3', execution: 'client', status: 'completed', arguments: { query: 'issues' } },
    {
      type: 'tool_search_output',
      call_id: 'call_3',
      execution: 'client',
      status: 'completed',
      tools: [{ type: 'namespace', name: 'mcp__gh', tools: [{ type: 'function', name: 'list', parameters: { type: 'object', properties: {} } }] }],
    },
    { type: 'function_call', call_id: 'call_4', name: 'list', namespace: 'mcp__gh', arguments: '{}' },
    { type: 'function_call_output', call_id: 'call_4', output: '#1' },
    { type: 'compaction', encrypted_content: 'aiproxy:eyJzIjoic3VtbWFyeSJ9' },
  ],
  tools: [
    { type: 'function', name: 'shell', description: 'Run', strict: false, parameters: { type: 'object', properties: { command: { type: 'array', items: { type: 'string' } } } } },
    { type: 'custom', name: 'apply_patch', description: 'Patch', format: { type: 'grammar', syntax: 'lark', definition: 'start: x' } },
    { type: 'namespace', name: 'mcp__fs', description: 'Files', tools: [{ type: 'function', name: 'read', parameters: { type: 'object', properties: {} } }] },
    { type: 'tool_search', execution: 'client', description: 'Find tools' },
  ],
  tool_choice: 'auto',
  parallel_tool_calls: false,
  reasoning: { effort: 'medium', summary: 'auto' },
  store: false,
  stream: true,
  include: ['reasoning.encrypted_content'],
  prompt_cache_key: 'abc',
  text: { verbosity: 'low' },
};

const PATHS: Array<Array<string | number>> = [
  ['model'], ['instructions'], ['input'], ['input', 0], ['input', 1, 'content'], ['input', 1, 'content', 0], ['input', 1, 'content', 0, 'type'],
  ['input', 2, 'summary'], ['input', 2, 'encrypted_content'], ['input', 3, 'arguments'], ['input', 3, 'call_id'], ['input', 4, 'output'],
  ['input', 5, 'input'], ['input', 6, 'type'], ['tools'], ['tools', 0, 'parameters'], ['tools', 1, 'format'], ['tools', 1, 'format', 'type'],
  ['tool_choice'], ['reasoning'], ['reasoning', 'effort'], ['text'], ['text', 'format'], ['max_output_tokens'], ['temperature'],
  ['input', 7, 'arguments'], ['input', 7, 'execution'], ['input', 8, 'tools'], ['input', 8, 'tools', 0], ['input', 8, 'tools', 0, 'tools'],
  ['input', 9, 'namespace'], ['input', 10, 'encrypted_content'], ['input', 10], ['tools', 2, 'name'], ['tools', 2, 'tools'], ['tools', 2, 'tools', 0], ['tools', 3, 'execution'], ['tools', 3, 'parameters'],
];

function mutate(path: Array<string | number>, value: unknown): unknown {
  const body = structuredClone(codexBody) as Record<string | number, unknown>;
  let at = body;
  for (const key of path.slice(0, -1)) at = at[key] as Record<string | number, unknown>;
  at[path.at(-1)!] = value;
  return body;
}

describe('responses decodeRequest under bad input', () => {
  test('the Codex body decodes and encodes to every upstream', () => {
    const req = responsesCodec.decodeRequest(codexBody);
    for (const codec of [openaiCodec, anthropicCodec, geminiCodec]) {
      expect(typeof JSON.stringify(codec.encodeRequest(structuredClone(req), { model: 'm', defaultMaxTokens: 64 }))).toBe('string');
    }
  });

  test('any value anywhere: only a 400 ProxyError escapes, and what decodes still encodes', () => {
    fc.assert(
      fc.property(fc.constantFrom(...PATHS), fc.jsonValue({ maxDepth: 3 }), (path, value) => {
        let req;
        try {
          req = responsesCodec.decodeRequest(mutate(path, value));
        } catch (e) {
          if (!(e instanceof ProxyError)) throw e;
          expect(e.status).toBe(400);
          expect(e.info.param ?? '').not.toContain('undefined');
          return;
        }
        for (const codec of [openaiCodec, anthropicCodec, geminiCodec]) {
          codec.encodeRequest(structuredClone(req), { model: 'm', defaultMaxTokens: 64 });
        }
      }),
      { numRuns: 700, seed: 11 },
    );
  });
});

const text = fc.string({ maxLength: 6 });
const signature = fc.record({ family: fc.constantFrom('anthropic' as const, 'gemini' as const), value: fc.string({ minLength: 1, maxLength: 4 }) });
const index = fc.integer({ min: 0, max: 2 });
const contentEvent: fc.Arbitrary<StreamEvent> = fc.oneof(
  fc.record({ type: fc.constant('text' as const), text }),
  fc.record({ type: fc.constant('thinking' as const), text }),
  fc.record({ type: fc.constant('thinking_signature' as const), signature }),
  fc.record({ type: fc.constant('redacted_thinking' as const), data: text }),
  fc.record({ type: fc.constant('tool_call_start' as const), index, id: fc.constantFrom('c1', 'c2', ''), name: fc.constantFrom('f', 'apply_patch'), signature: fc.option(signature, { nil: undefined }) }),
  fc.record({ type: fc.constant('tool_call_delta' as const), index, args: fc.constantFrom('{"input":"x"}', '{', '"a":1}', '') }),
  fc.record({ type: fc.constant('tool_call_end' as const), index }),
  fc.record({ type: fc.constant('usage' as const), usage: fc.record({ inputTokens: fc.nat(100) }) }),
);
const lastEvent: fc.Arbitrary<StreamEvent> = fc.oneof(
  fc.record({ type: fc.constant('finish' as const), reason: fc.constantFrom('stop' as const, 'length' as const, 'tool_calls' as const, 'content_filter' as const), usage: fc.constant({ inputTokens: 3, outputTokens: 4 }) }),
  fc.record({ type: fc.constant('error' as const), error: fc.constant({ status: 502, kind: 'api_error' as const, message: 'boom' }) }),
);

describe('responses stream encoder under any event order', () => {
  test('every item is added and done once, in order, and the stream ends with a terminal event', () => {
    fc.assert(
      fc.property(fc.boolean(), fc.array(contentEvent, { maxLength: 12 }), lastEvent, (withStart, events, last) => {
        const all: StreamEvent[] = [...(withStart ? [{ type: 'start' as const, id: 'x', model: 'm' }] : []), ...events, last];
        const parsed = parseStream(encodeAll(all, { request: { tools: [{ type: 'custom', name: 'apply_patch' }] } }));
        const final = parsed.at(-1)!.response!;
        const done = parsed.filter((e) => e.type === 'response.output_item.done').map((e) => e.item);
        expect(final.output).toEqual(done as typeof final.output);
      }),
      { numRuns: 300, seed: 5 },
    );
  });
});

describe('responses stream encoder: apply_patch and shell calls under any event order', () => {
  // Each call its own id: the SDK refuses two items of one call_id, which decoders never give (proxy/tool-call-indexes.ts).
  const builtIn: fc.Arbitrary<StreamEvent> = fc.oneof(
    fc.record({ type: fc.constant('text' as const), text }),
    fc.record({ type: fc.constant('thinking' as const), text }),
    fc.record({ type: fc.constant('thinking_signature' as const), signature }),
    fc.record({ type: fc.constant('tool_call_end' as const), index }),
    fc.record({ type: fc.constant('tool_call_start' as const), index, id: fc.constant(''), name: fc.constantFrom('apply_patch', 'shell', 'f'), signature: fc.option(signature, { nil: undefined }) }),
    fc.record({
      type: fc.constant('tool_call_delta' as const),
      index,
      args: fc.constantFrom('{"type":"update_file","path":"a","diff":"@@\\n-x\\n+y"}', '{"commands":["ls","pwd"]}', '{"commands":"ls"', '{"type":"delete_file"', ''),
    }),
  );
  test("the openai SDK's accumulator takes every stream, and ends with the items response.completed holds", () => {
    fc.assert(
      fc.property(fc.array(builtIn, { maxLength: 12 }), lastEvent, (events, last) => {
        const parsed = parseStream(encodeAll([...events, last], { request: { tools: [{ type: 'apply_patch' }, { type: 'shell' }] } }));
        let snapshot: ReturnType<typeof accumulateResponse> | undefined;
        for (const e of parsed) snapshot = accumulateResponse(e as unknown as ResponseStreamEvent, snapshot as never);
        const final = parsed.at(-1)!.response!;
        expect(snapshot!.output).toEqual(final.output as NonNullable<typeof snapshot>['output']);
        for (const item of final.output as Array<{ type: string; id: string }>) {
          if (item.type === 'apply_patch_call') expect(item.id).toStartWith('apc_');
          if (item.type === 'shell_call') expect(item.id).toStartWith('sh_');
        }
      }),
      { numRuns: 300, seed: 7 },
    );
  });
});
