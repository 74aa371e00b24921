import { afterAll, afterEach, beforeAll, describe, expect, test } from 'bun:test';
import { rmSync } from 'node:fs';
import { startOpenAIMock } from '../helpers/mocks/openai-mock.ts';
import type { MockServer } from '../helpers/mocks/types.ts';
import { post, readStream, SOURCE_CMD, startCli, tempDir, writeFile, type CliProcess } from './cli-process.ts';

const KEY = 'reload-test-key';
let first: MockServer;
let second: MockServer;
let cli: CliProcess | undefined;

beforeAll(async () => {
  [first, second] = await Promise.all([startOpenAIMock(), startOpenAIMock()]);
});
afterAll(async () => {
  await Promise.all([first.stop(), second.stop()]);
});
afterEach(async () => {
  await cli?.cleanup();
  cli = undefined;
  first.reset();
  second.reset();
});

function configText(upstream: MockServer, extra: string[] = []): string {
  return [
    'host: 127.0.0.1',
    'port: 0',
    `api_key: ${KEY}`,
    'model_providers: [openai-custom]',
    'openai:',
    `  api_key: ${upstream.key}`,
    `  base_url: ${upstream.url}`,
    ...extra,
    '',
  ].join('\n');
}

const ask = async (url: string): Promise<string> => {
  const res = await post(`${url}/v1/chat/completions`, KEY, { model: 'gpt-4o', messages: [{ role: 'user', content: 'which one?' }] });
  expect(res.status).toBe(200);
  const body = (await res.json()) as { choices: Array<{ message: { content: string } }> };
  return body.choices[0]!.message.content;
};

/** Sends SIGHUP and waits for the reload's outcome line, so a request after it sees the new state. */
async function hangUp(proxy: CliProcess, outcome: RegExp): Promise<string> {
  const from = proxy.log().length;
  proxy.signal('SIGHUP');
  return proxy.waitForLog(outcome, 5000, from);
}

