/**
 * What an Anthropic-compatible upstream refuses that a Messages request can do without: a beta field a
 * gateway did not pass the beta of, adaptive thinking a server without it does not know.
 */
import { describe, expect, test } from 'bun:test';
import { refusedMessagesField, refusesAdaptive, withBudgetThinking, withoutMessagesField } from '../../../src/protocols/anthropic/refusals.ts';

describe('refused fields', () => {
  const extra = (field: string) => JSON.stringify({ type: 'error', error: { type: 'invalid_request_error', message: `${field}: Extra inputs are not permitted` }, request_id: 'req_1' });
  test('the API’s wording names a top-level field; only context edits go', () => {
    expect(refusedMessagesField(400, extra('context_management'))).toBe('context_management');
    expect(refusedMessagesField(400, extra('tools.0.custom.defer_loading'))).toBeUndefined();
    expect(refusedMessagesField(429, extra('context_management'))).toBeUndefined();
    expect(withoutMessagesField({ model: 'm', context_management: {} }, 'context_management')).toEqual({ model: 'm' });
    for (const f of ['max_tokens', 'mcp_servers', 'output_config']) expect(withoutMessagesField({ model: 'm', [f]: 1 }, f)).toBeUndefined();
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
