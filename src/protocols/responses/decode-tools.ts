import { badRequest } from '../../core/errors.ts';
import type { ToolChoice, ToolDefinition } from '../../core/request.ts';
import { toolDefinition } from '../openai/decode-request.ts';
import { expectShape } from '../openai/validate.ts';
import {
  AllowedToolsChoiceSchema,
  CustomToolSchema,
  FunctionToolSchema,
  GrammarFormatSchema,
  NamedToolChoiceSchema,
  NamespaceToolSchema,
  ToolSearchToolSchema,
} from './schema.ts';
import { APPLY_PATCH, applyPatchTool } from './apply-patch.ts';
import { SHELL, shellTool } from './shell.ts';
import { clientExecuted, namespacedName, TOOL_SEARCH } from './tool-names.ts';

/**
 * OpenAI's hosted web search. Codex sends `{type:"web_search", external_web_access:false}` with every
 * request unless configured `web_search = "disabled"` (codex-rs core/src/config: web_search_mode
 * defaults to Cached; core/src/tools/spec.rs pushes ToolSpec::WebSearch for Cached and Live). It is an
 * offer the model may ignore, so it is dropped: refusing it would refuse every default Codex request.
 */
const WEB_SEARCH_TOOLS = new Set(['web_search', 'web_search_2025_08_26', 'web_search_preview', 'web_search_preview_2025_03_11']);

/**
 * OpenAI's hosted image generation. Codex adds `{type:"image_generation", …}` to its requests whatever
 * the provider, and `[features] image_generation = false` does not stop it (openai/codex#30557,
 * caozhiyuan/copilot-api#220): an offer like web search, dropped the same way.
 */
const IMAGE_GENERATION = 'image_generation';

/** Tools OpenAI runs itself: no other upstream has them, so they are refused rather than dropped (web search
 * and image generation only when tool_choice forces them, which cannot be honoured). */
const HOSTED_TOOLS = new Set([
  ...WEB_SEARCH_TOOLS,
  'file_search',
  'computer',
  'computer_use',
  'computer_use_preview',
  'code_interpreter',
  'image_generation',
  'local_shell',
  'mcp',
  'tool_search',
  'programmatic_tool_calling',
]);

const hostedRefused = (type: string, path: string) =>
  badRequest(`${path}: ${type} is an OpenAI-hosted tool; aiproxy converts function, custom, apply_patch and local shell tools only`, path);

/** OpenAI's tools the client runs, offered to other upstreams as functions of these names (apply-patch.ts, shell.ts). */
const CLIENT_RUN = new Set([APPLY_PATCH, SHELL]);

/**
 * `tools`, then the tools a client-run tool search found (tool_search_output items in `input`, decoded
 * there by decodeTool) → canonical definitions. Function tools are flat here (no `function` wrapper). A
 * found tool is offered to the upstream model like a declared one, since it can only call what it was
 * given; one already offered under the same name is not offered twice.
 */
export function decodeTools(raw: ReadonlyArray<{ type: string }>, found: readonly ToolDefinition[] = []): ToolDefinition[] {
  const out = raw.flatMap((tool, i) => decodeTool(tool, `tools.${i}`));
  refuseNameClash(raw, out);
  const names = new Set(out.map((t) => t.name));
  for (const def of found) {
    if (names.has(def.name)) continue;
    names.add(def.name);
    out.push(def);
  }
  return out;
}

/**
 * apply_patch and shell take their function's name upstream; a function or custom tool of the same
 * name beside them would make the upstream's calls ambiguous (and Codex's own `shell` function and
 * freeform `apply_patch` are such tools), so the pair is a 400 naming the built-in.
 */
function refuseNameClash(raw: ReadonlyArray<{ type: string }>, decoded: readonly ToolDefinition[]): void {
  raw.forEach((tool, i) => {
    if (!CLIENT_RUN.has(tool.type)) return;
    if (decoded.filter((d) => d.name === tool.type).length > 1) {
      throw badRequest(`tools.${i}.type: ${tool.type} goes to this upstream as a function named "${tool.type}", and another tool has that name`, `tools.${i}.type`);
    }
  });
}

