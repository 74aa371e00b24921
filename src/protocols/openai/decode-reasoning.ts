import type { ReasoningConfig, ReasoningEffort } from '../../core/request.ts';
import { isRecord, type JsonObject } from '../../util/json.ts';
import { REASONING_EFFORTS } from './schema.ts';
import { effortForLevel } from '../../core/reasoning.ts';

const isEffort = (v: unknown): v is ReasoningEffort => (REASONING_EFFORTS as readonly unknown[]).includes(v);
const isCount = (v: unknown): v is number => typeof v === 'number' && Number.isInteger(v);

/**
 * `reasoning_effort` is OpenAI's knob. OpenAI-compatible clients that see a Claude or Gemini model id
 * send that family's own instead, as the gateways they were written for take it: Cherry Studio sends
 * Anthropic's `thinking` for Claude models and Google's compat-layer `extra_body.google.thinking_config`
 * for Gemini 2.5 (`google` at the top level once the Python SDK merged extra_body); OpenRouter's
 * `reasoning` object is the other common form. reasoning_effort wins when both are sent.
 */
export function decodeReasoning(body: JsonObject, effort: ReasoningEffort | null | undefined): ReasoningConfig | undefined {
  if (effort != null) return { effort, enabled: effort !== 'none' };
  const extraBody = isRecord(body.extra_body) ? body.extra_body : undefined;
  const google = isRecord(extraBody?.google) ? extraBody.google : isRecord(body.google) ? body.google : undefined;
  return fromThinking(body.thinking) ?? fromGoogle(google?.thinking_config) ?? fromOpenRouter(body.reasoning);
}

/** Anthropic's `{type: "enabled", budget_tokens}`, `{type: "adaptive"}`, `{type: "disabled"}`. */
function fromThinking(t: unknown): ReasoningConfig | undefined {
  if (!isRecord(t)) return undefined;
  switch (t.type) {
    case 'enabled':
      return isCount(t.budget_tokens) && t.budget_tokens > 0 ? { enabled: true, budgetTokens: t.budget_tokens } : { enabled: true };
    case 'adaptive':
      return { enabled: true, adaptive: true };
    case 'disabled':
      return { enabled: false };
    default:
      return undefined; // Doubao's "auto" and the like: the model's default
  }
}

/** Google's `{thinking_budget, thinking_level, include_thoughts}`; -1 is "dynamic", 0 is off. */
function fromGoogle(c: unknown): ReasoningConfig | undefined {
  if (!isRecord(c)) return undefined;
  const r: ReasoningConfig = {};
  const level = typeof c.thinking_level === 'string' ? effortForLevel(c.thinking_level) : undefined;
  if (level) {
    r.effort = level;
    r.enabled = true;
  }
  if (isCount(c.thinking_budget)) {
    r.budgetTokens = c.thinking_budget;
    r.enabled = c.thinking_budget !== 0;
  }
  if (typeof c.include_thoughts === 'boolean') r.includeThoughts = c.include_thoughts;
  return Object.keys(r).length > 0 ? r : undefined;
}

/** OpenRouter's `{effort}` or `{max_tokens}`, `{enabled}`, and `{exclude}` for "think but don't show". */
function fromOpenRouter(o: unknown): ReasoningConfig | undefined {
  if (!isRecord(o)) return undefined;
  const r: ReasoningConfig = {};
  if (isEffort(o.effort)) {
    r.effort = o.effort;
    r.enabled = o.effort !== 'none';
  } else if (isCount(o.max_tokens) && o.max_tokens > 0) {
    r.budgetTokens = o.max_tokens;
    r.enabled = true;
  }
  if (typeof o.enabled === 'boolean') r.enabled = o.enabled;
  // OpenRouter documents bare `enabled: true` as medium effort.
  if (r.enabled === true && r.effort === undefined && r.budgetTokens === undefined) r.effort = 'medium';
  if (o.exclude === true) r.includeThoughts = false;
  return Object.keys(r).length > 0 ? r : undefined;
}
