import { expect, test } from 'bun:test';
import { join } from 'node:path';

const ROOT = join(import.meta.dir, '../..');

test('starting with gemini-cli-oauth configured does not load google-auth-library (it is imported on first refresh)', async () => {
  // A fresh process: this test runner has long since loaded the library for other tests.
  const script = `
    const { createApp } = await import(${JSON.stringify(join(ROOT, 'src/server/app.ts'))});
    const { loadConfig } = await import(${JSON.stringify(join(ROOT, 'src/config/load.ts'))});
    const config = loadConfig({ flags: new Map([['--model-provider', 'gemini-cli-oauth'], ['--gemini-oauth-creds-file', '/nonexistent/creds.json']]), env: {} });
    const app = createApp(config);
    if (!app.context.providers.has('gemini-cli-oauth')) throw new Error('adapter missing');
    await Bun.sleep(50);
    const loaded = Object.keys(require.cache).filter((k) => k.includes('google-auth-library')).length;
    await import('google-auth-library');
    const after = Object.keys(require.cache).filter((k) => k.includes('google-auth-library')).length;
    console.log(JSON.stringify({ loaded, after }));
  `;
  const proc = Bun.spawn(['bun', '-e', script], { cwd: ROOT, stdout: 'pipe', stderr: 'pipe' });
  expect(await proc.exited).toBe(0);
  const out = JSON.parse((await new Response(proc.stdout).text()).trim()) as { loaded: number; after: number };
  expect(out.loaded).toBe(0);
  // The probe itself works: once imported, the library shows up.
  expect(out.after).toBeGreaterThan(0);
});
