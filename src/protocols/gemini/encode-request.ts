import type { GoogleFamily } from '../../core/content.ts';
import type { CanonicalRequest, ReasoningConfig, ToolChoice } from '../../core/request.ts';
import { isRecord, type JsonObject } from '../../util/json.ts';
import type { EncodeRequestOptions } from '../types.ts';
import { encodeContents } from './encode-contents.ts';
import { toGeminiName } from './function-name.ts';
import { nestsResultMedia, plainGemma, refusesJsonWithFunctions, takesPenalties, thinksUnasked } from './model-rules.ts';
import { geminiResponseSchema } from './response-schema.ts';
import { cleanSchema } from './schema-clean.ts';
import { thinkingConfigFor } from './thinking-config.ts';

/** Gemini has historically rejected more stop sequences than this. */
const MAX_STOP_SEQUENCES = 5;

/**
 * The pieces a countTokens call needs too: contents, systemInstruction and tools. `family`: whose
 * thought signatures the upstream takes (the Gemini API's or Code Assist's).
 */
export function encodePrompt(req: CanonicalRequest, model = req.model, family: GoogleFamily = 'gemini'): JsonObject {
  const { contents, lateSystem } = encodeContents(req, family, nestsResultMedia(model));
  const body: JsonObject = { contents };
  const system = [...req.system.map((p) => p.text), ...lateSystem].filter((t) => t !== '');
  const gemma = plainGemma(model);
  const format = jsonInWords(req, model) ? jsonInstruction(req, !gemma && req.tools.length > 0) : undefined;
  if (format) system.push(format);
  if (gemma) {
    // No system instruction, no JSON mode: both go to the top of the first user turn, as Google's ADK does.
    if (system.length > 0) {
      const text = { text: system.join('\n\n') };
      const firstUser = contents.find((c) => isRecord(c) && c.role === 'user' && Array.isArray(c.parts));
      if (firstUser) (firstUser.parts as JsonObject[]).unshift(text);
      else contents.unshift({ role: 'user', parts: [text] });
    }
  } else if (system.length > 0) {
    body.systemInstruction = { parts: [{ text: system.join('\n\n') }] };
  }
  // Function calling is refused outright; without declarations the model answers in text.
  const tools = encodeTools(req, !gemma);
  if (tools.length > 0) body.tools = tools;
  return body;
}

/**
 * Whether JSON mode is asked for in words rather than with responseMimeType: plain Gemma has no JSON mode,
 * and older Gemini models have none beside functions they may call (model-rules.ts).
 */
function jsonInWords(req: CanonicalRequest, model: string): boolean {
  if (plainGemma(model)) return true;
  const callable = req.tools.length > 0 && req.toolChoice?.type !== 'none';
  const json = req.responseFormat?.type === 'json' || req.responseFormat?.type === 'json_schema';
  return json && callable && refusesJsonWithFunctions(model);
}

/**
 * What JSON mode asked for, said in words for a model without JSON mode. `functions`: the model may still
 * call functions, and the words must not talk it out of them.
 */
function jsonInstruction(req: CanonicalRequest, functions: boolean): string | undefined {
  const format = req.responseFormat;
  const lead = functions ? 'When you reply with text rather than a function call, reply' : 'Reply';
  if (format?.type === 'json') return `${lead} with a single JSON value and nothing else.`;
  if (format?.type === 'json_schema') {
    return `${lead} with a single JSON value and nothing else, valid against this JSON Schema:\n${JSON.stringify(format.schema)}`;
  }
  return undefined;
}

export function encodeRequest(req: CanonicalRequest, opts: EncodeRequestOptions): JsonObject {
  const body = encodePrompt(req, opts.model, opts.signatureFamily);
  const toolConfig = encodeToolChoice(req.toolChoice, req.tools.length > 0 && !plainGemma(opts.model));
  if (toolConfig) body.toolConfig = toolConfig;
  const gc = generationConfig(req, opts.model);
  if (Object.keys(gc).length > 0) body.generationConfig = gc;
  // parallelToolCalls, user and includeUsage have no Gemini field; Gemini always reports usage.
  mergeExtras(body, req.extras.gemini);
  return body;
}

function encodeTools(req: CanonicalRequest, functions: boolean): JsonObject[] {
  const tools: JsonObject[] = [];
  if (functions && req.tools.length > 0) {
    // Mode ANY (encodeToolChoice) refuses a function declared without parameters, with no detail
    // ("Request contains an invalid argument.", googleapis/python-genai#981, pydantic/pydantic-ai#1990).
    const forced = req.toolChoice?.type === 'required' || req.toolChoice?.type === 'tool';
    const functionDeclarations = req.tools.map((t) => {
      const decl: JsonObject = { name: toGeminiName(t.name) };
      if (t.description) decl.description = t.description;
      const parameters = cleanSchema(t.parameters);
      // Gemini rejects an OBJECT with empty properties, and a schema without a type (an OpenAI client's
      // `parameters: {}`); a tool without arguments simply has no parameters, or a bare OBJECT when forced.
      if (parameters.properties !== undefined || parameters.anyOf !== undefined) decl.parameters = parameters;
      else if (forced) decl.parameters = { type: 'OBJECT' };
      return decl;
    });
    tools.push({ functionDeclarations });
  }
  const extra = req.extras.gemini?.tools;
  if (Array.isArray(extra)) tools.push(...extra.filter(isRecord));
  return tools;
}

