import { Elysia } from 'elysia';
import { ProxyError } from '../core/errors.ts';
import type { Config } from '../config/types.ts';
import { createPools } from '../pool/build.ts';
import { representatives } from '../pool/representatives.ts';
import { startPoolTasks } from '../pool/tasks.ts';
import type { AppContext } from '../proxy/context.ts';
import { errorResponse } from '../proxy/errors.ts';
import { ModelCatalog } from '../proxy/models.ts';
import { ClientGoneError } from '../upstream/fetch.ts';
import { Logger } from '../util/log.ts';
import { keyMatches, presentedKey } from './auth.ts';
import { createLifecycle } from './lifecycle.ts';
import { protocolOf } from './protocol-of.ts';
import { requestLogger } from './request-log.ts';
import { countTokens, messages } from './routes/anthropic.ts';
import { modelAction } from './routes/gemini.ts';
import { health, pools } from './routes/health.ts';
import { listModels } from './routes/models.ts';
import { chatCompletions } from './routes/openai.ts';
import type { RouteArgs } from './routes/types.ts';

export interface AppDeps {
  fetch?: typeof fetch;
  log?: Logger;
  headersTimeoutMs?: number;
}

type Handler = (ctx: AppContext, args: RouteArgs) => Promise<Response> | Response;

/** Routes under their plain path and under a provider prefix (`/<provider>/v1/...`). */
const ROUTES: Array<[method: 'GET' | 'POST', path: string, handler: Handler, streaming?: boolean]> = [
  ['POST', '/v1/chat/completions', chatCompletions, true],
  ['POST', '/v1/messages', messages, true],
  ['POST', '/v1/messages/count_tokens', countTokens],
  ['GET', '/v1/models', listModels],
  ['GET', '/v1/models/:model', listModels],
  ['POST', '/v1beta/models/:modelAction', modelAction, true],
  // @google/genai defaults to apiVersion v1; same handler.
  ['POST', '/v1/models/:modelAction', modelAction, true],
  ['GET', '/v1beta/models', listModels],
  ['GET', '/v1beta/models/:model', listModels],
  ['GET', '/pools', pools],
];

export function createContext(config: Config, deps: AppDeps = {}, previous?: AppContext): AppContext {
  const log = deps.log ?? new Logger(config.logLevel);
  const fetchFn = deps.fetch ?? fetch;
  const pools = createPools(config, previous?.pools);
  const providers = representatives(pools);
  return {
    config,
    pools,
    providers,
    log,
    fetch: fetchFn,
    models: new ModelCatalog(providers, fetchFn, log),
    headersTimeoutMs: deps.headersTimeoutMs ?? 300_000,
    defaultMaxTokens: 8192,
  };
}

/**
 * The HTTP layer: the only module that knows Elysia. Auth, routing and error rendering live here;
 * what a request does lives in src/proxy.
 */
export function createApp(config: Config, deps: AppDeps = {}) {
  const log = deps.log ?? new Logger(config.logLevel);
  // Requests read the context through this holder, so a reload swaps it without touching live requests.
  const holder = { ctx: createContext(config, { ...deps, log }) };
  let stopPoolTasks = startPoolTasks(holder.ctx);
  // Counts what is in flight so a shutdown can wait for it, and end it in-band at the deadline.
  const lifecycle = createLifecycle();
  // idleTimeout bounds dead keep-alive sockets; generate routes lift it per request (server.timeout)
  // because a reasoning model may be silent for minutes.
  const app = new Elysia({ serve: { idleTimeout: 255, reusePort: false } })
    .onError(({ error, request, code }) => {
      const path = new URL(request.url).pathname;
      const protocol = protocolOf(path, request.headers);
      if (error instanceof ProxyError) return errorResponse(protocol, error.info);
      if (code === 'NOT_FOUND') {
        return errorResponse(protocol, { status: 404, kind: 'not_found', message: `no route for ${request.method} ${path}` });
      }
      if (code === 'PARSE') return errorResponse(protocol, { status: 400, kind: 'invalid_request', message: 'request body could not be parsed' });
      holder.ctx.log.error('unhandled error', { path, error: (error as Error)?.message ?? String(error) });
      return errorResponse(protocol, { status: 500, kind: 'api_error', message: 'internal proxy error' });
    })
    .get('/health', () =>
      lifecycle.draining
        ? Response.json({ status: 'shutting_down' }, { status: 503, headers: { connection: 'close' } })
        : health(holder.ctx),
    );

  for (const [method, path, handler, streaming] of ROUTES) {
    for (const mounted of [path, `/:provider${path}`]) {
      const route = async ({ request, params, server }: { request: Request; params?: Record<string, string>; server: unknown }) => {
        const ctx = holder.ctx;
        const url = new URL(request.url);
        const protocol = protocolOf(url.pathname, request.headers);
        if (lifecycle.draining) return lifecycle.refuse(protocol);
        const log = requestLogger(ctx.log, request, url.pathname);
        if (!keyMatches(presentedKey(request, url), ctx.config.apiKey)) {
          log({ status: 401, error: 'missing or invalid proxy key' });
          return errorResponse(protocol, {
            status: 401,
            kind: 'authentication',
            code: 'invalid_api_key',
            message: 'missing or invalid API key: send the proxy key as Authorization: Bearer, x-api-key, x-goog-api-key or ?key=',
          });
        }
        if (streaming) (server as { timeout?: (r: Request, s: number) => void } | null)?.timeout?.(request, 0);
        const p = params ?? {};
        try {
          return await lifecycle.track(protocol, url.pathname, async () =>
            handler(ctx, { request, prefix: p.provider, path: url.pathname, params: p, log }),
          );
        } catch (e) {
          if (e instanceof ClientGoneError) {
            log({ status: 499, error: 'client disconnected' });
            return new Response(null, { status: 499 });
          }
          if (e instanceof ProxyError) {
            log({ status: e.status, error: e.message });
            return errorResponse(protocol, e.info);
          }
          log({ status: 500, error: (e as Error)?.message ?? String(e) });
          return errorResponse(protocol, { status: 500, kind: 'api_error', message: 'internal proxy error' });
        }
      };
      if (method === 'GET') app.get(mounted, route);
      else app.post(mounted, route, { parse: 'none' });
    }
  }
  return Object.assign(app, {
    lifecycle,
    get context(): AppContext {
      return holder.ctx;
    },
    /** Serves new requests with a new configuration; requests in flight finish with the old one. */
    reload(next: Config): void {
      log.setLevel(next.logLevel);
      stopPoolTasks();
      holder.ctx = createContext(next, { ...deps, log }, holder.ctx);
      stopPoolTasks = startPoolTasks(holder.ctx);
    },
  });
}

export type App = ReturnType<typeof createApp>;
