import { describe, expect, test } from 'bun:test';
import { measureInProcess } from '../in-process.ts';
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

  test('--only limits the scenarios', async () => {
    const results = await measureInProcess({ iterations: 5, rounds: 1, only: ['openai-claude'] });
    expect(results.map((r) => r.name)).toEqual(['openai-claude']);
  });
});
