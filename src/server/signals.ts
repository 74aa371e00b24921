import type { Config } from '../config/types.ts';
import type { Logger } from '../util/log.ts';
import type { Lifecycle } from './lifecycle.ts';
import { reloadConfig, type Reloadable } from './reload.ts';
import { startShutdown, type Shutdown } from './shutdown.ts';

export interface SignalTarget extends Reloadable {
  readonly lifecycle: Lifecycle;
  readonly server: { stop(closeActiveConnections?: boolean): Promise<void> } | null;
}

export interface SignalOptions {
  log: Logger;
  /** Loads the configuration the way start-up did (same flags and environment). */
  loadConfig: () => Config;
  exit?: (code: number) => void;
}

/**
 * SIGTERM/SIGINT: graceful shutdown, exit 0 (a second signal ends what is left at once).
 * SIGHUP: reload the configuration.
 */
export function handleSignals(app: SignalTarget, opts: SignalOptions): void {
  const { log } = opts;
  const exit = opts.exit ?? ((code: number) => process.exit(code));
  let shutdown: Shutdown | undefined;

  const stop = (signal: string): void => {
    if (shutdown) {
      log.warn(`${signal} again: ending the requests still in flight now`);
      shutdown.hurry();
      return;
    }
    const server = app.server;
    if (!server) return exit(0);
    log.info(`${signal} received`);
    shutdown = startShutdown({ server, lifecycle: app.lifecycle, log, timeoutMs: app.context.config.shutdownTimeoutMs });
    shutdown.done.then(
      () => {
        log.info('stopped');
        exit(0);
      },
      (e: unknown) => {
        log.error('shutdown failed', { error: e instanceof Error ? e.message : String(e) });
        exit(1);
      },
    );
  };

  process.on('SIGTERM', () => stop('SIGTERM'));
  process.on('SIGINT', () => stop('SIGINT'));
  // Windows has no SIGHUP to send; there a reload is a restart.
  if (process.platform !== 'win32') {
    process.on('SIGHUP', () => {
      if (shutdown) return;
      log.info('SIGHUP received: reloading the configuration');
      reloadConfig(app, opts.loadConfig, log);
    });
  }
}
