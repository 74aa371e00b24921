import { Elysia, NotFoundError } from 'elysia';
import { ProxyError, type ProxyErrorInfo } from '../core/errors.ts';
import { configSecrets } from '../config/secrets.ts';
import { assertNoSelfLoop } from '../config/self-loop.ts';
import type { Config } from '../config/types.ts';
import { ProxyMetrics } from '../metrics/proxy-metrics.ts';
import { createPools } from '../pool/build.ts';
import { representatives } from '../pool/representatives.ts';
import { aliasIndex } from '../routing/aliases.ts';
import { startPoolTasks } from '../pool/tasks.ts';
import type { AppContext } from '../proxy/context.ts';
import { errorResponse } from '../proxy/errors.ts';
import { createProviderEnv, type ProviderEnv } from '../providers/registry.ts';
import { ModelCatalog } from '../proxy/models.ts';
import type { Protocol } from '../protocols/types.ts';
import { withConnectTimeout } from '../upstream/connect-timeout.ts';
import { ClientGoneError } from '../upstream/fetch.ts';
import { Logger } from '../util/log.ts';
import { runInRequest, type RequestScope } from '../util/request-context.ts';
import { presentedKeys } from './auth.ts';
import { assertUnlimited, clientKeysFor, identifyClient } from './client-keys.ts';
import { browserGuard } from './browser-guard.ts';
import { corsHeaders, corsPolicy, preflight, type Cors } from './cors.ts';
import { createLifecycle, streamFormat } from './lifecycle.ts';
import { captureAnswer, promptSinkFor } from './prompt-log.ts';
import { protocolOf } from './protocol-of.ts';
import { requestIdOf, serverTiming, withHeaders } from './request-id.ts';
import { requestTarget } from './request-target.ts';
import { requestLogger } from './request-log.ts';
import { countTokens, messages } from './routes/anthropic.ts';
import { embeddings } from './routes/embeddings.ts';
import { modelAction } from './routes/gemini.ts';
import { health, pools } from './routes/health.ts';
import { metricsResponse } from './routes/metrics.ts';
import { listModels } from './routes/models.ts';
import { chatCompletions } from './routes/openai.ts';
import { responses, responsesInputTokens } from './routes/responses.ts';
import { responsesCompact } from './routes/responses-compact.ts';
import { responsesStored } from './routes/responses-stored.ts';
import type { RouteArgs } from './routes/types.ts';
import { systemPromptFor } from './system-prompt.ts';

export interface AppDeps {
  fetch?: typeof fetch;
  log?: Logger;
  headersTimeoutMs?: number;
}

type Handler = (ctx: AppContext, args: RouteArgs) => Promise<Response> | Response;

/** Routes under their plain path and under a provider prefix (`/<provider>/v1/...`). */
type Route = [method: 'GET' | 'POST' | 'DELETE', path: string, handler: Handler, streaming?: boolean];
const ROUTES: Route[] = [
  ['POST', '/v1/chat/completions', chatCompletions, true],
  ['POST', '/v1/responses', responses, true],
  ['POST', '/v1/responses/compact', responsesCompact],
  ['POST', '/v1/responses/input_tokens', responsesInputTokens],
  // OpenAI's store of responses, through openaiResponses-custom; a retrieve may stream (`?stream=true`).
  ['GET', '/v1/responses/:id', responsesStored, true],
  ['DELETE', '/v1/responses/:id', responsesStored],
  ['GET', '/v1/responses/:id/input_items', responsesStored],
  ['POST', '/v1/responses/:id/cancel', responsesStored],
  ['POST', '/v1/messages', messages, true],
  ['POST', '/v1/messages/count_tokens', countTokens],
  ['POST', '/v1/embeddings', embeddings],
  ['GET', '/v1/models', listModels],
  ['GET', '/v1/models/:model', listModels],
  ['POST', '/v1beta/models/:modelAction', modelAction, true],
  // @google/genai defaults to apiVersion v1; same handler.
  ['POST', '/v1/models/:modelAction', modelAction, true],
  // And with apiVersion '' (Roo Code's Gemini provider with a custom base URL) there is no version at all.
  ['POST', '/models/:modelAction', modelAction, true],
  // An id with its owner in it, as vLLM, SGLang and LM Studio name their models (Qwen/Qwen3-8B,
  // qwen/qwen3-coder-30b): @google/genai puts it in the path as it is, slash and all. (The router wants
  // the first segment's parameter named as in the routes above.)
  ['POST', '/v1beta/models/:modelAction/:ownedAction', modelAction, true],
  ['POST', '/v1/models/:modelAction/:ownedAction', modelAction, true],
  ['POST', '/models/:modelAction/:ownedAction', modelAction, true],
  ['GET', '/v1beta/models', listModels],
  ['GET', '/v1beta/models/:model', listModels],
  ['GET', '/v1/models/:model/:ownedModel', listModels],
  ['GET', '/v1beta/models/:model/:ownedModel', listModels],
  ['GET', '/pools', pools],
];

