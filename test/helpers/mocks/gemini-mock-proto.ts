/**
 * Proto3-JSON strictness of the Gemini API front end. Requests are parsed into protos, so a field
 * name the proto does not have is rejected ("Unknown name … Cannot find field.") and values of the
 * wrong JSON type are rejected ("Invalid value at …"). Both camelCase and snake_case names are
 * accepted, as proto3 JSON parsers do. This is also what makes JSON-Schema keywords outside the
 * OpenAPI subset (additionalProperties, const, $ref…) fail inside `parameters`: Schema is a proto.
 */
import { isRecord } from '../../../src/util/json.ts';
import type { FieldViolation } from './gemini-mock-errors.ts';

type Scalar = 'TYPE_STRING' | 'TYPE_BOOL' | 'TYPE_INT32' | 'TYPE_INT64' | 'TYPE_FLOAT' | 'TYPE_DOUBLE' | 'TYPE_BYTES';

type FieldType =
  | { kind: 'scalar'; type: Scalar }
  | { kind: 'enum'; typeName: string; values: readonly string[] }
  | { kind: 'message'; message: () => MessageDesc }
  /** google.protobuf.Struct: a JSON object. */
  | { kind: 'struct' }
  /** google.protobuf.Value, or a sub-message this mock does not police: any JSON. */
  | { kind: 'any' }
  | { kind: 'map'; value: FieldType };

interface FieldDesc {
  type: FieldType;
  repeated?: boolean;
  /** Name of the oneof this field belongs to. */
  oneof?: string;
}

export interface MessageDesc {
  typeName: string;
  /** Keyed by lowerCamelCase JSON name. */
  fields: Record<string, FieldDesc>;
}

const PKG = 'google.ai.generativelanguage.v1beta';

const str: FieldDesc = { type: { kind: 'scalar', type: 'TYPE_STRING' } };
const strs: FieldDesc = { type: { kind: 'scalar', type: 'TYPE_STRING' }, repeated: true };
const bool: FieldDesc = { type: { kind: 'scalar', type: 'TYPE_BOOL' } };
const int32: FieldDesc = { type: { kind: 'scalar', type: 'TYPE_INT32' } };
const int64: FieldDesc = { type: { kind: 'scalar', type: 'TYPE_INT64' } };
const float: FieldDesc = { type: { kind: 'scalar', type: 'TYPE_FLOAT' } };
const double: FieldDesc = { type: { kind: 'scalar', type: 'TYPE_DOUBLE' } };
const bytes: FieldDesc = { type: { kind: 'scalar', type: 'TYPE_BYTES' } };
const any: FieldDesc = { type: { kind: 'any' } };
const struct: FieldDesc = { type: { kind: 'struct' } };
const msg = (m: () => MessageDesc, repeated = false): FieldDesc => ({ type: { kind: 'message', message: m }, repeated });
const enumOf = (typeName: string, values: readonly string[]): FieldDesc => ({
  type: { kind: 'enum', typeName: `${PKG}.${typeName}`, values },
});
const data = (f: FieldDesc): FieldDesc => ({ ...f, oneof: 'data' });

// The schema types Gemini knows. NULL is left out on purpose: protocols.md §7 lists `type: "null"` among
// what the API rejects, and a proxy that never sends it works against both old and new behaviour.
const SCHEMA_TYPES = ['TYPE_UNSPECIFIED', 'STRING', 'NUMBER', 'INTEGER', 'BOOLEAN', 'ARRAY', 'OBJECT'] as const;

const Schema: MessageDesc = {
  typeName: `${PKG}.Schema`,
  fields: {
    type: enumOf('Type', SCHEMA_TYPES),
    format: str,
    title: str,
    description: str,
    nullable: bool,
    enum: strs,
    maxItems: int64,
    minItems: int64,
    properties: { type: { kind: 'map', value: { kind: 'message', message: () => Schema } } },
    required: strs,
    minProperties: int64,
    maxProperties: int64,
    minLength: int64,
    maxLength: int64,
    pattern: str,
    example: any,
    anyOf: msg(() => Schema, true),
    propertyOrdering: strs,
    default: any,
    items: msg(() => Schema),
    minimum: double,
    maximum: double,
  },
};

