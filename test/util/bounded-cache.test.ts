import { describe, expect, test } from 'bun:test';
import { boundedCache } from '../../src/util/bounded-cache.ts';

const strings = (maxEntries: number, maxChars: number) => boundedCache<string>({ maxEntries, maxChars, sizeOf: (s) => s.length });

describe('bounded cache', () => {
  test('the oldest entries go first once there are too many', () => {
    const c = strings(2, 100);
    c.remember('a', '1');
    c.remember('b', '2');
    c.remember('c', '3');
    expect([c.recall('a'), c.recall('b'), c.recall('c')]).toEqual([undefined, '2', '3']);
  });

  test('the oldest entries go first once their characters exceed the bound; remembering again makes a key young', () => {
    const c = strings(10, 10);
    c.remember('a', 'xxxx');
    c.remember('b', 'yyyy');
    c.remember('a', 'zzzz');
    c.remember('c', 'wwww');
    expect([c.recall('a'), c.recall('b'), c.recall('c')]).toEqual(['zzzz', undefined, 'wwww']);
  });

  test('a value larger than the whole bound, and an empty key, are not kept (and evict nothing)', () => {
    const c = strings(10, 10);
    c.remember('a', 'keep');
    c.remember('big', 'x'.repeat(11));
    c.remember('', 'none');
    expect([c.recall('a'), c.recall('big'), c.recall('')]).toEqual(['keep', undefined, undefined]);
    c.clear();
    expect(c.recall('a')).toBeUndefined();
  });
});
