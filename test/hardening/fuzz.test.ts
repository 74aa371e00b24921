import { describe, expect, test } from 'bun:test';
import fc from 'fast-check';
import { ProxyError } from '../../src/core/errors.ts';
import type { StreamEvent } from '../../src/core/index.ts';
import { codecs, type Protocol, type UpstreamProtocol } from '../../src/protocols/index.ts';
import type { SSEMessage } from '../../src/protocols/types.ts';
import { parseSSE } from '../../src/util/sse.ts';

/**
 * Property-based fuzzing (fast-check) of the request decoders and the stream decoders: whatever a
 * client or an upstream sends, nothing but a ProxyError escapes, every run ends (bounded runs, sizes
 * and a per-test timeout), and what the encoders make of the result parses in the target protocol.
 */
const PROTOCOLS: UpstreamProtocol[] = ['openai', 'anthropic', 'gemini', 'responses'];
/** Client protocols: the upstream ones and the Responses API. */
const CLIENTS: Protocol[] = PROTOCOLS;
const RUNS = { numRuns: 300, seed: 8, endOnFailure: true };
let decoded = 0;

const text = fc.string({ maxLength: 12 });
const anyJson = fc.json({ maxDepth: 3 }).map((s) => JSON.parse(s) as unknown);
const maybe = <T>(a: fc.Arbitrary<T>): fc.Arbitrary<T | undefined> => fc.option(a, { nil: undefined });
const num = fc.oneof(fc.integer({ min: -5, max: 100_000 }), fc.double({ noNaN: false }), fc.constantFrom('NaN', null));

/** Request bodies shaped roughly like each protocol's, with wrong types and values mixed in. */
const part = fc.oneof(
  fc.record({ type: fc.constantFrom('text', 'image_url', 'image', 'tool_use', 'tool_result', 'thinking', 'document'), text: maybe(text), id: maybe(text), name: maybe(text), input: maybe(anyJson), content: maybe(fc.oneof(text, anyJson)), image_url: maybe(fc.record({ url: fc.constantFrom('data:image/png;base64,iVBOR', 'http://x/y.png', 'nope') })) }),
  fc.record({ text: maybe(text), thought: maybe(fc.boolean()), functionCall: maybe(fc.record({ name: text, args: anyJson })), functionResponse: maybe(fc.record({ name: maybe(text), response: anyJson })), inlineData: maybe(fc.record({ mimeType: text, data: text })) }),
  anyJson,
);
const message = fc.record({
  role: fc.constantFrom('user', 'assistant', 'system', 'developer', 'tool', 'model', 'function', 'wizard', 7),
  content: maybe(fc.oneof(text, fc.array(part, { maxLength: 3 }), anyJson)),
  parts: maybe(fc.array(part, { maxLength: 3 })),
  tool_calls: maybe(fc.array(fc.record({ id: text, type: fc.constant('function'), function: fc.record({ name: text, arguments: fc.oneof(text, fc.constant('{"a":1}')) }) }), { maxLength: 2 })),
  tool_call_id: maybe(text),
});
const requestBody = fc.record({
  model: maybe(fc.oneof(fc.constantFrom('gpt-4o', 'claude-sonnet-4-6', 'gemini-2.5-flash'), anyJson)),
  messages: maybe(fc.oneof(fc.array(message, { maxLength: 4 }), anyJson)),
  contents: maybe(fc.oneof(fc.array(message, { maxLength: 4 }), anyJson)),
  system: maybe(fc.oneof(text, fc.array(part, { maxLength: 2 }))),
  systemInstruction: maybe(anyJson),
  max_tokens: maybe(num),
  temperature: maybe(num),
  tools: maybe(fc.oneof(anyJson, fc.array(fc.record({ type: maybe(fc.constant('function')), name: maybe(text), function: maybe(fc.record({ name: text, parameters: maybe(anyJson) })), input_schema: maybe(anyJson) }), { maxLength: 2 }))),
  tool_choice: maybe(fc.oneof(fc.constantFrom('auto', 'none', 'required'), anyJson)),
  stream: maybe(fc.oneof(fc.boolean(), anyJson)),
  generationConfig: maybe(anyJson),
  thinking: maybe(anyJson),
  reasoning_effort: maybe(fc.oneof(fc.constantFrom('low', 'high', 'max'), anyJson)),
});

