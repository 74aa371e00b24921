import { SETTINGS } from '../config/settings.ts';
import { VERSION } from '../version.ts';

export function helpText(): string {
  const rows = Object.values(SETTINGS)
    .filter((s) => 'flag' in s && s.flag)
    .map((s) => {
      const left = `  ${(s as { flag: string }).flag} <value>`;
      const env = 'env' in s && s.env ? ` [env ${s.env}]` : '';
      return `${left.padEnd(34)} ${s.help}${env}`;
    });
  return [
    `aiproxy ${VERSION}: OpenAI, Anthropic and Gemini APIs behind one door`,
    '',
    'Usage: aiproxy [options]',
    '       aiproxy login gemini',
    '',
    'Options (flags beat environment variables, which beat config.yaml, which beats defaults):',
    ...rows,
    '  --help, -h                         Show this help',
    '  --version, -v                      Show the version',
    '',
  ].join('\n');
}
