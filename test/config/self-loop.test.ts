import { describe, expect, test } from 'bun:test';
import { parseArgs } from '../../src/cli/args.ts';
import { ConfigError } from '../../src/config/errors.ts';
import { loadConfig } from '../../src/config/load.ts';
import { assertNoSelfLoop } from '../../src/config/self-loop.ts';
import { createApp } from '../../src/server/app.ts';
import { Logger } from '../../src/util/log.ts';

/**
 * An upstream that is aiproxy itself: OpenAI's SDKs and Codex read OPENAI_BASE_URL too
 * (openai/codex#1487), a user points it at aiproxy, and aiproxy started from that shell took it for its
 * own upstream (the environment beats config.yaml): every request came back in as a new one, nested
 * without end, thousands a second, and the client hung.
 */
const load = (argv: string[], env: Record<string, string> = {}) => loadConfig({ flags: parseArgs(argv).flags, env, cwd: '/nonexistent' });
const refusal = (argv: string[], env: Record<string, string> = {}): string => {
  try {
    assertNoSelfLoop(load(argv, env));
  } catch (e) {
    expect(e).toBeInstanceOf(ConfigError);
    return (e as Error).message;
  }
  return '';
};

describe('an upstream that is this proxy itself', () => {
  test('OPENAI_BASE_URL pointing at aiproxy, as a Codex user exports it, is refused naming the variable and the way out', () => {
    expect(refusal(['--port', '3000'], { OPENAI_BASE_URL: 'http://localhost:3000/v1' })).toBe(
      'openai.base_url "http://localhost:3000/v1" is this proxy\'s own address (openai-custom is served): its requests would come back to it without end; if OPENAI_BASE_URL set it (clients pointed at aiproxy read it too), it beats config.yaml: unset it where aiproxy starts, or give --openai-base-url',
    );
  });

  test('loopback names and the listening address count as the same place; another port, host or https does not', () => {
    expect(refusal(['--host', '127.0.0.1', '--port', '8080', '--openai-base-url', 'http://localhost:8080/v1'])).toContain('openai.base_url');
    expect(refusal(['--host', '0.0.0.0', '--port', '8080', '--openai-base-url', 'http://127.0.0.1:8080/v1'])).toContain('openai.base_url');
    expect(refusal(['--host', '::', '--port', '8080', '--openai-base-url', 'http://[::1]:8080/v1'])).toContain('openai.base_url');
    expect(refusal(['--host', '10.0.0.5', '--port', '8080', '--openai-base-url', 'http://10.0.0.5:8080/v1'])).toContain('openai.base_url');
    expect(refusal(['--model-provider', 'claude-custom', '--port', '80', '--claude-base-url', 'http://localhost'])).toContain('claude.base_url');
    expect(refusal(['--port', '3000', '--openai-base-url', 'http://localhost:3001/v1'])).toBe('');
    expect(refusal(['--host', '10.0.0.5', '--port', '8080', '--openai-base-url', 'http://127.0.0.1:8080/v1'])).toBe('');
    expect(refusal(['--port', '443', '--openai-base-url', 'https://localhost/v1'])).toBe('');
    // Another loopback address is another socket: a server there on the same port is no loop.
    expect(refusal(['--host', '::1', '--port', '8080', '--openai-base-url', 'http://127.0.0.1:8080/v1'])).toBe('');
    expect(refusal(['--host', '127.0.0.2', '--port', '8080', '--openai-base-url', 'http://127.0.0.1:8080/v1'])).toBe('');
    expect(refusal(['--host', '::1', '--port', '8080', '--openai-base-url', 'http://localhost:8080/v1'])).toContain('openai.base_url');
    // Connecting to the wildcard address reaches a loopback listener.
    expect(refusal(['--host', '127.0.0.1', '--port', '8080', '--openai-base-url', 'http://0.0.0.0:8080/v1'])).toContain('openai.base_url');
    expect(refusal(['--port', '8080', '--openai-base-url', 'http://0.0.0.0:8080/v1'])).toContain('openai.base_url');
    // Any free port: not known before listening.
    expect(refusal(['--port', '0', '--openai-base-url', 'http://localhost:0/v1'])).toBe('');
  });

  test('only providers that are served count, and another provider\'s prefix routes elsewhere', () => {
    // Exported for Codex, but aiproxy serves Claude only: nothing goes to openai.base_url.
    expect(refusal(['--model-provider', 'claude-custom', '--port', '3000'], { OPENAI_BASE_URL: 'http://localhost:3000/v1' })).toBe('');
    expect(refusal(['--port', '3000', '--openai-base-url', 'http://localhost:3000/claude-custom/v1'])).toBe('');
    expect(refusal(['--port', '3000', '--openai-base-url', 'http://localhost:3000/openai-custom/v1'])).toContain('openai.base_url');
  });

  test("a pool member's own base URL is checked and named", () => {
    const c = load(['--port', '3000']);
    c.pools['openai-custom'] = [
      { name: 'ok', weight: 1, modelMap: {}, disabled: false, credentials: { baseUrl: 'https://api.openai.com/v1' } },
      { name: 'local', weight: 1, modelMap: {}, disabled: false, credentials: { baseUrl: 'http://127.0.0.1:3000/v1' } },
    ];
    expect(() => assertNoSelfLoop(c)).toThrow('provider_pools.openai-custom member "local": base_url "http://127.0.0.1:3000/v1" is this proxy\'s own address');
  });

  test('start-up and reload refuse it: the app is not made, and a reload to it is rejected', () => {
    const looping = load(['--port', '3000'], { OPENAI_BASE_URL: 'http://localhost:3000/v1' });
    expect(() => createApp(looping, { log: new Logger('error', () => {}) })).toThrow(ConfigError);
    const app = createApp(load(['--port', '3000']), { log: new Logger('error', () => {}) });
    expect(() => app.reload(looping)).toThrow('is this proxy\'s own address');
    expect(app.context.config.openai.baseUrl).toBe('https://api.openai.com/v1');
  });

  test('a reload checks the address actually listened on: the port a port of 0 got, not the configured one', async () => {
    const app = createApp(load(['--port', '0']), { log: new Logger('error', () => {}) });
    app.listen({ hostname: '127.0.0.1', port: 0 });
    try {
      const port = app.server!.port!;
      const looping = load(['--port', '0', '--openai-base-url', `http://localhost:${port}/v1`]);
      expect(() => app.reload(looping)).toThrow(`"http://localhost:${port}/v1" is this proxy's own address`);
      // A configured port that differs from the listened one (a restart would take it) is not where requests come back to.
      expect(() => app.reload(load(['--port', String(port + 1), '--openai-base-url', `http://localhost:${port + 1}/v1`]))).not.toThrow();
    } finally {
      await app.stop();
    }
  });
});
