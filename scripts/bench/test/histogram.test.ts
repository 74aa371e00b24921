import { describe, expect, test } from 'bun:test';
import { bucketOf, bucketValue, Histogram } from '../histogram.ts';

describe('latency histogram', () => {
  test('buckets are exact below 32 µs and ordered above', () => {
    for (let v = 0; v < 32; v++) expect(bucketValue(bucketOf(v))).toBe(v);
    let prev = -1;
    for (let v = 0; v < 5_000_000; v = Math.floor(v * 1.01) + 1) {
      const b = bucketOf(v);
      expect(b).toBeGreaterThanOrEqual(prev);
      prev = b;
    }
  });

  test('a bucket’s value is within about 3% of any value in it', () => {
    for (let v = 32; v < 100_000_000; v = Math.floor(v * 1.07) + 1) {
      expect(Math.abs(bucketValue(bucketOf(v)) - v) / v).toBeLessThan(0.032);
    }
  });

  test('percentiles of a uniform 1..10000 µs spread land within 3%', () => {
    const h = new Histogram();
    for (let v = 1; v <= 10_000; v++) h.record(v);
    expect(h.count).toBe(10_000);
    expect(Math.abs(h.percentile(50) - 5000) / 5000).toBeLessThan(0.03);
    expect(Math.abs(h.percentile(99) - 9900) / 9900).toBeLessThan(0.03);
    expect(h.mean()).toBeCloseTo(5000.5, 5);
    expect(h.max()).toBe(10_000);
  });

  test('a tail shows in p99 and not in p50', () => {
    const h = new Histogram();
    for (let i = 0; i < 980; i++) h.record(100);
    for (let i = 0; i < 20; i++) h.record(50_000);
    expect(h.percentile(50)).toBeCloseTo(100, -1);
    expect(h.percentile(99)).toBeGreaterThan(48_000);
  });

  test('empty histogram reports zeros; huge and negative values are clamped, not lost', () => {
    const h = new Histogram();
    expect(h.percentile(50)).toBe(0);
    expect(h.mean()).toBe(0);
    h.record(-5);
    h.record(1e12);
    expect(h.count).toBe(2);
    expect(h.percentile(100)).toBeGreaterThan(1e9);
  });
});
