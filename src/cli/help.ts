import { SETTINGS } from '../config/settings.ts';
import { VERSION } from '../version.ts';

export function helpText(): string {
  const options: Array<[string, string]> = Object.values(SETTINGS)
    .filter((s) => 'flag' in s && s.flag)
    .map((s) => [`${(s as { flag: string }).flag} <value>`, `${s.help}${'env' in s && s.env ? ` [env ${s.env}]` : ''}`]);
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
