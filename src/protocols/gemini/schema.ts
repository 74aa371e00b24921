import { Type, type TSchema } from '@sinclair/typebox';
import { TypeCompiler, type TypeCheck } from '@sinclair/typebox/compiler';
import { ValueErrorType, type ValueError } from '@sinclair/typebox/errors';
import { badRequest } from '../../core/errors.ts';

/**
 * The structure a generateContent request must have (after normalize.ts renamed snake_case fields).
 * Only what the codec relies on is checked; every object stays open so unknown fields survive into extras.
 */
const open = { additionalProperties: true } as const;
const obj = <T extends Record<string, TSchema>>(props: T) => Type.Object(props, open);
const opt = Type.Optional;
const anyObject = Type.Object({}, open);
const oneOf = (...values: string[]) => Type.Union(values.map((v) => Type.Literal(v)));

const Part = obj({
  text: opt(Type.String()),
  thought: opt(Type.Boolean()),
  thoughtSignature: opt(Type.String()),
  inlineData: opt(obj({ mimeType: Type.String({ minLength: 1 }), data: Type.String() })),
  fileData: opt(obj({ mimeType: opt(Type.String()), fileUri: Type.String({ minLength: 1 }) })),
  functionCall: opt(obj({ id: opt(Type.String()), name: Type.String({ minLength: 1 }), args: opt(anyObject) })),
  functionResponse: opt(
    obj({
      id: opt(Type.String()),
      // Optional although Gemini requires it: the decoder recovers it from the paired call.
      name: opt(Type.String()),
      response: opt(anyObject),
      parts: opt(Type.Array(anyObject)),
    }),
  ),
});

const Content = obj({
  // `function`: older clients put functionResponse turns under it; Gemini still takes it as the user side.
  role: opt(oneOf('user', 'model', 'function')),
  parts: Type.Array(Part, { minItems: 1 }),
});

const SystemInstruction = Type.Union([Type.String(), obj({ parts: Type.Array(Part) })]);

const FunctionDeclaration = obj({
  name: Type.String({ minLength: 1 }),
  description: opt(Type.String()),
  parameters: opt(anyObject),
  parametersJsonSchema: opt(anyObject),
});

const Tool = obj({ functionDeclarations: opt(Type.Array(FunctionDeclaration)) });

const ToolConfig = obj({
  functionCallingConfig: opt(
    obj({
      mode: opt(oneOf('AUTO', 'ANY', 'NONE', 'VALIDATED', 'MODE_UNSPECIFIED')),
      allowedFunctionNames: opt(Type.Array(Type.String())),
    }),
  ),
});

const ThinkingConfig = obj({
  includeThoughts: opt(Type.Boolean()),
  // -1 asks for a dynamic budget; anything below is meaningless.
  thinkingBudget: opt(Type.Integer({ minimum: -1 })),
  thinkingLevel: opt(Type.String()),
});

const GenerationConfig = obj({
  temperature: opt(Type.Number({ minimum: 0, maximum: 2 })),
  topP: opt(Type.Number({ minimum: 0, maximum: 1 })),
  topK: opt(Type.Integer({ minimum: 0 })),
  maxOutputTokens: opt(Type.Integer({ minimum: 1 })),
  candidateCount: opt(Type.Integer({ minimum: 1 })),
  stopSequences: opt(Type.Array(Type.String())),
  seed: opt(Type.Integer()),
  presencePenalty: opt(Type.Number({ minimum: -2, maximum: 2 })),
  frequencyPenalty: opt(Type.Number({ minimum: -2, maximum: 2 })),
  responseMimeType: opt(Type.String()),
  responseSchema: opt(anyObject),
  responseJsonSchema: opt(anyObject),
  thinkingConfig: opt(ThinkingConfig),
});

export const GenerateContentRequest = obj({
  contents: Type.Array(Content, { minItems: 1 }),
  systemInstruction: opt(SystemInstruction),
  tools: opt(Type.Array(Tool)),
  toolConfig: opt(ToolConfig),
  generationConfig: opt(GenerationConfig),
});

// Compiled on first use: a proxy whose clients never speak Gemini should not pay for it at start-up.
let compiled: TypeCheck<typeof GenerateContentRequest> | undefined;

/** `/contents/2/role` → `contents.2.role`, the form the client wrote its JSON in. */
const dottedPath = (path: string): string => (path === '' ? 'body' : path.slice(1).replaceAll('/', '.'));

function describe(e: ValueError): string {
  const anyOf = (e.schema as { anyOf?: Array<{ const?: unknown }> }).anyOf;
  if (e.type === ValueErrorType.Union && anyOf?.every((s) => s.const !== undefined)) {
    return `expected one of ${anyOf.map((s) => String(s.const)).join(', ')}`;
  }
  if (e.type === ValueErrorType.Union) return 'has the wrong type';
  return e.message.charAt(0).toLowerCase() + e.message.slice(1);
}

/** Throws a 400 naming the first problem, e.g. `contents.2.role: expected one of user, model, function`. */
export function assertValidRequest(body: unknown): void {
  const check = (compiled ??= TypeCompiler.Compile(GenerateContentRequest));
  if (check.Check(body)) return;
  const first = check.Errors(body).First();
  if (!first) throw badRequest('invalid generateContent request');
  const path = dottedPath(first.path);
  throw badRequest(`${path}: ${describe(first)}`, path);
}
