/**
 * A small tool schema whose definitions each use the next `fan` times, with a keyword beside each
 * reference: copied out naively it grows as fan^n (a 2 KB schema made 574 MB).
 */
export function refChainSchema(n: number, fan: number): Record<string, unknown> {
  const $defs: Record<string, unknown> = {};
  for (let i = 0; i < n; i++) {
    const properties: Record<string, unknown> = {};
    for (let f = 0; f < fan; f++) properties[`p${f}`] = i + 1 < n ? { $ref: `#/$defs/D${i + 1}`, title: 't' } : { type: 'string' };
    $defs[`D${i}`] = { type: 'object', properties };
  }
  return { type: 'object', properties: { root: { $ref: '#/$defs/D0', title: 'x' } }, $defs };
}

/** One definition of `fields` properties, used by `uses` references with a keyword beside each: copied out naively, fields × uses nodes. */
export function widelyUsedSchema(fields: number, uses: number): Record<string, unknown> {
  const big: Record<string, unknown> = {};
  for (let i = 0; i < fields; i++) big[`field_${i}`] = { type: 'string', description: 'a field' };
  const properties: Record<string, unknown> = {};
  for (let u = 0; u < uses; u++) properties[`p${u}`] = { $ref: '#/$defs/Big', title: 't' };
  return { type: 'object', properties, $defs: { Big: { type: 'object', properties: big } } };
}
