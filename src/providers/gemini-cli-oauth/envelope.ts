import { badRequest } from '../../core/errors.ts';
import { randomId } from '../../core/ids.ts';
import { wrappedCountRequest } from '../../protocols/gemini/count-tokens.ts';
import { asList } from '../../protocols/gemini/normalize.ts';
import { isRecord, tryParseJson, type JsonObject } from '../../util/json.ts';
import type { RequestBody } from '../types.ts';

/** Code Assist names models bare (`gemini-2.5-pro`) in generate calls; clients may send `models/…`. */
export const bareModel = (model: string): string => model.replace(/^models\//, '');

function parseObject(bodyText: string): JsonObject {
  const body = tryParseJson(bodyText);
  if (!isRecord(body)) throw badRequest('the request body must be a JSON object');
  return body;
}

/**
 * A generateContent body → Code Assist's envelope (protocols.md §4.2). The body goes in as it is, parts
 * and media bytes untouched and never re-serialised or parsed again: it is exactly one JSON object (the
 * adapter contract, see ProviderAdapter.generate), so it cannot smuggle envelope fields of its own.
 * `user_prompt_id` is what the Gemini CLI sends to tie the calls of one prompt together; each proxied
 * request is its own prompt.
 */
export function wrapGenerateRequest(model: string, project: string, body: RequestBody): RequestBody {
  const head = JSON.stringify({ model: bareModel(model), project, user_prompt_id: randomId(16) });
  const open = `${head.slice(0, -1)},"request":`;
  if (typeof body === 'string') return `${open}${body}}`;
  return Buffer.concat([Buffer.from(open), body, CLOSE]);
}

const CLOSE = Buffer.from('}');

/**
 * `{response, traceId}` → the GenerateContentResponse inside, for a whole body and each stream message
 * (protocols.md §4.3). A missing `response` is an answer with no candidates; an in-band error (object or
 * Google's array-wrapped form) passes through for the Gemini decoder to report.
 */
export function unwrapResponse(json: unknown): unknown {
  if (!isRecord(json)) return json;
  if ('error' in json && !('response' in json)) return json;
  const response = isRecord(json.response) ? json.response : {};
  // The Gemini CLI does the same: traceId is the only id Code Assist gives an answer.
  if (response.responseId === undefined && typeof json.traceId === 'string') response.responseId = json.traceId;
  return response;
}

/**
 * A Gemini countTokens body (`{contents}` or `{generateContentRequest}`) → Code Assist's
 * `{request: {model: "models/…", contents}}`. Code Assist counts contents only, so a system instruction
 * is counted as a leading user turn rather than left out; tool declarations cannot be counted.
 */
export function wrapCountTokensRequest(model: string, bodyText: string): string {
  const body = parseObject(bodyText);
  const inner = wrappedCountRequest(body) ?? body;
  // A lone object stands for a list of one, as Google reads it (its REST cookbook writes `"contents": {…}`).
  const contents = [...(asList(inner.contents) ?? [])];
  const system = inner.systemInstruction ?? inner.system_instruction;
  const systemParts = isRecord(system) ? asList(system.parts) : undefined;
  if (systemParts && systemParts.length > 0) contents.unshift({ role: 'user', parts: systemParts });
  // Code Assist counts contents only; tool declarations are counted as the text they are, or a request
  // with only tools (Claude Code's /context sizing its MCP tools) would count as nothing.
  const tools = asList(inner.tools);
  if (tools && tools.length > 0) contents.push({ role: 'user', parts: [{ text: JSON.stringify(tools) }] });
  return JSON.stringify({ request: { model: `models/${bareModel(model)}`, contents } });
}
