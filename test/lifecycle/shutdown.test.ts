import { afterAll, afterEach, beforeAll, describe, expect, test } from 'bun:test';
import { startOpenAIMock } from '../helpers/mocks/openai-mock.ts';
import type { MockServer } from '../helpers/mocks/types.ts';
import { parseSSE } from '../../src/util/sse.ts';
import { post, readStream, SOURCE_CMD, startCli, tempDir, writeFile, type CliProcess } from './cli-process.ts';

const KEY = 'lifecycle-test-key';
let upstream: MockServer;
let cli: CliProcess | undefined;

beforeAll(async () => {
  upstream = await startOpenAIMock();
});
afterAll(() => upstream.stop());
afterEach(async () => {
  await cli?.cleanup();
  cli = undefined;
  upstream.reset();
});

async function start(shutdownTimeoutMs: number): Promise<CliProcess> {
  const dir = tempDir('aiproxy-shutdown-');
  const config = writeFile(
    dir,
    'config.yaml',
    [
      'host: 127.0.0.1',
      'port: 0',
      `api_key: ${KEY}`,
      'model_providers: [openai-custom]',
      `shutdown_timeout_ms: ${shutdownTimeoutMs}`,
      'openai:',
      `  api_key: ${upstream.key}`,
      `  base_url: ${upstream.url}`,
      '',
    ].join('\n'),
  );
  cli = await startCli(SOURCE_CMD, ['--config', config], dir);
  return cli;
}

const words = (n: number): string => Array.from({ length: n }, (_, i) => `w${i}`).join(' ');
const chat = (url: string, stream = true) =>
  post(`${url}/v1/chat/completions`, KEY, { model: 'gpt-4o', stream, messages: [{ role: 'user', content: 'hi' }] });