/** Bodies each protocol accepts, with text and structure varied: these reach the encoders. */
const nonEmpty = fc.string({ minLength: 1, maxLength: 12 });
const toolName = fc.stringMatching(/^[a-z][a-z0-9_]{0,8}$/);
const schema = fc.constant({ type: 'object', properties: { q: { type: 'string' } } });
const VALID: Record<Protocol, fc.Arbitrary<unknown>> = {
  openai: fc.record({
    model: fc.constant('gpt-4o'),
    messages: fc.array(
      fc.oneof(
        fc.record({ role: fc.constantFrom('user', 'system', 'developer'), content: nonEmpty }),
        fc.record({ role: fc.constant('user'), content: fc.array(fc.oneof(fc.record({ type: fc.constant('text'), text: nonEmpty }), fc.record({ type: fc.constant('image_url'), image_url: fc.record({ url: fc.constant('data:image/png;base64,iVBORw0KGgo=') }) })), { minLength: 1, maxLength: 2 }) }),
        fc.record({ role: fc.constant('assistant'), content: nonEmpty }),
        fc.record({ role: fc.constant('assistant'), content: fc.constant(null), tool_calls: fc.array(fc.record({ id: fc.constantFrom('call_1', 'call_2'), type: fc.constant('function'), function: fc.record({ name: toolName, arguments: fc.oneof(fc.constant('{"q":"x"}'), text) }) }), { minLength: 1, maxLength: 2 }) }),
        fc.record({ role: fc.constant('tool'), tool_call_id: fc.constantFrom('call_1', 'call_2'), content: text }),
      ),
      { minLength: 1, maxLength: 5 },
    ),
    max_tokens: maybe(fc.integer({ min: 1, max: 4096 })),
    temperature: maybe(fc.double({ min: 0, max: 2, noNaN: true })),
    tools: maybe(fc.array(fc.record({ type: fc.constant('function'), function: fc.record({ name: toolName, parameters: schema }) }), { maxLength: 2 })),
    reasoning_effort: maybe(fc.constantFrom('low', 'medium', 'high')),
    stream: maybe(fc.boolean()),
  }),
  anthropic: fc.record({
    model: fc.constant('claude-sonnet-4-6'),
    max_tokens: fc.integer({ min: 1, max: 4096 }),
    system: maybe(nonEmpty),
    messages: fc.array(
      fc.oneof(
        fc.record({ role: fc.constantFrom('user', 'assistant'), content: nonEmpty }),
        fc.record({ role: fc.constant('assistant'), content: fc.array(fc.oneof(fc.record({ type: fc.constant('text'), text: nonEmpty }), fc.record({ type: fc.constant('tool_use'), id: fc.constantFrom('toolu_1', 'toolu_2'), name: toolName, input: fc.constant({ q: 'x' }) })), { minLength: 1, maxLength: 2 }) }),
        fc.record({ role: fc.constant('user'), content: fc.array(fc.oneof(fc.record({ type: fc.constant('text'), text: nonEmpty }), fc.record({ type: fc.constant('tool_result'), tool_use_id: fc.constantFrom('toolu_1', 'toolu_2'), content: text })), { minLength: 1, maxLength: 2 }) }),
      ),
      { minLength: 1, maxLength: 5 },
    ),
    thinking: maybe(fc.record({ type: fc.constant('enabled'), budget_tokens: fc.integer({ min: 1024, max: 4000 }) })),
    tools: maybe(fc.array(fc.record({ name: toolName, input_schema: schema }), { maxLength: 2 })),
  }),
  gemini: fc.record({
    contents: fc.array(
      fc.record({
        role: fc.constantFrom('user', 'model'),
        parts: fc.array(fc.oneof(fc.record({ text: nonEmpty }), fc.record({ text: nonEmpty, thought: fc.boolean() }), fc.record({ functionCall: fc.record({ name: toolName, args: fc.constant({ q: 'x' }) }) }), fc.record({ functionResponse: fc.record({ name: toolName, response: fc.constant({ output: 'ok' }) }) })), { minLength: 1, maxLength: 2 }),
      }),
      { minLength: 1, maxLength: 5 },
    ),
    systemInstruction: maybe(fc.record({ parts: fc.constant([{ text: 'be brief' }]) })),
    generationConfig: maybe(fc.record({ maxOutputTokens: maybe(fc.integer({ min: 1, max: 4096 })), temperature: maybe(fc.double({ min: 0, max: 2, noNaN: true })), thinkingConfig: maybe(fc.record({ thinkingBudget: fc.integer({ min: -1, max: 4096 }) })) })),
    tools: maybe(fc.constant([{ functionDeclarations: [{ name: 'lookup', parametersJsonSchema: { type: 'object', properties: {} } }] }])),
  }),
  responses: fc.record({
    model: fc.constant('gpt-5'),
    instructions: maybe(nonEmpty),
    input: fc.oneof(
      nonEmpty,
      fc.array(
        fc.oneof(
          fc.record({ role: fc.constantFrom('user', 'developer', 'system', 'assistant'), content: nonEmpty }),
          fc.record({ type: fc.constant('message'), role: fc.constant('user'), content: fc.array(fc.oneof(fc.record({ type: fc.constant('input_text'), text: nonEmpty }), fc.record({ type: fc.constant('input_image'), image_url: fc.constant('data:image/png;base64,iVBORw0KGgo='), detail: fc.constant('auto') })), { minLength: 1, maxLength: 2 }) }),
          fc.record({ type: fc.constant('function_call'), call_id: fc.constantFrom('call_1', 'call_2'), name: toolName, arguments: fc.oneof(fc.constant('{"q":"x"}'), text) }),
          fc.record({ type: fc.constant('function_call_output'), call_id: fc.constantFrom('call_1', 'call_2'), output: text }),
          fc.record({ type: fc.constant('reasoning'), id: fc.constant('rs_1'), summary: fc.array(fc.record({ type: fc.constant('summary_text'), text: nonEmpty }), { maxLength: 2 }), encrypted_content: maybe(fc.oneof(text, fc.constant('aiproxy:eyJmIjoiYW50aHJvcGljIiwidiI6InNpZyJ9'))) }),
        ),
        { minLength: 1, maxLength: 5 },
      ),
    ),
    max_output_tokens: maybe(fc.integer({ min: 16, max: 4096 })),
    tools: maybe(fc.array(fc.oneof(fc.record({ type: fc.constant('function'), name: toolName, parameters: schema }), fc.record({ type: fc.constant('custom'), name: toolName })), { maxLength: 2 })),
    reasoning: maybe(fc.record({ effort: fc.constantFrom('low', 'medium', 'high'), summary: maybe(fc.constantFrom('auto', 'detailed')) })),
    stream: maybe(fc.boolean()),
  }),
};

