import { isRecord } from '../util/json.ts';

/**
 * Gemini's enum output (responseMimeType "text/x.enum" with a STRING schema and `enum`) answers exactly one
 * of the values as plain text. OpenAI and Anthropic have no such mode, but their structured output takes
 * an object: the value travels as its one property, constrained to the values, and comes back bare.
 */
const PROPERTY = 'value';

/** The structured-output schema that carries an enum answer: closed, as Anthropic requires (output-schema.ts). */
export function enumAnswerSchema(values: string[]): Record<string, unknown> {
  return { type: 'object', properties: { [PROPERTY]: { type: 'string', enum: values } }, required: [PROPERTY], additionalProperties: false };
}

/** The bare value from the object the upstream answered; text that is no such object is left as it is. */
export function unwrapEnumAnswer(text: string): string {
  try {
    const parsed: unknown = JSON.parse(text);
    if (isRecord(parsed) && typeof parsed[PROPERTY] === 'string') return parsed[PROPERTY];
  } catch {
    // Not JSON: an upstream that answered the value plainly.
  }
  return text;
}
