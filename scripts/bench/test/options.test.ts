import { describe, expect, test } from 'bun:test';
import { join } from 'node:path';
import { parseOptions } from '../options.ts';
import { placement } from '../placement.ts';
import { selectScenarios, SOAK_SCENARIOS } from '../scenarios.ts';

describe('options', () => {
  test('defaults: 10 s at 64 connections; quick is 2 s; soak is 10 minutes', () => {
    expect(parseOptions([])).toMatchObject({ durationS: 10, connections: 64, warmupS: 3, soak: false, pin: true, client: 'auto', rounds: 1 });
    expect(parseOptions(['--quick'])).toMatchObject({ durationS: 2, warmupS: 1, c1S: 1 });
    expect(parseOptions(['--soak'])).toMatchObject({ durationS: 600, sampleS: 5 });
    expect(parseOptions(['--soak', '--duration', '20'])).toMatchObject({ durationS: 20, sampleS: 1 });
  });

  test('flags are read and checked', () => {
    const o = parseOptions(['--duration', '5', '--connections', '8', '--only', 'openai-claude, direct', '--client', 'bun', '--no-pin']);
    expect(o).toMatchObject({ durationS: 5, connections: 8, only: ['openai-claude', 'direct'], client: 'bun', pin: false });
    expect(parseOptions(['--rounds', '3']).rounds).toBe(3);
    expect(() => parseOptions(['--rounds', '0'])).toThrow('--rounds');
    expect(() => parseOptions(['--duration', 'x'])).toThrow('--duration');
    expect(() => parseOptions(['--client', 'ab'])).toThrow('--client');
    expect(() => parseOptions(['--bogus'])).toThrow();
  });

  test('--binary names an existing executable, made absolute, and is not combined with --cpu-prof', () => {
    expect(parseOptions([]).binary).toBeUndefined();
    expect(parseOptions(['--binary', 'package.json']).binary).toBe(join(process.cwd(), 'package.json'));
    expect(() => parseOptions(['--binary', 'dist/no-such-aiproxy'])).toThrow('no file dist/no-such-aiproxy');
    expect(() => parseOptions(['--binary', 'package.json', '--cpu-prof'])).toThrow('cannot be combined');
  });
});

describe('scenario selection', () => {
  test('all ten scenarios by default', () => {
    expect(selectScenarios(undefined).map((s) => s.name)).toEqual([
      'direct', 'direct-stream', 'forwarder', 'forwarder-stream', 'openai-openai', 'openai-openai-stream',
      'openai-claude', 'openai-gemini-stream', 'anthropic-openai-stream', 'gemini-claude-stream',
    ]);
  });

  test('--only adds the ceiling and floor of the same kind, and nothing else', () => {
    expect(selectScenarios(['openai-claude']).map((s) => s.name)).toEqual(['direct', 'forwarder', 'openai-claude']);
    expect(selectScenarios(['gemini-claude-stream']).map((s) => s.name)).toEqual(['direct-stream', 'forwarder-stream', 'gemini-claude-stream']);
    expect(() => selectScenarios(['nope'])).toThrow('unknown scenario nope');
  });

  test('the soak mixes every aiproxy streaming scenario', () => {
    expect(SOAK_SCENARIOS.map((s) => s.name)).toEqual(['openai-openai-stream', 'openai-gemini-stream', 'anthropic-openai-stream', 'gemini-claude-stream']);
  });
});

describe('CPU placement', () => {
  test('two cores: the proxy alone on CPU 0, mock and load generator on CPU 1', () => {
    expect(placement(true, 2, true)).toMatchObject({ proxy: '0', upstream: '1', load: '1' });
    expect(placement(true, 8, true)).toMatchObject({ proxy: '0', upstream: '1', load: '2' });
  });

  test('no pinning when asked, without taskset, or on one core', () => {
    expect(placement(false, 2, true).proxy).toBeUndefined();
    expect(placement(true, 2, false).proxy).toBeUndefined();
    expect(placement(true, 1, true).proxy).toBeUndefined();
  });
});