describe('request decoders', () => {
  for (const p of CLIENTS) {
    test(`${p}: only ProxyError escapes, and what decodes encodes to every upstream as JSON`, () => {
      fc.assert(
        fc.property(fc.oneof({ arbitrary: VALID[p], weight: 3 }, { arbitrary: requestBody, weight: 1 }, { arbitrary: anyJson, weight: 1 }), (body) => {
          let req;
          try {
            req = codecs[p].decodeRequest(body, { model: 'gemini-2.5-flash', stream: false });
          } catch (e) {
            if (!(e instanceof ProxyError)) throw e;
            expect(e.status).toBeGreaterThanOrEqual(400);
            expect(e.status).toBeLessThan(500);
            return;
          }
          decoded++;
          for (const target of PROTOCOLS) {
            const out = codecs[target].encodeRequest(structuredClone(req), { model: 'm', defaultMaxTokens: 64 });
            expect(typeof JSON.parse(JSON.stringify(out))).toBe('object');
          }
        }),
        RUNS,
      );
    });
  }
});

/** Plausible upstream stream messages per protocol, with garbage mixed in. */
const index = fc.integer({ min: 0, max: 3 });
const finish = fc.constantFrom(null, 'stop', 'length', 'tool_calls', 'content_filter', 'weird');
const usage = fc.record({ prompt_tokens: maybe(num), completion_tokens: maybe(num), input_tokens: maybe(num), output_tokens: maybe(num), promptTokenCount: maybe(num), candidatesTokenCount: maybe(num) });
const garbage: fc.Arbitrary<SSEMessage> = fc.record({ event: maybe(text), data: fc.oneof(text, fc.constant('[DONE]'), fc.json({ maxDepth: 2 })) });

