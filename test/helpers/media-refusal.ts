import { expect } from 'bun:test';
import { ProxyError } from '../../src/core/errors.ts';

/** The 400 a media URL the proxy will not fetch (or cannot) is refused with. */
export async function refusal(p: Promise<unknown>): Promise<ProxyError> {
  const e = await p.then(
    () => undefined,
    (x: unknown) => x,
  );
  expect(e).toBeInstanceOf(ProxyError);
  expect((e as ProxyError).info.status).toBe(400);
  return e as ProxyError;
}
