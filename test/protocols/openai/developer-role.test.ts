/**
 * A Chat Completions client's `developer` messages relayed to a compatible server that is not OpenAI's:
 * sent as `system` (DeepSeek refuses the whole request over the unknown role).
 */
import { describe, expect, test } from 'bun:test';
import { isOpenAIModel } from '../../../src/protocols/openai/model-rules.ts';
import { withSystemRole } from '../../../src/protocols/openai/developer-role.ts';

const body = (model: string) => ({
  model,
  messages: [
    { role: 'developer', content: 'Answer tersely.' },
    { role: 'user', content: 'A "developer" asks: hi' },
  ],
});
const repair = (b: Record<string, unknown>, model = b.model as string) => withSystemRole(JSON.stringify(b), b, model);

describe('withSystemRole', () => {
  test('a server that is not OpenAI gets system; the rest of the body stays', () => {
    const b = body('deepseek-chat');
    const out = repair(b)!;
    expect(out.messages).toEqual([{ role: 'system', content: 'Answer tersely.' }, b.messages[1]]);
    expect((out.messages as unknown[])[1]).toBe(b.messages[1]);
    expect(out.model).toBe('deepseek-chat');
    expect(repair(body('qwen3-coder-plus'))).toBeDefined();
  });

  test("OpenAI's own models keep the role; a body without it goes as it came", () => {
    for (const model of ['gpt-4o', 'o3-mini', 'gpt-5.1-codex', 'openai/gpt-4.1', 'ft:gpt-4o-mini:acme::abc123']) {
      expect(isOpenAIModel(model), model).toBe(true);
      expect(repair(body(model)), model).toBeUndefined();
    }
    const plain = { model: 'deepseek-chat', messages: [{ role: 'system', content: 'x' }, { role: 'user', content: 'A "developer" asks' }] };
    expect(repair(plain)).toBeUndefined();
  });
});