/** One tool declaration → the canonical definitions it stands for (none, one, or a namespace's members). */
export function decodeTool(tool: { type: string }, path: string): ToolDefinition[] {
  switch (tool.type) {
    case 'function':
      return [toolDefinition(expectShape(FunctionToolSchema, tool, path))];
    case 'custom':
      return [customTool(tool, path)];
    case 'namespace':
      return namespaceTools(tool, path);
    case TOOL_SEARCH:
      return toolSearch(tool, path);
    case APPLY_PATCH:
      return [applyPatchTool()];
    case SHELL:
      return [shellTool(tool, path)];
    default:
      if (WEB_SEARCH_TOOLS.has(tool.type) || tool.type === IMAGE_GENERATION) return [];
      if (HOSTED_TOOLS.has(tool.type)) throw hostedRefused(tool.type, `${path}.type`);
      throw badRequest(
        `${path}.type: tool type ${JSON.stringify(tool.type)} is not supported; only "function", "custom", "namespace", "tool_search", "apply_patch" and "shell" tools are`,
        `${path}.type`,
      );
  }
}

/**
 * A tool search the client runs itself (`execution: "client"`: Codex, when it holds back MCP tools
 * until the model looks for them) is a function like any other: its calls go back as tool_search_call
 * items, and what it found comes back in tool_search_output items (decode-items.ts). OpenAI's own
 * search (`execution: "server"`) is dropped: no other upstream can hold tools back, so the tools the
 * client marked `defer_loading` are simply offered from the start.
 */
function toolSearch(tool: { type: string }, path: string): ToolDefinition[] {
  const t = expectShape(ToolSearchToolSchema, tool, path);
  if (!clientExecuted(t)) return [];
  const def: ToolDefinition = {
    name: TOOL_SEARCH,
    parameters: t.parameters ?? {
      type: 'object',
      properties: { query: { type: 'string', description: 'What to search the available tools for.' } },
      required: ['query'],
    },
  };
  def.description = t.description || 'Searches the tools that are available but not yet loaded, and loads those that match.';
  return [def];
}

/**
 * A custom (freeform) tool, such as Codex's apply_patch, takes raw text rather than JSON. Other upstreams
 * only have JSON functions, so it goes as a function with one string argument `input`, its grammar told
 * to the model in the description; the encoders turn its calls back into custom_tool_call items.
 */
function customTool(tool: unknown, path: string): ToolDefinition {
  const t = expectShape(CustomToolSchema, tool, path);
  let description = t.description ?? '';
  if (t.format?.type === 'grammar') {
    const g = expectShape(GrammarFormatSchema, t.format, `${path}.format`);
    const grammar =
      `The input must be text in the following ${g.syntax} grammar, passed as-is ` +
      `(not JSON-encoded, no code fences):\n${g.definition}`;
    description = description ? `${description}\n\n${grammar}` : grammar;
  }
  const def: ToolDefinition = {
    name: t.name,
    parameters: {
      type: 'object',
      properties: { input: { type: 'string', description: 'The raw input for this tool, as free-form text.' } },
      required: ['input'],
    },
  };
  if (description) def.description = description;
  return def;
}

/**
 * A namespace's members, each a tool of its own upstream under `<namespace>__<name>` (tool-names.ts);
 * the encoders give their calls back with the member's name and the namespace. A member without a
 * description gets the namespace's, which tells the model what the group is for.
 */
function namespaceTools(tool: unknown, path: string): ToolDefinition[] {
  const ns = expectShape(NamespaceToolSchema, tool, path);
  return ns.tools.map((member, j) => {
    const at = `${path}.tools.${j}`;
    let def: ToolDefinition;
    if (member.type === 'function') def = toolDefinition(expectShape(FunctionToolSchema, member, at));
    else if (member.type === 'custom') def = customTool(member, at);
    else throw badRequest(`${at}.type: a namespace holds "function" and "custom" tools, not ${JSON.stringify(member.type)}`, `${at}.type`);
    def.name = namespacedName(ns.name, def.name);
    if (!def.description && ns.description) def.description = ns.description;
    return def;
  });
}

export function decodeToolChoice(choice: string | { type: string }): ToolChoice {
  if (typeof choice === 'string') return { type: choice as 'none' | 'auto' | 'required' };
  switch (choice.type) {
    case 'function':
    case 'custom': {
      const named = expectShape(NamedToolChoiceSchema, choice, 'tool_choice');
      return { type: 'tool', name: named.namespace ? namespacedName(named.namespace, named.name) : named.name };
    }
    case APPLY_PATCH:
    case SHELL:
      return { type: 'tool', name: choice.type };
    case 'allowed_tools':
      // Narrowing to a subset has no canonical form; the mode still says whether a call is required.
      return { type: expectShape(AllowedToolsChoiceSchema, choice, 'tool_choice').mode };
    default:
      if (HOSTED_TOOLS.has(choice.type)) throw hostedRefused(choice.type, 'tool_choice.type');
      throw badRequest(`tool_choice.type: ${JSON.stringify(choice.type)} is not supported`, 'tool_choice.type');
  }
}
