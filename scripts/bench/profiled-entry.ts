/**
 * aiproxy's entry for `bench --cpu-prof`: bun writes a CPU profile only when the process exits normally,
 * and aiproxy has no signal handler of its own, so SIGTERM is turned into a normal exit here.
 */
process.on('SIGTERM', () => process.exit(0));
await import('../../src/index.ts');