/** `env`: what the adapters built here share with the app (its logger; background work to stop later). */
export function createContext(config: Config, deps: AppDeps = {}, previous?: AppContext, env?: ProviderEnv): AppContext {
  const log = deps.log ?? new Logger(config.logLevel);
  // Every upstream call (generate, models, count, media) gets the connect timeout.
  const fetchFn = withConnectTimeout(deps.fetch ?? fetch, config.timeouts.connectMs);
  const pools = createPools(config, previous?.pools, env);
  const providers = representatives(pools);
  return {
    config,
    pools,
    providers,
    aliases: aliasIndex(pools, config.modelProviders),
    log,
    fetch: fetchFn,
    models: new ModelCatalog(providers, fetchFn, log),
    headersTimeoutMs: deps.headersTimeoutMs ?? config.timeouts.headersMs,
    defaultMaxTokens: 8192,
  };
}

/**
 * Each route path as a pattern (a provider prefix allowed), with its methods: for a 405 instead of a 404.
 * /health and /metrics are not mounted under a prefix, so theirs allows none.
 */
const ROUTE_PATTERNS: Array<[RegExp, string]> = [
  ...ROUTES.map(([method, path]): [RegExp, string] => [new RegExp(`^(?:/[^/]+)?${path.replace(/:[A-Za-z]+/g, '[^/]+')}$`), method]),
  [/^\/health$/, 'GET'],
  [/^\/metrics$/, 'GET'],
];

/** The fixed endpoint paths (`/v1/chat/completions`, `/v1/messages`…), for routeHint. */
const PLAIN_ROUTES = [...new Set(ROUTES.map(([, path]) => path).filter((path) => !path.includes(':') && path.startsWith('/v1/')))];

/**
 * What a path that matched no route most likely came from: a client base URL with a path of its own
 * (`/v1/messages/v1/messages`, the misconfiguration justlovemaki/AIClient2API#336 documents for Claude
 * Code), or an OpenAI client's base URL without its /v1 (`/chat/completions`).
 */
function routeHint(path: string): string {
  const route = PLAIN_ROUTES.filter((r) => path.endsWith(r) && path !== r).sort((a, b) => b.length - a.length)[0];
  if (route) {
    return `; the client's base URL already carries ${path.slice(0, -route.length)} before ${route}: give it the proxy's address (an OpenAI client: the address with /v1), or a provider prefix`;
  }
  if (PLAIN_ROUTES.includes(`/v1${path}`)) return `; did you mean /v1${path}? An OpenAI client's base URL ends in /v1`;
  return '';
}

function allowedMethods(path: string): string[] {
  return [...new Set(ROUTE_PATTERNS.filter(([re]) => re.test(path)).map(([, m]) => m))];
}

