/**
 * Claude models whose API dropped manual thinking and the sampling parameters: Opus 4.7 and 4.8, and
 * the 5 family (Sonnet 5, Opus 5, Fable 5, Mythos 5). `thinking.type: "enabled"` answers 400 ("not
 * supported for this model. Use thinking.type.adaptive and output_config.effort"), and so does any
 * temperature, top_p or top_k ("`temperature` is deprecated for this model"). Matched on the model id
 * the upstream gets, with or without a date or a cloud prefix (`anthropic.claude-sonnet-5-v1:0`).
 */
const ADAPTIVE_ONLY = /claude-(?:opus-4-[7-9]|(?:sonnet|opus|haiku|fable|mythos)-(?:[5-9]|\d\d))(?!\d)/i;

export function adaptiveOnly(model: string): boolean {
  return ADAPTIVE_ONLY.test(model);
}