describe('graceful shutdown (SIGTERM/SIGINT)', () => {
  test('streams that outlive the deadline end with an in-band error in their protocol; one that finishes in time completes; exit 0', async () => {
    const proxy = await start(2500);
    // Replies are taken in arrival order, so each request waits until the previous one reached the mock.
    upstream.queue(
      { text: words(6), chunkDelayMs: 100 }, // ~0.7 s: finishes inside the deadline
      { text: words(40), chunkDelayMs: 400 }, // ~16 s: OpenAI client, same-protocol byte relay
      { text: words(40), chunkDelayMs: 400 }, // Anthropic client, converted
      { text: words(40), chunkDelayMs: 400 }, // Gemini client, streamed JSON array, converted
      { text: 'late', headerDelayMs: 8000 }, // still waiting for upstream headers at the deadline
    );
    const fast = await readStream(await chat(proxy.url));
    await upstream.waitForCalls(1);
    const openai = await readStream(await chat(proxy.url));
    await upstream.waitForCalls(2);
    const anthropic = await readStream(
      await post(`${proxy.url}/v1/messages`, KEY, { model: 'gpt-4o', max_tokens: 100, stream: true, messages: [{ role: 'user', content: 'hi' }] }, { 'anthropic-version': '2023-06-01' }),
    );
    await upstream.waitForCalls(3);
    const gemini = await readStream(
      await post(`${proxy.url}/v1beta/models/gpt-4o:streamGenerateContent`, KEY, { contents: [{ role: 'user', parts: [{ text: 'hi' }] }] }),
    );
    await upstream.waitForCalls(4);
    const waiting = chat(proxy.url, false);
    await upstream.waitForCalls(5);
    await Promise.all([fast.firstBytes, openai.firstBytes, anthropic.firstBytes, gemini.firstBytes]);

    const signalled = performance.now();
    proxy.signal('SIGTERM');
    await proxy.waitForLog(/shutting down/);
    // The listener is closed at once: a new connection is refused.
    await expect(fetch(`${proxy.url}/health`)).rejects.toThrow();

    const fastBody = await fast.body;
    expect(fastBody).toContain('data: [DONE]');
    expect(fastBody).not.toContain('"error"');
    const text = parseSSE(fastBody)
      .filter((m) => m.data !== '[DONE]')
      .map((m) => (JSON.parse(m.data) as { choices: Array<{ delta: { content?: string } }> }).choices[0]?.delta.content ?? '')
      .join('');
    expect(text).toBe(words(6));

    const openaiEvents = parseSSE(await openai.body);
    const lastOpenai = JSON.parse(openaiEvents.at(-1)!.data) as { error?: { message: string; type: string } };
    expect(lastOpenai.error?.message).toContain('shutting down');
    expect(openaiEvents.filter((m) => m.data.includes('"content":"w')).length).toBeGreaterThan(0);

    const anthropicEvents = parseSSE(await anthropic.body);
    expect(anthropicEvents.at(-1)!.event).toBe('error');
    expect(JSON.parse(anthropicEvents.at(-1)!.data)).toMatchObject({ type: 'error', error: { type: 'overloaded_error' } });
    expect(anthropicEvents.some((m) => m.event === 'content_block_delta')).toBe(true);

    // The JSON array is still a valid array: streamed chunks, then the error object, then `]`.
    const array = JSON.parse(await gemini.body) as Array<Record<string, unknown>>;
    expect(array.length).toBeGreaterThan(1);
    expect(array.at(-1)).toMatchObject({ error: { code: 503, status: 'UNAVAILABLE' } });
    expect(array[0]).toHaveProperty('candidates');

    const late = await waiting;
    expect(late.status).toBe(503);
    expect(((await late.json()) as { error: { message: string } }).error.message).toContain('shutting down');

    expect(await proxy.exited).toBe(0);
    const took = performance.now() - signalled;
    expect(took).toBeGreaterThan(2400);
    expect(took).toBeLessThan(7000);
    expect(proxy.log()).toMatch(/shutdown deadline reached.*ended=4/);
  }, 20_000);

  test('when everything finishes before the deadline the process exits then, with 0', async () => {
    const proxy = await start(15_000);
    upstream.queue({ text: words(8), chunkDelayMs: 100 });
    const stream = await readStream(await chat(proxy.url));
    await stream.firstBytes;
    const signalled = performance.now();
    proxy.signal('SIGINT');
    const body = await stream.body;
    expect(body).toContain('data: [DONE]');
    expect(body).not.toContain('"error"');
    expect(await proxy.exited).toBe(0);
    expect(performance.now() - signalled).toBeLessThan(5000);
    expect(proxy.log()).not.toContain('deadline reached');
  }, 20_000);

  test('an idle proxy stops at once; a second signal ends what is in flight without waiting for the deadline', async () => {
    let proxy = await start(30_000);
    let signalled = performance.now();
    proxy.signal('SIGTERM');
    expect(await proxy.exited).toBe(0);
    expect(performance.now() - signalled).toBeLessThan(2000);
    await proxy.cleanup();

    proxy = await start(30_000);
    upstream.queue({ text: words(40), chunkDelayMs: 400 });
    const stream = await readStream(await chat(proxy.url));
    await stream.firstBytes;
    signalled = performance.now();
    proxy.signal('SIGTERM');
    await proxy.waitForLog(/shutting down/);
    proxy.signal('SIGTERM');
    const last = parseSSE(await stream.body).at(-1)!;
    expect(JSON.parse(last.data)).toMatchObject({ error: { type: 'server_error' } });
    // Ended by the second signal, 30 s before the deadline: neither the client nor the log names it.
    expect(JSON.parse(last.data).error.message).toContain('told a second time to stop');
    expect(await proxy.exited).toBe(0);
    expect(performance.now() - signalled).toBeLessThan(5000);
    expect(proxy.log()).toMatch(/stopping at once: ended the requests still in flight.*ended=1/);
    expect(proxy.log()).not.toContain('deadline reached');
    expect(proxy.log()).not.toContain('at its shutdown deadline');
  }, 20_000);
});