const Blob: MessageDesc = { typeName: `${PKG}.Blob`, fields: { mimeType: str, data: bytes } };
const FileData: MessageDesc = { typeName: `${PKG}.FileData`, fields: { mimeType: str, fileUri: str } };
const FunctionCall: MessageDesc = {
  typeName: `${PKG}.FunctionCall`,
  fields: { id: str, name: str, args: struct, partialArgs: { ...any, repeated: true }, willContinue: bool },
};
const FunctionResponse: MessageDesc = {
  typeName: `${PKG}.FunctionResponse`,
  fields: { id: str, name: str, response: struct, parts: { ...any, repeated: true }, willContinue: bool, scheduling: any },
};
const ExecutableCode: MessageDesc = { typeName: `${PKG}.ExecutableCode`, fields: { language: any, code: str } };
const CodeExecutionResult: MessageDesc = { typeName: `${PKG}.CodeExecutionResult`, fields: { outcome: any, output: str } };

const Part: MessageDesc = {
  typeName: `${PKG}.Part`,
  fields: {
    text: data(str),
    inlineData: data(msg(() => Blob)),
    fileData: data(msg(() => FileData)),
    functionCall: data(msg(() => FunctionCall)),
    functionResponse: data(msg(() => FunctionResponse)),
    executableCode: data(msg(() => ExecutableCode)),
    codeExecutionResult: data(msg(() => CodeExecutionResult)),
    toolCall: data(any),
    toolResponse: data(any),
    thought: bool,
    thoughtSignature: bytes,
    videoMetadata: any,
    mediaResolution: any,
    partMetadata: struct,
  },
};

const Content: MessageDesc = { typeName: `${PKG}.Content`, fields: { role: str, parts: msg(() => Part, true) } };

const FunctionDeclaration: MessageDesc = {
  typeName: `${PKG}.FunctionDeclaration`,
  fields: {
    name: str,
    description: str,
    parameters: msg(() => Schema),
    parametersJsonSchema: any,
    response: msg(() => Schema),
    responseJsonSchema: any,
    behavior: enumOf('FunctionDeclaration.Behavior', ['UNSPECIFIED', 'BLOCKING', 'NON_BLOCKING']),
  },
};

const Tool: MessageDesc = {
  typeName: `${PKG}.Tool`,
  fields: {
    functionDeclarations: msg(() => FunctionDeclaration, true),
    googleSearch: any,
    googleSearchRetrieval: any,
    codeExecution: any,
    urlContext: any,
    googleMaps: any,
    fileSearch: any,
    computerUse: any,
    mcpServers: { ...any, repeated: true },
  },
};

const FunctionCallingConfig: MessageDesc = {
  typeName: `${PKG}.FunctionCallingConfig`,
  fields: {
    mode: enumOf('FunctionCallingConfig.Mode', ['MODE_UNSPECIFIED', 'AUTO', 'ANY', 'NONE', 'VALIDATED']),
    allowedFunctionNames: strs,
    streamFunctionCallArguments: bool,
  },
};

const ToolConfig: MessageDesc = {
  typeName: `${PKG}.ToolConfig`,
  fields: { functionCallingConfig: msg(() => FunctionCallingConfig), retrievalConfig: any, includeServerSideToolInvocations: bool },
};

const SafetySetting: MessageDesc = {
  typeName: `${PKG}.SafetySetting`,
  fields: {
    category: enumOf('HarmCategory', [
      'HARM_CATEGORY_UNSPECIFIED',
      'HARM_CATEGORY_DEROGATORY',
      'HARM_CATEGORY_TOXICITY',
      'HARM_CATEGORY_VIOLENCE',
      'HARM_CATEGORY_SEXUAL',
      'HARM_CATEGORY_MEDICAL',
      'HARM_CATEGORY_DANGEROUS',
      'HARM_CATEGORY_HARASSMENT',
      'HARM_CATEGORY_HATE_SPEECH',
      'HARM_CATEGORY_SEXUALLY_EXPLICIT',
      'HARM_CATEGORY_DANGEROUS_CONTENT',
      'HARM_CATEGORY_CIVIC_INTEGRITY',
    ]),
    threshold: enumOf('SafetySetting.HarmBlockThreshold', [
      'HARM_BLOCK_THRESHOLD_UNSPECIFIED',
      'BLOCK_LOW_AND_ABOVE',
      'BLOCK_MEDIUM_AND_ABOVE',
      'BLOCK_ONLY_HIGH',
      'BLOCK_NONE',
      'OFF',
    ]),
  },
};

