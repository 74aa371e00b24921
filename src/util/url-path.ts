/**
 * Where the path starts in an absolute URL (`http://host:port/path?query`), or -1 when it has none.
 * Slicing instead of `new URL` because it runs on every request; both Elysia's router and ours see
 * the URL as the client sent it.
 */
export function pathStart(url: string): number {
  return url.indexOf('/', url.indexOf('//') + 2);
}
