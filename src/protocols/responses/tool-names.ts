import { isRecord } from '../../util/json.ts';

/**
 * A client tool whose calls go back to the client in another form than a plain `function_call` of the
 * name the upstream saw.
 */
export interface ClientTool {
  /** A freeform tool (Codex's apply_patch): its calls are custom_tool_call items. */
  custom: boolean;
  /** The name the client declared. */
  name: string;
  /** The namespace the tool was declared in (Codex puts each MCP server's tools in one). */
  namespace?: string;
}

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

/**
 * The request's custom and namespaced tools, by the name they go upstream under, for the encoders that
 * turn the upstream's calls back into the client's items. The request body is the one source: decoding
 * and encoding read the same declarations. Never throws: bad input is decodeRequest's to report.
 */
export function clientTools(body: unknown): Map<string, ClientTool> {
  const tools = new Map<string, ClientTool>();
  if (!isRecord(body) || !Array.isArray(body.tools)) return tools;
  for (const t of body.tools) {
    if (!isRecord(t) || typeof t.name !== 'string') continue;
    if (t.type === 'custom') tools.set(t.name, { custom: true, name: t.name });
    if (t.type !== 'namespace' || !Array.isArray(t.tools)) continue;
    for (const member of t.tools) {
      if (!isRecord(member) || typeof member.name !== 'string') continue;
      tools.set(namespacedName(t.name, member.name), { custom: member.type === 'custom', name: member.name, namespace: t.name });
    }
  }
  return tools;
}
