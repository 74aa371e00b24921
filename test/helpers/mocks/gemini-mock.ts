/**
 * A strict in-process Gemini API (AI Studio) upstream. `url` is the bare origin
 * (`http://127.0.0.1:<port>`); the proxy appends `/v1beta/models/{model}:generateContent` etc.
 *
 * Routes: POST :generateContent, :streamGenerateContent (`?alt=sse` → SSE, else one JSON array
 * streamed incrementally), :countTokens, :embedContent and :batchEmbedContents (gemini-embedding-*
 * models only, gemini-mock-embeddings.ts); GET /v1beta/models and /v1beta/models/{model}.
 * Auth: `x-goog-api-key` header or `?key=`. Requests are rejected the way Google rejects them
 * (gemini-mock-proto.ts for proto shape, gemini-mock-rules.ts for the rest).
 */
import { randomId } from '../../../src/core/ids.ts';
import { isRecord, tryParseJson } from '../../../src/util/json.ts';
import type { MockReply, MockServer, RecordedCall } from './types.ts';
import {
  apiKeyInvalid,
  badRequestViolations,
  htmlNotFound,
  invalidOAuthToken,
  modelNotFound,
  unregisteredCaller,
  type MockHttpError,
} from './gemini-mock-errors.ts';
import {
  checkBatchEmbedContents,
  checkEmbedContent,
  isGeminiEmbeddingModel,
  renderBatchEmbedContents,
  renderEmbedContent,
} from './gemini-mock-embeddings.ts';
import {
  BatchEmbedContentsRequest,
  CountTokensRequest,
  EmbedContentRequest,
  GenerateContentRequest,
  checkProto,
  type MessageDesc,
} from './gemini-mock-proto.ts';
import { checkCountContents, checkGenerateRequest, field, list, type RuleContext } from './gemini-mock-rules.ts';
import { estimateTokens, planReply, promptChars, renderResponse, type ReplyPlan } from './gemini-mock-reply.ts';
import { sleep, streamBody, streamFrames, type StreamSettings } from './gemini-mock-stream.ts';

export { geminiQuotaError, googleError, MID_STREAM_ERROR } from './gemini-mock-errors.ts';
export { SKIP_SIGNATURE } from './gemini-mock-rules.ts';
export { GEMINI_MOCK_EMBEDDING_DIMS, geminiMockEmbedding } from './gemini-mock-embeddings.ts';

export interface GeminiMockOptions {
  /** The API key to accept; default a random `AIzaSy…` key. */
  key?: string;
  /** Event separator for `?alt=sse` streams: `lf` (`\n\n`, default) or `crlf` (`\r\n\r\n`, seen from Google front ends). */
  sseLineEnding?: 'lf' | 'crlf';
  /** Put an `id` on each returned functionCall (newer models may); default off, the Gemini 2.x shape. */
  functionCallIds?: boolean;
}

export interface GeminiMock extends MockServer {
  /** Every thoughtSignature this mock handed out; Gemini 3 requests must bring these back. */
  issuedSignatures: Set<string>;
}

type Outcome =
  | { kind: 'error'; error: MockHttpError; reply?: MockReply }
  | { kind: 'json'; body: unknown; reply?: MockReply }
  | { kind: 'generate'; plan: ReplyPlan; reply: MockReply; stream?: StreamSettings };

const ROUTE_ACTION = /^\/v1beta\/models\/([^/:]+):([A-Za-z]+)$/;
const ROUTE_MODEL = /^\/v1beta\/models\/([^/:]+)$/;
const JSON_TYPE = 'application/json; charset=UTF-8';
const WAIT_LIMIT_MS = 30_000;

const isKnownModel = (model: string): boolean => model.startsWith('gemini-') || model.startsWith('gemma-');
const EMBED_METHODS = ['embedContent', 'batchEmbedContents'];
const POST_METHODS = ['generateContent', 'streamGenerateContent', 'countTokens', ...EMBED_METHODS];
/** Embedding models serve only the embed methods, and generation models never do (Google answers 404). */
const servesMethod = (model: string, method: string): boolean =>
  EMBED_METHODS.includes(method) ? isGeminiEmbeddingModel(model) : isKnownModel(model) && !isGeminiEmbeddingModel(model);

