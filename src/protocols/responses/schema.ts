import { Type, type TLiteral, type TSchema } from '@sinclair/typebox';
import { REASONING_EFFORTS } from '../openai/schema.ts';

/**
 * TypeBox schemas of the Responses request: only the structure the decoder relies on, every object
 * open (the API grows fields often). Validation is staged (top level, then each item by its type,
 * then each part) so an error names the deepest offending path, e.g. `input.3.content.0.text`.
 */
const open = { additionalProperties: true } as const;

/** The SDK sends `null` for "not set" on most optional fields. */
const Nullable = <T extends TSchema>(t: T) => Type.Optional(Type.Union([t, Type.Null()]));

const literals = <const T extends readonly string[]>(values: T) =>
  Type.Union(values.map((v) => Type.Literal(v)) as Array<TLiteral<T[number]>>);

const Name = Type.String({ minLength: 1 });
const Id = Type.String({ minLength: 1 });
const AnyObject = Type.Object({}, open);
const Typed = Type.Object({ type: Type.String() }, open);

export const RequestSchema = Type.Object(
  {
    model: Type.String({ minLength: 1 }),
    input: Type.Union([Type.String(), Type.Array(AnyObject, { minItems: 1 })]),
    instructions: Nullable(Type.String()),
    tools: Nullable(Type.Array(Typed)),
    tool_choice: Nullable(Type.Union([literals(['none', 'auto', 'required'] as const), Typed])),
    parallel_tool_calls: Nullable(Type.Boolean()),
    max_output_tokens: Nullable(Type.Integer({ minimum: 1 })),
    temperature: Nullable(Type.Number({ minimum: 0, maximum: 2 })),
    top_p: Nullable(Type.Number({ minimum: 0, maximum: 1 })),
    reasoning: Nullable(
      Type.Object(
        { effort: Nullable(literals(REASONING_EFFORTS)), summary: Nullable(Type.String()), generate_summary: Nullable(Type.String()) },
        open,
      ),
    ),
    text: Nullable(Type.Object({ format: Nullable(Typed), verbosity: Nullable(Type.String()) }, open)),
    stream: Nullable(Type.Boolean()),
    user: Nullable(Type.String()),
    safety_identifier: Nullable(Type.String()),
    prompt_cache_key: Nullable(Type.String()),
    previous_response_id: Nullable(Type.String()),
    background: Nullable(Type.Boolean()),
  },
  open,
);

// ── input items ──

const Content = Type.Union([Type.String(), Type.Array(Typed)]);

export const MESSAGE_ROLES = ['user', 'assistant', 'system', 'developer'] as const;

export const MessageItemSchema = Type.Object({ role: literals(MESSAGE_ROLES), content: Content }, open);

export const FunctionCallSchema = Type.Object(
  { call_id: Id, name: Name, arguments: Nullable(Type.String()), namespace: Nullable(Type.String({ minLength: 1 })) },
  open,
);

export const CustomToolCallSchema = Type.Object({ call_id: Id, name: Name, input: Type.String(), namespace: Nullable(Type.String()) }, open);

/** A client-run tool search's call; its arguments are an object (codex-rs ResponseItem::ToolSearchCall). */
export const ToolSearchCallSchema = Type.Object(
  { call_id: Id, arguments: Nullable(Type.Union([AnyObject, Type.String()])) },
  open,
);

/** What a client-run tool search found: tool declarations, as in `tools`. */
export const ToolSearchOutputSchema = Type.Object({ call_id: Id, tools: Type.Array(Typed) }, open);

/** An output Codex injects that answers no call (it has no call_id): only the tool's name says what it is. */
export const StandaloneOutputSchema = Type.Object({ output: Content, name: Nullable(Type.String()), namespace: Nullable(Type.String()) }, open);

/**
 * Codex's multi-agent message between agents (a spawned agent's task, its reply): text parts, and the
 * message the model wrote as an `encrypted_content` part, which is ciphertext only when OpenAI wrote it.
 */
export const AgentMessageSchema = Type.Object(
  {
    author: Nullable(Type.String()),
    recipient: Nullable(Type.String()),
    content: Nullable(Type.Union([Type.String(), Type.Array(Type.Object({ type: Type.String(), text: Type.Optional(Type.Unknown()), encrypted_content: Type.Optional(Type.Unknown()) }, open))])),
  },
  open,
);

