/**
 * A strict in-process Gemini Code Assist API (cloudcode-pa, protocols.md §4). `url` is the bare origin,
 * as gemini.code_assist_base_url wants it; routes live under `/v1internal`.
 *
 * Routes: POST :loadCodeAssist, :onboardUser (a long-running operation), GET /v1internal/operations/{id}
 * (polled until done), POST :generateContent, :streamGenerateContent?alt=sse, :countTokens.
 * Auth: `Authorization: Bearer <token>` with a token the mock was told to accept (see `acceptToken`).
 * Generate bodies must be the envelope `{model, project, user_prompt_id?, request}` with the project
 * Google assigned; `request` is checked by the Gemini mock's rules, so only what Google accepts passes.
 */
import { randomId } from '../../../src/core/ids.ts';
import { isRecord } from '../../../src/util/json.ts';
import { googleError, htmlNotFound, invalidArgument, type MockHttpError } from './gemini-mock-errors.ts';
import { checkProto, GenerateContentRequest } from './gemini-mock-proto.ts';
import { estimateTokens, lastUserText, planReply, promptChars, renderResponse, type ReplyPlan } from './gemini-mock-reply.ts';
import { checkCountContents, checkGenerateRequest } from './gemini-mock-rules.ts';
import { heardText, jsonResponse, replyErrorResponse, SSE_HEADERS, sseBody, startMockShell, type MockResult, type StreamFrame } from './mock-util.ts';
import type { MockReply, MockServer } from './types.ts';

/**
 * Code Assist's own model ids. Gemini 3.5 Flash is `gemini-3-flash` here, and `gemini-3.5-flash` is unknown
 * (the Gemini CLI renames it on the way out: config/models.ts CCPA_AI_MODEL_MAPPINGS).
 */
export const CODE_ASSIST_MOCK_MODELS = ['gemini-2.5-pro', 'gemini-2.5-flash', 'gemini-2.5-flash-lite', 'gemini-3-flash', 'gemini-3-pro-preview', 'gemini-3-flash-preview'];

export interface CodeAssistMockOptions {
  /** The project Google assigned to the account. */
  project?: string;
  /** false: loadCodeAssist reports no currentTier, so the client must onboard. */
  onboarded?: boolean;
  /** The default tier offered to an account that is not onboarded; 'none': no tier is offered at all. */
  defaultTier?: 'free-tier' | 'standard-tier' | 'none';
  /** Operation polls before onboarding reports done. */
  onboardPolls?: number;
  /** An onboarded account Google gives no project (what ineligible accounts see). */
  withholdProject?: boolean;
  /** Reasons loadCodeAssist gives for tiers the account cannot have. */
  ineligibleTiers?: Array<{ reasonCode: string; reasonMessage: string; tierId?: string; validationUrl?: string }>;
}

export interface CodeAssistMock extends MockServer {
  project: string;
  /**
   * A token the mock accepts, of the account whose Code Assist project is `project` (default: the mock's
   * own). Each Google account has its own project: loadCodeAssist names the caller's, and generate calls
   * in another account's project are refused.
   */
  acceptToken(token: string, project?: string): void;
  /** The token stops working (as if revoked or expired server-side). */
  rejectToken(token: string): void;
  /** When set, loadCodeAssist answers with this error. */
  loadError?: MockHttpError;
  /** Whether the account has been onboarded (true after a finished onboarding). */
  onboarded: boolean;
}

const MID_STREAM_ERROR = googleError(503, 'The model is overloaded. Please try again later.');

/** A 429 the way Code Assist sends it when the daily quota is used up (protocols.md §4.6). */
export function codeAssistQuotaError(reason = 'QUOTA_EXHAUSTED', retryDelay = '68940s'): MockHttpError {
  return {
    status: 429,
    body: googleError(429, 'You have exhausted your capacity on this model. Your quota will reset after 19h9m0s.', [
      {
        '@type': 'type.googleapis.com/google.rpc.ErrorInfo',
        reason,
        domain: 'cloudcode-pa.googleapis.com',
        metadata: { uiMessage: 'true', model: 'gemini-2.5-pro', quotaResetDelay: '19h9m0s', quotaResetTimeStamp: '2026-11-27T02:19:00Z' },
      },
      { '@type': 'type.googleapis.com/google.rpc.RetryInfo', retryDelay },
    ]),
  };
}

/**
 * Google's own capacity running out for a model: a 429 like a quota error but with this reason, not the
 * account's quota (body as in google-gemini/gemini-cli#27548; the same reason also comes as 503 UNAVAILABLE, #23520).
 */
