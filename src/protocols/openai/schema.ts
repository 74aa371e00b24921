import { Type, type TLiteral, type TSchema } from '@sinclair/typebox';

/**
 * TypeBox schemas of the Chat Completions request: only the structure the decoder relies on.
 * Every object stays open (`additionalProperties: true`) so fields we do not model survive into
 * extras instead of failing validation. Validation is staged (top level, then each message, then each
 * part) so an error names the deepest offending path instead of a vague "union value" at the top.
 */
const open = { additionalProperties: true } as const;

/** Clients (the SDK among them) send `null` for "not set" on most optional fields. */
const Nullable = <T extends TSchema>(t: T) => Type.Optional(Type.Union([t, Type.Null()]));

const literals = <const T extends readonly string[]>(values: T) =>
  Type.Union(values.map((v) => Type.Literal(v)) as Array<TLiteral<T[number]>>);

export const MESSAGE_ROLES = ['system', 'developer', 'user', 'assistant', 'tool', 'function'] as const;
export const USER_PART_TYPES = ['text', 'image_url', 'input_audio', 'file'] as const;
export const ASSISTANT_PART_TYPES = ['text', 'refusal'] as const;
export const REASONING_EFFORTS = ['none', 'minimal', 'low', 'medium', 'high', 'xhigh', 'max'] as const;

const FunctionName = Type.String({ minLength: 1 });

export const ToolChoiceSchema = Type.Union([
  literals(['none', 'auto', 'required'] as const),
  Type.Object({ type: Type.Literal('function'), function: Type.Object({ name: FunctionName }, open) }, open),
]);

export const ResponseFormatSchema = Type.Object(
  {
    type: literals(['text', 'json_object', 'json_schema'] as const),
    json_schema: Type.Optional(
      Type.Object(
        {
          name: Type.Optional(Type.String()),
          schema: Nullable(Type.Object({}, open)),
          strict: Nullable(Type.Boolean()),
        },
        open,
      ),
    ),
  },
  open,
);

export const RequestSchema = Type.Object(
  {
    model: Type.String({ minLength: 1 }),
    messages: Type.Array(Type.Object({ role: literals(MESSAGE_ROLES) }, open), { minItems: 1 }),
    tools: Nullable(Type.Array(Type.Object({ type: Type.String() }, open))),
    functions: Nullable(Type.Array(Type.Object({ name: FunctionName }, open))),
    tool_choice: Nullable(ToolChoiceSchema),
    function_call: Nullable(
      Type.Union([literals(['none', 'auto'] as const), Type.Object({ name: FunctionName }, open)]),
    ),
    parallel_tool_calls: Nullable(Type.Boolean()),
    max_completion_tokens: Nullable(Type.Integer({ minimum: 1 })),
    max_tokens: Nullable(Type.Integer({ minimum: 1 })),
    temperature: Nullable(Type.Number({ minimum: 0, maximum: 2 })),
    top_p: Nullable(Type.Number({ minimum: 0, maximum: 1 })),
    top_k: Nullable(Type.Integer()),
    stop: Nullable(Type.Union([Type.String(), Type.Array(Type.String())])),
    n: Nullable(Type.Integer({ minimum: 1, maximum: 128 })),
    seed: Nullable(Type.Integer()),
    presence_penalty: Nullable(Type.Number({ minimum: -2, maximum: 2 })),
    frequency_penalty: Nullable(Type.Number({ minimum: -2, maximum: 2 })),
    response_format: Nullable(ResponseFormatSchema),
    reasoning_effort: Nullable(literals(REASONING_EFFORTS)),
    stream: Nullable(Type.Boolean()),
    stream_options: Nullable(Type.Object({ include_usage: Nullable(Type.Boolean()) }, open)),
    user: Nullable(Type.String()),
  },
  open,
);

/** Top-level fields the decoder maps onto the canonical request; everything else goes to extras. */
export const KNOWN_REQUEST_FIELDS: ReadonlySet<string> = new Set(Object.keys(RequestSchema.properties));

// Content: a string or a list of typed parts; each part is validated on its own by its `type`.
const PartList = Type.Array(Type.Object({ type: Type.String() }, open));
const Content = Type.Union([Type.String(), PartList]);
const Name = Nullable(Type.String());

export const SystemMessageSchema = Type.Object({ content: Content, name: Name }, open);
export const UserMessageSchema = Type.Object({ content: Content, name: Name }, open);

export const ToolCallSchema = Type.Object(
  {
    id: Type.String({ minLength: 1 }),
    type: Type.Optional(Type.Literal('function')),
    function: Type.Object({ name: FunctionName, arguments: Nullable(Type.String()) }, open),
  },
  open,
);

export const AssistantMessageSchema = Type.Object(
  {
    content: Nullable(Content),
    refusal: Nullable(Type.String()),
    reasoning_content: Nullable(Type.String()),
    tool_calls: Nullable(Type.Array(Type.Object({}, open))),
    function_call: Nullable(Type.Object({ name: FunctionName, arguments: Nullable(Type.String()) }, open)),
    name: Name,
  },
  open,
);

export const ToolMessageSchema = Type.Object(
  { tool_call_id: Type.String({ minLength: 1 }), content: Nullable(Content) },
  open,
);

export const FunctionMessageSchema = Type.Object({ name: FunctionName, content: Nullable(Type.String()) }, open);

export const TextPartSchema = Type.Object({ type: Type.Literal('text'), text: Type.String() }, open);
export const RefusalPartSchema = Type.Object({ type: Type.Literal('refusal'), refusal: Type.String() }, open);

export const ImageUrlPartSchema = Type.Object(
  {
    type: Type.Literal('image_url'),
    image_url: Type.Object({ url: Type.String({ minLength: 1 }), detail: Nullable(Type.String()) }, open),
  },
  open,
);

export const InputAudioPartSchema = Type.Object(
  {
    type: Type.Literal('input_audio'),
    input_audio: Type.Object(
      { data: Type.String({ minLength: 1 }), format: literals(['wav', 'mp3'] as const) },
      open,
    ),
  },
  open,
);

export const FilePartSchema = Type.Object(
  {
    type: Type.Literal('file'),
    file: Type.Object(
      { file_data: Nullable(Type.String()), file_id: Nullable(Type.String()), filename: Nullable(Type.String()) },
      open,
    ),
  },
  open,
);

export const FunctionToolSchema = Type.Object(
  {
    type: Type.Literal('function'),
    function: Type.Object(
      {
        name: FunctionName,
        description: Nullable(Type.String()),
        parameters: Nullable(Type.Object({}, open)),
        strict: Nullable(Type.Boolean()),
      },
      open,
    ),
  },
  open,
);

/** The deprecated top-level `functions[]` entries (same shape as a tool's `function`). */
export const LegacyFunctionSchema = FunctionToolSchema.properties.function;