describe('SIGHUP reloads the config file', () => {
  test('a good file is served from the next request on; the log names changed keys, never secret values', async () => {
    const dir = tempDir('aiproxy-reload-');
    const file = writeFile(dir, 'config.yaml', configText(first));
    const proxy = (cli = await startCli(SOURCE_CMD, ['--config', file], dir));
    await ask(proxy.url);
    expect(first.calls.length).toBe(1);

    // A stream that started under the old config keeps its upstream to the end.
    first.queue({ text: 'old config stream', chunkDelayMs: 150 });
    const stream = await readStream(
      await post(`${proxy.url}/v1/chat/completions`, KEY, { model: 'gpt-4o', stream: true, messages: [{ role: 'user', content: 'x' }] }),
    );
    await stream.firstBytes;

    writeFile(dir, 'config.yaml', configText(second, ['shutdown_timeout_ms: 1234']));
    const line = await hangUp(proxy, /config reload/);
    expect(line).toContain('config reloaded');
    expect(line).toMatch(/changed=\S*openai\.api_key/);
    expect(line).toMatch(/changed=\S*openai\.base_url/);
    expect(line).toMatch(/changed=\S*shutdown_timeout_ms/);

    await ask(proxy.url);
    expect(second.calls.length).toBe(1);
    expect(first.calls.length).toBe(2);
    expect(await stream.body).toContain('data: [DONE]');
    expect(proxy.log()).not.toContain(first.key);
    expect(proxy.log()).not.toContain(second.key);
  }, 20_000);

  test('the system prompt file is read again even when nothing else changed; a removed one rejects the reload', async () => {
    const dir = tempDir('aiproxy-reload-prompt-');
    writeFile(dir, 'prompt.txt', 'PROMPT ONE');
    const file = writeFile(dir, 'config.yaml', configText(first, [`system_prompt_file: ${dir}/prompt.txt`]));
    const proxy = (cli = await startCli(SOURCE_CMD, ['--config', file], dir));
    const systemOf = (i: number) => (first.calls[i]!.body as { messages: Array<{ role: string; content: string }> }).messages[0];
    await ask(proxy.url);
    expect(systemOf(0)).toEqual({ role: 'system', content: 'PROMPT ONE' });
    writeFile(dir, 'prompt.txt', 'PROMPT TWO');
    expect(await hangUp(proxy, /config reloaded/)).toContain('system_prompt_file');
    await ask(proxy.url);
    expect(systemOf(1)).toEqual({ role: 'system', content: 'PROMPT TWO' });
    rmSync(`${dir}/prompt.txt`);
    expect(await hangUp(proxy, /config reload rejected/)).toContain('cannot be read');
    await ask(proxy.url);
    expect(systemOf(2)).toEqual({ role: 'system', content: 'PROMPT TWO' });
  });

  test('a bad file is rejected with its reason logged, and the running config keeps serving', async () => {
    const dir = tempDir('aiproxy-reload-');
    const file = writeFile(dir, 'config.yaml', configText(first));
    const proxy = (cli = await startCli(SOURCE_CMD, ['--config', file], dir));

    writeFile(dir, 'config.yaml', configText(second, ['shutdown_timout_ms: 5']));
    let line = await hangUp(proxy, /config reload/);
    expect(line).toContain('config reload rejected');
    expect(line).toContain('shutdown_timout_ms: unknown key');
    await ask(proxy.url);

    writeFile(dir, 'config.yaml', `${configText(second)}model_providers: [openai-custom\n`);
    line = await hangUp(proxy, /config reload/);
    expect(line).toContain('config reload rejected');
    expect(line).toContain('invalid YAML');
    await ask(proxy.url);

    writeFile(dir, 'config.yaml', configText(second, ['log_level: loud']));
    line = await hangUp(proxy, /config reload/);
    expect(line).toMatch(/rejected.*log_level: .*loud.* is not one of/);
    await ask(proxy.url);

    expect(first.calls.length).toBe(3);
    expect(second.calls.length).toBe(0);
  }, 20_000);

  test('a changed address is reported as needing a restart; the rest of the file still applies', async () => {
    const dir = tempDir('aiproxy-reload-');
    const file = writeFile(dir, 'config.yaml', configText(first));
    const proxy = (cli = await startCli(SOURCE_CMD, ['--config', file], dir));
    writeFile(dir, 'config.yaml', configText(second).replace('port: 0', 'port: 1'));
    const from = proxy.log().length;
    proxy.signal('SIGHUP');
    await proxy.waitForLog(/port changed: that takes a restart/, 5000, from);
    expect(await proxy.waitForLog(/config reloaded/, 5000, from)).toMatch(/changed=openai\.api_key,openai\.base_url$/);
    await ask(proxy.url);
    expect(second.calls.length).toBe(1);
  }, 20_000);

  test('a second reload compares with the first one, and a later shutdown uses the reloaded deadline', async () => {
    const dir = tempDir('aiproxy-reload-');
    const file = writeFile(dir, 'config.yaml', configText(first));
    const proxy = (cli = await startCli(SOURCE_CMD, ['--config', file], dir));
    writeFile(dir, 'config.yaml', configText(second, ['shutdown_timeout_ms: 4321']));
    expect(await hangUp(proxy, /config reload/)).toMatch(/config reloaded.*changed=openai\.api_key,openai\.base_url,shutdown_timeout_ms$/);
    // The same file again: nothing differs from what is now served.
    expect(await hangUp(proxy, /config reload/)).toContain('config reloaded: nothing changed');

    // A stream in flight makes the shutdown say which deadline it waits for.
    second.queue({ text: 'slow', chunkDelayMs: 200 });
    const stream = await readStream(
      await post(`${proxy.url}/v1/chat/completions`, KEY, { model: 'gpt-4o', stream: true, messages: [{ role: 'user', content: 'x' }] }),
    );
    await stream.firstBytes;
    const from = proxy.log().length;
    proxy.signal('SIGTERM');
    expect(await proxy.waitForLog(/shutting down/, 5000, from)).toMatch(/deadline_ms=4321/);
    expect(await stream.body).toContain('data: [DONE]');
    expect(await proxy.exited).toBe(0);
  }, 20_000);

  test('a reload that raises limits.max_body_bytes lets larger bodies through at once', async () => {
    const dir = tempDir('aiproxy-reload-');
    const file = writeFile(dir, 'config.yaml', configText(first, ['limits:', '  max_body_bytes: 1048576']));
    const proxy = (cli = await startCli(SOURCE_CMD, ['--config', file], dir));
    const big = { model: 'gpt-4o', messages: [{ role: 'user', content: 'x'.repeat(3 * 1024 * 1024) }] };
    const refused = await post(`${proxy.url}/v1/chat/completions`, KEY, big);
    expect(refused.status).toBe(413);
    expect(((await refused.json()) as { error: { message: string } }).error.message).toContain('limits.max_body_bytes');

    writeFile(dir, 'config.yaml', configText(first, ['limits:', '  max_body_bytes: 8388608']));
    expect(await hangUp(proxy, /config reload/)).toMatch(/changed=limits\.max_body_bytes$/);
    const res = await post(`${proxy.url}/v1/chat/completions`, KEY, big);
    expect(res.status).toBe(200);
    await res.arrayBuffer();
    expect(first.calls.length).toBe(1);
  }, 20_000);
});