export function modelCapacityExhausted(model = 'gemini-2.5-pro', status: 429 | 503 = 429): MockHttpError {
  return {
    status,
    body: googleError(status, `No capacity available for model ${model} on the server`, [
      { '@type': 'type.googleapis.com/google.rpc.ErrorInfo', reason: 'MODEL_CAPACITY_EXHAUSTED', domain: 'cloudcode-pa.googleapis.com', metadata: { model } },
    ]),
  };
}

/** The permission error users of accounts without Code Assist access report. */
export function generateChatDenied(project: string): MockHttpError {
  return {
    status: 403,
    body: googleError(
      403,
      `Permission 'cloudaicompanion.companions.generateChat' denied on resource '//cloudaicompanion.googleapis.com/projects/${project}/locations/global' (or it may not exist).`,
      [
        {
          '@type': 'type.googleapis.com/google.rpc.ErrorInfo',
          reason: 'IAM_PERMISSION_DENIED',
          domain: 'cloudaicompanion.googleapis.com',
          metadata: { permission: 'cloudaicompanion.companions.generateChat', resource: `projects/${project}/locations/global` },
        },
      ],
    ),
  };
}

/**
 * The 403 Google sends when the account must be verified in a browser first (gemini-cli
 * googleQuotaErrors.ts classifyValidationRequiredError; body as users quote it, e.g.
 * lbjlaq/Antigravity-Manager#2362): the link is in a Help detail and in ErrorInfo metadata, not in the message.
 */
export function validationRequired(url = 'https://accounts.google.com/signin/continue?sarp=1&scc=1&plt=AKgnsbs-mock&flowName=GlifWebSignIn'): MockHttpError {
  return {
    status: 403,
    body: googleError(403, 'Verify your account to continue.', [
      {
        '@type': 'type.googleapis.com/google.rpc.ErrorInfo',
        reason: 'VALIDATION_REQUIRED',
        domain: 'cloudcode-pa.googleapis.com',
        metadata: {
          validation_error_message: 'Verify your account to continue.',
          validation_url_link_text: 'Verify your account',
          validation_url: url,
          validation_learn_more_link_text: 'Learn more',
          validation_learn_more_url: 'https://support.google.com/accounts?p=al_alert',
        },
      },
      {
        '@type': 'type.googleapis.com/google.rpc.Help',
        links: [
          { description: 'Verify your account', url },
          { description: 'Learn more', url: 'https://support.google.com/accounts?p=al_alert' },
        ],
      },
    ]),
  };
}

const unauthenticated = (message: string): MockHttpError => ({ status: 401, body: googleError(401, message) });
const asResponse = (e: MockHttpError): Response => replyErrorResponse({ status: e.status, body: e.body }, e.headers ?? {});
const result = (response: Response): MockResult => ({ response });

const ENVELOPE_FIELDS = new Set(['model', 'project', 'user_prompt_id', 'request', 'enabled_credit_types']);
const METADATA = { ideType: 'IDE_UNSPECIFIED', platform: 'PLATFORM_UNSPECIFIED', pluginType: 'GEMINI' };

