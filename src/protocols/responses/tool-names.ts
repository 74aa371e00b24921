import { isRecord } from '../../util/json.ts';
import { APPLY_PATCH } from './apply-patch.ts';
import { SHELL, shellEnvironment, type ShellEnvironment } from './shell.ts';

/**
 * A client tool whose calls go back to the client in another form than a plain `function_call` of the
 * name the upstream saw.
 */
export interface ClientTool {
  /**
   * `custom`: a freeform tool (Codex's apply_patch), called with custom_tool_call items.
   * `tool_search`: the client's own tool search, called with tool_search_call items.
   * `function`: a namespace member, called with function_call items that name the namespace.
   * `apply_patch`, `shell`: OpenAI's client-run tools, called with apply_patch_call and shell_call items.
   */
  kind: 'function' | 'custom' | 'tool_search' | 'apply_patch' | 'shell';
  /** The name the client declared. */
  name: string;
  /** The namespace the tool was declared in (Codex puts each MCP server's tools in one). */
  namespace?: string;
  /** A shell's calls name the environment it was declared with. */
  environment?: ShellEnvironment;
}

/** The name a client-run tool search goes upstream under: the one the client gave its tool type. */
export const TOOL_SEARCH = 'tool_search';

/** OpenAI's limit on a function name, the strictest of the upstreams. */
const MAX_NAME = 64;

/**
 * The one function name a namespace member goes upstream under: no other API has namespaces. Codex
 * names MCP tools `mcp__<server>__<tool>` and bounds namespace plus name to 64 bytes, so the join is
 * the name a model has always seen for them; a longer one is cut and made unique with a hash.
 */
export function namespacedName(namespace: string, name: string): string {
  const flat = `${namespace}__${name}`;
  if (flat.length <= MAX_NAME) return flat;
  const hash = Bun.hash(flat).toString(16).padStart(16, '0').slice(0, 12);
  return `${flat.slice(0, MAX_NAME - hash.length - 1)}_${hash}`;
}

/** Whether a tool_search tool or item is one the client runs (the others are OpenAI's own). */
export const clientExecuted = (t: Record<string, unknown>): boolean => t.execution === 'client';

/**
 * The request's custom, namespaced, tool-search, apply_patch and shell tools, by the name they go upstream under, for the
 * encoders that turn the upstream's calls back into the client's items: those declared in `tools` or in
 * additional_tools input items, and those a client-run tool search found (tool_search_output items). The request body is the one source:
 * decoding and encoding read the same declarations. Never throws: bad input is decodeRequest's to report.
 */
export function clientTools(body: unknown): Map<string, ClientTool> {
  const tools = new Map<string, ClientTool>();
  if (!isRecord(body)) return tools;
  const add = (list: unknown): void => {
    if (!Array.isArray(list)) return;
    for (const t of list) {
      if (!isRecord(t)) continue;
      if (t.type === TOOL_SEARCH && clientExecuted(t)) tools.set(TOOL_SEARCH, { kind: 'tool_search', name: TOOL_SEARCH });
      if (t.type === APPLY_PATCH) tools.set(APPLY_PATCH, { kind: 'apply_patch', name: APPLY_PATCH });
      if (t.type === SHELL) tools.set(SHELL, { kind: 'shell', name: SHELL, environment: shellEnvironment(t) });
      if (typeof t.name !== 'string') continue;
      if (t.type === 'custom') tools.set(t.name, { kind: 'custom', name: t.name });
      if (t.type !== 'namespace' || !Array.isArray(t.tools)) continue;
      for (const member of t.tools) {
        if (!isRecord(member) || typeof member.name !== 'string') continue;
        const kind = member.type === 'custom' ? 'custom' : 'function';
        tools.set(namespacedName(t.name, member.name), { kind, name: member.name, namespace: t.name });
      }
    }
  };
  add(body.tools);
  if (Array.isArray(body.input)) {
    for (const item of body.input) {
      if (!isRecord(item)) continue;
      if (item.type === 'additional_tools' || (item.type === 'tool_search_output' && clientExecuted(item))) add(item.tools);
    }
  }
  return tools;
}
