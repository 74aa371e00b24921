import type { Part, TextPart } from '../../core/content.ts';
import type { Message } from '../../core/request.ts';
import { isRecord } from '../../util/json.ts';

/**
 * Roo Code and Kilo Code (OpenAI Compatible provider with prompt caching on), and Cline through
 * LiteLLM, mark Claude's prompt-cache breakpoints the way OpenRouter and LiteLLM take them: Anthropic's
 * `cache_control` on a text part. It rides along for an Anthropic upstream; no other encoder reads it.
 */
export function textPartFrom(text: string, cacheControl: unknown): TextPart {
  if (!isRecord(cacheControl) || cacheControl.type !== 'ephemeral') return { type: 'text', text };
  return { type: 'text', text, extras: { anthropic: { cache_control: cacheControl } } };
}

/** Anthropic answers 400 to more: "A maximum of 4 blocks with cache_control may be provided". */
const MAX_BREAKPOINTS = 4;

/**
 * Keeps the last four breakpoints (`max`), in the order Anthropic renders the prompt (system, then turns):
 * the later a breakpoint, the longer the prefix it caches.
 */
export function capBreakpoints(system: TextPart[], messages: Message[], max = MAX_BREAKPOINTS): void {
  const marked: TextPart[] = [];
  const visit = (parts: ReadonlyArray<Part>): void => {
    for (const p of parts) {
      if (p.type === 'text' && p.extras?.anthropic?.cache_control !== undefined) marked.push(p);
      else if (p.type === 'tool_result') visit(p.content);
    }
  };
  visit(system);
  for (const m of messages) visit(m.content);
  for (const p of marked.slice(0, Math.max(0, marked.length - max))) delete p.extras;
}

/**
 * OpenRouter's automatic caching, which Anthropic's API takes as it is: one `cache_control` at the top of
 * the request, and the breakpoint moves to the last cacheable block every turn (laravel-openrouter#96,
 * epam/ai-dial-sdk#374 send it in a Chat Completions body). It rides along for an Anthropic upstream and
 * takes one of the four breakpoints ("A maximum of 4 blocks with cache_control may be provided. Found 5":
 * coder/mux#3112), so the client's marked parts keep three.
 */
export function automaticCaching(body: Record<string, unknown>, system: TextPart[], messages: Message[]): Record<string, unknown> | undefined {
  const cc = body.cache_control;
  if (!isRecord(cc) || cc.type !== 'ephemeral') return undefined;
  capBreakpoints(system, messages, MAX_BREAKPOINTS - 1);
  return { cache_control: cc };
}
