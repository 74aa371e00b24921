import { Type, type Static, type TLiteral, type TSchema, type TUnion } from '@sinclair/typebox';
import { TypeCompiler, type TypeCheck } from '@sinclair/typebox/compiler';

/**
 * TypeBox schemas of the Anthropic Messages request: only the structure aiproxy relies on.
 * Every object is open (`additionalProperties: true`) so fields we do not model reach `extras`
 * instead of being rejected. `errorMessage` is our own schema option, read by validate.ts.
 */
const open = { additionalProperties: true } as const;

function oneOf<const T extends readonly string[]>(values: T): TUnion<Array<TLiteral<T[number]>>> {
  return Type.Union(values.map((v) => Type.Literal(v)));
}

/** The SDK types these optional fields as `| null`; null means unset. */
const nullable = <T extends TSchema>(schema: T, options: Record<string, unknown> = {}) =>
  Type.Optional(Type.Union([schema, Type.Null()], options));

const nonEmptyString = (options: Record<string, unknown> = {}) =>
  Type.String({ minLength: 1, errorMessage: 'expected a non-empty string', ...options });

/** Any JSON object (not an array, not null). */
const AnyObject = Type.Object({}, { ...open, errorMessage: 'expected an object' });

const ROLES = ['user', 'assistant', 'system'] as const;
const EFFORTS = ['low', 'medium', 'high', 'xhigh', 'max'] as const;

const TextBlock = Type.Object({ type: Type.Literal('text'), text: Type.String() }, open);

/** Blocks are checked per type in decode-content.ts, so a bad image says what is wrong with the image. */
const AnyBlock = Type.Object({ type: Type.String({ errorMessage: 'expected a block with a string `type`' }) }, open);

const Content = Type.Union([Type.String(), Type.Array(AnyBlock)], {
  errorMessage: 'expected a string or an array of content blocks',
});

const Message = Type.Object({ role: oneOf(ROLES), content: Content }, open);

const ToolChoice = Type.Object(
  {
    type: oneOf(['auto', 'any', 'tool', 'none'] as const),
    name: Type.Optional(nonEmptyString()),
    disable_parallel_tool_use: Type.Optional(Type.Boolean()),
  },
  open,
);

const Thinking = Type.Object(
  {
    type: oneOf(['enabled', 'disabled', 'adaptive', 'between_tools'] as const),
    budget_tokens: Type.Optional(Type.Integer({ minimum: 1, errorMessage: 'expected a positive integer' })),
    display: nullable(oneOf(['summarized', 'omitted'] as const)),
  },
  open,
);

const OutputFormat = Type.Object({ type: oneOf(['json_schema'] as const), schema: AnyObject }, open);

const OutputConfig = Type.Object(
  {
    effort: nullable(oneOf(EFFORTS)),
    format: nullable(OutputFormat, { errorMessage: 'expected {"type":"json_schema","schema":{…}}' }),
  },
  open,
);

const Metadata = Type.Object({ user_id: nullable(Type.String(), { errorMessage: 'expected a string' }) }, open);

export const MessagesRequest = Type.Object(
  {
    model: nonEmptyString(),
    max_tokens: Type.Integer({ minimum: 1, errorMessage: 'expected a positive integer' }),
    messages: Type.Array(Message, { minItems: 1, errorMessage: 'expected a non-empty array of messages' }),
    system: Type.Optional(
      Type.Union([Type.String(), Type.Array(TextBlock)], { errorMessage: 'expected a string or an array of text blocks' }),
    ),
    tools: Type.Optional(Type.Array(AnyObject)),
    tool_choice: Type.Optional(ToolChoice),
    thinking: Type.Optional(Thinking),
    output_config: Type.Optional(OutputConfig),
    // The structured-outputs beta's name for output_config.format (structured-outputs-2025-11-13).
    output_format: Type.Optional(OutputFormat),
    stop_sequences: Type.Optional(Type.Array(Type.String())),
    temperature: Type.Optional(Type.Number({ minimum: 0, maximum: 1, errorMessage: 'expected a number from 0 to 1' })),
    top_p: Type.Optional(Type.Number({ minimum: 0, maximum: 1, errorMessage: 'expected a number from 0 to 1' })),
    top_k: Type.Optional(Type.Integer({ minimum: 0, errorMessage: 'expected a non-negative integer' })),
    metadata: Type.Optional(Metadata),
    stream: Type.Optional(Type.Boolean()),
  },
  open,
);
/**
 * The static type of a schema whose objects are all open: every object also carries unknown keys,
 * which decoders read (`cache_control`, `strict`…) or pass on as extras.
 */
