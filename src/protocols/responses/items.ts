import type { Signature, SignatureFamily } from '../../core/content.ts';
import { randomId } from '../../core/ids.ts';
import { isRecord, tryParseJson } from '../../util/json.ts';
import { applyPatchCallItem, applyPatchCallItemId, type ApplyPatchCallItem } from './apply-patch.ts';
import { shellCallItem, shellCallItemId, type ShellCallItem } from './shell.ts';
import type { ClientTool } from './tool-names.ts';

/**
 * Output items as the Responses API writes them, shared by the non-streaming and the streaming encoder
 * so that `response.completed` carries exactly what a non-streaming answer would.
 */

export interface SummaryText {
  type: 'summary_text';
  text: string;
}

export interface ReasoningItem {
  id: string;
  type: 'reasoning';
  summary: SummaryText[];
  encrypted_content?: string;
}

export interface OutputText {
  type: 'output_text';
  annotations: [];
  logprobs: [];
  text: string;
}

/** The model declined: the API's own part for it, which the openai SDK's parse helpers leave unparsed. */
export interface RefusalContent {
  type: 'refusal';
  refusal: string;
}

export interface MessageItem {
  id: string;
  type: 'message';
  status: 'in_progress' | 'completed';
  content: Array<OutputText | RefusalContent>;
  role: 'assistant';
}

export interface FunctionCallItem {
  id: string;
  type: 'function_call';
  status: 'in_progress' | 'completed';
  arguments: string;
  call_id: string;
  name: string;
  /** The namespace the client declared the tool in. */
  namespace?: string;
}

export interface CustomToolCallItem {
  id: string;
  type: 'custom_tool_call';
  status: 'in_progress' | 'completed';
  call_id: string;
  input: string;
  name: string;
  /** The namespace the client declared the tool in (Codex's `functions` for its `exec`). */
  namespace?: string;
}

/** A call of the client's own tool search (codex-rs ResponseItem::ToolSearchCall): arguments as an object. */
export interface ToolSearchCallItem {
  id: string;
  type: 'tool_search_call';
  status: 'in_progress' | 'completed';
  call_id: string;
  execution: 'client';
  arguments: Record<string, unknown>;
}

/**
 * An image the model answered (a Gemini image model's), in the API's item for its own image tool: the
 * base64 in `result`. Sent back in a later request, it is skipped as a replayed hosted-tool item.
 */
export interface ImageGenerationCallItem {
  id: string;
  type: 'image_generation_call';
  status: 'completed';
  result: string;
}

export type OutputItem =
  | ReasoningItem
  | MessageItem
  | FunctionCallItem
  | CustomToolCallItem
  | ToolSearchCallItem
  | ImageGenerationCallItem
  | ApplyPatchCallItem
  | ShellCallItem;

// The API's own prefixes: clients (and the SDK's item bookkeeping) key items by these ids.
export const responseItemId = (): string => `resp_${randomId(32)}`;
export const reasoningItemId = (): string => `rs_${randomId(32)}`;
export const messageItemId = (): string => `msg_${randomId(32)}`;
export const functionCallItemId = (): string => `fc_${randomId(32)}`;
export const customToolCallItemId = (): string => `ctc_${randomId(32)}`;
export const toolSearchCallItemId = (): string => `tsc_${randomId(32)}`;
export const imageItem = (result: string): ImageGenerationCallItem => ({ id: `ig_${randomId(32)}`, type: 'image_generation_call', status: 'completed', result });

/** A new id for a call item of the client tool's kind (a plain function when it has none). */
export function callItemId(kind: ClientTool['kind'] | undefined): string {
  switch (kind) {
    case 'custom':
      return customToolCallItemId();
    case 'tool_search':
      return toolSearchCallItemId();
    case 'apply_patch':
      return applyPatchCallItemId();
    case 'shell':
      return shellCallItemId();
    default:
      return functionCallItemId();
  }
}

/** The id shown to the client: the upstream's own, prefixed so it reads like a response id and stays traceable. */
export function clientResponseId(id: string | undefined): string {
  if (!id) return responseItemId();
  return id.startsWith('resp_') ? id : `resp_${id}`;
}

export function reasoningItem(id: string, text: string, encrypted?: string): ReasoningItem {
  const item: ReasoningItem = { id, type: 'reasoning', summary: text ? [{ type: 'summary_text', text }] : [] };
  if (encrypted !== undefined) item.encrypted_content = encrypted;
  return item;
}

export const outputText = (text: string): OutputText => ({ type: 'output_text', annotations: [], logprobs: [], text });

/** A message of one text part; `refusal`: the model declined (TextPart's `refusal`), said in a refusal part. */
export function messageItem(id: string, text: string, refusal = false): MessageItem {
  const part: OutputText | RefusalContent = refusal ? { type: 'refusal', refusal: text } : outputText(text);
  return { id, type: 'message', status: 'completed', content: [part], role: 'assistant' };
}

export function functionCallItem(id: string, callId: string, name: string, args: string, namespace?: string): FunctionCallItem {
  const item: FunctionCallItem = { id, type: 'function_call', status: 'completed', arguments: args, call_id: callId, name };
  if (namespace !== undefined) item.namespace = namespace;
  return item;
}

