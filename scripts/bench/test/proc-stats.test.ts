import { describe, expect, test } from 'bun:test';
import { cpuMicros, memory, parseCpuTicks, parseStatus, sampleRss } from '../proc-stats.ts';

describe('/proc parsing', () => {
  test('CPU ticks are utime + stime, even when the command name holds spaces and parentheses', () => {
    const stat = '4242 (bun (x) y) S 1 4242 4242 0 -1 4194560 900 0 0 0 1234 567 0 0 20 0 9 0 100 123456 789 18446744073709551615';
    expect(parseCpuTicks(stat)).toBe(1234 + 567);
    expect(() => parseCpuTicks('garbage')).toThrow();
  });

  test('VmRSS, its anonymous part and VmHWM come from /proc/<pid>/status', () => {
    const status = 'Name:\tbun\nVmPeak:\t 999999 kB\nVmHWM:\t   61234 kB\nVmRSS:\t   51234 kB\nRssAnon:\t    9876 kB\nRssFile:\t   41358 kB\nThreads:\t9\n';
    expect(parseStatus(status)).toEqual({ rssKb: 51234, anonKb: 9876, peakKb: 61234 });
    expect(() => parseStatus('Name:\tbun\n')).toThrow('VmRSS');
  });
});

describe.skipIf(process.platform !== 'linux')('live process', () => {
  test('our own CPU time grows with work, and RSS is a plausible size', () => {
    const before = cpuMicros(process.pid);
    let x = 0;
    const end = performance.now() + 60;
    while (performance.now() < end) x += Math.sqrt(x + 1);
    expect(x).toBeGreaterThan(0);
    expect(cpuMicros(process.pid) - before).toBeGreaterThanOrEqual(20_000);
    const m = memory(process.pid);
    expect(m.rssKb).toBeGreaterThan(1024);
    expect(m.peakKb).toBeGreaterThanOrEqual(m.rssKb);
    expect(m.anonKb).toBeGreaterThan(0);
    expect(m.anonKb).toBeLessThan(m.rssKb);
  });

  test('the RSS sampler samples on its timer and stops', async () => {
    const s = sampleRss(process.pid, 20);
    await Bun.sleep(110);
    const samples = s.stop();
    const n = samples.length;
    expect(n).toBeGreaterThanOrEqual(4);
    expect(s.maxKb()).toBe(Math.max(...samples.map((x) => x.rssKb)));
    await Bun.sleep(60);
    expect(samples.length).toBe(n);
  });
});