function bodyDesc(method: string): MessageDesc {
  if (method === 'countTokens') return CountTokensRequest;
  if (method === 'embedContent') return EmbedContentRequest;
  if (method === 'batchEmbedContents') return BatchEmbedContentsRequest;
  return GenerateContentRequest;
}

/** A malformed escape is just an unknown model name, not a crash. */
function decodePathSegment(segment: string): string {
  try {
    return decodeURIComponent(segment);
  } catch {
    return segment;
  }
}

export async function startGeminiMock(opts: GeminiMockOptions = {}): Promise<GeminiMock> {
  const key = opts.key ?? `AIzaSy${randomId(33)}`;
  const calls: RecordedCall[] = [];
  const replies: MockReply[] = [];
  const issuedSignatures = new Set<string>();
  const lineEnding = opts.sseLineEnding ?? 'lf';

  const issueSignature = (): string => {
    const signature = Buffer.from(crypto.getRandomValues(new Uint8Array(48))).toString('base64');
    issuedSignatures.add(signature);
    return signature;
  };

  function authError(req: Request, url: URL): MockHttpError | undefined {
    const given = req.headers.get('x-goog-api-key') ?? url.searchParams.get('key');
    if (given === null) return req.headers.has('authorization') ? invalidOAuthToken() : unregisteredCaller();
    return given === key ? undefined : apiKeyInvalid();
  }

  function route(req: Request, url: URL, rawBody: string): Outcome {
    const action = ROUTE_ACTION.exec(url.pathname);
    const modelPath = ROUTE_MODEL.exec(url.pathname);
    const isList = url.pathname === '/v1beta/models';
    const known =
      (action && req.method === 'POST' && POST_METHODS.includes(action[2] ?? '')) ||
      ((isList || modelPath) && req.method === 'GET');
    if (!known) return { kind: 'error', error: htmlNotFound(url.pathname) };
    const denied = authError(req, url);
    if (denied) return { kind: 'error', error: denied };

    if (isList) return { kind: 'json', body: listModels(url) };
    if (modelPath) {
      const model = decodePathSegment(modelPath[1] ?? '');
      return isKnownModel(model) ? { kind: 'json', body: modelInfo(model) } : { kind: 'error', error: modelNotFound(model, 'get') };
    }
    const model = decodePathSegment(action?.[1] ?? '');
    const method = action?.[2] ?? '';
    const parsed = parseBody(rawBody, bodyDesc(method));
    if ('error' in parsed) return { kind: 'error', error: parsed.error };
    if (!servesMethod(model, method)) return { kind: 'error', error: modelNotFound(model, method) };
    if (EMBED_METHODS.includes(method)) return embed(parsed.body, model, method);
    const ctx: RuleContext = { model, issuedSignatures };

    if (method === 'countTokens') return countTokens(parsed.body, ctx);
    const invalid = checkGenerateRequest(parsed.body, ctx);
    if (invalid) return { kind: 'error', error: invalid };
    const reply = replies.shift() ?? {};
    if (reply.error) return { kind: 'error', error: reply.error, reply };
    const plan = planReply({ reply, body: parsed.body, model, issueSignature, functionCallIds: opts.functionCallIds === true });
    const stream: StreamSettings | undefined =
      method === 'streamGenerateContent'
        ? { format: url.searchParams.get('alt') === 'sse' ? 'sse' : 'json-array', lineEnding }
        : undefined;
    return { kind: 'generate', plan, reply, stream };
  }

  /** An embed method: checked, then the next queued reply's `error` / `headerDelayMs`, then the vectors. */
  function embed(body: Record<string, unknown>, model: string, method: string): Outcome {
    const invalid = method === 'embedContent' ? checkEmbedContent(body) : checkBatchEmbedContents(body, model);
    if (invalid) return { kind: 'error', error: invalid };
    const reply = replies.shift() ?? {};
    if (reply.error) return { kind: 'error', error: reply.error, reply };
    return { kind: 'json', body: method === 'embedContent' ? renderEmbedContent(body) : renderBatchEmbedContents(body), reply };
  }

  async function handle(req: Request): Promise<Response> {
    const url = new URL(req.url);
    const rawBody = req.method === 'GET' || req.method === 'HEAD' ? '' : await req.text();
    const call: RecordedCall = {
      method: req.method,
      url: url.pathname + url.search,
      headers: Object.fromEntries(req.headers.entries()),
      body: rawBody === '' ? undefined : tryParseJson(rawBody),
      text: rawBody,
      status: 0,
      aborted: false,
    };
    const outcome = route(req, url, rawBody);
    const isSse = url.searchParams.get('alt') === 'sse';
    call.status = outcome.kind === 'error' ? outcome.error.status : 200;
    calls.push(call);

    const reply = outcome.reply;
    if (reply?.headerDelayMs) {
      await sleep(reply.headerDelayMs, req.signal);
      if (req.signal.aborted) call.aborted = true;
    }
    switch (outcome.kind) {
      case 'error':
        return errorResponse(outcome.error, isSse);
      case 'json':
        return new Response(JSON.stringify(outcome.body, null, 2), { headers: { 'content-type': JSON_TYPE } });
      case 'generate': {
        const { plan, stream } = outcome;
        if (!stream) {
          return new Response(JSON.stringify(renderResponse(plan, plan.parts, true), null, 2), {
            headers: { 'content-type': JSON_TYPE },
          });
        }
        const frames = streamFrames(plan, outcome.reply, stream);
        return new Response(streamBody(frames, outcome.reply, call, req.signal), {
          headers: {
            'content-type': stream.format === 'sse' ? 'text/event-stream' : JSON_TYPE,
            'x-content-type-options': 'nosniff',
          },
        });
      }
    }
  }

  const server = Bun.serve({ hostname: '127.0.0.1', port: 0, idleTimeout: 30, fetch: handle });

  return {
    url: `http://127.0.0.1:${server.port}`,
    key,
    calls,
    issuedSignatures,
    queue(...r: MockReply[]) {
      replies.push(...r);
    },
    async waitForCalls(n: number, timeoutMs = 2000) {
      const deadline = Date.now() + Math.min(timeoutMs, WAIT_LIMIT_MS);
      while (calls.length < n) {
        if (Date.now() >= deadline) throw new Error(`gemini mock: waited ${timeoutMs}ms for ${n} calls, saw ${calls.length}`);
        await Bun.sleep(5);
      }
    },
    // Issued signatures survive a reset: like Google's, they stay valid for later turns.
    reset() {
      calls.length = 0;
      replies.length = 0;
    },
    async stop() {
      await server.stop(true);
    },
  };
}

