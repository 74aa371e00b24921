import type { CanonicalRequest, OutputPart, StreamEvent, Usage } from '../core/index.ts';
import type { StreamDecoder } from '../protocols/types.ts';
import { estimateTokens } from './count-tokens.ts';

/**
 * Usage an upstream did not count, estimated as count_tokens estimates (about four characters a token).
 * An OpenAI-compatible server that ignores `stream_options.include_usage` (or refused it: refused-fields.ts)
 * reports nothing, and some report a prompt of 0 tokens (Ollama Cloud: diegosouzapw/OmniRoute#4615; z.ai:
 * archestra-ai/archestra#5914). Converted as zeros, Claude Code's context count stayed at 0 and it never
 * compacted, and the log and metrics counted the request free (api7/aisix#794, Wei-Shaw/sub2api#4856).
 * No prompt is 0 tokens, so a 0 is replaced; an output of 0 only when something was generated.
 */
export function withEstimates(usage: Usage, req: CanonicalRequest, outputChars: number | (() => number)): Usage {
  if (usage.inputTokens !== 0 && usage.outputTokens !== 0) return usage;
  // Counted only when needed: a whole answer's calls are serialised to count them.
  const chars = usage.outputTokens === 0 ? (typeof outputChars === 'number' ? outputChars : outputChars()) : 0;
  const input = usage.inputTokens === 0;
  const output = chars > 0;
  if (!input && !output) return usage;
  const out = { ...usage };
  if (input) out.inputTokens = estimateTokens(req);
  if (output) out.outputTokens = Math.ceil(chars / 4);
  return out;
}

/** Characters of what a whole answer generated: text, thinking, and each call's name and arguments. */
export function outputChars(content: readonly OutputPart[]): number {
  let chars = 0;
  for (const p of content) {
    if (p.type === 'text' || p.type === 'thinking') chars += p.text.length;
    else if (p.type === 'tool_call') chars += p.name.length + JSON.stringify(p.args).length;
  }
  return chars;
}

/** A stream decoder whose `finish` carries withEstimates' usage, counting the characters streamed before it. */
export function estimatingDecoder(inner: StreamDecoder, req: CanonicalRequest): StreamDecoder {
  let chars = 0;
  const pass = (events: StreamEvent[]): StreamEvent[] => {
    for (let i = 0; i < events.length; i++) {
      const ev = events[i]!;
      if (ev.type === 'text' || ev.type === 'thinking') chars += ev.text.length;
      else if (ev.type === 'tool_call_start') chars += ev.name.length;
      else if (ev.type === 'tool_call_delta') chars += ev.args.length;
      else if (ev.type === 'finish') {
        const usage = withEstimates(ev.usage, req, chars);
        if (usage !== ev.usage) events[i] = { ...ev, usage };
      }
    }
    return events;
  };
  return { message: (msg) => pass(inner.message(msg)), end: () => pass(inner.end()) };
}
