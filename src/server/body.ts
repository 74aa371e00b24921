import { badRequest } from '../core/errors.ts';
import { isRecord } from '../util/json.ts';

export interface JsonBody {
  text: string;
  json: Record<string, unknown>;
}

/** Reads a JSON object body. Anything else is the client's mistake and a 400 that says what was wrong. */
export async function readJsonBody(request: Request): Promise<JsonBody> {
  const text = await request.text();
  if (!text.trim()) throw badRequest('request body is empty; expected a JSON object');
  let json: unknown;
  try {
    json = JSON.parse(text);
  } catch (e) {
    throw badRequest(`request body is not valid JSON: ${(e as Error).message}`);
  }
  if (!isRecord(json)) throw badRequest('request body must be a JSON object');
  return { text, json };
}
