/**
 * What an Anthropic-compatible upstream refuses that a Messages request can do without: a beta field a
 * gateway did not pass the beta of, adaptive thinking a server without it does not know.
 */
import { describe, expect, test } from 'bun:test';
import { refusedMessagesField, refusesAdaptive, withBudgetThinking, withoutMessagesField } from '../../../src/protocols/anthropic/refusals.ts';

describe('refused fields', () => {
  const extra = (field: string) => JSON.stringify({ type: 'error', error: { type: 'invalid_request_error', message: `${field}: Extra inputs are not permitted` }, request_id: 'req_1' });
  test('the API’s wording names a top-level field; of those only context edits go', () => {
    expect(refusedMessagesField(400, extra('context_management'))).toBe('context_management');
    expect(refusedMessagesField(400, extra('tools.0.custom.defer_loading'))).toBeUndefined();
    expect(refusedMessagesField(429, extra('context_management'))).toBeUndefined();
    expect(withoutMessagesField({ model: 'm', context_management: {} }, 'context_management')).toEqual({ model: 'm' });
    for (const f of ['max_tokens', 'mcp_servers']) expect(withoutMessagesField({ model: 'm', [f]: 1 }, f)).toBeUndefined();
  });

  test("Vertex's Haiku 4.5 refuses output_config whole: it goes, a format in it is asked for in the system prompt", () => {
    expect(refusedMessagesField(400, extra('output_config'))).toBe('output_config');
    const schema = { type: 'object', properties: { title: { type: 'string' } }, required: ['title'], additionalProperties: false };
    const words = `Respond with a single JSON object and nothing else. It must be valid against this JSON Schema:\n${JSON.stringify(schema)}`;
    expect(withoutMessagesField({ model: 'm', system: 's', output_config: { effort: 'low', format: { type: 'json_schema', schema } } }, 'output_config')).toEqual({
      model: 'm',
      system: `s\n\n${words}`,
    });
    expect(withoutMessagesField({ model: 'm', output_config: { effort: 'high' } }, 'output_config')).toEqual({ model: 'm' });
    expect(withoutMessagesField({ model: 'm' }, 'output_config')).toBeUndefined();
  });

  test('Bedrock refuses output_config.format (or effort): the key goes, a format is asked for in the system prompt', () => {
    expect(refusedMessagesField(400, extra('output_config.format'))).toBe('output_config.format');
    // Bedrock's own shape, through its Converse layer (vectorize-io/hindsight#3300).
    const converse = '{"message":"The model returned the following errors: output_config.format: Extra inputs are not permitted"}';
    expect(refusedMessagesField(400, converse)).toBe('output_config.format');
    expect(refusedMessagesField(400, extra('messages.0.content.0.text.thought'))).toBeUndefined();

    const schema = { type: 'object', properties: { a: { type: 'string' } }, additionalProperties: false };
    const format = { type: 'json_schema', schema };
    const body = (system: unknown, effort?: string) => ({ model: 'm', system, output_config: { format, ...(effort ? { effort } : {}) } });
    const words = `Respond with a single JSON object and nothing else. It must be valid against this JSON Schema:\n${JSON.stringify(schema)}`;
    expect(withoutMessagesField(body([{ type: 'text', text: 'Be brief.' }]), 'output_config.format')).toEqual({
      model: 'm',
      system: [{ type: 'text', text: 'Be brief.' }, { type: 'text', text: words }],
    });
    expect(withoutMessagesField(body('Be brief.', 'high'), 'output_config.format')).toEqual({ model: 'm', system: `Be brief.\n\n${words}`, output_config: { effort: 'high' } });
    expect(withoutMessagesField(body(undefined), 'output_config.format')?.system).toEqual([{ type: 'text', text: words }]);
    expect(withoutMessagesField(body('s', 'high'), 'output_config.effort')).toEqual({ model: 'm', system: 's', output_config: { format } });
    expect(withoutMessagesField({ model: 'm', output_config: { effort: 'high' } }, 'output_config.format')).toBeUndefined();
  });
});

describe('adaptive thinking refused', () => {
  test('each server’s wording', () => {
    const pydantic = JSON.stringify({ detail: [{ type: 'literal_error', loc: ['body', 'thinking', 'type'], msg: "Input should be 'enabled' or 'disabled'", input: 'adaptive' }] });
    expect(refusesAdaptive(422, pydantic)).toBe(true);
    expect(refusesAdaptive(400, '{"error":{"type":"bad_response_status_code","message":"thinking type should be enabled or disabled"}}')).toBe(true);
    expect(refusesAdaptive(400, JSON.stringify({ type: 'error', error: { type: 'invalid_request_error', message: '\'type\' must be in ["enabled", "disabled", "auto"]' } }))).toBe(true);
    expect(refusesAdaptive(429, pydantic)).toBe(false);
    expect(refusesAdaptive(400, '{"error":{"message":"max_tokens: Field required"}}')).toBe(false);
  });

  test('a budget its effort stands for, within max_tokens with room for the answer; thinking off without room', () => {
    const body = (max_tokens: number, effort?: string) => ({ model: 'm', max_tokens, thinking: { type: 'adaptive', display: 'summarized' }, ...(effort ? { output_config: { effort } } : {}) });
    expect(withBudgetThinking(body(32000, 'high'))?.thinking).toEqual({ type: 'enabled', budget_tokens: 24576 });
    expect(withBudgetThinking(body(32000))?.thinking).toEqual({ type: 'enabled', budget_tokens: 8192 });
    expect(withBudgetThinking(body(16000, 'max'))?.thinking).toEqual({ type: 'enabled', budget_tokens: 11904 });
    expect(withBudgetThinking(body(1500, 'high'))?.thinking).toEqual({ type: 'disabled' });
    expect(withBudgetThinking({ model: 'm', max_tokens: 100, thinking: { type: 'enabled', budget_tokens: 50 } })).toBeUndefined();
  });
});
