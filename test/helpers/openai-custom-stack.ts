import { afterAll, beforeAll } from 'bun:test';
import { startOpenAIMock } from './mocks/openai-mock.ts';
import type { MockServer } from './mocks/types.ts';
import { startProxy, type TestProxy } from './proxy.ts';

export interface OpenAICustomStack {
  /** The strict OpenAI mock, standing in for whichever compatible server a test names by its model. */
  readonly upstream: MockServer;
  readonly proxy: TestProxy;
}

/** aiproxy with one openai-custom upstream on the strict OpenAI mock, for the tests of the calling file. */
export function useOpenAICustom(): OpenAICustomStack {
  const s = {} as { upstream: MockServer; proxy: TestProxy };
  beforeAll(async () => {
    s.upstream = await startOpenAIMock();
    s.proxy = await startProxy(['--model-provider', 'openai-custom', '--openai-base-url', s.upstream.url, '--openai-api-key', s.upstream.key]);
  });
  afterAll(async () => {
    await Promise.all([s.proxy.stop(), s.upstream.stop()]);
  });
  return s;
}
