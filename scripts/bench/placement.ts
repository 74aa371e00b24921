/**
 * Which CPUs each process gets. The process being measured (aiproxy or the forwarder) gets a core of its
 * own; the mock upstream and the load generator share the rest. On two cores that means the same
 * split as bun-elysia-notes §1.1 (server on core 0, wrk on core 1), with the mock beside wrk.
 */
import { availableParallelism } from 'node:os';

export interface Placement {
  proxy?: string;
  upstream?: string;
  load?: string;
  describe: string;
}

export function placement(pin: boolean, cores = availableParallelism(), hasTaskset = Bun.which('taskset') !== null): Placement {
  if (!pin) return { describe: 'not pinned (--no-pin)' };
  if (!hasTaskset) return { describe: 'not pinned (taskset missing)' };
  if (cores < 2) return { describe: 'not pinned (one CPU)' };
  if (cores === 2) return { proxy: '0', upstream: '1', load: '1', describe: 'proxy on CPU 0; mock upstream and load generator on CPU 1' };
  return { proxy: '0', upstream: '1', load: '2', describe: 'proxy on CPU 0; mock upstream on CPU 1; load generator on CPU 2' };
}