const ThinkingConfig: MessageDesc = {
  typeName: `${PKG}.ThinkingConfig`,
  fields: {
    includeThoughts: bool,
    thinkingBudget: int32,
    thinkingLevel: enumOf('ThinkingConfig.ThinkingLevel', ['THINKING_LEVEL_UNSPECIFIED', 'MINIMAL', 'LOW', 'MEDIUM', 'HIGH']),
  },
};

const GenerationConfig: MessageDesc = {
  typeName: `${PKG}.GenerationConfig`,
  fields: {
    stopSequences: strs,
    responseMimeType: str,
    responseSchema: msg(() => Schema),
    responseJsonSchema: any,
    responseModalities: { ...any, repeated: true },
    candidateCount: int32,
    maxOutputTokens: int32,
    temperature: float,
    topP: float,
    topK: int32,
    seed: int32,
    presencePenalty: float,
    frequencyPenalty: float,
    responseLogprobs: bool,
    logprobs: int32,
    enableEnhancedCivicAnswers: bool,
    speechConfig: any,
    thinkingConfig: msg(() => ThinkingConfig),
    imageConfig: any,
    mediaResolution: any,
  },
};

export const GenerateContentRequest: MessageDesc = {
  typeName: `${PKG}.GenerateContentRequest`,
  fields: {
    model: str,
    contents: msg(() => Content, true),
    systemInstruction: msg(() => Content),
    tools: msg(() => Tool, true),
    toolConfig: msg(() => ToolConfig),
    safetySettings: msg(() => SafetySetting, true),
    generationConfig: msg(() => GenerationConfig),
    cachedContent: str,
    serviceTier: any,
    store: bool,
  },
};

export const CountTokensRequest: MessageDesc = {
  typeName: `${PKG}.CountTokensRequest`,
  fields: { contents: msg(() => Content, true), generateContentRequest: msg(() => GenerateContentRequest) },
};

/** The Gemini API's TaskType for embeddings (ai.google.dev/api/embeddings#tasktype). */
const TASK_TYPES = [
  'TASK_TYPE_UNSPECIFIED',
  'RETRIEVAL_QUERY',
  'RETRIEVAL_DOCUMENT',
  'SEMANTIC_SIMILARITY',
  'CLASSIFICATION',
  'CLUSTERING',
  'QUESTION_ANSWERING',
  'FACT_VERIFICATION',
  'CODE_RETRIEVAL_QUERY',
] as const;

export const EmbedContentRequest: MessageDesc = {
  typeName: `${PKG}.EmbedContentRequest`,
  fields: {
    model: str,
    content: msg(() => Content),
    taskType: enumOf('TaskType', TASK_TYPES),
    title: str,
    outputDimensionality: int32,
    // Seen accepted per request on the live API (`{autoTruncate: false}`); not policed here.
    embedContentConfig: any,
  },
};

export const BatchEmbedContentsRequest: MessageDesc = {
  typeName: `${PKG}.BatchEmbedContentsRequest`,
  // `model` is the URL's; the proto has it, so a body may carry it too.
  fields: { model: str, requests: msg(() => EmbedContentRequest, true) },
};

export const snakeCase = (name: string): string => name.replace(/[A-Z]/g, (c) => `_${c.toLowerCase()}`);
const camelCase = (name: string): string => name.replace(/_([a-z0-9])/g, (_, c: string) => c.toUpperCase());

const at = (path: string): string => (path === '' ? '' : ` at '${path}'`);
const join = (path: string, field: string): string => (path === '' ? field : `${path}.${field}`);
const show = (v: unknown): string => JSON.stringify(v) ?? String(v);

/** Collects every violation in the request, the way Google reports them all at once. */
export function checkProto(body: Record<string, unknown>, desc: MessageDesc): FieldViolation[] {
  const out: FieldViolation[] = [];
  checkMessage(body, desc, '', out);
  return out;
}

