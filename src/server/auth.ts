/**
 * The keys a client sent, from any of the places SDKs put keys, in the order they are tried: the bearer
 * first (Claude Code with ANTHROPIC_AUTH_TOKEN sends the gateway key there, next to a stale
 * ANTHROPIC_API_KEY in x-api-key: ankitcharolia/kiro-gateway#61), then the others, since a client may
 * send the proxy key in x-api-key beside a bearer meant for someone else (Claude Desktop's Claude Code
 * tab sends its Anthropic sign-in, sk-ant-oat…, as the bearer: BerriAI/litellm#29190). Empty values (a
 * header set from an unset variable) are left out. None of them is ever sent upstream.
 */
export function presentedKeys(request: Request, query: string): string[] {
  const keys: string[] = [];
  const auth = request.headers.get('authorization');
  const bearer = auth ? /^Bearer\s+(.+)$/i.exec(auth.trim())?.[1]?.trim() : undefined;
  if (bearer) keys.push(bearer);
  for (const name of ['x-api-key', 'x-goog-api-key']) {
    const v = request.headers.get(name);
    if (v) keys.push(v);
  }
  // Parsed only when it may hold one: every Gemini stream's query is `alt=sse`, and this runs on every request.
  const param = query.includes('key=') ? new URLSearchParams(query).get('key') : null;
  if (param) keys.push(param);
  return keys;
}
