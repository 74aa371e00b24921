/**
 * What particular models behind the Gemini API refuse, matched on the model id the upstream gets (dated
 * ids, `models/` and cloud prefixes included). Each rule names the public reports of the live API's 400.
 */

/**
 * Gemma 1–3 take no systemInstruction (400 "Developer instruction is not enabled for models/gemma-3-27b-it":
 * lobehub/lobehub#7128, google/adk-python#3900), no function declarations ("Function calling is not enabled
 * for models/gemma-3-12b-it": agno-agi/agno#3505, BerriAI/litellm#10313) and no JSON mode ("JSON mode is not
 * enabled for models/gemma-3-27b-it": vercel/ai#8080). Gemma 4 has all three (PAIR-code/deliberate-lab#1223).
 */
const PLAIN_GEMMA = /gemma-[1-3](?!\d)/i;

/**
 * Gemma 4 thinks, but by level only, and only MINIMAL or HIGH: a thinkingBudget is 400 "Thinking budget is
 * not supported for this model." (aduermael/herm#23, perminder-klair/subwave#1044), LOW or MEDIUM is 400
 * "Thinking level is not supported for this model." (earendil-works/pi#2812, Kilo-Org/kilocode#12063), while
 * MINIMAL and HIGH work (simonw/llm-gemini#130, livekit/agents#7071).
 */
const GEMMA_4 = /gemma-4(?!\d)/i;

/**
 * Models that cannot think refuse any thinkingConfig: Gemini 1.x and 2.0 ("thinking_config is not
 * supported.": immersive-translate/immersive-translate#2976) and the 2.x image models ("Thinking is not
 * enabled for models/gemini-2.0-flash-preview-image-generation": lobehub/lobehub#7985; the same for
 * gemini-2.5-flash-image: anomalyco/models.dev#576, iBUHub/AIStudioToAPI#207).
 */
const NO_THINKING = /gemini-(?:1\.|2\.0)|gemini-2\.5-flash-image/i;

/**
 * Only Gemini 1.x and 2.0 take presence/frequency penalties; 2.5 and later answer any non-zero one with
 * 400 "Penalty is not enabled for this model" (google-gemini/cookbook#1290), and OpenAI clients send them.
 */
const PENALTIES = /gemini-(?:1\.|2\.0)/i;

/** Gemini 3 (3.1, 3.5…) takes a thinkingLevel; a budget alongside one is a 400 (protocols.md §3.2). */
const LEVEL_THINKING = /gemini-3/i;

/**
 * Gemini 3's Flash models (3 Flash, 3.1 Flash-Lite, 3.5 Flash) take all four levels, MINIMAL and MEDIUM
 * too, which Pro does not (Google's Gemini 3 Flash model page and thinking guide; BerriAI/litellm#18245:
 * reasoning_effort "minimal" should reach gemini-3-flash as MINIMAL, not LOW). Image models are left out.
 */
const ALL_LEVELS = /gemini-3[\d.]*-flash(?!-image)/i;

/**
 * Gemini 3 and later refuse a function call of the current turn that carries no thought signature (400
 * "Function call is missing a thought_signature in functionCall parts", through Google's OpenAI-compatible
 * endpoint as well: langroid/langroid#969; `gemini-flash-latest`, which names the newest model, too:
 * 1jehuang/jcode#518). Gemini 1.x and 2.x do not check.
 */
const UNCHECKED_CALLS = /gemini-[12](?:\.\d+)?-/i;

/**
 * Gemini 1.x and 2.x refuse JSON mode beside function declarations the model may call: 400 "Function
 * calling with a response mime type: 'application/json' is unsupported" (googleapis/python-genai#867,
 * symfony/ai#1777 on gemini-2.5-flash); with calling mode NONE they take it (google/adk-python#5735).
 * An agent with tools and a typed final output (the OpenAI Agents SDK's output_type) sends both.
 * Gemini 3 combines structured output with tools.
 */
const NO_JSON_WITH_FUNCTIONS = /gemini-[12](?:\.\d+)?-/i;

export function refusesJsonWithFunctions(model: string): boolean {
  return NO_JSON_WITH_FUNCTIONS.test(model);
}

/**
 * Gemini 3 and later take a tool result's media inside the function response (`functionResponse.parts`,
 * Google's "multimodal function responses", what gemini-cli sends them), and refuse it beside the response
 * parts with 400 "Requests ending with a model turn are not supported." (agno-agi/agno#9630,
 * MoonshotAI/kimi-code#3274: Claude Code screenshots and image reads). Gemini 1.x and 2.x know no such parts.
 */
export function nestsResultMedia(model: string): boolean {
  return /gemini/i.test(model) && !UNCHECKED_CALLS.test(model);
}

export function validatesCallSignatures(model: string): boolean {
  return /gemini/i.test(model) && !UNCHECKED_CALLS.test(model);
}

/**
 * Gemini 2.5 and 3 think unless told not to (Flash-Lite aside, which takes an explicit 0 as well), and their
 * thoughts count against maxOutputTokens. Image, speech (tts, native-audio, live) and computer-use models
 * are left out: they are not the text models whose unasked thinking spends a small limit, and some refuse
 * a thinkingConfig.
 */
const THINKS_UNASKED = /gemini-(?:2\.5|3)(?![\w.-]*(?:image|tts|audio|live|computer-use))/i;

export function thinksUnasked(model: string): boolean {
  return THINKS_UNASKED.test(model) && canThink(model);
}

export function takesPenalties(model: string): boolean {
  return PENALTIES.test(model);
}

export function plainGemma(model: string): boolean {
  return PLAIN_GEMMA.test(model);
}

export function canThink(model: string): boolean {
  return !NO_THINKING.test(model);
}

/** The thinking levels a model takes, low to high; undefined for models that take a budget instead. */
export function thinkingLevels(model: string): readonly string[] | undefined {
  if (GEMMA_4.test(model)) return ['MINIMAL', 'HIGH'];
  if (ALL_LEVELS.test(model)) return ['MINIMAL', 'LOW', 'MEDIUM', 'HIGH'];
  // Gemini 3 Pro knows only LOW and HIGH ("Thinking level MEDIUM is not supported": egoist/chatwise-releases#1206).
  if (LEVEL_THINKING.test(model)) return ['LOW', 'HIGH'];
  return undefined;
}
