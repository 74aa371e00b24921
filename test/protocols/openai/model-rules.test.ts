import { describe, expect, test } from 'bun:test';
import type { CanonicalRequest, ReasoningConfig } from '../../../src/core/index.ts';
import { openaiCodec } from '../../../src/protocols/openai/index.ts';
import { canonicalRequest } from '../../helpers/canonical.ts';

const base = (over: Partial<CanonicalRequest> = {}): CanonicalRequest => canonicalRequest(over);
const encode = (req: CanonicalRequest, model: string) => openaiCodec.encodeRequest(req, { model });
const tool = { name: 'f', parameters: { type: 'object', properties: {} } };
const effortOf = (model: string, reasoning: ReasoningConfig, tools = false) =>
  encode(base({ reasoning, tools: tools ? [tool] : [] }), model).reasoning_effort;

describe('openai encodeRequest: reasoning_effort as each model takes it', () => {
  test('values a model refuses become the nearest it takes, a tie going up', () => {
    expect(effortOf('gpt-5.1', { effort: 'minimal' })).toBe('low');
    expect(effortOf('gpt-5.1', { effort: 'xhigh' })).toBe('high');
    expect(effortOf('gpt-5.1', { enabled: false })).toBe('none');
    expect(effortOf('gpt-5-mini-2025-08-07', { enabled: false })).toBe('minimal');
    expect(effortOf('openai/gpt-5-nano', { effort: 'xhigh' })).toBe('high');
    expect(effortOf('gpt-5.2-2025-12-11', { effort: 'minimal' })).toBe('low');
    expect(effortOf('gpt-5.2', { effort: 'max' })).toBe('xhigh');
    expect(effortOf('gpt-5.5', { budgetTokens: 512 })).toBe('low');
    expect(effortOf('gpt-5.1-codex', { enabled: false })).toBe('low');
    for (const model of ['gpt-5-chat-latest', 'gpt-5.1-chat-latest', 'gpt-5.2-chat-2025-12-11']) {
      expect(effortOf(model, { effort: 'high' })).toBe('medium');
    }
  });

  test('values a model takes, and models without a known list, are left alone', () => {
    expect(effortOf('gpt-5', { effort: 'minimal' })).toBe('minimal');
    expect(effortOf('gpt-5.2', { effort: 'xhigh' })).toBe('xhigh');
    expect(effortOf('gpt-5.6-sol', { effort: 'none' })).toBe('none');
    expect(effortOf('o3', { effort: 'high' })).toBe('high');
    expect(effortOf('deepseek-reasoner', { effort: 'max' })).toBe('max');
  });

  test('with function tools: no effort for gpt-5.2/5.4/5.5, "none" for gpt-5.6 and gpt-6 even unasked', () => {
    for (const model of ['gpt-5.2', 'gpt-5.4', 'gpt-5.4-mini', 'openai/gpt-5.5']) {
      expect(effortOf(model, { effort: 'high' }, true)).toBeUndefined();
    }
    for (const model of ['gpt-5.6', 'gpt-5.6-terra', 'gpt-6-sol', 'gpt-6-astra']) {
      expect(effortOf(model, { effort: 'high' }, true)).toBe('none');
      expect(encode(base({ tools: [tool] }), model).reasoning_effort).toBe('none');
    }
    expect(effortOf('gpt-5.1', { effort: 'high' }, true)).toBe('high');
    expect(effortOf('o3', { effort: 'low' }, true)).toBe('low');
  });
});

describe('openai encodeRequest: parameters newer models refuse', () => {
  test('stop: dropped for o3, o4-mini, o1-preview and gpt-5; kept for o3-mini and gpt-4.1', () => {
    for (const model of ['o3', 'o3-pro', 'o4-mini-2025-04-16', 'o1-preview', 'gpt-5', 'gpt-5.2', 'openai/gpt-5-mini']) {
      expect(encode(base({ stop: ['END'] }), model)).not.toHaveProperty('stop');
    }
    for (const model of ['o3-mini', 'o3-mini-2025-01-31', 'gpt-4.1', 'deepseek-chat']) {
      expect(encode(base({ stop: ['END'] }), model).stop).toEqual(['END']);
    }
  });

  test('parallel_tool_calls: dropped for the o-series only', () => {
    const req = base({ tools: [tool], parallelToolCalls: false });
    for (const model of ['o1', 'o3', 'o3-mini', 'o4-mini']) expect(encode(req, model)).not.toHaveProperty('parallel_tool_calls');
    for (const model of ['gpt-4o', 'gpt-5']) expect(encode(req, model).parallel_tool_calls).toBe(false);
  });

  test('penalties stay behind for reasoning models; no sampling at all for the search models', () => {
    const req = base({ temperature: 0.3, topP: 0.9, presencePenalty: 0.5, frequencyPenalty: 0.2, seed: 1 });
    for (const model of ['o3-mini', 'gpt-5-mini', 'gpt-4o-search-preview', 'gpt-4o-mini-search-preview-2025-03-11']) {
      const body = encode(req, model);
      for (const p of ['temperature', 'top_p', 'presence_penalty', 'frequency_penalty']) expect(body).not.toHaveProperty(p);
    }
    expect(encode(req, 'gpt-4o')).toMatchObject({ temperature: 0.3, top_p: 0.9, presence_penalty: 0.5, frequency_penalty: 0.2 });
  });
});

describe('openai encodeRequest: gpt-6 is a reasoning model', () => {
  test('max_completion_tokens, no temperature, like gpt-5', () => {
    const body = encode(base({ maxTokens: 100, temperature: 0.5 }), 'gpt-6-sol');
    expect(body).toMatchObject({ max_completion_tokens: 100 });
    expect(body).not.toHaveProperty('max_tokens');
    expect(body).not.toHaveProperty('temperature');
  });
});
