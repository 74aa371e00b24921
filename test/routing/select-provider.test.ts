import { describe, expect, test } from 'bun:test';
import { ProxyError } from '../../src/core/errors.ts';
import { selectProvider } from '../../src/routing/select-provider.ts';

describe('provider selection, first match wins', () => {
  const configured = ['openai-custom', 'claude-custom', 'gemini-cli'] as const;

  test('header beats prefix beats model family beats default', () => {
    expect(selectProvider({ header: 'gemini-cli', prefix: 'claude-custom', model: 'gpt-4o', configured })).toBe('gemini-cli');
    expect(selectProvider({ prefix: 'claude-custom', model: 'gpt-4o', configured })).toBe('claude-custom');
    expect(selectProvider({ model: 'claude-sonnet-4-5', configured })).toBe('claude-custom');
    expect(selectProvider({ model: 'gemini-2.5-pro', configured })).toBe('gemini-cli');
    expect(selectProvider({ model: 'my-local-llama', configured })).toBe('openai-custom');
  });

  test('each OpenAI family prefix routes to openai-custom', () => {
    const c = ['claude-custom', 'openai-custom'] as const;
    for (const m of ['gpt-4o', 'o1-mini', 'o3', 'o4-mini', 'chatgpt-4o-latest']) expect(selectProvider({ model: m, configured: c })).toBe('openai-custom');
  });

  test("OpenAI's embeddings models route to openai-custom; Google's text-embedding-004 does not", () => {
    const c = ['gemini-cli', 'openai-custom'] as const;
    for (const m of ['text-embedding-3-small', 'text-embedding-3-large', 'text-embedding-ada-002']) {
      expect(selectProvider({ model: m, configured: c })).toBe('openai-custom');
    }
    expect(selectProvider({ model: 'text-embedding-004', configured: ['claude-custom', 'gemini-cli'] })).toBe('claude-custom');
  });

  test('a family whose provider is not configured falls back to the default', () => {
    expect(selectProvider({ model: 'claude-sonnet-4-5', configured: ['gemini-cli', 'openai-custom'] })).toBe('gemini-cli');
  });

  test('gemini models go to the first configured Gemini provider', () => {
    expect(selectProvider({ model: 'gemini-2.5-flash', configured: ['openai-custom', 'gemini-cli-oauth', 'gemini-cli'] })).toBe('gemini-cli-oauth');
  });

  test('an unknown or unconfigured provider is a 400 naming the configured ones', () => {
    for (const header of ['kiro', 'gemini-cli-oauth']) {
      try {
        selectProvider({ header, configured });
        throw new Error('expected ProxyError');
      } catch (e) {
        expect(e).toBeInstanceOf(ProxyError);
        expect((e as ProxyError).status).toBe(400);
        expect((e as ProxyError).message).toContain('openai-custom, claude-custom, gemini-cli');
      }
    }
  });
});
