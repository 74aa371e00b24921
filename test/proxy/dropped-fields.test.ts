import { describe, expect, test } from 'bun:test';
import { codecs } from '../../src/protocols/index.ts';
import { droppedFields } from '../../src/proxy/dropped-fields.ts';
import { startStack } from '../helpers/stack.ts';

describe('fields a conversion drops', () => {
  test('client extras and fields the target lacks are named', () => {
    const req = codecs.openai.decodeRequest({ model: 'gpt-4o', messages: [{ role: 'user', content: 'x' }], seed: 3, logit_bias: { '1': 2 }, n: 2 });
    expect(droppedFields('openai', 'anthropic', req).sort()).toEqual(['logit_bias', 'n', 'seed']);
    expect(droppedFields('openai', 'openai', req)).toEqual([]);
  });

  test('the proxy logs them at debug level, names only', async () => {
    const s = await startStack();
    try {
      await s.openaiClient.chat.completions.create(
        { model: 'claude-sonnet-4-6', messages: [{ role: 'user', content: 'x' }], seed: 42, logit_bias: { '50256': -100 } },
      );
      const line = s.proxy.logs.find((l) => l.includes('cannot express'));
      expect(line).toContain('fields=');
      expect(line).toContain('seed');
      expect(line).toContain('logit_bias');
      expect(line).not.toContain('-100');
    } finally {
      await s.stop();
    }
  });
});
