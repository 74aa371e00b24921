/**
 * A process-wide memory of what an upstream sent that a client has nowhere to keep (signed thinking,
 * bare reasoning text), keyed by the first tool call id of the turn it came with: the call comes back
 * in the next request, its reasoning may not. Bounded by entries and by characters (reasoning can be
 * long); the oldest entries go first.
 */
export interface BoundedCache<V> {
  remember(key: string, value: V): void;
  recall(key: string): V | undefined;
  /** Tests only. */
  clear(): void;
}

export interface BoundedCacheLimits<V> {
  maxEntries: number;
  maxChars: number;
  sizeOf(value: V): number;
}

export function boundedCache<V>({ maxEntries, maxChars, sizeOf }: BoundedCacheLimits<V>): BoundedCache<V> {
  const entries = new Map<string, { value: V; chars: number }>();
  let totalChars = 0;

  function drop(key: string): void {
    const old = entries.get(key);
    if (!old) return;
    totalChars -= old.chars;
    entries.delete(key);
  }

  return {
    remember(key, value) {
      if (key === '') return;
      const chars = sizeOf(value);
      // One value that alone exceeds the bound would evict everything and then itself.
      if (chars > maxChars) return;
      // Re-inserting moves the key to the young end.
      drop(key);
      entries.set(key, { value, chars });
      totalChars += chars;
      while (entries.size > maxEntries || totalChars > maxChars) {
        const oldest = entries.keys().next();
        if (oldest.done) break;
        drop(oldest.value);
      }
    },
    recall: (key) => entries.get(key)?.value,
    clear() {
      entries.clear();
      totalChars = 0;
    },
  };
}