export type Open<T> = T extends readonly unknown[]
  ? { [K in keyof T]: Open<T[K]> }
  : T extends object
    ? { [K in keyof T]: Open<T[K]> } & { [key: string]: unknown }
    : T;
export type Wire<S extends TSchema> = Open<Static<S>>;

export type MessagesRequest = Wire<typeof MessagesRequest>;
export type WireBlock = Wire<typeof AnyBlock>;

/** Custom (client-side) tools; tools with another `type` are server tools and are not checked. */
const CustomTool = Type.Object(
  { name: nonEmptyString(), description: Type.Optional(Type.String()), input_schema: AnyObject },
  open,
);

const SourceType = <const T extends readonly string[]>(types: T) => Type.Object({ type: oneOf(types) }, open);

const ImageSourceType = SourceType(['base64', 'url', 'file'] as const);
const DocumentSourceType = SourceType(['base64', 'text', 'url', 'content', 'file'] as const);
const Base64Source = Type.Object({ media_type: Type.String(), data: Type.String() }, open);
const UrlSource = Type.Object({ url: nonEmptyString() }, open);
const TextSource = Type.Object({ data: Type.String() }, open);
const ContentSource = Type.Object({ content: Content }, open);

const withSource = Type.Object({ source: AnyObject, title: Type.Optional(Type.Union([Type.String(), Type.Null()])) }, open);
const ImageBlock = withSource;
const DocumentBlock = withSource;

const ToolUseBlock = Type.Object({ id: nonEmptyString(), name: nonEmptyString(), input: Type.Optional(Type.Unknown()) }, open);
const ToolResultBlock = Type.Object(
  { tool_use_id: nonEmptyString(), content: Type.Optional(Content), is_error: Type.Optional(Type.Boolean()) },
  open,
);
const ThinkingBlock = Type.Object({ thinking: Type.String(), signature: Type.Optional(Type.String()) }, open);
const RedactedThinkingBlock = Type.Object({ data: Type.String() }, open);

/**
 * Each schema compiled on first use, then kept: validation runs on every request, but a proxy whose
 * clients never speak Anthropic should not pay the compile (time and a few MB) at start-up.
 */
function compiledOnUse<T extends Record<string, TSchema>>(schemas: T): { readonly [K in keyof T]: TypeCheck<T[K]> } {
  const out = {} as { [K in keyof T]: TypeCheck<T[K]> };
  for (const name of Object.keys(schemas) as Array<keyof T>) {
    let check: TypeCheck<T[typeof name]> | undefined;
    Object.defineProperty(out, name, { enumerable: true, get: () => (check ??= TypeCompiler.Compile(schemas[name]!)) });
  }
  return out;
}

export const checkers = compiledOnUse({
  request: MessagesRequest,
  customTool: CustomTool,
  textBlock: TextBlock,
  imageBlock: ImageBlock,
  documentBlock: DocumentBlock,
  imageSourceType: ImageSourceType,
  documentSourceType: DocumentSourceType,
  base64Source: Base64Source,
  urlSource: UrlSource,
  textSource: TextSource,
  contentSource: ContentSource,
  toolUse: ToolUseBlock,
  toolResult: ToolResultBlock,
  thinking: ThinkingBlock,
  redactedThinking: RedactedThinkingBlock,
});