const openaiMessage: fc.Arbitrary<SSEMessage> = fc.oneof(
  fc.record({
    choices: fc.array(fc.record({ index: fc.constant(0), delta: fc.record({ role: maybe(fc.constant('assistant')), content: maybe(fc.oneof(text, fc.constant(null))), reasoning_content: maybe(text), tool_calls: maybe(fc.array(fc.record({ index, id: maybe(text), function: fc.record({ name: maybe(text), arguments: maybe(text) }) }), { maxLength: 2 })) }), finish_reason: finish }), { maxLength: 1 }),
    usage: maybe(fc.oneof(usage, fc.constant(null))),
    error: maybe(fc.record({ message: text })),
  }).map((d) => ({ data: JSON.stringify(d) })),
  fc.constant({ data: '[DONE]' }),
  garbage,
);

const anthropicMessage: fc.Arbitrary<SSEMessage> = fc.oneof(
  fc.record({ type: fc.constant('message_start'), message: fc.record({ id: text, model: text, usage: maybe(usage) }) }),
  fc.record({ type: fc.constant('content_block_start'), index, content_block: fc.oneof(fc.record({ type: fc.constant('text'), text }), fc.record({ type: fc.constant('thinking'), thinking: text }), fc.record({ type: fc.constant('tool_use'), id: text, name: text, input: fc.constant({}) }), fc.record({ type: fc.constant('redacted_thinking'), data: text })) }),
  fc.record({ type: fc.constant('content_block_delta'), index, delta: fc.oneof(fc.record({ type: fc.constant('text_delta'), text }), fc.record({ type: fc.constant('input_json_delta'), partial_json: text }), fc.record({ type: fc.constant('thinking_delta'), thinking: text }), fc.record({ type: fc.constant('signature_delta'), signature: text })) }),
  fc.record({ type: fc.constant('content_block_stop'), index }),
  fc.record({ type: fc.constant('message_delta'), delta: fc.record({ stop_reason: fc.constantFrom('end_turn', 'tool_use', 'max_tokens', 'refusal', 'odd', null) }), usage: maybe(usage) }),
  fc.record({ type: fc.constantFrom('message_stop', 'ping') }),
  fc.record({ type: fc.constant('error'), error: fc.record({ type: fc.constantFrom('overloaded_error', 'api_error'), message: text }) }),
).map((d) => ({ event: (d as { type: string }).type, data: JSON.stringify(d) }));

const geminiMessage: fc.Arbitrary<SSEMessage> = fc.oneof(
  fc.record({
    candidates: maybe(fc.array(fc.record({ content: maybe(fc.record({ role: fc.constant('model'), parts: fc.array(fc.record({ text: maybe(text), thought: maybe(fc.boolean()), thoughtSignature: maybe(text), functionCall: maybe(fc.record({ name: text, args: anyJson })) }), { maxLength: 3 }) })), finishReason: maybe(fc.constantFrom('STOP', 'MAX_TOKENS', 'SAFETY', 'OTHER', 'BOGUS')), index: fc.constant(0) }), { maxLength: 1 })),
    usageMetadata: maybe(usage),
    promptFeedback: maybe(fc.record({ blockReason: fc.constantFrom('SAFETY', 'OTHER') })),
    modelVersion: maybe(text),
  }).map((d) => ({ data: JSON.stringify(d) })),
  garbage,
);

