import type { Static } from '@sinclair/typebox';
import type { FilePart, ImagePart, Part, TextPart, ToolResultPart } from '../../core/content.ts';
import { badRequest } from '../../core/errors.ts';
import type {
  CanonicalRequest,
  Message,
  ReasoningConfig,
  ResponseFormat,
  ToolChoice,
  ToolDefinition,
} from '../../core/request.ts';
import { isRecord, type JsonObject } from '../../util/json.ts';
import type { DecodeRequestContext } from '../types.ts';
import {
  decodeCodePart,
  decodeFunctionCall,
  decodeMedia,
  decodeTextPart,
  foldSignatureOnly,
  isEmptyText,
  joinThought,
} from './decode-parts.ts';
import { normalizeRequest } from './normalize.ts';
import { assertValidRequest, type GenerateContentRequest } from './schema.ts';
import { schemaToJson } from './schema-to-json.ts';
import { effortForLevel } from '../../core/reasoning.ts';

type Req = Static<typeof GenerateContentRequest>;
type GenConfig = NonNullable<Req['generationConfig']>;

const TOP_LEVEL = new Set(['contents', 'systemInstruction', 'tools', 'toolConfig', 'generationConfig', 'model']);
const GENERATION_FIELDS = new Set([
  'temperature',
  'topP',
  'topK',
  'maxOutputTokens',
  'candidateCount',
  'stopSequences',
  'seed',
  'presencePenalty',
  'frequencyPenalty',
  'responseMimeType',
  'responseSchema',
  'responseJsonSchema',
  'thinkingConfig',
]);
const THINKING_FIELDS = new Set(['includeThoughts', 'thinkingBudget', 'thinkingLevel']);
const DATA_FIELDS = ['text', 'inlineData', 'fileData', 'functionCall', 'functionResponse', 'executableCode', 'codeExecutionResult'];

/** The object without the listed keys, or undefined when nothing is left. */
function rest(obj: JsonObject, known: Set<string>): JsonObject | undefined {
  let out: JsonObject | undefined;
  for (const [k, v] of Object.entries(obj)) if (!known.has(k)) (out ??= {})[k] = v;
  return out;
}

