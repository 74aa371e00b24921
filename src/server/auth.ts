/** The proxy key as a client sent it, from any of the places SDKs put keys. */
export function presentedKey(request: Request, query: string): string | undefined {
  const auth = request.headers.get('authorization');
  if (auth) {
    const m = /^Bearer\s+(.+)$/i.exec(auth.trim());
    if (m) return m[1]!.trim();
  }
  // `||`, not `??`: a client library that sends an empty x-api-key next to its real key (set from an
  // unset variable) would otherwise be refused.
  return (
    request.headers.get('x-api-key') || request.headers.get('x-goog-api-key') || (query ? new URLSearchParams(query).get('key') : null) || undefined
  );
}
