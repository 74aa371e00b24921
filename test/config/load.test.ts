import { afterAll, describe, expect, test } from 'bun:test';
import { mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { homedir, tmpdir } from 'node:os';
import { join } from 'node:path';
import { parseArgs } from '../../src/cli/args.ts';
import { helpText } from '../../src/cli/help.ts';
import { configError } from '../helpers/config-error.ts';
import { loadConfig } from '../../src/config/load.ts';
import { geminiCredsFile } from '../../src/config/parsers.ts';
import { systemPromptFor } from '../../src/server/system-prompt.ts';

const dir = mkdtempSync(join(tmpdir(), 'aiproxy-config-'));
afterAll(() => rmSync(dir, { recursive: true, force: true }));

function file(name: string, text: string): string {
  const p = join(dir, name);
  writeFileSync(p, text);
  return p;
}

const load = (argv: string[], env: Record<string, string> = {}, cwd = join(dir, 'nowhere')) =>
  loadConfig({ flags: parseArgs(argv).flags, env, cwd });

describe('config sources and precedence', () => {
  test('defaults when nothing is set, and the default key is flagged', () => {
    const c = load([]);
    expect(c.host).toBe('localhost');
    expect(c.port).toBe(3000);
    expect(c.apiKey).toBe('123456');
    expect(c.apiKeyIsDefault).toBe(true);
    expect(c.modelProviders).toEqual(['openai-custom']);
    expect(c.openai.baseUrl).toBe('https://api.openai.com/v1');
    expect(c.claude.baseUrl).toBe('https://api.anthropic.com');
    expect(c.gemini.baseUrl).toBe('https://generativelanguage.googleapis.com');
    expect(c.gemini.codeAssistBaseUrl).toBe('https://cloudcode-pa.googleapis.com');
    expect(c.gemini.oauthTokenUrl).toBe('https://oauth2.googleapis.com/token');
    expect(c.gemini.oauthCredsFile).toEndWith('/.gemini/oauth_creds.json');
    expect(c.configFile).toBeUndefined();
  });

  test("the credentials file's default follows the Gemini CLI's GEMINI_CLI_HOME, its stand-in for the home directory", () => {
    expect(load([], { GEMINI_CLI_HOME: '/srv/gemini-home' }).gemini.oauthCredsFile).toBe('/srv/gemini-home/.gemini/oauth_creds.json');
    // An empty variable is unset, as for every other one; a configured file still wins.
    expect(load([], { GEMINI_CLI_HOME: '' }).gemini.oauthCredsFile).toBe(geminiCredsFile(homedir()));
    expect(load(['--gemini-oauth-creds-file', '/x/creds.json'], { GEMINI_CLI_HOME: '/srv/gemini-home' }).gemini.oauthCredsFile).toBe('/x/creds.json');
  });

  test('flag beats env beats file beats default, per key', () => {
    const cfg = file('prec.yaml', 'port: 1111\nhost: file-host\napi_key: file-key\nopenai:\n  api_key: file-openai\n');
    const c = load(['--config', cfg, '--port', '3333'], { AIPROXY_PORT: '2222', AIPROXY_HOST: 'env-host', OPENAI_API_KEY: 'env-openai' });
    expect(c.port).toBe(3333);
    expect(c.host).toBe('env-host');
    expect(c.apiKey).toBe('file-key');
    expect(c.apiKeyIsDefault).toBe(false);
    expect(c.openai.apiKey).toBe('env-openai');
    expect(c.configFile).toBe(cfg);
  });

  test('./config.yaml in the working directory is read when present', () => {
    const cwd = mkdtempSync(join(dir, 'cwd-'));
    writeFileSync(join(cwd, 'config.yaml'), 'model_providers: [claude-custom, gemini-cli]\n');
    expect(load([], {}, cwd).modelProviders).toEqual(['claude-custom', 'gemini-cli']);
  });

  test('AIPROXY_CONFIG names the file; --config beats it', () => {
    const a = file('a.yaml', 'port: 4001\n');
    const b = file('b.yaml', 'port: 4002\n');
    expect(load([], { AIPROXY_CONFIG: a }).port).toBe(4001);
    expect(load(['--config', b], { AIPROXY_CONFIG: a }).port).toBe(4002);
  });

  test('comma lists and YAML lists both give providers; duplicates collapse', () => {
    expect(load(['--model-provider', 'gemini-cli, openai-custom,gemini-cli']).modelProviders).toEqual(['gemini-cli', 'openai-custom']);
    expect(load([], { AIPROXY_MODEL_PROVIDER: 'claude-custom' }).modelProviders).toEqual(['claude-custom']);
    expect(load(['--model-provider=gemini-cli-oauth']).modelProviders).toEqual(['gemini-cli-oauth']);
  });

  test('a pools file alone does not make the unconfigured default openai-custom the default provider', () => {
    // The original project's provider_pools.json with only Claude accounts: a model of no known family
    // (glm-4.6 on a Claude relay) went to api.openai.com without a key.
    const pools = file('claude-only-pools.json', JSON.stringify({ 'claude-custom': [{ customName: 'relay', CLAUDE_API_KEY: 'sk-ant-x', CLAUDE_BASE_URL: 'https://relay.example/v1' }] }));
    expect(load(['--provider-pools-file', pools]).modelProviders).toEqual(['claude-custom']);
    // openai-custom stays first when anything configures it, or when model_providers names it.
    expect(load(['--provider-pools-file', pools, '--openai-api-key', 'sk-x']).modelProviders).toEqual(['openai-custom', 'claude-custom']);
    expect(load(['--provider-pools-file', pools], { OPENAI_BASE_URL: 'http://127.0.0.1:11434/v1' }).modelProviders).toEqual(['openai-custom', 'claude-custom']);
    expect(load(['--provider-pools-file', pools, '--model-provider', 'openai-custom']).modelProviders).toEqual(['openai-custom', 'claude-custom']);
    expect(load([]).modelProviders).toEqual(['openai-custom']);
  });

  test('provider_pools beside a pools file: the file is read, and the warning says provider_pools is not', () => {
    const pools = file('pools-both.yaml', 'claude-custom:\n  - {name: from-file, api_key: k1}\n');
    const inline = 'provider_pools:\n  openai-custom:\n    - {name: inline, api_key: k2}\n';
    const viaEnv = load(['--config', file('both-env.yaml', inline)], { AIPROXY_PROVIDER_POOLS_FILE: pools });
    expect(Object.keys(viaEnv.pools)).toEqual(['claude-custom']);
    expect(viaEnv.warnings).toEqual([`${join(dir, 'both-env.yaml')}: provider_pools is not used: the pools come from ${pools} (AIPROXY_PROVIDER_POOLS_FILE) alone`]);
    const inFile = load(['--config', file('both-file.yaml', `provider_pools_file: ${pools}\n${inline}`)]);
    expect(inFile.warnings).toEqual([`${join(dir, 'both-file.yaml')}: provider_pools is not used: the pools come from ${pools} (provider_pools_file) alone`]);
    expect(load(['--config', file('inline-only.yaml', inline)]).warnings).toEqual([]);
  });

  test('a base URL pasted with its endpoint (…/chat/completions, …/v1/messages) is taken without it', () => {
    // What claude-code-router's api_base_url and many tools ask for; appended to again, it was a 404.
    expect(load(['--openai-base-url', 'https://api.deepseek.com/chat/completions']).openai.baseUrl).toBe('https://api.deepseek.com');
    expect(load([], { OPENAI_BASE_URL: 'https://api.openai.com/v1/chat/completions/' }).openai.baseUrl).toBe('https://api.openai.com/v1');
    expect(load(['--openai-base-url', 'https://api.openai.com/v1/responses']).openai.baseUrl).toBe('https://api.openai.com/v1');
    expect(load(['--claude-base-url', 'https://api.anthropic.com/v1/messages']).claude.baseUrl).toBe('https://api.anthropic.com');
    // A path that merely contains the words is kept.
    expect(load(['--openai-base-url', 'http://h.example/chat/completions/v1']).openai.baseUrl).toBe('http://h.example/chat/completions/v1');
    const pools = file('pools-endpoint.yaml', 'openai-custom:\n  - {name: a, api_key: k, base_url: "http://h.example/v1/chat/completions"}\nopenaiResponses-custom:\n  - {name: b, api_key: k, base_url: "http://h.example/v1/responses"}\n');
    const c = load(['--provider-pools-file', pools]);
    expect(c.pools['openai-custom']![0]!.credentials.baseUrl).toBe('http://h.example/v1');
    expect(c.pools['openaiResponses-custom']![0]!.credentials.baseUrl).toBe('http://h.example/v1');
  });

  test('a base URL keeps its path and loses a trailing slash', () => {
    const c = load(['--openai-base-url', 'http://host:8080/prefix/v1/', '--claude-base-url', 'http://c.example/anthropic']);
    expect(c.openai.baseUrl).toBe('http://host:8080/prefix/v1');
    expect(c.claude.baseUrl).toBe('http://c.example/anthropic');
  });

  test("the original's CLAUDE_BASE_URL, written with /v1, loses it: /v1/messages is appended", () => {
    // The original joined CLAUDE_BASE_URL + '/messages'; kept, its /v1 would give /v1/v1/messages.
    expect(load(['--claude-base-url', 'https://relay.example/v1']).claude.baseUrl).toBe('https://relay.example');
    expect(load([], { CLAUDE_BASE_URL: 'https://api.anthropic.com/v1/' }).claude.baseUrl).toBe('https://api.anthropic.com');
    expect(load(['--claude-base-url', 'https://relay.example/api/v1']).claude.baseUrl).toBe('https://relay.example/api');
  });

  test('${VAR} in the file is taken from the environment', () => {
    const cfg = file('expand.yaml', 'claude:\n  api_key: ${MY_CLAUDE_KEY}\n');
    expect(load(['--config', cfg], { MY_CLAUDE_KEY: 'sk-ant-x' }).claude.apiKey).toBe('sk-ant-x');
    expect(() => load(['--config', cfg])).toThrow('claude.api_key: environment variable MY_CLAUDE_KEY is not set');
  });

  test('a ${…} that is not ${NAME} (a shell default, an unclosed brace) is refused, not sent as the key', () => {
    for (const ref of ['${MY_CLAUDE_KEY:-sk-ant-fallback}', '${MY_CLAUDE_KEY-x}', '${MY_CLAUDE_KEY', 'a${1X}']) {
      const cfg = file('expand-shell.yaml', `claude:\n  api_key: "${ref}"\n`);
      let msg = '';
      try {
        load(['--config', cfg], { MY_CLAUDE_KEY: 'sk-ant-x' });
      } catch (e) {
        msg = (e as Error).message;
      }
      expect(msg).toBe(`${cfg}: claude.api_key: only \${NAME} is replaced by an environment variable; other forms such as \${NAME:-default} are not read`);
    }
    // A lone $ stays what it is (keys and proxy passwords hold them).
    const dollar = file('expand-dollar.yaml', 'claude:\n  api_key: sk-$abc$\n');
    expect(load(['--config', dollar]).claude.apiKey).toBe('sk-$abc$');
  });

  test('${VAR} gives numbers and switches under pool and provider_pools as it does at the top level', () => {
    const cfg = file(
      'expand-pool.yaml',
      [
        'port: ${P}',
        'pool:',
        '  max_attempts: ${P_ATTEMPTS}',
        '  cooldown_ms: ${P_COOL}',
        '  affinity: ${P_AFFINITY}',
        'provider_pools:',
        '  openai-custom:',
        '    - api_key: k',
        '      weight: ${P_WEIGHT}',
        '      max_concurrency: ${P_MAX}',
        '      disabled: ${P_OFF}',
        '',
      ].join('\n'),
    );
    const c = load(['--config', cfg], { P: '3100', P_ATTEMPTS: '5', P_COOL: '0', P_AFFINITY: 'true', P_WEIGHT: '2.5', P_MAX: '8', P_OFF: 'false' });
    expect(c.port).toBe(3100);
    expect(c.pool).toMatchObject({ maxAttempts: 5, cooldownMs: 0, affinity: true });
    expect(c.pools['openai-custom']![0]).toMatchObject({ weight: 2.5, maxConcurrency: 8, disabled: false });
    expect(() => load(['--config', cfg], { P: '3100', P_ATTEMPTS: 'five', P_COOL: '0', P_AFFINITY: 'true', P_WEIGHT: '1', P_MAX: '8', P_OFF: 'false' })).toThrow(
      'pool.max_attempts: expected a positive whole number',
    );
    expect(() => load(['--config', cfg], { P: '3100', P_ATTEMPTS: '5', P_COOL: '0', P_AFFINITY: 'maybe', P_WEIGHT: '1', P_MAX: '8', P_OFF: 'false' })).toThrow(
      'pool.affinity: expected true or false',
    );
  });

  test('an empty environment variable counts as unset', () => {
    expect(load([], { AIPROXY_PORT: '' }).port).toBe(3000);
  });

  test('every flag and env name of the contract is read', () => {
    const env = {
      OPENAI_BASE_URL: 'http://o.example/v1',
      CLAUDE_API_KEY: 'ck',
      GEMINI_API_KEY: 'gk',
      GEMINI_BASE_URL: 'http://g.example',
      GEMINI_OAUTH_CREDS_FILE: '/tmp/creds.json',
      GOOGLE_CLOUD_PROJECT: 'proj-1',
      AIPROXY_API_KEY: 'proxy-key',
    };
    const c = load([], env);
    expect([c.openai.baseUrl, c.claude.apiKey, c.gemini.apiKey, c.gemini.baseUrl, c.gemini.oauthCredsFile, c.gemini.projectId, c.apiKey]).toEqual([
      'http://o.example/v1', 'ck', 'gk', 'http://g.example', '/tmp/creds.json', 'proj-1', 'proxy-key',
    ]);
    const f = load(['--api-key', 'k', '--openai-api-key', 'ok', '--gemini-api-key', 'g', '--gemini-base-url', 'http://x.example', '--gemini-oauth-creds-file', '/c.json', '--project-id', 'p', '--host', '0.0.0.0']);
    expect([f.apiKey, f.openai.apiKey, f.gemini.apiKey, f.gemini.baseUrl, f.gemini.oauthCredsFile, f.gemini.projectId, f.host]).toEqual([
      'k', 'ok', 'g', 'http://x.example', '/c.json', 'p', '0.0.0.0',
    ]);
  });

  test('config.yaml carries the Gemini OAuth endpoints', () => {
    const cfg = file('g.yaml', 'gemini:\n  code_assist_base_url: http://127.0.0.1:9/ca\n  oauth_token_url: http://127.0.0.1:9/token\n');
    const c = load(['--config', cfg]);
    expect(c.gemini.codeAssistBaseUrl).toBe('http://127.0.0.1:9/ca');
    expect(c.gemini.oauthTokenUrl).toBe('http://127.0.0.1:9/token');
  });
});

describe('config errors name the key and the source', () => {

  test('bad port from each source', () => {
    expect(configError(() => load(['--port', 'abc']))).toBe('--port: "abc" is not a port number (0-65535)');
    expect(configError(() => load([], { AIPROXY_PORT: '70000' }))).toContain('AIPROXY_PORT: "70000" is not a port number');
    const cfg = file('badport.yaml', 'port: -1\n');
    expect(configError(() => load(['--config', cfg]))).toContain(`${cfg}: port: -1 is not a port number`);
  });

  test('unknown provider names the known ones', () => {
    const msg = configError(() => load(['--model-provider', 'openai-custom,kiro']));
    expect(msg).toContain('--model-provider: unknown provider "kiro"');
    expect(msg).toContain('claude-custom');
  });

  test('malformed YAML, wrong types and unknown keys in the file', () => {
    const bad = file('bad.yaml', 'port: [1, 2\nhost: x\n');
    expect(configError(() => load(['--config', bad]))).toContain(`${bad}: invalid YAML`);
    // Bun's parser names no position: the line is found, and a bare * (CORS) gets its fix.
    expect(configError(() => load(['--config', bad]))).toEndWith('(near line 1)');
    const star = file('star.yaml', 'host: 127.0.0.1\nport: 3000\ncors_origin: *   # any\nlog_level: info\n');
    expect(configError(() => load(['--config', star]))).toBe(
      `${star}: invalid YAML: YAML Parse error: Unexpected character (near line 3); a value beginning with *, @, \` or : must be quoted ('*', '::')`,
    );
    const allV6 = file('all-v6.yaml', 'port: 3000\nhost: ::\n');
    expect(configError(() => load(['--config', allV6]))).toEndWith("(near line 2); a value beginning with *, @, ` or : must be quoted ('*', '::')");
    expect(load(['--config', file('all-v6-quoted.yaml', "host: '::'\n")]).host).toBe('::');
    // A flow list over several lines is whole once closed: the fault is the later line.
    const later = file('later.yaml', 'model_providers: [openai-custom,\n  claude-custom]\nlog_level: info\nopenai:\n  api_key: k\n base_url: x\n');
    expect(configError(() => load(['--config', later]))).toEndWith('(near line 6)');
    const pools = file('pools-bad.yaml', 'openai-custom:\n  - name: a\n    api_key: k\n   weight: 2\n');
    expect(configError(() => load(['--provider-pools-file', pools]))).toEndWith('(near line 4)');
    const typed = file('typed.yaml', 'openai:\n  base_url: 42\n');
    expect(configError(() => load(['--config', typed]))).toContain('openai.base_url');
    const unknown = file('unknown.yaml', 'openai:\n  base_ur1: http://x\n');
    expect(configError(() => load(['--config', unknown]))).toBe(`${unknown}: openai.base_ur1: unknown key`);
    const flag = file('flag.yaml', 'port: true\n');
    expect(configError(() => load(['--config', flag]))).toBe(`${flag}: port: expected a whole number or a string, got boolean`);
    // A key of digits, which YAML reads as a number (0123456 as 123456): say to quote it, never echo it.
    const digits = file('digits.yaml', 'openai:\n  api_key: 0123456\n');
    const msg = configError(() => load(['--config', digits]));
    expect(msg).toBe(`${digits}: openai.api_key: expected a string, got a number: put the value in quotes (YAML reads an unquoted 0123, 1e5 or true as a number)`);
    expect(msg).not.toContain('123456');
    const quoted = file('quoted.yaml', 'openai:\n  api_key: "0123456"\n');
    expect(load(['--config', quoted]).openai.apiKey).toBe('0123456');
    const list = file('list.yaml', '- a\n- b\n');
    expect(configError(() => load(['--config', list]))).toContain('expected a mapping');
  });

  test('a missing explicit config file is an error', () => {
    expect(configError(() => load(['--config', join(dir, 'absent.yaml')]))).toContain('does not exist');
    expect(configError(() => load([], { AIPROXY_CONFIG: join(dir, 'absent2.yaml') }))).toContain('does not exist');
  });

  test('a directory where the config or pools file should be says so (a bind mount of a missing host file)', () => {
    const d = mkdtempSync(join(dir, 'mounted-'));
    const asDir = join(d, 'config.yaml');
    mkdirSync(asDir);
    expect(configError(() => load(['--config', asDir]))).toBe(`config file ${asDir} is a directory, not a file (a container's bind mount of a host file that does not exist makes one)`);
    // The default ./config.yaml too (the image's working directory is /etc/aiproxy).
    expect(configError(() => load([], {}, d))).toStartWith(`config file ${asDir} is a directory, not a file`);
    expect(configError(() => load(['--provider-pools-file', asDir]))).toStartWith(`provider pools file ${asDir} is a directory, not a file`);
  });

  test('a missing file given by a relative path says where it was looked for', () => {
    // Under systemd the working directory is /var/lib/aiproxy while the files sit in /etc/aiproxy.
    expect(configError(() => load(['--provider-pools-file', 'no-such-pools.json']))).toBe(
      `provider pools file no-such-pools.json does not exist (a relative path is taken from the working directory, ${process.cwd()})`,
    );
    expect(configError(() => load(['--config', 'no-such-config.yaml']))).toContain(`(a relative path is taken from the working directory, ${process.cwd()})`);
    expect(configError(() => load(['--config', join(dir, 'absent3.yaml')]))).toBe(`config file ${join(dir, 'absent3.yaml')} does not exist`);
    // The system prompt file is read when the app is made from the configuration (start-up, reload).
    expect(configError(() => systemPromptFor(load(['--system-prompt-file', 'no-such-prompt.txt'])))).toBe(
      `system_prompt_file no-such-prompt.txt cannot be read: ENOENT (a relative path is taken from the working directory, ${process.cwd()})`,
    );
    expect(configError(() => systemPromptFor(load(['--system-prompt-file', join(dir, 'absent.txt')])))).toBe(`system_prompt_file ${join(dir, 'absent.txt')} cannot be read: ENOENT`);
  });

  test("the original project's config.json is refused with aiproxy's name for each of its keys, never a value", () => {
    const cfg = file(
      'config.json',
      JSON.stringify({ REQUIRED_API_KEY: 'orig-secret-key', SERVER_PORT: 3000, HOST: '0.0.0.0', MODEL_PROVIDER: 'gemini-cli-oauth', CRON_REFRESH_TOKEN: true }),
    );
    const msg = configError(() => load(['--config', cfg]));
    expect(msg).toContain('REQUIRED_API_KEY: unknown key');
    expect(msg).toContain("the original AIClient-2-API's config.json format");
    expect(msg).toContain('REQUIRED_API_KEY → api_key, SERVER_PORT → port, HOST → host, MODEL_PROVIDER → model_providers, CRON_REFRESH_TOKEN → (none');
    expect(msg).not.toContain('orig-secret-key');
    // Any other unknown key is just that.
    expect(configError(() => load(['--config', file('typo.yaml', 'prot: 1\n')]))).toEndWith('prot: unknown key');
  });

  test('bad URLs are refused', () => {
    expect(configError(() => load(['--claude-base-url', 'not a url']))).toContain('--claude-base-url: "not a url" is not a valid URL');
    expect(configError(() => load(['--openai-base-url', 'ftp://x/v1']))).toContain('must be an http(s) URL');
  });

  test('a secret never appears in an error message', () => {
    const msg = configError(() => load(['--api-key', '   ']));
    expect(msg).toContain('--api-key');
    // A pools file whose key lost its quotes: JSON.parse names the token it choked on.
    const pools = file('pools-unquoted.json', '{"gemini-cli": [{"name": "a", "api_key": AIzaSyLeakedKey0123456789}]}');
    const poolsMsg = configError(() => load(['--provider-pools-file', pools]));
    expect(poolsMsg).toContain('cannot be parsed');
    expect(poolsMsg).not.toContain('AIzaSyLeakedKey0123456789');
    // A base URL pasted with its key in the query string.
    const urlMsg = configError(() => load(['--gemini-base-url', 'https://generativelanguage.googleapis.com?key=AIzaSyLeakedKey0123456789']));
    expect(urlMsg).toContain('must not contain a query or fragment');
    expect(urlMsg).not.toContain('AIzaSyLeakedKey0123456789');
  });
});

describe('command line', () => {
  test('unknown options and missing values are errors', () => {
    expect(() => parseArgs(['--prot', '8080'])).toThrow('unknown option --prot');
    expect(() => parseArgs(['--port'])).toThrow('--port needs a value');
    expect(() => parseArgs(['serve-now'])).toThrow('unknown command');
  });

  test("the original project's options aiproxy does not take say what to use instead", () => {
    expect(() => parseArgs(['--cron-refresh-token', 'true'])).toThrow(
      'unknown option --cron-refresh-token, an option of the original AIClient-2-API: not needed: OAuth tokens are refreshed in the background',
    );
    expect(() => parseArgs(['--gemini-oauth-creds-base64=eyJ9'])).toThrow('set the environment variable GEMINI_OAUTH_CREDS_BASE64');
    expect(() => parseArgs(['--request-max-retries', '3'])).toThrow('pool.max_attempts');
    expect(() => parseArgs(['--constructor', 'x'])).toThrow('unknown option --constructor (see --help)');
  });

  test('--help lists every flag with its environment variable, descriptions in one column', () => {
    const lines = helpText().split('\n').filter((l) => l.startsWith('  --'));
    expect(lines.some((l) => l.startsWith('  --gemini-oauth-creds-file <value>') && l.includes('[env GEMINI_OAUTH_CREDS_FILE]'))).toBe(true);
    expect(lines.some((l) => l.startsWith('  --help, -h'))).toBe(true);
    const columns = new Set(lines.map((l) => /^  \S.*?\s{2,}(?=\S)/.exec(l)?.[0].length));
    expect([...columns]).toHaveLength(1);
  });

  test("--help gives each flag's default, as README's table does, never a secret's", () => {
    const line = (flag: string) => helpText().split('\n').find((l) => l.startsWith(`  ${flag} <value>`)) ?? '';
    expect(line('--host')).toContain('[default localhost] [env AIPROXY_HOST]');
    expect(line('--port')).toContain('[default 3000]');
    expect(line('--model-provider')).toContain('[default openai-custom]');
    expect(line('--max-body-bytes')).toContain('[default 33554432]');
    expect(line('--allow-private-media-urls')).toContain('[default false]');
    expect(line('--openai-base-url')).toContain('[default https://api.openai.com/v1]');
    expect(line('--gemini-oauth-creds-file')).toContain('/.gemini/oauth_creds.json]');
    // Said in the description already, or none.
    expect(line('--api-key')).not.toContain('[default');
    expect(line('--cors-origin')).not.toContain('[default');
    expect(line('--openai-api-key')).not.toContain('[default');
  });

  test('a list flag given twice adds up; any other flag given twice takes the last', () => {
    const c = load(['--model-provider', 'claude-custom', '--model-provider', 'gemini-cli', '--cors-origin', 'http://a.example', '--cors-origin=http://b.example', '--port', '1', '--port', '2']);
    expect(c.modelProviders).toEqual(['claude-custom', 'gemini-cli']);
    expect(c.corsOrigin).toEqual(['http://a.example', 'http://b.example']);
    expect(c.port).toBe(2);
  });

  test('help, version and login are commands', () => {
    expect(parseArgs(['--help']).command).toBe('help');
    expect(parseArgs(['-v']).command).toBe('version');
    expect(parseArgs(['login', 'gemini'])).toMatchObject({ command: 'login', rest: ['gemini'] });
  });
});
