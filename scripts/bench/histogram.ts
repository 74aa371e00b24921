/**
 * A latency histogram of fixed size: 1 µs buckets below 32 µs, then 32 buckets per power of two, so
 * any percentile is within about 3% of the true value however many samples arrive. Memory does not grow
 * with the run length, which keeps the load client's own footprint flat during a soak.
 */
const SUB_BITS = 5;
const SUB = 1 << SUB_BITS; // 32
/** Values are clamped below 2^31 µs (about 36 minutes). */
const MAX_MSB = 30;
const BUCKETS = (MAX_MSB - SUB_BITS + 2) * SUB;

export function bucketOf(micros: number): number {
  const v = Math.min(Math.max(0, Math.floor(micros)), 2 ** 31 - 1);
  if (v < SUB) return v;
  const msb = 31 - Math.clz32(v);
  const shift = msb - SUB_BITS;
  return (shift + 1) * SUB + ((v >>> shift) - SUB);
}

/** The middle of a bucket's range, in µs. */
export function bucketValue(index: number): number {
  if (index < SUB) return index;
  const shift = Math.floor(index / SUB) - 1;
  const low = ((index % SUB) + SUB) * 2 ** shift;
  return low + (2 ** shift - 1) / 2;
}

export class Histogram {
  private readonly counts = new Uint32Array(BUCKETS);
  count = 0;
  private sum = 0;
  private maxSeen = 0;

  record(micros: number): void {
    this.counts[bucketOf(micros)]!++;
    this.count++;
    this.sum += micros;
    if (micros > this.maxSeen) this.maxSeen = micros;
  }

  /** `p` in 0..100; 0 when empty. */
  percentile(p: number): number {
    if (this.count === 0) return 0;
    const rank = Math.max(1, Math.ceil((p / 100) * this.count));
    let seen = 0;
    for (let i = 0; i < BUCKETS; i++) {
      seen += this.counts[i]!;
      if (seen >= rank) return bucketValue(i);
    }
    return this.maxSeen;
  }

  mean(): number {
    return this.count === 0 ? 0 : this.sum / this.count;
  }

  max(): number {
    return this.maxSeen;
  }
}