function parseBody(rawBody: string, desc: MessageDesc): { body: Record<string, unknown> } | { error: MockHttpError } {
  // An empty POST body is an empty message to Google, which then fails on its required fields.
  const parsed: unknown = rawBody.trim() === '' ? {} : tryParseJson(rawBody);
  if (parsed === undefined) return { error: badRequestViolations([{ description: 'Invalid JSON payload received. Unexpected token.' }]) };
  if (!isRecord(parsed)) {
    return { error: badRequestViolations([{ description: 'Invalid JSON payload received. Root element must be a message.' }]) };
  }
  const violations = checkProto(parsed, desc);
  return violations.length > 0 ? { error: badRequestViolations(violations) } : { body: parsed };
}

function countTokens(body: Record<string, unknown>, ctx: RuleContext): Outcome {
  const inner = field(body, 'generateContentRequest');
  // The wrapped request's model is the one counted (Google requires it: googleapis/python-genai#432).
  // GUESSED: one Google does not have is refused as an unknown model in the URL is.
  const named = isRecord(inner) ? field(inner, 'model') : undefined;
  if (typeof named === 'string' && !servesMethod(named.replace(/^models\//, ''), 'countTokens')) {
    return { kind: 'error', error: modelNotFound(named.replace(/^models\//, ''), 'countTokens') };
  }
  const request = isRecord(inner) ? inner : { contents: list(field(body, 'contents')) };
  const invalid = isRecord(inner)
    ? checkGenerateRequest(inner, ctx, 'CountTokensRequest.generate_content_request')
    : checkCountContents(list(field(body, 'contents')), ctx);
  if (invalid) return { kind: 'error', error: invalid };
  const totalTokens = estimateTokens(promptChars(request));
  return { kind: 'json', body: { totalTokens, promptTokensDetails: [{ modality: 'TEXT', tokenCount: totalTokens }] } };
}

function errorResponse(error: MockHttpError, sse: boolean): Response {
  const text = typeof error.body === 'string' ? error.body : JSON.stringify(error.body, null, 2);
  // A recorded real 404 on `?alt=sse` came back labelled text/event-stream with a plain JSON body.
  const headers: Record<string, string> = { 'content-type': sse ? 'text/event-stream' : JSON_TYPE, ...error.headers };
  return new Response(text, { status: error.status, headers });
}

interface ModelEntry {
  id: string;
  displayName: string;
  inputTokenLimit: number;
  outputTokenLimit: number;
  thinking: boolean;
}

const MODELS: readonly ModelEntry[] = [
  { id: 'gemini-2.5-flash', displayName: 'Gemini 2.5 Flash', inputTokenLimit: 1048576, outputTokenLimit: 65536, thinking: true },
  { id: 'gemini-2.5-pro', displayName: 'Gemini 2.5 Pro', inputTokenLimit: 1048576, outputTokenLimit: 65536, thinking: true },
  { id: 'gemini-2.5-flash-lite', displayName: 'Gemini 2.5 Flash-Lite', inputTokenLimit: 1048576, outputTokenLimit: 65536, thinking: true },
  { id: 'gemini-3-pro-preview', displayName: 'Gemini 3 Pro Preview', inputTokenLimit: 1048576, outputTokenLimit: 65536, thinking: true },
  { id: 'gemini-3-flash-preview', displayName: 'Gemini 3 Flash Preview', inputTokenLimit: 1048576, outputTokenLimit: 65536, thinking: true },
  { id: 'gemma-3-27b-it', displayName: 'Gemma 3 27B', inputTokenLimit: 131072, outputTokenLimit: 8192, thinking: false },
];

const LISTED_EMBEDDING_MODELS = ['gemini-embedding-001'];

function modelInfo(id: string): Record<string, unknown> {
  if (isGeminiEmbeddingModel(id)) {
    return {
      name: `models/${id}`,
      version: '001',
      displayName: id,
      description: `${id} (mock)`,
      inputTokenLimit: 2048,
      outputTokenLimit: 1,
      supportedGenerationMethods: ['embedContent'],
    };
  }
  const entry = MODELS.find((m) => m.id === id) ?? {
    id,
    displayName: id,
    inputTokenLimit: 1048576,
    outputTokenLimit: 65536,
    thinking: id.startsWith('gemini-'),
  };
  return {
    name: `models/${entry.id}`,
    baseModelId: entry.id,
    version: '001',
    displayName: entry.displayName,
    description: `${entry.displayName} (mock)`,
    inputTokenLimit: entry.inputTokenLimit,
    outputTokenLimit: entry.outputTokenLimit,
    supportedGenerationMethods: ['generateContent', 'countTokens', 'createCachedContent', 'batchGenerateContent'],
    temperature: 1,
    topP: 0.95,
    topK: 64,
    maxTemperature: 2,
    thinking: entry.thinking,
  };
}

/** `?pageSize=&pageToken=` paging; the token is opaque to clients (here: the next offset). */
function listModels(url: URL): Record<string, unknown> {
  const size = Math.min(Math.max(Number(url.searchParams.get('pageSize')) || 50, 1), 1000);
  const token = url.searchParams.get('pageToken');
  const offset = token ? Number(Buffer.from(token, 'base64').toString('utf8')) || 0 : 0;
  // Google lists its embedding models too, with supportedGenerationMethods ['embedContent', …].
  const ids = [...MODELS.map((m) => m.id), ...LISTED_EMBEDDING_MODELS];
  const page = ids.slice(offset, offset + size).map((id) => modelInfo(id));
  const next = offset + size;
  return next < ids.length
    ? { models: page, nextPageToken: Buffer.from(String(next)).toString('base64') }
    : { models: page };
}