/** Twice the largest limits.max_body_bytes the settings accept (2^31 - 1), so compressed bodies too are ours to refuse. */
const BUN_BODY_BACKSTOP = 2 ** 32;

/** The origin of a request served again under a tidier path (see the 404 handler). */
const RETRY_ORIGIN = 'http://localhost';

/** Bun's idle timeout for a connection (its most): it reaps dead keep-alive sockets. */
const SERVER_IDLE_SECONDS = 255;

/** Longest request URL; Bun itself refuses a header block (URL included) over 16 KiB with a bare 431. */
const MAX_URL_LENGTH = 8192;

/**
 * Applies what a configuration says about the logger; throws ConfigError when its system prompt file is
 * unreadable, or when an upstream is this proxy (at `listening`, once it listens; see assertNoSelfLoop).
 */
function configure(log: Logger, config: Config, listening?: { host: string; port: number }): void {
  assertNoSelfLoop(config, listening);
  systemPromptFor(config);
  log.setLevel(config.logLevel);
  log.setFormat(config.logFormat);
  log.setSecrets(configSecrets(config));
  // After the logger takes this configuration: in its format and level, with its secrets blanked out.
  for (const w of config.warnings ?? []) log.warn(w);
  if (config.corsOrigin[0] === '*' && config.apiKeyIsDefault && config.apiKeys.length === 0) {
    log.warn('cors_origin is * and the proxy key is the public default: any web page you visit can use this proxy; set api_key');
  }
}

/**
 * The HTTP layer: the only module that knows Elysia. Auth, admission, request ids, logging and error
 * rendering live here; what a request does lives in src/proxy.
 */
