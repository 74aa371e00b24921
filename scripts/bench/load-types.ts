/** What a load generator is asked to do and what it reports, whichever generator (wrk or Bun) runs. */

export interface BenchRequest {
  method: 'POST' | 'GET';
  /** Path and query, e.g. `/v1/chat/completions`. */
  path: string;
  headers: Record<string, string>;
  body?: string;
}

export interface LoadSpec {
  /** `http://127.0.0.1:PORT`. */
  origin: string;
  /** Sent in turn (round-robin); one request for a plain scenario, several for the mixed soak. */
  requests: BenchRequest[];
  connections: number;
  durationS: number;
  /** Bun client only: record the time to the first body byte as well. */
  ttfb?: boolean;
}

export interface LatencySummary {
  p50: number;
  p90: number;
  p99: number;
  mean: number;
  max: number;
}

export interface LoadResult {
  generator: 'wrk' | 'bun';
  /** Completed responses, any status. */
  requests: number;
  /** Non-2xx responses plus connection, read, write and timeout errors. */
  errors: number;
  durationS: number;
  rps: number;
  /** µs. */
  latencyUs: LatencySummary;
  /** µs, when `ttfb` was asked for. */
  ttfbUs?: LatencySummary;
}

export interface LoadGenerator {
  readonly name: 'wrk' | 'bun';
  run(spec: LoadSpec): Promise<LoadResult>;
}
