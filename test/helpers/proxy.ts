import { parseArgs } from '../../src/cli/args.ts';
import { loadConfig } from '../../src/config/load.ts';
import type { Config } from '../../src/config/types.ts';
import { createApp, type App, type AppDeps } from '../../src/server/app.ts';
import { Logger } from '../../src/util/log.ts';

export interface TestProxy {
  url: string;
  key: string;
  config: Config;
  /** Every log line the proxy wrote. */
  logs: string[];
  /** The app itself, for its lifecycle (in-flight count) and metrics. */
  app: App;
  stop(): Promise<void>;
}

/**
 * Starts aiproxy in-process on 127.0.0.1 with the given command-line flags (no config file, no env),
 * exactly as `aiproxy <flags>` would configure it.
 */
export async function startProxy(flags: string[], deps: AppDeps = {}): Promise<TestProxy> {
  const key = 'test-proxy-key';
  const config = loadConfig({
    flags: parseArgs(['--host', '127.0.0.1', '--port', '0', '--api-key', key, '--log-level', 'debug', ...flags]).flags,
    env: {},
    cwd: '/nonexistent',
  });
  const logs: string[] = [];
  const app = createApp(config, { log: new Logger('debug', (l) => logs.push(l)), ...deps });
  app.listen({ hostname: '127.0.0.1', port: 0 });
  const server = app.server!;
  return {
    url: `http://127.0.0.1:${server.port}`,
    key,
    config,
    logs,
    app,
    stop: async () => {
      await app.stop(true);
    },
  };
}

/** POSTs a JSON body exactly as given (text or bytes, never re-serialised) to the proxy, with its key. */
export function postRaw(proxy: TestProxy, path: string, body: string | Uint8Array): Promise<Response> {
  return fetch(`${proxy.url}${path}`, {
    method: 'POST',
    headers: { authorization: `Bearer ${proxy.key}`, 'content-type': 'application/json' },
    body,
  });
}
