import { afterAll, describe, expect, test } from 'bun:test';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { wrkGenerator } from '../load-generators.ts';
import { startMockUpstream } from '../mock-upstream.ts';
import { SCENARIOS } from '../scenarios.ts';
import { luaString, parseWrkOutput, RESULT_MARKER, wrkScript } from '../wrk-script.ts';

describe('Lua strings', () => {
  test('quotes, backslashes, newlines and non-ASCII bytes are escaped', () => {
    expect(luaString('plain {"a":1}')).toBe('"plain {\\"a\\":1}"');
    expect(luaString('a\\b\nc')).toBe('"a\\\\b\\010c"');
    expect(luaString('é')).toBe('"\\195\\169"');
  });
});

describe('wrk scripts', () => {
  const req = SCENARIOS.find((s) => s.name === 'gemini-claude-stream')!.request;

  test('one request becomes wrk’s static request: no request() function to call per request', () => {
    const lua = wrkScript([req]);
    expect(lua).toContain(`wrk.path = ${luaString(req.path)}`);
    expect(lua).toContain(`wrk.body = ${luaString(req.body!)}`);
    expect(lua).toContain('wrk.headers["x-goog-api-key"]');
    expect(lua).not.toContain('function request()');
    expect(lua).toContain('function done(');
  });

  test('several requests are pre-formatted once and sent in turn', () => {
    const lua = wrkScript(SCENARIOS.slice(0, 3).map((s) => s.request));
    expect(lua).toContain('function init(args)');
    expect(lua).toContain('function request()');
    expect(lua.match(/\{ "POST", /g)).toHaveLength(3);
  });

  test('the result line is found among wrk’s own output', () => {
    const out = `Running 1s test\n  1 threads\n${RESULT_MARKER}{"requests":5,"duration_us":1000000,"errors":{"connect":0,"read":0,"write":0,"status":1,"timeout":0},"latency_us":{"p50":10,"p90":20,"p99":30,"mean":12.5,"max":40}}\n`;
    const w = parseWrkOutput(out);
    expect(w.requests).toBe(5);
    expect(w.errors.status).toBe(1);
    expect(w.latency_us.p99).toBe(30);
    expect(() => parseWrkOutput('no result')).toThrow('no result line');
  });
});

// Runs only where wrk is installed (bench installs it; CI may not have it).
const wrk = Bun.which('wrk');
describe.skipIf(!wrk)('wrk against the mock', () => {
  const mock = startMockUpstream({ port: 0, chunks: 3, unaryBytes: 600, paceMs: 0 });
  const tmp = mkdtempSync(join(tmpdir(), 'bench-wrk-test-'));
  afterAll(() => {
    mock.stop(true);
    rmSync(tmp, { recursive: true, force: true });
  });

  test('the generated script drives a Gemini path with ":" and "?", and a mixed round-robin', async () => {
    const gen = wrkGenerator(wrk!, tmp);
    const origin = `http://127.0.0.1:${mock.port}`;
    const gemini = SCENARIOS.find((s) => s.name === 'gemini-claude-stream')!.request;
    const single = await gen.run({ origin, requests: [gemini], connections: 2, durationS: 1 });
    expect(single.requests).toBeGreaterThan(10);
    expect(single.errors).toBe(0);
    const mixed = await gen.run({ origin, requests: [gemini, { method: 'POST', path: '/nope', headers: {}, body: '{}' }], connections: 2, durationS: 1 });
    // Every other request goes to a 404 path, which wrk counts as a status error.
    expect(mixed.errors / mixed.requests).toBeGreaterThan(0.4);
    expect(mixed.errors / mixed.requests).toBeLessThan(0.6);
  });
});