export function customToolCallItem(id: string, callId: string, name: string, input: string, namespace?: string): CustomToolCallItem {
  const item: CustomToolCallItem = { id, type: 'custom_tool_call', status: 'completed', call_id: callId, input, name };
  if (namespace !== undefined) item.namespace = namespace;
  return item;
}

export function toolSearchCallItem(id: string, callId: string, args: Record<string, unknown>): ToolSearchCallItem {
  return { id, type: 'tool_search_call', status: 'completed', call_id: callId, execution: 'client', arguments: args };
}

/**
 * A client tool's call as the client knows it: a custom_tool_call, a tool_search_call, an
 * apply_patch_call, a shell_call, or a function_call under the tool's own name (and namespace). `tool` is the client's declaration of the
 * name the upstream called, if it is not a plain function (tool-names.ts).
 */
export function callItem(tool: ClientTool | undefined, callId: string, upstreamName: string, args: Record<string, unknown>): OutputItem {
  const id = callItemId(tool?.kind);
  switch (tool?.kind) {
    case 'custom':
      return customToolCallItem(id, callId, tool.name, customToolInput(args), tool.namespace);
    case 'tool_search':
      return toolSearchCallItem(id, callId, args);
    case 'apply_patch':
      return applyPatchCallItem(id, callId, args);
    case 'shell':
      return shellCallItem(id, callId, args, tool.environment ?? null);
    default:
      return functionCallItem(id, callId, tool?.name ?? upstreamName, JSON.stringify(args), tool?.namespace);
  }
}

/**
 * A custom tool goes upstream as a function taking `{input: string}` (decode-tools.ts); its call comes
 * back to the client as the raw input. Arguments without a string `input` are passed on as JSON
 * rather than lost.
 */
export function customToolInput(args: Record<string, unknown>): string {
  return typeof args.input === 'string' ? args.input : JSON.stringify(args);
}

// ── Reasoning continuity ────────────────────────────────────────────────────────────────────────
//
// Anthropic thinking signatures, redacted thinking and Gemini thought signatures have no field of their
// own in the Responses API. A reasoning item's `encrypted_content` is the one opaque string clients
// replay verbatim (Codex sends include:["reasoning.encrypted_content"] with store:false and returns
// reasoning items as they came), so the proxy's tokens travel there, marked as ours. A compaction
// item's `encrypted_content` carries the summary it stands for the same way. Thinking with no signature
// (Gemini thought parts, reasoning_content) carries a token too: a reasoning item without
// encrypted_content is one OpenAI refuses with store:false, and only the mark lets own-items.ts tell it
// from OpenAI's own and leave it out when the conversation goes back to OpenAI.

const PREFIX = 'aiproxy:';

/** What an aiproxy `encrypted_content` carries. */
export type Continuity =
  /** A thinking block's signature. */
  | { kind: 'thinking'; signature: Signature }
  /** Thinking that had no signature: the item's summary is all there is to it. */
  | { kind: 'unsigned' }
  /** Anthropic redacted thinking. */
  | { kind: 'redacted'; data: string }
  /** A signature that belongs to the tool call right after this reasoning item (Gemini). */
  | { kind: 'tool'; signature: Signature }
  /** What a compaction item stands for: the summary of the conversation it replaced (compact.ts). */
  | { kind: 'summary'; text: string };

/** Whether an `encrypted_content` is aiproxy's rather than OpenAI's. */
export const isOwnToken = (raw: string): boolean => raw.startsWith(PREFIX);

export function encodeContinuity(c: Continuity): string {
  return PREFIX + Buffer.from(JSON.stringify(continuityPayload(c))).toString('base64url');
}

function continuityPayload(c: Continuity): Record<string, unknown> {
  switch (c.kind) {
    case 'redacted':
      return { r: c.data };
    case 'summary':
      return { s: c.text };
    case 'unsigned':
      return { u: true };
    case 'tool':
      return { f: c.signature.family, v: c.signature.value, tool: true };
    case 'thinking':
      return { f: c.signature.family, v: c.signature.value };
  }
}

/**
 * Reads an `encrypted_content`. `foreign` is a real OpenAI blob (only OpenAI can read it); undefined
 * is ours but unreadable, which drops the token rather than failing the request: the conversation
 * still goes through, only without that continuity.
 */
export function decodeContinuity(raw: string): Continuity | 'foreign' | undefined {
  if (!isOwnToken(raw)) return 'foreign';
  const json = tryParseJson(Buffer.from(raw.slice(PREFIX.length), 'base64url').toString('utf8'));
  if (!isRecord(json)) return undefined;
  if (typeof json.r === 'string') return { kind: 'redacted', data: json.r };
  if (typeof json.s === 'string') return { kind: 'summary', text: json.s };
  if (json.u === true) return { kind: 'unsigned' };
  if (!isFamily(json.f) || typeof json.v !== 'string' || !json.v) return undefined;
  const signature: Signature = { family: json.f, value: json.v };
  return json.tool === true ? { kind: 'tool', signature } : { kind: 'thinking', signature };
}

/** The families a token of ours may name; any other is unreadable, and dropped as above. */
const FAMILIES: ReadonlySet<unknown> = new Set<SignatureFamily>(['anthropic', 'gemini', 'code-assist', 'openai']);
const isFamily = (f: unknown): f is SignatureFamily => FAMILIES.has(f);
