/**
 * The original AIClient-2-API joined CLAUDE_BASE_URL + '/messages', so its users' --claude-base-url and
 * CLAUDE_BASE_URL end in /v1. Moved over unchanged, the Anthropic SDK's request must still reach
 * /v1/messages upstream, not /v1/v1/messages.
 */
import Anthropic from '@anthropic-ai/sdk';
import { afterAll, beforeAll, expect, test } from 'bun:test';
import { startAnthropicMock } from '../helpers/mocks/anthropic-mock.ts';
import type { MockServer } from '../helpers/mocks/types.ts';
import { startProxy, type TestProxy } from '../helpers/proxy.ts';

let claude: MockServer;
let proxy: TestProxy;
beforeAll(async () => {
  claude = await startAnthropicMock();
  proxy = await startProxy(['--model-provider', 'claude-custom', '--claude-base-url', `${claude.url}/v1`, '--claude-api-key', claude.key]);
});
afterAll(async () => {
  await Promise.all([proxy.stop(), claude.stop()]);
});

test('--claude-base-url with the original project\'s /v1 still reaches /v1/messages', async () => {
  const client = new Anthropic({ baseURL: proxy.url, apiKey: proxy.key, maxRetries: 0, timeout: 5000 });
  const msg = await client.messages.create({ model: 'claude-sonnet-4-6', max_tokens: 16, messages: [{ role: 'user', content: 'hi' }] });
  expect(msg.type).toBe('message');
  expect(claude.calls.length).toBe(1);
});
