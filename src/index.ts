import { parseArgs } from './cli/args.ts';
import { helpText } from './cli/help.ts';
import { ConfigError } from './config/errors.ts';
import { loadConfig } from './config/load.ts';
import { createApp } from './server/app.ts';
import { explainListenFailure, ListenError } from './server/listen-error.ts';
import { createMemoryGuard } from './server/memory-guard.ts';
import { handleSignals } from './server/signals.ts';
import { Logger } from './util/log.ts';
import { COMMIT, VERSION } from './version.ts';

/** CLI entry: parse flags, load config, start the server. Nothing else belongs here. */
async function main(argv: string[]): Promise<number> {
  const args = parseArgs(argv);
  if (args.command === 'help') {
    process.stdout.write(helpText());
    return 0;
  }
  if (args.command === 'version') {
    process.stdout.write(`aiproxy ${VERSION} (${COMMIT})\n`);
    return 0;
  }
  if (args.command === 'login') {
    // Loaded only for this command: it pulls in google-auth-library, which a server start should not pay for.
    const { loginCommand } = await import('./cli/login-gemini.ts');
    return loginCommand(args);
  }
  const config = loadConfig({ flags: args.flags, env: process.env });
  // In the configured format from the first line: a JSON log collector would choke on a text one.
  const log = new Logger(config.logLevel, undefined, config.logFormat);
  // With api_keys and no api_key, the public default is not accepted at all.
  if (config.apiKeyIsDefault && config.apiKeys.length === 0) {
    log.warn('using the default proxy key 123456: anyone who can reach this port can use your upstream keys; set --api-key or AIPROXY_API_KEY');
  }
  const app = createApp(config, { log });
  // Before listening: a signal that arrives as soon as the port is open must find its handler.
  handleSignals(app, { log, loadConfig: () => loadConfig({ flags: args.flags, env: process.env }) });
  try {
    app.listen({ hostname: config.host, port: config.port });
  } catch (e) {
    const failure = await explainListenFailure(e, config.host, config.port);
    // A JSON log collector reads every stderr line as JSON: the reason start-up stopped must be one too.
    if (config.logFormat !== 'json') throw failure;
    log.error(failure.message);
    return failure.exitCode; // the log flushes at exit
  }
  createMemoryGuard({ limitMb: () => app.context.config.limits.softMemoryMb, log, onCollect: () => app.metrics.memoryCollected() });
  const server = app.server!;
  const host = server.hostname?.includes(':') ? `[${server.hostname}]` : server.hostname;
  log.info(`aiproxy ${VERSION} listening on http://${host}:${server.port}`, {
    providers: config.modelProviders.join(','),
    config: config.configFile ?? 'none',
  });
  // The executable starts with the JIT held back so run-once start-up code stays interpreted (scripts/build.ts
  // STARTUP_JIT_POLICY); from here on what runs is the request path, which the JIT must compile as usual.
  Bun.unsafe.setJITPolicy(1);
  return -1; // keep running
}

main(Bun.argv.slice(2)).then(
  (code) => {
    if (code >= 0) process.exit(code);
  },
  (e: unknown) => {
    if (e instanceof ConfigError) {
      process.stderr.write(`aiproxy: ${e.message}\n`);
      process.exit(2);
    }
    if (e instanceof ListenError) {
      process.stderr.write(`aiproxy: ${e.message}\n`);
      process.exit(e.exitCode);
    }
    process.stderr.write(`aiproxy: ${(e as Error)?.stack ?? e}\n`);
    process.exit(1);
  },
);
