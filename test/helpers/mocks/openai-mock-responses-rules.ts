/**
 * Per-model refusals of `POST /v1/responses`, in the API's own words: reasoning settings and
 * encrypted reasoning on models that do not reason, sampling settings on models that do, and the
 * reasoning efforts each model family accepts (shared with the Chat Completions rules).
 */
import { isRecord } from '../../../src/util/json.ts';
import { outputCeilingOf, supportedEfforts } from './openai-mock-model-rules.ts';
import { listValues, type OpenAIErrorInfo } from './openai-mock-validate.ts';

const bare = (model: string): string => model.slice(model.lastIndexOf('/') + 1).toLowerCase();

/** o1…o9 and gpt-5…gpt-9 reason; gpt-4.1, gpt-4o and older do not. */
export const isReasoningModel = (model: string): boolean => /^(o[1-9]|gpt-[5-9])/.test(bare(model));

const unsupportedParameter = (param: string, message = `Unsupported parameter: '${param}' is not supported with this model.`): OpenAIErrorInfo => ({
  status: 400,
  message,
  type: 'invalid_request_error',
  param,
  code: 'unsupported_parameter',
});

export function validateResponsesModelRules(body: Record<string, unknown>): OpenAIErrorInfo | undefined {
  const model = String(body.model);
  const reasoning = isRecord(body.reasoning) ? body.reasoning : {};
  const include = Array.isArray(body.include) ? body.include : [];

  const ceiling = outputCeiling(body.max_output_tokens, model);
  if (ceiling) return ceiling;

  if (!isReasoningModel(model)) {
    if (reasoning.effort != null) return unsupportedParameter('reasoning.effort');
    if (reasoning.summary != null) return unsupportedParameter('reasoning.summary');
    if (include.includes('reasoning.encrypted_content')) {
      return unsupportedParameter('include', 'Encrypted content is not supported with this model.');
    }
    return undefined;
  }

  const effort = reasoning.effort;
  const allowed = supportedEfforts(model);
  if (typeof effort === 'string' && allowed && !allowed.includes(effort)) {
    return {
      status: 400,
      message: `Unsupported value: 'reasoning.effort' does not support '${effort}' with this model. Supported values are: ${listValues([...allowed])}.`,
      type: 'invalid_request_error',
      param: 'reasoning.effort',
      code: 'unsupported_value',
    };
  }
  // gpt-5.1 and later take sampling settings only with reasoning switched off.
  const samplingAllowed = effort === 'none' && /^gpt-(?:5\.[1-9]|[6-9])/.test(bare(model));
  for (const p of ['temperature', 'top_p']) {
    const v = body[p];
    if (v != null && v !== 1 && !samplingAllowed) return unsupportedParameter(p);
  }
  return undefined;
}

/**
 * A max_output_tokens above the model's own output limit (the Chat Completions rules' table): refused as
 * Chat Completions refuses max_tokens, in the Responses API's terms ("max_output_tokens is too large: 32000.
 * This model supports at most 16384 output tokens, whereas you provided 32000."). Claude Code's 32000 and a
 * Gemini client's 65536 meet it on gpt-4o and gpt-4.1.
 */
function outputCeiling(max: unknown, model: string): OpenAIErrorInfo | undefined {
  const limit = outputCeilingOf(model);
  if (limit === undefined || typeof max !== 'number' || max <= limit) return undefined;
  return {
    status: 400,
    message: `max_output_tokens is too large: ${max}. This model supports at most ${limit} output tokens, whereas you provided ${max}.`,
    type: 'invalid_request_error',
    param: 'max_output_tokens',
    code: 'invalid_value',
  };
}
