import { afterEach, describe, expect, test } from 'bun:test';
import { createMemoryGuard } from '../../src/server/memory-guard.ts';
import { Logger } from '../../src/util/log.ts';
import { SOURCE_CMD, startCli, tempDir, writeFile, type CliProcess } from './cli-process.ts';

const MB = 1024 * 1024;

/** A guard on a fake process: resident size, collections and clock are the test's. */
function fakeGuard(limitMb: () => number) {
  const state = { rss: 50 * MB, now: 0, collections: 0, collectMs: 10, afterCollect: 60 * MB, rssReads: 0, reported: 0 };
  const lines: string[] = [];
  const guard = createMemoryGuard({
    limitMb,
    log: new Logger('debug', (line) => lines.push(line)),
    onCollect: () => state.reported++,
    rss: () => {
      state.rssReads++;
      return state.rss;
    },
    collect: () => {
      state.collections++;
      state.now += state.collectMs;
      state.rss = state.afterCollect;
    },
    now: () => state.now,
  });
  guard.stop(); // the test drives check() itself
  return { state, lines, guard };
}

/** Later on (no pacing in the way): the guard leaves `mb - 1` MB alone and collects at `mb`. */
function expectNextCollectionAt(f: ReturnType<typeof fakeGuard>, mb: number): void {
  f.state.now += 10_000;
  f.state.rss = (mb - 1) * MB;
  expect(f.guard.check()).toBe(false);
  f.state.rss = mb * MB;
  expect(f.guard.check()).toBe(true);
}

describe('memory guard (limits.soft_memory_mb)', () => {
  test('collects only once resident memory reaches the limit, and logs what it freed', () => {
    const { state, lines, guard } = fakeGuard(() => 96);
    state.rss = 95 * MB;
    expect(guard.check()).toBe(false);
    expect(state.collections).toBe(0);
    state.rss = 97 * MB;
    expect(guard.check()).toBe(true);
    expect(state.collections).toBe(1);
    expect(lines.join('\n')).toMatch(/memory guard: collected garbage.*before_mb=97 after_mb=60 ms=10/);
    expect(lines.join('\n')).not.toContain('stays above');
  });

  test('at most one collection per 250 ms, and no more than 5% of the time', () => {
    const { state, guard } = fakeGuard(() => 96);
    // Garbage comes back at once (the busiest case); what is alive stays below the limit.
    state.rss = 100 * MB;
    state.afterCollect = 90 * MB;
    expect(guard.check()).toBe(true);
    state.rss = 100 * MB;
    state.now = 200;
    expect(guard.check()).toBe(false);
    state.now = 250;
    expect(guard.check()).toBe(true);
    expect(state.collections).toBe(2);
    // A slow collection (40 ms) is followed by 40 / 0.05 = 800 ms without one.
    state.collectMs = 40;
    state.rss = 100 * MB;
    state.now = 600;
    expect(guard.check()).toBe(true);
    state.rss = 100 * MB;
    state.now = 600 + 799;
    expect(guard.check()).toBe(false);
    state.now = 600 + 800;
    expect(guard.check()).toBe(true);
    expect(state.collections).toBe(4);
    expect(state.reported).toBe(4);
  });

  test('when what is alive exceeds the limit, it warns once and waits for growth before collecting again', () => {
    const f = fakeGuard(() => 96);
    const { state, lines, guard } = f;
    state.rss = 130 * MB;
    state.afterCollect = 120 * MB;
    expect(guard.check()).toBe(true);
    expect(lines.filter((l) => l.includes('stays above limits.soft_memory_mb'))).toHaveLength(1);
    expect(lines.join('\n')).toMatch(/rss_mb=120 soft_memory_mb=96/);
    // 120 is 24 over the limit: the next collection waits for 24 more (more than 96 / 8 = 12).
    expectNextCollectionAt(f, 144);
    expect(lines.filter((l) => l.includes('stays above'))).toHaveLength(1);
    // Once a collection gets below the limit again, the limit itself is the threshold.
    state.now = 20_000;
    state.rss = 190 * MB;
    state.afterCollect = 70 * MB;
    expect(guard.check()).toBe(true);
    expectNextCollectionAt(f, 96);
  });

  test('just above the limit, the wait is an eighth of the limit', () => {
    const f = fakeGuard(() => 96);
    f.state.rss = 110 * MB;
    f.state.afterCollect = 100 * MB; // 4 over: the eighth (12) is the larger wait
    expect(f.guard.check()).toBe(true);
    expectNextCollectionAt(f, 112);
  });

  test('a limit raised by a reload replaces the wait for growth set under the old one', () => {
    let limit = 50;
    const f = fakeGuard(() => limit);
    f.state.rss = 70 * MB;
    f.state.afterCollect = 60 * MB; // above 50: the next collection would wait for 60 + 10
    expect(f.guard.check()).toBe(true);
    limit = 200;
    expectNextCollectionAt(f, 200);
  });

  test('0 turns it off, and the limit is read at every check (a reload applies)', () => {
    let limit = 0;
    const { state, guard } = fakeGuard(() => limit);
    state.rss = 500 * MB;
    expect(guard.check()).toBe(false);
    expect(state.rssReads).toBe(0);
    limit = 600;
    expect(guard.check()).toBe(false);
    limit = 400;
    expect(guard.check()).toBe(true);
  });

  test('the real collector and resident size: a collection happens and the guard paces itself', () => {
    const guard = createMemoryGuard({ limitMb: () => 1, log: new Logger('error', () => {}) });
    try {
      expect(guard.check()).toBe(true);
      expect(guard.check()).toBe(false);
    } finally {
      guard.stop();
    }
  });
});

describe('memory guard in the running proxy', () => {
  let cli: CliProcess | undefined;
  afterEach(async () => {
    await cli?.cleanup();
    cli = undefined;
  });

  test('0 is off; a reload that sets a limit starts collections, and a live set above it is warned of once', async () => {
    const dir = tempDir('aiproxy-memguard-');
    const config = (mb: number) => `port: 0\nhost: 127.0.0.1\napi_key: test-proxy-key-1\nlog_level: debug\nlimits:\n  soft_memory_mb: ${mb}\n`;
    const file = writeFile(dir, 'config.yaml', config(0));
    const proxy = (cli = await startCli(SOURCE_CMD, ['--config', file], dir));
    // The guard checks every 100 ms: with a limit of 1 MB it would have collected by now.
    await Bun.sleep(600);
    expect(proxy.log()).not.toContain('memory guard');
    writeFile(dir, 'config.yaml', config(1));
    const from = proxy.log().length;
    proxy.signal('SIGHUP');
    await proxy.waitForLog(/config reloaded.*changed=limits\.soft_memory_mb/, 5000, from);
    expect(await proxy.waitForLog(/memory guard: collected garbage/, 5000, from)).toMatch(/before_mb=\d+ after_mb=\d+ ms=\d+/);
    expect(await proxy.waitForLog(/stays above limits\.soft_memory_mb/, 5000, from)).toMatch(/soft_memory_mb=1$/);
    // An idle process with more than 1 MB alive is not collected over and over.
    await Bun.sleep(500);
    expect(proxy.log().match(/memory guard: collected garbage/g)).toHaveLength(1);
    expect(proxy.log().match(/stays above/g)).toHaveLength(1);
    // (Serving this request may itself grow memory past the 1 MB limit's small headroom: it is the last step.)
    const metrics = await (await fetch(`${proxy.url}/metrics`, { headers: { authorization: 'Bearer test-proxy-key-1' } })).text();
    expect(metrics).toMatch(/^aiproxy_memory_collections_total 1$/m);
  }, 15_000);
});