export async function startCodeAssistMock(opts: CodeAssistMockOptions = {}): Promise<CodeAssistMock> {
  const project = opts.project ?? `wired-fiber-${randomId(5).toLowerCase()}`;
  /** Accepted token → the project of the account it belongs to. */
  const accepted = new Map<string, string>();
  /** Every account's project: one the caller has no rights on is refused as Google refuses it. */
  const projects = new Set([project]);
  const operations = new Map<string, number>();
  /** The project each onboarding of a tier in the user's own project was asked for. */
  const onboardedIn = new Map<string, string>();
  const issuedSignatures = new Set<string>();
  const defaultTier = opts.defaultTier ?? 'free-tier';

  function authError(headers: Record<string, string>): MockHttpError | undefined {
    const auth = headers.authorization;
    if (!auth) {
      return unauthenticated(
        'Request is missing required authentication credential. Expected OAuth 2 access token, login cookie or other valid authentication credential.',
      );
    }
    const token = /^Bearer (.+)$/.exec(auth)?.[1];
    if (!token || !accepted.has(token)) {
      return unauthenticated('Request had invalid authentication credentials. Expected OAuth 2 access token, login cookie or other valid authentication credential.');
    }
    return undefined;
  }

  const projectOf = (headers: Record<string, string>): string => accepted.get(/^Bearer (.+)$/.exec(headers.authorization ?? '')?.[1] ?? '') ?? project;

  function loadCodeAssist(body: unknown, account: string): Response {
    if (mock.loadError) return asResponse(mock.loadError);
    if (!isRecord(body) || !isRecord(body.metadata) || body.metadata.pluginType !== 'GEMINI') {
      return asResponse(invalidArgument('Invalid value at \'metadata.plugin_type\': expected GEMINI.'));
    }
    const allowedTiers =
      defaultTier === 'none'
        ? []
        : [
            { id: 'free-tier', name: 'Gemini Code Assist for individuals', isDefault: defaultTier === 'free-tier' },
            { id: 'standard-tier', name: 'Gemini Code Assist Standard', isDefault: defaultTier === 'standard-tier', userDefinedCloudaicompanionProject: true },
          ];
    const out: Record<string, unknown> = { allowedTiers };
    if (opts.ineligibleTiers) out.ineligibleTiers = opts.ineligibleTiers;
    if (mock.onboarded) {
      const tier = allowedTiers.find((t) => t.id === defaultTier);
      out.currentTier = { ...tier, hasOnboardedPreviously: true };
      // A tier in the user's own project names the one asked about; the free tier its managed one, whatever was asked.
      const asked = isRecord(body) && typeof body.cloudaicompanionProject === 'string' ? body.cloudaicompanionProject : undefined;
      if (!opts.withholdProject) out.cloudaicompanionProject = tier?.userDefinedCloudaicompanionProject && asked ? asked : account;
    }
    return jsonResponse(200, out);
  }

  function onboardUser(body: unknown): Response {
    if (!isRecord(body) || typeof body.tierId !== 'string') return asResponse(invalidArgument('tier_id is required.'));
    // What the Gemini CLI's setup warns about: the free tier picks its own project.
    if (body.tierId === 'free-tier' && body.cloudaicompanionProject !== undefined) {
      return asResponse({ status: 400, body: googleError(400, 'Precondition check failed.', undefined, 'FAILED_PRECONDITION') });
    }
    // Every other tier (standard, legacy) works in the user's own project.
    if (body.tierId !== 'free-tier' && typeof body.cloudaicompanionProject !== 'string') {
      return asResponse({ status: 400, body: googleError(400, 'Precondition check failed.', undefined, 'FAILED_PRECONDITION') });
    }
    const name = `operations/onboard-${randomId(10)}`;
    operations.set(name, opts.onboardPolls ?? 2);
    if (body.tierId !== 'free-tier') onboardedIn.set(name, body.cloudaicompanionProject as string);
    return jsonResponse(200, { name, done: false });
  }

  function operation(name: string): Response {
    const left = operations.get(name);
    if (left === undefined) return asResponse({ status: 404, body: googleError(404, 'Operation not found.') });
    if (left > 1) {
      operations.set(name, left - 1);
      return jsonResponse(200, { name, done: false });
    }
    operations.delete(name);
    mock.onboarded = true;
    return jsonResponse(200, {
      name,
      done: true,
      response: {
        '@type': 'type.googleapis.com/google.internal.cloud.code.v1internal.OnboardUserResponse',
        cloudaicompanionProject: { id: onboardedIn.get(name) ?? project, name: 'Gemini Code Assist project' },
      },
    });
  }

  /** The envelope's own rules; undefined when it is acceptable. */
  function envelopeError(body: unknown, account: string): MockHttpError | undefined {
    if (!isRecord(body)) return invalidArgument('Invalid JSON payload received. Root element must be a message.');
    const unknown = Object.keys(body).filter((k) => !ENVELOPE_FIELDS.has(k));
    if (unknown.length > 0) return invalidArgument(`Invalid JSON payload received. Unknown name "${unknown[0]}": Cannot find field.`);
    if (typeof body.model !== 'string' || body.model === '') return invalidArgument('model is required.');
    if (body.model.startsWith('models/')) return invalidArgument(`Invalid model name: ${body.model}.`);
    if (!isRecord(body.request)) return invalidArgument('request is required.');
    // Another account's project exists, but this caller has no rights on it (google-gemini/gemini-cli#16435).
    if (body.project !== account && projects.has(body.project as string)) return generateChatDenied(body.project as string);
    if (body.project !== account) {
      return { status: 403, body: googleError(403, `Permission denied on resource project ${String(body.project ?? '')}.`) };
    }
    if (!mock.onboarded) return { status: 403, body: googleError(403, 'The caller does not have permission') };
    if (!CODE_ASSIST_MOCK_MODELS.includes(body.model)) return { status: 404, body: googleError(404, 'Requested entity was not found.') };
    const violations = checkProto(body.request, GenerateContentRequest);
    if (violations.length > 0) return invalidArgument(violations.map((v) => v.description).join('\n'));
    return checkGenerateRequest(body.request, { model: body.model, issuedSignatures });
  }

  function generate(body: Record<string, unknown>, stream: boolean, reply: MockReply, settle: () => void, call: Parameters<typeof sseBody>[1]['call']): MockResult {
    const request = body.request as Record<string, unknown>;
    const model = body.model as string;
    const text = reply.text ?? (reply.toolCalls?.length ? '' : heardText('code-assist', [lastUserText(request)]));
    const plan: ReplyPlan = planReply({
      reply: { ...reply, text },
      body: request,
      model,
      issueSignature: () => {
        const s = Buffer.from(crypto.getRandomValues(new Uint8Array(32))).toString('base64');
        issuedSignatures.add(s);
        return s;
      },
      functionCallIds: false,
    });
    const traceId = randomId(16).toLowerCase();
    // Code Assist's inner response has no responseId (protocols.md §4.3); traceId is the only id.
    const render = (parts: ReplyPlan['parts'], final: boolean): Record<string, unknown> => {
      const { responseId: _, ...rest } = renderResponse(plan, parts, final);
      return rest;
    };
    if (!stream) {
      return { response: jsonResponse(200, { response: render(plan.parts, true), traceId }), headerDelayMs: reply.headerDelayMs };
    }
    const frames: StreamFrame[] = plan.chunks.map((parts, i) => ({
      text: `data: ${JSON.stringify({ response: render(parts, i === plan.chunks.length - 1), traceId })}\r\n\r\n`,
      kind: 'body',
      content: true,
    }));
    const errorFrame = `data: ${JSON.stringify(MID_STREAM_ERROR)}\r\n\r\n`;
    return {
      response: new Response(sseBody(frames, { reply, errorFrame, call, settle }), { headers: SSE_HEADERS }),
      headerDelayMs: reply.headerDelayMs,
      streaming: true,
    };
  }

  function countTokens(body: unknown): Response {
    if (!isRecord(body) || !isRecord(body.request)) return asResponse(invalidArgument('request is required.'));
    const extra = [...Object.keys(body).filter((k) => k !== 'request'), ...Object.keys(body.request).filter((k) => k !== 'model' && k !== 'contents')];
    if (extra.length > 0) return asResponse(invalidArgument(`Invalid JSON payload received. Unknown name "${extra[0]}": Cannot find field.`));
    const model = body.request.model;
    if (typeof model !== 'string' || !model.startsWith('models/')) return asResponse(invalidArgument('request.model must be models/{model}.'));
    if (!CODE_ASSIST_MOCK_MODELS.includes(model.slice('models/'.length))) return asResponse({ status: 404, body: googleError(404, 'Requested entity was not found.') });
    const contents = Array.isArray(body.request.contents) ? body.request.contents : [];
    const invalid = checkCountContents(contents, { model: model.slice(7), issuedSignatures });
    if (invalid) return asResponse(invalid);
    return jsonResponse(200, { totalTokens: estimateTokens(promptChars({ contents })) });
  }

  const shell = await startMockShell({
    key: '',
    baseUrl: (port) => `http://127.0.0.1:${port}`,
    handle({ url, req, headers, body, call, settle, takeReply }): MockResult {
      const action = /^\/v1internal:([A-Za-z]+)$/.exec(url.pathname)?.[1];
      const op = /^\/v1internal\/(operations\/[^/]+)$/.exec(url.pathname)?.[1];
      const known =
        (req.method === 'POST' && action !== undefined && ['loadCodeAssist', 'onboardUser', 'generateContent', 'streamGenerateContent', 'countTokens'].includes(action)) ||
        (req.method === 'GET' && op !== undefined);
      if (!known) return result(asResponse(htmlNotFound(url.pathname)));
      const denied = authError(headers);
      if (denied) return result(asResponse(denied));
      if (op) return result(operation(op));
      if (!(headers['content-type'] ?? '').startsWith('application/json')) return result(asResponse(invalidArgument('Invalid JSON payload received.')));
      switch (action) {
        case 'loadCodeAssist':
          return result(loadCodeAssist(body, projectOf(headers)));
        case 'onboardUser':
          return result(onboardUser(body));
        case 'countTokens':
          return result(countTokens(body));
      }
      const stream = action === 'streamGenerateContent';
      if (stream && url.searchParams.get('alt') !== 'sse') return result(asResponse(invalidArgument('This mock, like the Gemini CLI, streams only with alt=sse.')));
      const invalid = envelopeError(body, projectOf(headers));
      if (invalid) return result(asResponse(invalid));
      const reply = takeReply() ?? {};
      if (reply.error) return { response: replyErrorResponse(reply.error, {}), headerDelayMs: reply.headerDelayMs };
      return generate(body as Record<string, unknown>, stream, reply, settle, call);
    },
  });

  const mock: CodeAssistMock = Object.assign(shell, {
    project,
    onboarded: opts.onboarded ?? true,
    loadError: undefined as MockHttpError | undefined,
    acceptToken: (t: string, p = project) => {
      accepted.set(t, p);
      projects.add(p);
    },
    rejectToken: (t: string) => void accepted.delete(t),
  });
  return mock;
}

export { MID_STREAM_ERROR as CODE_ASSIST_MID_STREAM_ERROR };