export function createApp(config: Config, deps: AppDeps = {}) {
  const log = deps.log ?? new Logger(config.logLevel);
  configure(log, config);
  // Requests read the context through this holder, so a reload swaps it without touching live requests.
  // `cors` is undefined when CORS is off, so a request pays one property check for it.
  let providerEnv = createProviderEnv(log);
  const holder: { ctx: AppContext; cors: Cors | undefined; guard: ReturnType<typeof browserGuard> } = {
    ctx: createContext(config, { ...deps, log }, undefined, providerEnv),
    cors: corsPolicy(config.corsOrigin),
    guard: browserGuard(config),
  };
  const corsFor = (request: Request) => (holder.cors ? corsHeaders(holder.cors, request) : undefined);
  const withCors = (request: Request, res: Response): Response => {
    const cors = corsFor(request);
    return cors ? withHeaders(res, cors) : res;
  };
  let stopPoolTasks = startPoolTasks(holder.ctx);
  // Counts what is in flight so a shutdown can wait for it, and end it in-band at the deadline.
  const lifecycle = createLifecycle();
  // Per process, not per configuration: a reload keeps the counts.
  const metrics = new ProxyMetrics({
    inFlight: () => lifecycle.inFlight,
    *members() {
      for (const [provider, pool] of holder.ctx.pools) {
        for (const m of pool.members) {
          yield { provider, member: m.name, healthy: !m.spec.disabled && m.state.health === 'healthy', inflight: m.inflight };
        }
      }
    },
  });
  // idleTimeout bounds dead keep-alive sockets; streaming routes lift it per request (server.timeout)
  // once the client's body is read. Bun's own body limit is set above anything
  // limits.max_body_bytes may say, now or after a reload: ours answers first, in the client's protocol,
  // refusing a declared length before reading and counting the rest as it arrives (Bun never holds a
  // body whole for us), where Bun's would be a bare 413 with no body.
  const healthRoute = ({ request }: { request: Request }): Response =>
    withCors(
      request,
      lifecycle.draining
        ? Response.json({ status: 'shutting_down' }, { status: 503, headers: { connection: 'close' } })
        : health(holder.ctx),
    );
  /** A request served again under a tidier path → the one Bun handed over (its connection's). */
  const retried = new WeakMap<Request, Request>();
  /** The answer to whatever a route did not answer itself: Elysia's NOT_FOUND and PARSE, errors thrown. */
  const renderError = (error: unknown, request: Request, code: unknown): Response | Promise<Response> => {
    const { path, query } = requestTarget(request.url);
    const protocol = protocolOf(path, request.headers, query);
    const id = { 'x-request-id': requestIdOf(request) };
    const cors = corsFor(request);
    if (error instanceof ProxyError) return withHeaders(errorResponse(protocol, error.info), id, cors);
    if (code === 'NOT_FOUND') {
      const allowed = allowedMethods(path);
      if (allowed.length > 0 && !allowed.includes(request.method)) {
        const message = `${request.method} is not allowed on ${path}; use ${allowed.join(' or ')}`;
        return withHeaders(errorResponse(protocol, { status: 405, kind: 'invalid_request', message }), { ...id, allow: allowed.join(', ') }, cors);
      }
      // A base URL given with a trailing slash, which the client joins to "/chat/completions" as it is
      // (sigoden/aichat#767): the empty segment is all that is wrong, so the path without it is served.
      const tidy = path.includes('//') ? path.replace(/\/{2,}/g, '/') : path;
      if (tidy !== path && allowedMethods(tidy).includes(request.method)) {
        // A fixed origin: Elysia's router looks for the path from the URL's 11th character, so a short
        // Host ("x", "llm") would hide the first segment; the route reads nothing of the origin.
        const again = new Request(`${RETRY_ORIGIN}${tidy}${query ? `?${query}` : ''}`, request);
        retried.set(again, request);
        // The app exists by the time an error is rendered.
        return app.handle(again);
      }
      return withHeaders(errorResponse(protocol, { status: 404, kind: 'not_found', message: `no route for ${request.method} ${path}${routeHint(path)}` }), id, cors);
    }
    if (code === 'PARSE') return withHeaders(errorResponse(protocol, { status: 400, kind: 'invalid_request', message: 'request body could not be parsed' }), id, cors);
    holder.ctx.log.error('unhandled error', { path, error: (error as Error)?.message ?? String(error) });
    return withHeaders(errorResponse(protocol, { status: 500, kind: 'api_error', message: 'internal proxy error' }), id, cors);
  };
  const app = new Elysia({ serve: { idleTimeout: SERVER_IDLE_SECONDS, reusePort: false, maxRequestBodySize: BUN_BODY_BACKSTOP } })
    // Elysia reads the source of each handler and hook when it compiles a route (its Sucrose inference);
    // the bodies live in functions of their own so that reading stays short (past a threshold its
    // character loop reached JavaScriptCore's optimizing compiler, whose code then stayed mapped: +2.3 MB
    // idle RSS).
    .onError(({ error, request, code }) => renderError(error, request, code))
    .get('/health', healthRoute)
    // Uptime monitors and load balancers probe the base URL they were given (often with HEAD, which Bun
    // answers from the GET route): the root answers as /health does rather than 404.
    .get('/', healthRoute)
    .get('/metrics', ({ request }) => {
      const caller = identifyClient(clientKeysFor(holder.ctx.config), presentedKeys(request, requestTarget(request.url).query));
      if (!caller) return withCors(request, unauthorized('openai'));
      assertUnlimited(caller, '/metrics');
      return withCors(request, metricsResponse(metrics));
    })
    // CORS preflights, before authentication (a browser never sends the key on one). A route rather than
    // an onRequest hook: a hook would run on every request, CORS off or not, and take Elysia's routes off
    // their compiled fast path. Without CORS, or for an OPTIONS that is not a preflight: the 405/404 of
    // any unrouted method, as before.
    .options(
      '/*',
      ({ request }) => {
        const answer = holder.cors && preflight(holder.cors, request);
        if (!answer) throw new NotFoundError();
        return answer;
      },
      { parse: 'none' },
    );

  /** One request on a route of ROUTES: the checks every route shares, then its handler, tracked and logged. */
  const serveRoute = async (route: Route, request: Request, params: Record<string, string> | undefined, server: unknown): Promise<Response> => {
    const method = route[0];
    const handler = route[2];
    const streaming = route[3];
    const ctx = holder.ctx;
    const url = requestTarget(request.url);
    const protocol = protocolOf(url.path, request.headers, url.query);
    const id = requestIdOf(request);
    const idHeader = { 'x-request-id': id };
    const cors = corsFor(request);
    if (lifecycle.draining) return withHeaders(lifecycle.refuse(protocol), idHeader, cors);
    const tracker = requestLogger(ctx.log, request, url.path, { id, protocol, metrics });
    const fail = (info: ProxyErrorInfo): Response => {
      tracker.log({ status: info.status, error: info.message });
      return withHeaders(errorResponse(protocol, info), idHeader, cors);
    };
    if (request.url.length > MAX_URL_LENGTH) {
      return fail({ status: 414, kind: 'invalid_request', message: `request URL is longer than ${MAX_URL_LENGTH} characters` });
    }
    const refusal = holder.guard?.(request, holder.cors);
    if (refusal) return fail({ status: 403, kind: 'permission', message: refusal });
    const caller = identifyClient(clientKeysFor(ctx.config), presentedKeys(request, url.query));
    if (!caller) {
      tracker.log({ status: 401, error: 'missing or invalid proxy key' });
      return withHeaders(unauthorized(protocol), idHeader, cors);
    }
    tracker.setCaller(caller.name);
    const max = ctx.config.maxInflight;
    if (max > 0 && lifecycle.inFlight >= max) {
      return fail({
        status: 503,
        kind: 'overloaded',
        message: `aiproxy is serving its maximum of ${max} requests at once (max_inflight); retry shortly`,
        retryAfter: 1,
      });
    }
    // A streaming route lifts Bun's idle timeout (a reasoning model may be silent for minutes), but only
    // once the client's body is in (bodyRead): until then a silence of timeouts.idle_ms (whole seconds,
    // at most Bun's 255) closes the connection, so a client that stops sending its body halfway (gone
    // without a FIN, or a slowloris) does not hold a max_inflight slot, and a shutdown's wait, for good.
    // Once the answer is over the timeout is put back: Bun keeps a lifted one for the rest of the
    // connection's life, so a keep-alive connection that had served a stream was never reaped once
    // idle (a client gone without a FIN). Put back after the response went out, it is ignored.
    let bodyRead: (() => void) | undefined;
    let answered: (() => void) | undefined;
    if (streaming) {
      const srv = server as { timeout?: (r: Request, s: number) => void } | null;
      // Bun times the connection of the request it handed over; one served again under a tidier path is not it.
      const own = retried.get(request) ?? request;
      const idleMs = ctx.config.timeouts.idleMs;
      const bodySeconds = method === 'GET' || idleMs <= 0 ? 0 : Math.min(SERVER_IDLE_SECONDS, Math.ceil(idleMs / 1000));
      if (bodySeconds !== SERVER_IDLE_SECONDS) srv?.timeout?.(own, bodySeconds);
      if (bodySeconds !== 0) bodyRead = () => srv?.timeout?.(own, 0);
      answered = () => srv?.timeout?.(own, SERVER_IDLE_SECONDS);
    }
    const p = params ?? {};
    const scope: RequestScope = { id, upstreamMs: 0 };
    try {
      const res = await runInRequest(scope, () =>
        lifecycle.track(
          protocol,
          url.path,
          async () => {
            const res = await handler(ctx, { request, prefix: p.provider, path: url.path, params: p, log: tracker.log, caller, bodyRead });
            return scope.prompt ? logPrompt(ctx, res, protocol, url.path, id, scope.prompt) : res;
          },
          tracker.firstByte,
          answered,
        ),
      );
      // A stream's overhead is spread over its life; only a whole response gets the header.
      // nginx buffers a proxied response by default (proxy_buffering on), holding a stream's events and
      // keep-alives until kilobytes pile up; this header turns that off for the stream alone, as
      // streaming servers behind nginx do (mostlygeek/llama-swap#236, ggml-org/llama.cpp#20872).
      if (streamFormat(res, url.path)) return withHeaders(res, { 'x-request-id': id, 'x-accel-buffering': 'no' }, cors);
      return withHeaders(res, { 'x-request-id': id, 'server-timing': serverTiming(tracker.elapsed(), scope.upstreamMs) }, cors);
    } catch (e) {
      // Also whatever failed because the client left (a token count's body read cut short): a 499, out
      // of the 5xx an operator watches (Kilo-Org/cloud#4795).
      if (e instanceof ClientGoneError || request.signal.aborted) {
        tracker.log({ status: 499, error: 'client disconnected' });
        return new Response(null, { status: 499 });
      }
      if (e instanceof ProxyError) return fail(e.info);
      return fail({ status: 500, kind: 'api_error', message: 'internal proxy error' });
    }
  };
  for (const route of ROUTES) {
    // One line for Elysia to read (see onError above).
    const serve = ({ request, params, server }: { request: Request; params?: Record<string, string>; server: unknown }) => serveRoute(route, request, params, server);
    for (const mounted of [route[1], `/:provider${route[1]}`]) {
      if (route[0] === 'GET') app.get(mounted, serve);
      else if (route[0] === 'DELETE') app.delete(mounted, serve, { parse: 'none' });
      else app.post(mounted, serve, { parse: 'none' });
    }
  }
  const extended = Object.assign(app, {
    lifecycle,
    metrics,
    /** Serves new requests with a new configuration; requests in flight finish with the old one. */
    reload(next: Config): void {
      // The address Bun listens on: what port 0 became, and the host and port of start-up whatever `next` says.
      const server = app.server;
      configure(log, next, server?.hostname && server.port ? { host: server.hostname, port: server.port } : undefined);
      stopPoolTasks();
      const env = createProviderEnv(log);
      try {
        holder.ctx = createContext(next, { ...deps, log }, holder.ctx, env);
      } catch (e) {
        env.release();
        throw e;
      }
      holder.cors = corsPolicy(next.corsOrigin);
      holder.guard = browserGuard(next);
      stopPoolTasks = startPoolTasks(holder.ctx);
      // After the new configuration took what it keeps: only what the old one alone used stops.
      providerEnv.release();
      providerEnv = env;
    },
  });
  // A stopped app must not leave token refreshes, health checks or state saves running (tests and
  // embedders start and stop apps in one process).
  app.onStop(() => {
    stopPoolTasks();
    providerEnv.release();
  });
  // A getter, not a value: Object.assign would copy the context of start-up, and after a reload the
  // signal handlers would compare with, and shut down by, a configuration no longer served.
  return Object.defineProperty(extended, 'context', { get: (): AppContext => holder.ctx, enumerable: true }) as typeof extended & {
    readonly context: AppContext;
  };
}

/** With --log-prompts: the response, its answer collected for the prompt log on the way out. */
function logPrompt(ctx: AppContext, res: Response, protocol: Protocol, path: string, rid: string, prompt: { text: string; model: string }): Response {
  const sink = promptSinkFor(ctx.config, ctx.log);
  if (!sink) return res;
  return captureAnswer(res, protocol, streamFormat(res, path), (answer) => sink({ rid, protocol, model: prompt.model, prompt: prompt.text, answer }));
}

function unauthorized(protocol: Protocol): Response {
  return errorResponse(protocol, {
    status: 401,
    kind: 'authentication',
    code: 'invalid_api_key',
    message: 'missing or invalid API key: send the proxy key as Authorization: Bearer, x-api-key, x-goog-api-key or ?key=',
  });
}

export type App = ReturnType<typeof createApp>;