function encodeToolChoice(choice: ToolChoice | undefined, hasTools: boolean): JsonObject | undefined {
  // Gemini rejects a calling mode when no function is declared.
  if (!choice || !hasTools) return undefined;
  switch (choice.type) {
    case 'auto':
      return { functionCallingConfig: { mode: 'AUTO' } };
    case 'none':
      return { functionCallingConfig: { mode: 'NONE' } };
    case 'required':
      return { functionCallingConfig: { mode: 'ANY' } };
    case 'tool':
      return { functionCallingConfig: { mode: 'ANY', allowedFunctionNames: [toGeminiName(choice.name)] } };
  }
}

function generationConfig(req: CanonicalRequest, model: string): JsonObject {
  const gc: JsonObject = {};
  if (req.temperature !== undefined) gc.temperature = req.temperature;
  if (req.topP !== undefined) gc.topP = req.topP;
  if (req.topK !== undefined) gc.topK = req.topK;
  if (req.maxTokens !== undefined) gc.maxOutputTokens = req.maxTokens;
  if (req.stop && req.stop.length > 0) gc.stopSequences = req.stop.slice(0, MAX_STOP_SEQUENCES);
  // One candidate only: the canonical response carries one choice, and extra candidates would be billed unseen.
  if (req.n === 1) gc.candidateCount = 1;
  if (req.seed !== undefined) gc.seed = req.seed;
  if (takesPenalties(model)) {
    if (req.presencePenalty !== undefined) gc.presencePenalty = req.presencePenalty;
    if (req.frequencyPenalty !== undefined) gc.frequencyPenalty = req.frequencyPenalty;
  }
  // Where JSON mode would be refused, encodePrompt asks for JSON in words instead.
  const format = jsonInWords(req, model) ? undefined : req.responseFormat;
  // An enum ('text/x.enum') needs nothing here: a Gemini client's generationConfig comes back whole from extras.
  if (format?.type === 'json') gc.responseMimeType = 'application/json';
  else if (format?.type === 'json_schema') {
    gc.responseMimeType = 'application/json';
    // responseJsonSchema takes plain JSON Schema, so it needs no cleaning as `parameters` does, only its
    // references kept apart from other keywords (response-schema.ts).
    gc.responseJsonSchema = geminiResponseSchema(format.schema);
  }
  const thinking = thinkingConfigFor(req.reasoning ?? unaskedReasoning(req, model), model);
  if (thinking) gc.thinkingConfig = thinking;
  return gc;
}

/** Below this a client's max tokens cannot hold a 1024-token thought and an answer as long (as Claude's encoder rules). */
const THINKING_ROOM = 2048;

/**
 * Gemini 2.5 and 3 think unasked, and the thoughts are billed against maxOutputTokens: a client that asked
 * nothing about reasoning and allowed a few hundred tokens (a chat UI's title or summary request, SillyTavern's
 * 300-token replies, an Anthropic client's small max_tokens) got them all spent on thinking and an empty
 * answer with finish "length" (googleapis/python-genai#626 and #811, NousResearch/hermes-agent#91927: titles
 * came back empty or cut to "```json"). Such a request gets thinking off, or as low as the model goes
 * (2.5 Pro's smallest budget, Gemini 3 Pro's LOW).
 */
function unaskedReasoning(req: CanonicalRequest, model: string): ReasoningConfig | undefined {
  if (req.maxTokens === undefined || req.maxTokens >= THINKING_ROOM || !thinksUnasked(model)) return undefined;
  return { enabled: false };
}

/** What the encoder computed wins; extras fill in the fields it does not know (safetySettings…). */
function mergeUnder(computed: unknown, extra: unknown): unknown {
  if (computed === undefined) return extra;
  if (!isRecord(computed) || !isRecord(extra)) return computed;
  const out: JsonObject = { ...extra };
  for (const [k, v] of Object.entries(computed)) out[k] = mergeUnder(v, extra[k]);
  return out;
}

function mergeExtras(body: JsonObject, extras: JsonObject | undefined): void {
  if (!extras) return;
  for (const [k, v] of Object.entries(extras)) {
    if (k === 'tools') continue; // already appended by encodeTools
    body[k] = mergeUnder(body[k], v);
  }
}
