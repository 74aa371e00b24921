import { describe, expect, test } from 'bun:test';
import { measureInProcess, paddedBody } from '../in-process.ts';
import { SCENARIOS } from '../scenarios.ts';

describe('in-process benchmark', () => {
  test('runs every aiproxy scenario through the app with correct replies and reports its cost', async () => {
    // measureInProcess throws when any reply is not a 200 carrying the scenario's expected text.
    const results = await measureInProcess({ iterations: 10, rounds: 1 });
    expect(results.map((r) => r.name)).toEqual(SCENARIOS.filter((s) => s.target === 'aiproxy').map((s) => s.name));
    for (const r of results) {
      expect(r.wallUs).toBeGreaterThan(0);
      expect(r.cpuUs).toBeGreaterThanOrEqual(0);
    }
  });

  test('--prompt-kb pads every scenario’s system prompt and the replies are still checked', async () => {
    for (const s of SCENARIOS.filter((x) => x.target === 'aiproxy')) {
      const body = paddedBody(s.request.body!, 64);
      expect(Buffer.byteLength(body)).toBeGreaterThan(64 * 1024);
      expect(JSON.parse(body)).toBeTruthy();
    }
    const results = await measureInProcess({ iterations: 3, rounds: 1, promptKb: 64 });
    expect(results).toHaveLength(SCENARIOS.filter((s) => s.target === 'aiproxy').length);
  });

  test('--only limits the scenarios', async () => {
    const results = await measureInProcess({ iterations: 5, rounds: 1, only: ['openai-claude'] });
    expect(results.map((r) => r.name)).toEqual(['openai-claude']);
  });
});
