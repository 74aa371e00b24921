import { pathStart } from '../util/url-path.ts';

/** A request URL's path and query string (without the `?`). */
export interface RequestTarget {
  path: string;
  query: string;
}

/**
 * Splits a request URL by slicing instead of `new URL`, which cost measurably per request under load.
 * Elysia routes on the same slice, so the path seen here is the one the route was matched on.
 */
export function requestTarget(url: string): RequestTarget {
  const start = pathStart(url);
  if (start < 0) return { path: '/', query: '' };
  const q = url.indexOf('?', start);
  return q < 0 ? { path: url.slice(start), query: '' } : { path: url.slice(start, q), query: url.slice(q + 1) };
}