const itemId = fc.constantFrom('rs_1', 'msg_1', 'fc_1', 'fc_2');
const responsesMessage: fc.Arbitrary<SSEMessage> = fc.oneof(
  fc.record({ type: fc.constantFrom('response.created', 'response.in_progress'), response: fc.record({ id: text, model: text, output: fc.constant([]) }) }),
  fc.record({
    type: fc.constantFrom('response.output_item.added', 'response.output_item.done'),
    output_index: index,
    item: fc.oneof(
      fc.record({ type: fc.constant('reasoning'), id: itemId, summary: fc.constant([]), encrypted_content: maybe(text) }),
      fc.record({ type: fc.constant('message'), id: itemId, role: fc.constant('assistant'), content: fc.constant([]) }),
      fc.record({ type: fc.constant('function_call'), id: itemId, call_id: text, name: text, arguments: maybe(text) }),
    ),
  }),
  fc.record({ type: fc.constantFrom('response.output_text.delta', 'response.reasoning_summary_text.delta', 'response.function_call_arguments.delta'), item_id: itemId, summary_index: maybe(index), delta: text }),
  fc.record({ type: fc.constantFrom('response.completed', 'response.incomplete', 'response.failed'), response: fc.record({ status: fc.constantFrom('completed', 'incomplete', 'failed'), usage: maybe(usage), incomplete_details: maybe(fc.record({ reason: text })), error: maybe(fc.record({ code: text, message: text })) }) }),
  fc.record({ type: fc.constant('error'), code: maybe(text), message: text }),
).map((d) => ({ event: (d as { type: string }).type, data: JSON.stringify(d) }));

const STREAMS: Record<UpstreamProtocol, fc.Arbitrary<SSEMessage>> = {
  openai: openaiMessage,
  anthropic: anthropicMessage,
  gemini: geminiMessage,
  responses: fc.oneof({ arbitrary: responsesMessage, weight: 4 }, { arbitrary: garbage, weight: 1 }),
};

/** Checks encoder output parses as the client's protocol: SSE whose data is JSON, or one JSON array. */
function expectParseable(out: string, format: 'sse' | 'json-array'): void {
  if (format === 'json-array') {
    expect(Array.isArray(JSON.parse(out))).toBe(true);
    return;
  }
  for (const m of parseSSE(out)) if (m.data !== '[DONE]') JSON.parse(m.data);
}

test('the valid-ish generators do reach the encoders', () => {
  expect(decoded).toBeGreaterThan(300);
});

describe('stream decoders → encoders', () => {
  for (const upstream of PROTOCOLS) {
    test(`${upstream} upstream: never throws, start first and one finish or error last, every client encoding parses`, () => {
      fc.assert(
        fc.property(fc.array(STREAMS[upstream], { maxLength: 12 }), (messages) => {
          const decoder = codecs[upstream].createStreamDecoder();
          const events: StreamEvent[] = [];
          for (const m of messages) events.push(...decoder.message(m));
          events.push(...decoder.end());
          // Events after the last one (decoders may keep talking) are what the pipeline drops.
          const lastAt = events.findIndex((e) => e.type === 'finish' || e.type === 'error');
          expect(lastAt).toBeGreaterThanOrEqual(0);
          const stream = events.slice(0, lastAt + 1);
          if (stream.length > 1 || stream[0]!.type !== 'error') expect(stream[0]!.type).toBe('start');
          for (const client of CLIENTS) {
            for (const format of client === 'gemini' ? (['sse', 'json-array'] as const) : (['sse'] as const)) {
              const enc = codecs[client].createStreamEncoder({ model: 'm', includeUsage: true, format });
              let out = '';
              for (const ev of stream) out += enc.encode(ev);
              out += enc.end();
              expectParseable(out, format);
            }
          }
        }),
        RUNS,
      );
    });
  }
});
