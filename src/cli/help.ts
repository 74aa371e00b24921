import { SETTINGS, type Setting } from '../config/settings.ts';
import { VERSION } from '../version.ts';

/**
 * A setting's default as --help shows it, as README's table does; none for a secret, for one without a
 * default, or where the description already says it.
 */
function shownDefault(s: Setting): string {
  if (s.secret || /\(default\b/i.test(s.help)) return '';
  const v = typeof s.default === 'function' ? (s.default as (env: (name: string) => string | undefined) => unknown)((name) => process.env[name] || undefined) : s.default;
  if (v === undefined || (Array.isArray(v) && v.length === 0)) return '';
  return ` [default ${Array.isArray(v) ? v.join(',') : String(v)}]`;
}

export function helpText(): string {
  const options: Array<[string, string]> = (Object.values(SETTINGS) as Setting[])
    .filter((s) => s.flag)
    .map((s) => [`${s.flag} <value>`, `${s.help}${shownDefault(s)}${s.env ? ` [env ${s.env}]` : ''}`]);
  options.push(['--help, -h', 'Show this help'], ['--version, -v', 'Show the version']);
  // One column for every description, however long the longest flag.
  const width = Math.max(...options.map(([flag]) => flag.length)) + 1;
  return [
    `aiproxy ${VERSION}: OpenAI, Anthropic and Gemini APIs behind one door`,
    '',
    'Usage: aiproxy [options]',
    '       aiproxy login gemini',
    '',
    'Options (flags beat environment variables, which beat config.yaml, which beats defaults):',
    ...options.map(([flag, text]) => `  ${flag.padEnd(width)} ${text}`),
    '',
  ].join('\n');
}