/** Tools declared in `input` (Codex 0.144+ sends its tools only there): tool declarations as in `tools`. */
export const AdditionalToolsSchema = Type.Object({ tools: Type.Array(Typed) }, open);

/** What a compaction left in place of the conversation it summarised (OpenAI's opaque, or ours: compact.ts). */
export const CompactionItemSchema = Type.Object({ encrypted_content: Type.String({ minLength: 1 }) }, open);

/** function_call_output and custom_tool_call_output. */
export const ToolOutputSchema = Type.Object({ call_id: Id, output: Content }, open);

export const ReasoningItemSchema = Type.Object(
  {
    summary: Nullable(Type.Array(Type.Object({ type: Type.Literal('summary_text'), text: Type.String() }, open))),
    // Codex also knows `text` parts here (codex-rs protocol/src/models.rs ReasoningItemContent::Text).
    content: Nullable(Type.Array(Type.Object({ type: literals(['reasoning_text', 'text'] as const), text: Type.String() }, open))),
    encrypted_content: Nullable(Type.String()),
  },
  open,
);

// ── content parts ──

export const InputTextSchema = Type.Object({ type: Type.Literal('input_text'), text: Type.String() }, open);
export const OutputTextSchema = Type.Object({ type: Type.Literal('output_text'), text: Type.String() }, open);
export const RefusalSchema = Type.Object({ type: Type.Literal('refusal'), refusal: Type.String() }, open);

export const InputImageSchema = Type.Object(
  {
    type: Type.Literal('input_image'),
    image_url: Nullable(Type.String()),
    file_id: Nullable(Type.String()),
    detail: Nullable(Type.String()),
  },
  open,
);

export const InputFileSchema = Type.Object(
  {
    type: Type.Literal('input_file'),
    file_data: Nullable(Type.String()),
    file_url: Nullable(Type.String()),
    file_id: Nullable(Type.String()),
    filename: Nullable(Type.String()),
  },
  open,
);

export const InputAudioSchema = Type.Object(
  {
    type: Type.Literal('input_audio'),
    input_audio: Type.Object({ data: Type.String({ minLength: 1 }), format: literals(['wav', 'mp3'] as const) }, open),
  },
  open,
);

// ── tools ──

export const FunctionToolSchema = Type.Object(
  {
    type: Type.Literal('function'),
    name: Name,
    description: Nullable(Type.String()),
    parameters: Nullable(AnyObject),
    strict: Nullable(Type.Boolean()),
  },
  open,
);

export const CustomToolSchema = Type.Object(
  {
    type: Type.Literal('custom'),
    name: Name,
    description: Nullable(Type.String()),
    format: Nullable(Type.Object({ type: literals(['text', 'grammar'] as const) }, open)),
  },
  open,
);

/** A group of tools (Codex puts each MCP server's tools in one); its members are function or custom tools. */
export const NamespaceToolSchema = Type.Object(
  {
    type: Type.Literal('namespace'),
    name: Name,
    description: Nullable(Type.String()),
    tools: Type.Array(Typed, { minItems: 1 }),
  },
  open,
);

export const ToolSearchToolSchema = Type.Object(
  {
    type: Type.Literal('tool_search'),
    execution: Nullable(Type.String()),
    description: Nullable(Type.String()),
    parameters: Nullable(AnyObject),
  },
  open,
);

export const GrammarFormatSchema = Type.Object(
  { type: Type.Literal('grammar'), syntax: Type.String(), definition: Type.String() },
  open,
);

export const NamedToolChoiceSchema = Type.Object(
  { type: literals(['function', 'custom'] as const), name: Name, namespace: Nullable(Type.String({ minLength: 1 })) },
  open,
);

export const AllowedToolsChoiceSchema = Type.Object(
  { type: Type.Literal('allowed_tools'), mode: literals(['auto', 'required'] as const), tools: Type.Array(AnyObject) },
  open,
);

export const JsonSchemaFormatSchema = Type.Object(
  {
    type: Type.Literal('json_schema'),
    name: Nullable(Type.String()),
    schema: AnyObject,
    strict: Nullable(Type.Boolean()),
    description: Nullable(Type.String()),
  },
  open,
);
