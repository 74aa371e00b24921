/**
 * Bun.YAML.parse keeps the last of two equal keys without a word (`port: 22001` then `port: 22003`
 * starts on 22003), so an edit that adds a key already set further up would silently win or lose. This
 * scan finds a key repeated in one block mapping, at any depth, in text the parser has already accepted.
 *
 * Block mappings only: a key inside a flow mapping (`{a: 1, a: 2}`), behind an anchor or tag
 * (`&x a: 1`) or in the explicit `? key` form is not looked at, and keys count as equal by their text
 * (`1` and `"1"` are one key, as they are once parsed into an object). Block scalars (`|`, `>`) and
 * quoted or flow values that run over several lines are skipped, so their text is never taken for keys.
 */

export interface DuplicateKey {
  /** Dotted path of mapping keys to the repeated one (sequence items add no part). */
  path: string;
  line: number;
  firstLine: number;
}

interface Mapping {
  indent: number;
  /** Path of the key this mapping is the value of ('' at the top). */
  path: string;
  keys: Map<string, number>;
  lastKey?: string;
}

const DOUBLE_QUOTED_KEY = /^"((?:[^"\\]|\\.)*)"[ \t]*:(?=\s|$)/;
const SINGLE_QUOTED_KEY = /^'((?:[^']|'')*)'[ \t]*:(?=\s|$)/;
// A plain key cannot start with an indicator character and ends at the first `: ` (or `:` at the end).
const PLAIN_KEY = /^([^\s#&*!|>'"%@`{}[\],?-]|[?-](?=\S))(.*?)[ \t]*:(?=\s|$)/;
const BLOCK_SCALAR = /^[|>][1-9+-]{0,2}[ \t]*(#.*)?$/;

/** The key a line starts with (after its indentation and any `- `), and where its value begins. */
function keyOf(rest: string): { key: string; valueAt: number } | undefined {
  let m = DOUBLE_QUOTED_KEY.exec(rest);
  if (m) {
    let key: string;
    try {
      key = JSON.parse(`"${m[1]}"`) as string;
    } catch {
      key = m[1]!; // a YAML-only escape (`\x41`): compared as written
    }
    return { key, valueAt: m[0].length };
  }
  m = SINGLE_QUOTED_KEY.exec(rest);
  if (m) return { key: m[1]!.replaceAll("''", "'"), valueAt: m[0].length };
  m = PLAIN_KEY.exec(rest);
  if (!m) return undefined;
  const key = m[1]! + m[2]!;
  if (/\s#/.test(key) || key === '<<') return undefined; // a comment, not a key; merge keys may repeat
  return { key, valueAt: m[0].length };
}

/** A quoted or flow value not yet closed at the end of a line. */
interface Open {
  quote: '"' | "'" | undefined;
  depth: number;
  /** The last character outside quotes that is not a space: a quote opens a string only after `[{,:`. */
  prev: string;
}

/** Continues `state` over `text`: the state to carry to the next line, or undefined once the value has closed. */
function carry(text: string, state: Open): Open | undefined {
  let { quote, depth, prev } = state;
  for (let i = 0; i < text.length; i++) {
    const c = text[i]!;
    if (quote === '"') {
      if (c === '\\') i++;
      else if (c === '"') quote = undefined;
    } else if (quote === "'") {
      if (c === "'" && text[i + 1] === "'") i++; // `''` is a quote inside the string
      else if (c === "'") quote = undefined;
    } else if (/\s/.test(c)) continue;
    else if ((c === '"' || c === "'") && '[{,:'.includes(prev)) quote = c;
    else if (c === '#' && (i === 0 || /\s/.test(text[i - 1]!))) break;
    else if (c === '[' || c === '{') depth++;
    else if (c === ']' || c === '}') depth--;
    if (quote === undefined) prev = c;
  }
  return quote !== undefined || depth > 0 ? { quote, depth, prev } : undefined;
}

export function findDuplicateKey(text: string): DuplicateKey | undefined {
  const lines = text.split(/\r?\n/);
  let stack: Mapping[] = [];
  /** Lines indented deeper than this belong to a block scalar. */
  let blockScalarAbove: number | undefined;
  let open: Open | undefined;

  for (let n = 0; n < lines.length; n++) {
    const line = lines[n]!;
    if (open) {
      open = carry(line, open);
      continue;
    }
    const indent = line.length - line.trimStart().length;
    const body = line.slice(indent);
    if (blockScalarAbove !== undefined) {
      if (body === '' || indent > blockScalarAbove) continue;
      blockScalarAbove = undefined;
    }
    if (body === '' || body.startsWith('#')) continue;
    if (indent === 0 && /^(---|\.\.\.)(\s|$)/.test(body)) {
      stack = []; // a new document
      continue;
    }

    // `- ` items, possibly nested on one line (`- - a: 1`): each starts a new mapping.
    let col = indent;
    let rest = body;
    let item = false;
    for (let m = /^-(\s+|$)/.exec(rest); m; m = /^-(\s+|$)/.exec(rest)) {
      item = true;
      col += m[0].length;
      rest = rest.slice(m[0].length);
    }
    while (stack.length && stack.at(-1)!.indent > (item ? indent : col)) stack.pop();

    const found = keyOf(rest);
    if (!found) {
      // A value on a line of its own (`- |`, or a quoted string under its key) may still run on.
      const value = rest.replace(/^([&!]\S*\s+)*/, '');
      if (BLOCK_SCALAR.test(value)) blockScalarAbove = item ? indent : (stack.at(-1)?.indent ?? -1);
      else if (/^["'[{]/.test(value)) open = carry(value, { quote: undefined, depth: 0, prev: ':' });
      continue;
    }
    let map = stack.at(-1);
    if (item || !map || map.indent !== col) {
      const parent = map;
      map = { indent: col, path: parent?.lastKey === undefined ? (parent?.path ?? '') : join(parent.path, parent.lastKey), keys: new Map() };
      stack.push(map);
    }
    const first = map.keys.get(found.key);
    if (first !== undefined) return { path: join(map.path, found.key), line: n + 1, firstLine: first };
    map.keys.set(found.key, n + 1);
    map.lastKey = found.key;

    const value = rest.slice(found.valueAt).trim().replace(/^([&!]\S*\s+)*/, '');
    if (BLOCK_SCALAR.test(value)) blockScalarAbove = col;
    else if (/^["'[{]/.test(value)) open = carry(value, { quote: undefined, depth: 0, prev: ':' });
  }
  return undefined;
}

function join(path: string, key: string): string {
  return path ? `${path}.${key}` : key;
}
