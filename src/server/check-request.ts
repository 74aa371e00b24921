import { badRequest } from '../core/errors.ts';
import { asList } from '../protocols/gemini/normalize.ts';
import type { Protocol } from '../protocols/types.ts';
import { isRecord, type JsonObject } from '../util/json.ts';

/**
 * The checks every generate request gets before it goes anywhere, whichever path it takes: a
 * same-protocol request is relayed without being decoded, so whatever an upstream would certainly
 * reject (no messages, an unknown role, a token limit no model has, a temperature out of range) is
 * refused here with a 400 that names the field. Deliberately shallow: anything a newer API might
 * accept (new content blocks, new fields) is left for the upstream to judge.
 */
export function checkGenerateRequest(protocol: Protocol, body: JsonObject): void {
  switch (protocol) {
    case 'openai':
      return checkOpenAI(body);
    case 'anthropic':
      return checkAnthropic(body);
    case 'gemini':
      return checkGemini(body);
    case 'responses':
      return checkResponses(body);
  }
}

/**
 * The longest model name taken from a body (a Gemini URL's is capped at 128). Real ids stay far below it;
 * a longer one would otherwise be held in logs, metrics and error messages whatever its size.
 */
export const MAX_MODEL_LENGTH = 256;

/** The model a request names, refused with a 400 when it is longer than any model id. */
export function checkModelName(model: string): void {
  if (model.length > MAX_MODEL_LENGTH) {
    throw badRequest(`model: expected at most ${MAX_MODEL_LENGTH} characters, got ${model.length}`, 'model');
  }
}

/** Token limits are int32 upstream (Gemini's proto; no model comes near it). */
const MAX_INT = 2 ** 31 - 1;
const OPENAI_ROLES = ['system', 'developer', 'user', 'assistant', 'tool', 'function'];
// `system` inside messages is what Claude Code sends with mid-conversation-tool-changes (protocols.md §9).
const ANTHROPIC_ROLES = ['user', 'assistant', 'system'];
const GEMINI_ROLES = ['user', 'model', 'function'];

function checkOpenAI(b: JsonObject): void {
  turns(b.messages, 'messages', OPENAI_ROLES, true);
  int(b.max_tokens, 'max_tokens', 1, true);
  int(b.max_completion_tokens, 'max_completion_tokens', 1, true);
  num(b.temperature, 'temperature', 0, 2, true);
  num(b.top_p, 'top_p', 0, 1, true);
  int(b.n, 'n', 1, true, 128);
  bool(b.stream, 'stream');
}

function checkAnthropic(b: JsonObject): void {
  if (b.max_tokens === undefined) throw badRequest('max_tokens: Field required', 'max_tokens');
  int(b.max_tokens, 'max_tokens', 1, false);
  turns(b.messages, 'messages', ANTHROPIC_ROLES, true);
  num(b.temperature, 'temperature', 0, 1, false);
  num(b.top_p, 'top_p', 0, 1, false);
  int(b.top_k, 'top_k', 0, false);
  bool(b.stream, 'stream');
}

function checkGemini(b: JsonObject): void {
  // Google takes a lone content for the list (its REST cookbook sends `"contents": {"parts": {…}}`).
  turns(asList(b.contents) ?? b.contents, 'contents', GEMINI_ROLES, false);
  const g = b.generationConfig ?? b.generation_config;
  if (g === undefined) return;
  if (!isRecord(g)) throw badRequest('generationConfig: expected an object', 'generationConfig');
  int(g.maxOutputTokens ?? g.max_output_tokens, 'generationConfig.maxOutputTokens', 1, false);
  num(g.temperature, 'generationConfig.temperature', 0, 2, false);
  num(g.topP ?? g.top_p, 'generationConfig.topP', 0, 1, false);
  int(g.topK ?? g.top_k, 'generationConfig.topK', 0, false);
  int(g.candidateCount ?? g.candidate_count, 'generationConfig.candidateCount', 1, false);
}

function checkResponses(b: JsonObject): void {
  if (b.input === undefined) throw badRequest('input: Field required', 'input');
  if (typeof b.input !== 'string') {
    if (!Array.isArray(b.input)) throw badRequest(`input: expected a string or an array of items, got ${describe(b.input)}`, 'input');
    if (b.input.length === 0) throw badRequest('input: must contain at least one item', 'input');
    b.input.forEach((item: unknown, i: number) => {
      if (!isRecord(item)) throw badRequest(`input.${i}: expected an object, got ${describe(item)}`, `input.${i}`);
    });
  }
  int(b.max_output_tokens, 'max_output_tokens', 1, true);
  num(b.temperature, 'temperature', 0, 2, true);
  num(b.top_p, 'top_p', 0, 1, true);
  bool(b.stream, 'stream');
}

/** A non-empty list of turns, each an object whose role (required unless `roleOptional`) is known. */
function turns(v: unknown, path: string, roles: readonly string[], roleRequired: boolean): void {
  if (v === undefined) throw badRequest(`${path}: Field required`, path);
  if (!Array.isArray(v)) throw badRequest(`${path}: expected an array, got ${describe(v)}`, path);
  if (v.length === 0) throw badRequest(`${path}: must contain at least one message`, path);
  for (let i = 0; i < v.length; i++) {
    const m: unknown = v[i];
    const at = `${path}.${i}`;
    if (!isRecord(m)) throw badRequest(`${at}: expected an object, got ${describe(m)}`, at);
    if (m.role === undefined && !roleRequired) continue;
    if (typeof m.role !== 'string' || !roles.includes(m.role)) {
      throw badRequest(`${at}.role: expected one of ${roles.map((r) => JSON.stringify(r)).join(', ')}, got ${describe(m.role)}`, `${at}.role`);
    }
  }
}

function int(v: unknown, path: string, min: number, nullable: boolean, max = MAX_INT): void {
  if (v === undefined || (nullable && v === null)) return;
  if (typeof v !== 'number' || !Number.isInteger(v) || v < min || v > max) {
    throw badRequest(`${path}: expected an integer from ${min} to ${max}, got ${describe(v)}`, path);
  }
}

function num(v: unknown, path: string, min: number, max: number, nullable: boolean): void {
  if (v === undefined || (nullable && v === null)) return;
  if (typeof v !== 'number' || !Number.isFinite(v) || v < min || v > max) {
    throw badRequest(`${path}: expected a number from ${min} to ${max}, got ${describe(v)}`, path);
  }
}

function bool(v: unknown, path: string): void {
  if (v !== undefined && v !== null && typeof v !== 'boolean') throw badRequest(`${path}: expected a boolean, got ${describe(v)}`, path);
}

function describe(v: unknown): string {
  if (v === undefined) return 'nothing';
  if (v === null) return 'null';
  if (Array.isArray(v)) return 'an array';
  if (typeof v === 'object') return 'an object';
  if (typeof v === 'string') return JSON.stringify(v.length > 40 ? `${v.slice(0, 40)}…` : v);
  return String(v);
}
