import { expect } from 'bun:test';
import { ConfigError } from '../../src/config/errors.ts';

/** The message of the ConfigError `fn` throws; the test fails when it throws none or another error. */
export function configError(fn: () => unknown): string {
  try {
    fn();
  } catch (e) {
    expect(e).toBeInstanceOf(ConfigError);
    return (e as Error).message;
  }
  throw new Error('expected a ConfigError');
}
