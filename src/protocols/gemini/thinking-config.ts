import { effortForLevel, reasoningBudget, reasoningEffort } from '../../core/reasoning.ts';
import type { ReasoningConfig, ReasoningEffort } from '../../core/request.ts';
import { isRecord, type JsonObject } from '../../util/json.ts';
import { canThink, thinkingLevels } from './model-rules.ts';

/**
 * Efforts a model has no level of its own for: these map to its lowest level (Gemini 3 Pro's LOW, Gemma
 * 4's and Gemini 3 Flash's MINIMAL, "none" included, as no Gemini 3 model stops thinking); the rest to HIGH.
 */
const LOW_EFFORTS = new Set<ReasoningEffort>(['none', 'minimal', 'low']);

/** The level for an effort: the model's own level of that name, else its lowest or its highest. */
function levelFor(effort: ReasoningEffort, levels: readonly string[]): string {
  const named = effort.toUpperCase();
  if (effort !== 'none' && levels.includes(named)) return named;
  return LOW_EFFORTS.has(effort) ? levels[0]! : levels[levels.length - 1]!;
}

/** The thinkingBudget a model accepts (protocols.md §3.2); -1 (dynamic) is always allowed. */
function clampBudget(budget: number, model: string): number {
  if (budget === -1) return -1;
  if (model.includes('2.5-pro')) return Math.min(32768, Math.max(128, budget)); // cannot be switched off
  if (model.includes('2.5-flash-lite')) return budget === 0 ? 0 : Math.min(24576, Math.max(512, budget));
  if (model.includes('2.5-flash')) return Math.min(24576, Math.max(0, budget));
  return budget;
}

/**
 * Canonical reasoning → generationConfig.thinkingConfig for `model`. Gemini 3 and Gemma 4 take a level,
 * older models a budget; sending both is a 400, and so is any thinkingConfig on models that cannot think
 * (model-rules.ts).
 */
export function thinkingConfigFor(r: ReasoningConfig | undefined, model: string): JsonObject | undefined {
  if (!r) return undefined;
  const m = model.toLowerCase();
  if (!canThink(m)) return undefined;

  const cfg: JsonObject = {};
  const budget = reasoningBudget(r);
  const on = r.enabled !== false && (r.enabled === true || r.adaptive === true || (budget !== undefined && budget !== 0));
  const levels = thinkingLevels(m);
  if (levels) {
    const effort = reasoningEffort(r);
    if (effort !== undefined) cfg.thinkingLevel = levelFor(effort, levels);
  } else {
    // "On" without a size (Anthropic adaptive) is Gemini's dynamic budget.
    const wanted = budget ?? (r.enabled === true || r.adaptive === true ? -1 : undefined);
    if (wanted !== undefined) cfg.thinkingBudget = clampBudget(wanted, m);
  }
  const include = r.includeThoughts ?? (on ? true : undefined);
  if (include !== undefined) cfg.includeThoughts = include;
  return Object.keys(cfg).length > 0 ? cfg : undefined;
}

/**
 * A Gemini client's own body for another Gemini model (a model_map alias, relayed as it came): its
 * thinkingConfig said the way the target takes it, or undefined when nothing needs to change. Gemini
 * CLI asks gemini-3 models for a thinkingLevel and its helper calls for thinkingBudget 0; mapped to
 * gemini-2.5-pro those are 400s ("Thinking level is not supported for this model", "Budget 0 is invalid").
 */
export function thinkingForModel(body: JsonObject, model: string): JsonObject | undefined {
  const gc = body.generationConfig;
  if (!isRecord(gc) || !isRecord(gc.thinkingConfig)) return undefined;
  const tc = gc.thinkingConfig;
  // A level to a model that takes levels stays as the client chose it (gemini-3-flash takes all four).
  if (typeof tc.thinkingLevel === 'string' && thinkingLevels(model.toLowerCase())) return undefined;
  const r: ReasoningConfig = {};
  if (typeof tc.thinkingLevel === 'string') {
    r.effort = effortForLevel(tc.thinkingLevel) ?? 'medium';
    r.enabled = true;
  }
  if (typeof tc.thinkingBudget === 'number') {
    r.budgetTokens = tc.thinkingBudget;
    r.enabled = tc.thinkingBudget !== 0;
  }
  if (typeof tc.includeThoughts === 'boolean') r.includeThoughts = tc.includeThoughts;
  let next = thinkingConfigFor(r, model);
  // Thoughts are shown only if the client asked: converting requests turns them on, relaying must not.
  if (next && typeof tc.includeThoughts !== 'boolean') {
    const { includeThoughts: _added, ...rest } = next;
    next = Object.keys(rest).length > 0 ? rest : undefined;
  }
  if (sameThinking(next, tc)) return undefined;
  const { thinkingConfig: _old, ...restGc } = gc;
  return { ...body, generationConfig: next ? { ...restGc, thinkingConfig: next } : restGc };
}

/** Whether two thinkingConfigs say the same, whatever their key order (a body is re-serialised only if not). */
function sameThinking(a: JsonObject | undefined, b: JsonObject): boolean {
  const keys = new Set([...Object.keys(a ?? {}), ...Object.keys(b)]);
  for (const k of keys) if ((a ?? {})[k] !== b[k]) return false;
  return true;
}
