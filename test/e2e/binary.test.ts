/**
 * Smoke test of the compiled binary as a user runs it. Needs `bun run build --target linux-amd64`
 * first (.ci/run does that); skipped when dist/aiproxy-linux-amd64 is absent or cannot run here.
 */
import { afterAll, afterEach, beforeAll, describe, expect, test } from 'bun:test';
import { existsSync } from 'node:fs';
import { join } from 'node:path';
import pkg from '../../package.json' with { type: 'json' };
import { parseSSE } from '../../src/util/sse.ts';
import { startCodeAssistMock } from '../helpers/mocks/code-assist-mock.ts';
import { startGoogleTokenMock } from '../helpers/mocks/google-token-mock.ts';
import { startOpenAIMock } from '../helpers/mocks/openai-mock.ts';
import type { MockServer } from '../helpers/mocks/types.ts';
import { post, readStream, ROOT, startCli, tempDir, writeFile, type CliProcess } from '../lifecycle/cli-process.ts';

const BINARY = join(ROOT, 'dist/aiproxy-linux-amd64');
const runnable = existsSync(BINARY) && process.platform === 'linux' && process.arch === 'x64';
const KEY = 'binary-smoke-key';

/** config.yaml in `dir`: loopback, any free port, the test's proxy key, then `lines`. */
const configFile = (dir: string, lines: string[]): string =>
  writeFile(dir, 'config.yaml', ['host: 127.0.0.1', 'port: 0', `api_key: ${KEY}`, ...lines, ''].join('\n'));

let upstream: MockServer;
let cli: CliProcess | undefined;

describe.skipIf(!runnable)('compiled binary (dist/aiproxy-linux-amd64)', () => {
  beforeAll(async () => {
    upstream = await startOpenAIMock();
  });
  afterAll(() => upstream.stop());
  afterEach(async () => {
    await cli?.cleanup();
    cli = undefined;
  });

  test('--version prints the version and the commit it was built from', () => {
    const r = Bun.spawnSync([BINARY, '--version'], { env: { PATH: process.env.PATH ?? '' } });
    expect(r.exitCode).toBe(0);
    expect(r.stdout.toString()).toMatch(new RegExp(`^aiproxy ${pkg.version.replaceAll('.', '\\.')} \\(([0-9a-f]{7,}(-dirty)?|[^)]+)\\)\\n$`));
    expect(r.stdout.toString()).not.toContain('(dev)');
  });

  test('signs in to Google with the OAuth library it embeds: gemini-cli-oauth refreshes an expired token and answers', async () => {
    // google-auth-library is imported on first use, not at start-up: this is the path that loads it.
    const api = await startCodeAssistMock();
    const token = startGoogleTokenMock({ refreshTokens: ['1//binary-refresh'], onIssue: (t) => api.acceptToken(t) });
    try {
      const dir = tempDir('aiproxy-binary-oauth-');
      const creds = writeFile(dir, 'oauth_creds.json', JSON.stringify({ access_token: 'ya29.expired', refresh_token: '1//binary-refresh', expiry_date: Date.now() - 60_000, token_type: 'Bearer' }));
      const config = configFile(dir, [
        'model_providers: [gemini-cli-oauth]',
        'gemini:',
        `  code_assist_base_url: ${api.url}`,
        `  oauth_token_url: ${token.url}`,
        `  oauth_client_id: ${token.clientId}`,
        `  oauth_client_secret: ${token.clientSecret}`,
        `  oauth_creds_file: ${creds}`,
      ]);
      const proxy = (cli = await startCli([BINARY], ['--config', config], dir));
      const res = await post(`${proxy.url}/v1/chat/completions`, KEY, { model: 'gemini-2.5-flash', messages: [{ role: 'user', content: 'ping' }] });
      expect(res.status).toBe(200);
      const json = (await res.json()) as { choices: Array<{ message: { content: string } }> };
      expect(json.choices[0]!.message.content).toBe('mock(code-assist) heard: ping');
      expect(token.refreshCount()).toBe(1);
    } finally {
      await token.stop();
      await api.stop();
    }
  }, 20_000);

  test('proxies a plain and a streamed request; SIGTERM mid-stream lets the stream finish and exits 0', async () => {
    const dir = tempDir('aiproxy-binary-');
    const config = configFile(dir, ['shutdown_timeout_ms: 10000', 'openai:', `  api_key: ${upstream.key}`, `  base_url: ${upstream.url}`]);
    // A binary that read these would start with another key (.env) or not start at all (bunfig preload).
    writeFile(dir, '.env', 'AIPROXY_API_KEY=from-dotenv\n');
    writeFile(dir, 'bunfig.toml', 'preload = ["./missing-preload.ts"]\n');
    const proxy = (cli = await startCli([BINARY], ['--config', config], dir));

    const plain = await post(`${proxy.url}/v1/chat/completions`, KEY, { model: 'gpt-4o', messages: [{ role: 'user', content: 'ping' }] });
    expect(plain.status).toBe(200);
    const json = (await plain.json()) as { choices: Array<{ message: { content: string } }> };
    expect(json.choices[0]!.message.content).toBe('mock(openai) heard: ping');
    // The Responses API (Codex) goes through a codec of its own: the binary must carry it too.
    const responses = await post(`${proxy.url}/v1/responses`, KEY, { model: 'gpt-4o', input: 'pong' });
    expect(responses.status).toBe(200);
    const answer = (await responses.json()) as { status: string; output: Array<{ type: string; content?: Array<{ text: string }> }> };
    expect(answer.status).toBe('completed');
    expect(answer.output.find((i) => i.type === 'message')?.content?.[0]?.text).toBe('mock(openai) heard: pong');

    upstream.queue({ text: 'one two three four five six seven eight', chunkDelayMs: 150 });
    const stream = await readStream(
      await post(`${proxy.url}/v1/chat/completions`, KEY, { model: 'gpt-4o', stream: true, messages: [{ role: 'user', content: 'count' }] }),
    );
    expect(stream.status).toBe(200);
    await stream.firstBytes;
    proxy.signal('SIGTERM');
    await proxy.waitForLog(/SIGTERM received/);

    const events = parseSSE(await stream.body);
    expect(events.at(-1)!.data).toBe('[DONE]');
    const text = events
      .slice(0, -1)
      .map((m) => (JSON.parse(m.data) as { choices: Array<{ delta: { content?: string } }> }).choices[0]?.delta.content ?? '')
      .join('');
    expect(text).toBe('one two three four five six seven eight');
    expect(await proxy.exited).toBe(0);
  }, 20_000);
});
