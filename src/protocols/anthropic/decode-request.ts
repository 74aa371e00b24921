import type { Message, TextPart } from '../../core/index.ts';
import type {
  CanonicalRequest,
  ReasoningConfig,
  ResponseFormat,
  ToolChoice,
  ToolDefinition,
} from '../../core/request.ts';
import { badRequest } from '../../core/errors.ts';
import { isRecord, type JsonObject } from '../../util/json.ts';
import { checkers, type MessagesRequest } from './schema.ts';
import { validate } from './validate.ts';
import { decodeContent, type ContentContext } from './decode-content.ts';

/** Top-level fields this decoder maps; everything else lands in `extras.anthropic`. */
const KNOWN = new Set([
  'model',
  'max_tokens',
  'messages',
  'system',
  'tools',
  'tool_choice',
  'thinking',
  'output_config',
  'output_format',
  'stop_sequences',
  'temperature',
  'top_p',
  'top_k',
  'metadata',
  'stream',
]);

/** Validates an Anthropic Messages request body and maps it onto the canonical request. */
export function decodeRequest(body: unknown): CanonicalRequest {
  if (!isRecord(body)) throw badRequest('request body must be a JSON object');
  const wire = validate(checkers.request, withoutNullOptionals(body), '');
  const extras: JsonObject = {};
  for (const key of Object.keys(body)) if (!KNOWN.has(key)) extras[key] = body[key];

  const ctx: ContentContext = { toolNames: new Map() };
  const messages: Message[] = wire.messages.map((m, i) => ({
    role: m.role,
    content: decodeContent(m.content, m.role, `messages.${i}.content`, ctx),
  }));

  const req: CanonicalRequest = {
    model: wire.model,
    system: decodeSystem(wire.system),
    messages,
    tools: decodeTools(wire.tools, extras),
    maxTokens: wire.max_tokens,
    stream: wire.stream ?? false,
    extras: {},
  };
  const toolChoice = decodeToolChoice(wire.tool_choice);
  if (toolChoice) req.toolChoice = toolChoice;
  if (wire.tool_choice?.disable_parallel_tool_use === true) req.parallelToolCalls = false;
  if (wire.temperature !== undefined) req.temperature = wire.temperature;
  if (wire.top_p !== undefined) req.topP = wire.top_p;
  if (wire.top_k !== undefined) req.topK = wire.top_k;
  if (wire.stop_sequences !== undefined) req.stop = wire.stop_sequences;
  const reasoning = decodeReasoning(wire);
  if (reasoning) req.reasoning = reasoning;
  // The beta's output_format asks for the same as GA's output_config.format; the GA field wins.
  const beta = wire.output_format;
  const format = decodeOutputConfig(wire.output_config, extras) ?? (beta ? { type: 'json_schema', schema: beta.schema } : undefined);
  if (format) req.responseFormat = format;
  decodeMetadata(wire.metadata, req, extras);
  if (Object.keys(extras).length > 0) req.extras.anthropic = extras;
  return req;
}

/** Some clients send `null` for an unset optional field; that means absent, not a type error. */
function withoutNullOptionals(body: JsonObject): JsonObject {
  let out: JsonObject | undefined;
  for (const key of Object.keys(body)) {
    if (body[key] !== null || !KNOWN.has(key)) continue;
    out ??= { ...body };
    delete out[key];
  }
  return out ?? body;
}

function decodeSystem(system: MessagesRequest['system']): TextPart[] {
  if (system === undefined) return [];
  if (typeof system === 'string') return system ? [{ type: 'text', text: system }] : [];
  return system.map((block) => {
    const { type: _type, text, ...rest } = block;
    return Object.keys(rest).length > 0 ? { type: 'text', text, extras: { anthropic: rest } } : { type: 'text', text };
  });
}

/** Custom tools become canonical; server tools (`type: web_search_…`, `bash_…`) stay Anthropic-only. */
function decodeTools(tools: MessagesRequest['tools'], extras: JsonObject): ToolDefinition[] {
  if (!tools) return [];
  const out: ToolDefinition[] = [];
  const server: JsonObject[] = [];
  for (let i = 0; i < tools.length; i++) {
    const tool = tools[i]!;
    if (typeof tool.type === 'string' && tool.type !== 'custom') {
      server.push(tool);
      continue;
    }
    const t = validate(checkers.customTool, tool, `tools.${i}`);
    const def: ToolDefinition = { name: t.name, parameters: objectSchema(t.input_schema) };
    if (t.description !== undefined) def.description = t.description;
    if (typeof t.strict === 'boolean') def.strict = t.strict;
    out.push(def);
  }
  if (server.length > 0) extras.server_tools = server;
  return out;
}

function objectSchema(schema: JsonObject): JsonObject {
  return { ...schema, type: 'object', properties: isRecord(schema.properties) ? schema.properties : {} };
}

function decodeToolChoice(choice: MessagesRequest['tool_choice']): ToolChoice | undefined {
  if (!choice) return undefined;
  switch (choice.type) {
    case 'auto':
      return { type: 'auto' };
    case 'any':
      return { type: 'required' };
    case 'none':
      return { type: 'none' };
    case 'tool':
      if (!choice.name) throw badRequest('tool_choice.name: Field required', 'tool_choice.name');
      return { type: 'tool', name: choice.name };
  }
}

function decodeReasoning(wire: MessagesRequest): ReasoningConfig | undefined {
  let r: ReasoningConfig | undefined;
  const t = wire.thinking;
  if (t) {
    if (t.type === 'enabled') {
      if (t.budget_tokens === undefined) throw badRequest('thinking.budget_tokens: Field required', 'thinking.budget_tokens');
      r = { enabled: true, budgetTokens: t.budget_tokens };
    } else if (t.type === 'adaptive') r = { enabled: true, adaptive: true };
    // The current SDK's `between_tools` is thinking on, sized by the model; other protocols know no "when".
    else if (t.type === 'between_tools') r = { enabled: true };
    else r = { enabled: false };
    if (t.display === 'omitted') r.includeThoughts = false;
    else if (t.display === 'summarized') r.includeThoughts = true;
  }
  const effort = wire.output_config?.effort;
  if (effort) r = { ...r, effort };
  return r;
}

/** `format` becomes the canonical response format and `effort` was read above; any other key stays an extra. */
function decodeOutputConfig(config: MessagesRequest['output_config'], extras: JsonObject): ResponseFormat | undefined {
  if (!config) return undefined;
  const { effort: _effort, format, ...rest } = config;
  if (Object.keys(rest).length > 0) extras.output_config = rest;
  return format ? { type: 'json_schema', schema: format.schema } : undefined;
}

function decodeMetadata(metadata: MessagesRequest['metadata'], req: CanonicalRequest, extras: JsonObject): void {
  if (!metadata) return;
  const { user_id, ...rest } = metadata;
  if (user_id) req.user = user_id;
  if (Object.keys(rest).length > 0) extras.metadata = rest;
}