export function decodeRequest(body: unknown, ctx: DecodeRequestContext = {}): CanonicalRequest {
  if (!isRecord(body)) throw badRequest('request body must be a JSON object');
  const normalized = normalizeRequest(body);
  assertValidRequest(normalized);
  const b = normalized as Req & JsonObject;

  // Unknown top-level fields (safetySettings, cachedContent, labels…) go back to a Gemini upstream as they came.
  const extras: JsonObject = rest(b, TOP_LEVEL) ?? {};
  const bodyModel = typeof b.model === 'string' ? b.model : '';

  const req: CanonicalRequest = {
    model: (ctx.model ?? bodyModel).replace(/^models\//, ''),
    system: decodeSystem(b.systemInstruction),
    messages: decodeContents(b.contents),
    tools: [],
    stream: ctx.stream ?? false,
    extras: {},
  };

  if (b.tools) {
    const { tools, other } = decodeTools(b.tools);
    req.tools = tools;
    if (other.length > 0) extras.tools = other;
  }
  if (b.toolConfig) {
    const { choice, leftover } = decodeToolConfig(b.toolConfig);
    if (choice) req.toolChoice = choice;
    if (leftover) extras.toolConfig = leftover;
  }
  if (b.generationConfig) {
    const leftover = applyGenerationConfig(req, b.generationConfig);
    if (leftover) extras.generationConfig = leftover;
  }
  if (Object.keys(extras).length > 0) req.extras.gemini = extras;
  return req;
}

function decodeSystem(si: Req['systemInstruction']): TextPart[] {
  if (si === undefined) return [];
  if (typeof si === 'string') return si === '' ? [] : [{ type: 'text', text: si }];
  const out: TextPart[] = [];
  si.parts.forEach((p, i) => {
    if (typeof p.text !== 'string') throw badRequest(`systemInstruction.parts.${i}: only text parts are supported`);
    if (p.text !== '' && p.thought !== true) out.push({ type: 'text', text: p.text });
  });
  return out;
}

interface PendingCall {
  id: string;
  name: string;
  answered: boolean;
}

/**
 * Contents → messages. The Gemini API has no tool-call ids, so calls without one get an id from their
 * position (stable as the conversation grows, which keeps upstream prompt caches warm) and each
 * functionResponse is paired with the latest model turn's calls: by id, else by name, else by order.
 *
 * Consecutive contents of one side are one turn: the genai SDK records every streamed chunk as its
 * own model content, and Gemini reads such runs as one continuous turn. `user` and `function` (or no
 * role) are the user side.
 */
function decodeContents(contents: Req['contents']): Message[] {
  const messages: Message[] = [];
  let pending: PendingCall[] = [];

  for (let start = 0; start < contents.length; ) {
    const isModel = contents[start]!.role === 'model';
    let end = start + 1;
    while (end < contents.length && (contents[end]!.role === 'model') === isModel) end++;

    const results: ToolResultPart[] = [];
    const others: Part[] = [];
    const calls: PendingCall[] = [];
    for (let ci = start; ci < end; ci++) {
      contents[ci]!.parts.forEach((raw, pi) => {
        const part = raw as JsonObject;
        const path = `contents.${ci}.parts.${pi}`;
        if (!DATA_FIELDS.some((f) => part[f] !== undefined) && typeof part.thoughtSignature !== 'string') {
          throw badRequest(`${path}: part has no data (expected one of ${DATA_FIELDS.join(', ')})`, path);
        }
        if (isRecord(part.functionCall)) {
          if (!isModel) throw badRequest(`${path}: functionCall is only allowed in model turns`, path);
          const fc = part.functionCall;
          const id = typeof fc.id === 'string' && fc.id !== '' ? fc.id : `call_${ci}_${pi}`;
          const call = decodeFunctionCall(part, fc, id);
          calls.push({ id, name: call.name, answered: false });
          others.push(call);
        } else if (isRecord(part.functionResponse)) {
          if (isModel) throw badRequest(`${path}: functionResponse is only allowed in user turns`, path);
          results.push(decodeFunctionResponse(part.functionResponse, pending, `call_${ci}_${pi}`));
        } else if (part.inlineData !== undefined || part.fileData !== undefined) {
          const media = decodeMedia(part);
          if (media) others.push(media);
        } else if (part.executableCode !== undefined || part.codeExecutionResult !== undefined) {
          const code = decodeCodePart(part);
          if (code) others.push(code);
        } else if (!isEmptyText(part) && !foldSignatureOnly(others, part)) {
          const text = decodeTextPart(part);
          if (!joinThought(others, text)) others.push(text);
        }
      });
    }

    if (calls.length > 0) pending = calls;
    // Canonical tool results come first in their user message. A turn of nothing but empty text is no turn.
    if (results.length + others.length > 0) {
      messages.push({ role: isModel ? 'assistant' : 'user', content: [...results, ...others] });
    }
    start = end;
  }
  return messages;
}

function decodeFunctionResponse(fr: JsonObject, pending: PendingCall[], fallbackId: string): ToolResultPart {
  const name = typeof fr.name === 'string' && fr.name !== '' ? fr.name : undefined;
  const id = typeof fr.id === 'string' && fr.id !== '' ? fr.id : undefined;
  const open = pending.filter((c) => !c.answered);
  const match =
    (id !== undefined ? pending.find((c) => c.id === id) : undefined) ??
    (name !== undefined ? open.find((c) => c.name === name) : open[0]);
  if (match) match.answered = true;

  const response = isRecord(fr.response) ? fr.response : {};
  const keys = Object.keys(response);
  let text: string;
  let isError = false;
  if (keys.length === 1 && typeof response.output === 'string') text = response.output;
  else if (keys.length === 1 && typeof response.error === 'string') {
    text = response.error;
    isError = true;
  } else {
    text = JSON.stringify(response);
    isError = 'error' in response;
  }

  const content: Array<TextPart | ImagePart | FilePart> = [{ type: 'text', text }];
  // Gemini 3 multimodal function responses carry media in functionResponse.parts.
  if (Array.isArray(fr.parts)) {
    for (const p of fr.parts) {
      const media = isRecord(p) ? decodeMedia(p) : undefined;
      if (media) content.push(media);
    }
  }
  const out: ToolResultPart = { type: 'tool_result', callId: match?.id ?? id ?? fallbackId, content };
  const resolvedName = name ?? match?.name;
  if (resolvedName !== undefined) out.name = resolvedName;
  if (isError) out.isError = true;
  return out;
}

function decodeTools(tools: NonNullable<Req['tools']>): { tools: ToolDefinition[]; other: JsonObject[] } {
  const defs: ToolDefinition[] = [];
  const other: JsonObject[] = [];
  for (const tool of tools) {
    for (const fd of tool.functionDeclarations ?? []) {
      // parametersJsonSchema is already JSON Schema; parameters is Gemini's OpenAPI subset.
      const raw = fd.parametersJsonSchema ?? (fd.parameters ? schemaToJson(fd.parameters) : undefined);
      const parameters: JsonObject = { ...(raw ?? {}) };
      if (parameters.type === undefined) {
        parameters.type = 'object';
        parameters.properties ??= {};
      }
      const def: ToolDefinition = { name: fd.name, parameters };
      if (fd.description !== undefined) def.description = fd.description;
      defs.push(def);
    }
    // googleSearch, codeExecution, urlContext… have no canonical form; only a Gemini upstream can use them.
    const leftover = rest(tool as JsonObject, new Set(['functionDeclarations']));
    if (leftover) other.push(leftover);
  }
  return { tools: defs, other };
}

function decodeToolConfig(tc: NonNullable<Req['toolConfig']>): { choice?: ToolChoice; leftover?: JsonObject } {
  const leftover = rest(tc as JsonObject, new Set(['functionCallingConfig']));
  const fcc = tc.functionCallingConfig;
  if (!fcc) return { leftover };
  const names = fcc.allowedFunctionNames ?? [];
  switch (fcc.mode) {
    case 'AUTO':
    case 'VALIDATED': // AUTO with schema-checked calls: the closest canonical choice
      return { choice: { type: 'auto' }, leftover };
    case 'NONE':
      return { choice: { type: 'none' }, leftover };
    case 'ANY':
      if (names.length === 1) return { choice: { type: 'tool', name: names[0]! }, leftover };
      if (names.length > 1) {
        // Several allowed names have no canonical form; a Gemini upstream gets them back from extras.
        return {
          choice: { type: 'required' },
          leftover: { ...leftover, functionCallingConfig: { allowedFunctionNames: names } },
        };
      }
      return { choice: { type: 'required' }, leftover };
    default:
      return { leftover };
  }
}

/** Fills sampling, length, format and reasoning fields; returns the generationConfig fields it could not place. */
function applyGenerationConfig(req: CanonicalRequest, gc: GenConfig): JsonObject | undefined {
  let leftover = rest(gc as JsonObject, GENERATION_FIELDS);
  if (gc.temperature !== undefined) req.temperature = gc.temperature;
  if (gc.topP !== undefined) req.topP = gc.topP;
  if (gc.topK !== undefined) req.topK = gc.topK;
  if (gc.maxOutputTokens !== undefined) req.maxTokens = gc.maxOutputTokens;
  if (gc.candidateCount !== undefined) req.n = gc.candidateCount;
  if (gc.stopSequences !== undefined && gc.stopSequences.length > 0) req.stop = gc.stopSequences;
  if (gc.seed !== undefined) req.seed = gc.seed;
  if (gc.presencePenalty !== undefined) req.presencePenalty = gc.presencePenalty;
  if (gc.frequencyPenalty !== undefined) req.frequencyPenalty = gc.frequencyPenalty;

  const format = decodeResponseFormat(gc);
  if (format === 'unsupported' || format?.type === 'enum') {
    // A Gemini upstream gets these back as they came; another has no place for them, except enum output,
    // which it gets as structured output (core/enum-answer.ts).
    leftover = { ...leftover, responseMimeType: gc.responseMimeType };
    if (gc.responseSchema) leftover.responseSchema = gc.responseSchema;
    if (gc.responseJsonSchema) leftover.responseJsonSchema = gc.responseJsonSchema;
  }
  if (format && format !== 'unsupported') req.responseFormat = format;

  if (gc.thinkingConfig) {
    const tc = gc.thinkingConfig;
    const reasoning = decodeThinking(tc);
    if (reasoning) req.reasoning = reasoning;
    const extra = rest(tc as JsonObject, THINKING_FIELDS);
    if (extra) leftover = { ...leftover, thinkingConfig: extra };
  }
  return leftover;
}

function decodeResponseFormat(gc: GenConfig): ResponseFormat | 'unsupported' | undefined {
  const mime = gc.responseMimeType;
  if (mime === undefined || mime === '') {
    return gc.responseSchema || gc.responseJsonSchema ? 'unsupported' : undefined;
  }
  if (mime === 'text/plain') return { type: 'text' };
  const schema: JsonObject | undefined = gc.responseJsonSchema ?? (gc.responseSchema ? schemaToJson(gc.responseSchema) : undefined);
  if (mime === 'text/x.enum') {
    // Enum output: a string schema listing the values the answer must be one of.
    const values = schema?.enum;
    const string = typeof schema?.type === 'string' && schema.type.toLowerCase() === 'string';
    if (string && Array.isArray(values) && values.length > 0 && values.every((v) => typeof v === 'string')) return { type: 'enum', values };
    return 'unsupported';
  }
  if (mime !== 'application/json') return 'unsupported';
  return schema ? { type: 'json_schema', schema } : { type: 'json' };
}

function decodeThinking(tc: NonNullable<GenConfig['thinkingConfig']>): ReasoningConfig | undefined {
  const path = 'generationConfig.thinkingConfig';
  const r: ReasoningConfig = {};
  const level = tc.thinkingLevel?.toUpperCase();
  if (level !== undefined && level !== 'THINKING_LEVEL_UNSPECIFIED') {
    const effort = effortForLevel(level);
    if (!effort) throw badRequest(`${path}.thinkingLevel: expected one of MINIMAL, LOW, MEDIUM, HIGH`, `${path}.thinkingLevel`);
    if (tc.thinkingBudget !== undefined) {
      throw badRequest(`${path}: thinkingBudget and thinkingLevel cannot both be set`, path);
    }
    r.effort = effort;
    r.enabled = true;
  }
  if (tc.thinkingBudget !== undefined) {
    r.budgetTokens = tc.thinkingBudget;
    r.enabled = tc.thinkingBudget !== 0;
  }
  if (tc.includeThoughts !== undefined) r.includeThoughts = tc.includeThoughts;
  return Object.keys(r).length > 0 ? r : undefined;
}