function checkMessage(obj: Record<string, unknown>, desc: MessageDesc, path: string, out: FieldViolation[]): void {
  const oneofs = new Map<string, string>();
  for (const [key, value] of Object.entries(obj)) {
    const name = Object.hasOwn(desc.fields, key) ? key : camelCase(key);
    const field = Object.hasOwn(desc.fields, name) ? desc.fields[name] : undefined;
    if (!field) {
      out.push(violation(path, `Invalid JSON payload received. Unknown name ${show(key)}${at(path)}: Cannot find field.`));
      continue;
    }
    // proto3 JSON: null means "not set".
    if (value === null || value === undefined) continue;
    if (Array.isArray(value) && !field.repeated && field.type.kind !== 'any') {
      out.push(
        violation(path, `Invalid JSON payload received. Unknown name ${show(key)}${at(path)}: Proto field is not repeating, cannot start list.`),
      );
      continue;
    }
    if (field.oneof && !isDefault(value)) {
      const first = oneofs.get(field.oneof);
      if (first !== undefined) {
        out.push(violation(path, `Invalid value at '${path}' (oneof), oneof field '${field.oneof}' is already set. Cannot set '${key}'`));
        continue;
      }
      oneofs.set(field.oneof, key);
    }
    const fieldPath = join(path, snakeCase(name));
    if (field.repeated && Array.isArray(value)) {
      value.forEach((item, i) => checkValue(item, field.type, `${fieldPath}[${i}]`, out));
    } else {
      // Google's parser takes a lone value where a list is expected (its own docs send `"parts": {…}`).
      checkValue(value, field.type, fieldPath, out);
    }
  }
}

function checkValue(value: unknown, type: FieldType, path: string, out: FieldViolation[]): void {
  switch (type.kind) {
    case 'any':
      return;
    case 'struct':
      if (!isRecord(value)) out.push(violation(path, `Invalid value at '${path}' (type.googleapis.com/google.protobuf.Struct), ${show(value)}`));
      return;
    case 'message':
      if (!isRecord(value)) {
        out.push(violation(path, `Invalid value at '${path}' (type.googleapis.com/${type.message().typeName}), ${show(value)}`));
        return;
      }
      checkMessage(value, type.message(), path, out);
      return;
    case 'map':
      if (!isRecord(value)) {
        out.push(violation(path, `Invalid value at '${path}' (map), ${show(value)}`));
        return;
      }
      // Google names map entries by position: `properties[2].value`.
      Object.values(value).forEach((v, i) => checkValue(v, type.value, `${path}[${i}].value`, out));
      return;
    case 'enum': {
      const ok =
        (typeof value === 'string' && type.values.includes(value.toUpperCase())) ||
        (typeof value === 'number' && Number.isInteger(value) && value >= 0 && value < type.values.length);
      if (!ok) out.push(violation(path, `Invalid value at '${path}' (type.googleapis.com/${type.typeName}), ${show(value)}`));
      return;
    }
    case 'scalar':
      if (!scalarOk(value, type.type)) {
        const detail = type.type === 'TYPE_BYTES' && typeof value === 'string' ? `Base64 decoding failed for ${show(value)}` : show(value);
        out.push(violation(path, `Invalid value at '${path}' (${type.type}), ${detail}`));
      }
      return;
  }
}

function scalarOk(value: unknown, type: Scalar): boolean {
  switch (type) {
    case 'TYPE_STRING':
      return typeof value === 'string';
    case 'TYPE_BYTES':
      return typeof value === 'string' && isBase64(value);
    case 'TYPE_BOOL':
      return typeof value === 'boolean';
    case 'TYPE_FLOAT':
    case 'TYPE_DOUBLE':
      return typeof value === 'number' || (typeof value === 'string' && value.trim() !== '' && Number.isFinite(Number(value)));
    case 'TYPE_INT32':
    case 'TYPE_INT64': {
      // Integers may come as JSON strings (int64 always does in proto3 JSON).
      const n = typeof value === 'string' && value.trim() !== '' ? Number(value) : value;
      return typeof n === 'number' && Number.isInteger(n);
    }
  }
}

/** Standard or URL-safe base64, padding optional (what Google's bytes parser takes). */
export function isBase64(s: string): boolean {
  return /^[A-Za-z0-9+/_-]*={0,2}$/.test(s) && s.replace(/=+$/, '').length % 4 !== 1;
}

/** Default scalar values do not count as "set" for a oneof: `{"text": ""}` has no data. */
export function isDefault(v: unknown): boolean {
  return v === null || v === undefined || v === '' || v === false || v === 0;
}

function violation(path: string, description: string): FieldViolation {
  return path === '' ? { description } : { field: path, description };
}
