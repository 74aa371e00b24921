import pkg from '../package.json' with { type: 'json' };

export const VERSION: string = pkg.version;
/** Set at build time by scripts/build.ts (--define); `dev` when running from source. */
declare const AIPROXY_COMMIT: string | undefined;
export const COMMIT: string = typeof AIPROXY_COMMIT === 'string' ? AIPROXY_COMMIT : 'dev';
