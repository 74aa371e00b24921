import type { ReasoningConfig, ReasoningEffort } from './request.ts';

/**
 * Effort ↔ budget, so a client that speaks in efforts (OpenAI) can drive an upstream that speaks in
 * budgets (Anthropic, Gemini 2.5) and back. Budgets follow Google's own OpenAI-compat layer
 * (protocols.md §6.7); the extremes are extrapolated on the same curve.
 */
const BUDGET_FOR_EFFORT: Record<ReasoningEffort, number> = {
  none: 0,
  minimal: 512,
  low: 1024,
  medium: 8192,
  high: 24576,
  xhigh: 32768,
  max: 32768,
};

export function budgetForEffort(effort: ReasoningEffort): number {
  return BUDGET_FOR_EFFORT[effort];
}

export function effortForBudget(budget: number): ReasoningEffort {
  if (budget === 0) return 'none';
  if (budget < 0) return 'medium'; // dynamic: let the model decide, a middle setting is closest
  if (budget <= 768) return 'minimal';
  if (budget <= 2048) return 'low';
  if (budget <= 12288) return 'medium';
  return 'high';
}

/** The budget a reasoning config asks for, derived from its effort when it gave none. */
export function reasoningBudget(r: ReasoningConfig | undefined): number | undefined {
  if (!r) return undefined;
  if (r.enabled === false) return 0;
  if (r.budgetTokens !== undefined) return r.budgetTokens;
  if (r.effort) return budgetForEffort(r.effort);
  return undefined;
}

/** The effort a reasoning config asks for, derived from its budget when it gave none. */
export function reasoningEffort(r: ReasoningConfig | undefined): ReasoningEffort | undefined {
  if (!r) return undefined;
  if (r.enabled === false) return 'none';
  if (r.effort) return r.effort;
  if (r.budgetTokens !== undefined) return effortForBudget(r.budgetTokens);
  return undefined;
}

/** Gemini's thinking levels (MINIMAL…HIGH, any case) are effort words; undefined for anything else. */
export function effortForLevel(level: string): ReasoningEffort | undefined {
  const effort = level.toLowerCase();
  return effort === 'minimal' || effort === 'low' || effort === 'medium' || effort === 'high' ? effort : undefined;
}

