/**
 * The last step of every credentials write (sign-in, refreshed tokens written back): the temporary file
 * renamed over the real one. On Windows that rename fails while another program holds either file open
 * (a virus scanner reading the temporary file as it is closed), and such a hold is brief.
 */
import { expect, test } from 'bun:test';
import { replaceFile, replaceFileSync } from '../../src/util/replace-file.ts';

const err = (code: string): Error => Object.assign(new Error(`${code}: operation not permitted, rename`), { code });

/** A rename that fails with `codes`, in order, then succeeds; records each call. */
function flaky(codes: string[]): { calls: number; move: (from: string, to: string) => Promise<void> } {
  const state = { calls: 0, move: async () => {} };
  state.move = async () => {
    const code = codes[state.calls++];
    if (code) throw err(code);
  };
  return state;
}

test('on Windows a rename refused while the file is held open is tried again, and goes through', async () => {
  const r = flaky(['EPERM', 'EACCES', 'EBUSY']);
  await replaceFile('.oauth_creds.json.1.tmp', 'oauth_creds.json', 'win32', r.move);
  expect(r.calls).toBe(4);
});

test('on Windows a hold that does not end fails, after about a second and a half', async () => {
  const r = flaky(Array(10).fill('EBUSY'));
  const started = performance.now();
  await expect(replaceFile('a.tmp', 'a', 'win32', r.move)).rejects.toMatchObject({ code: 'EBUSY' });
  expect(r.calls).toBe(6);
  expect(performance.now() - started).toBeGreaterThan(1000);
  expect(performance.now() - started).toBeLessThan(5000);
});

test('other errors, and every error elsewhere than Windows, are final at once', async () => {
  const missing = flaky(['ENOENT']);
  await expect(replaceFile('a.tmp', 'a', 'win32', missing.move)).rejects.toMatchObject({ code: 'ENOENT' });
  expect(missing.calls).toBe(1);
  for (const platform of ['linux', 'darwin'] as const) {
    const r = flaky(['EPERM']);
    await expect(replaceFile('a.tmp', 'a', platform, r.move)).rejects.toMatchObject({ code: 'EPERM' });
    expect(r.calls).toBe(1);
  }
});

test('the blocking form, for a save as the process exits, waits the same way', () => {
  const codes = ['EPERM', 'EBUSY'];
  let calls = 0;
  const move = (): void => {
    const code = codes[calls++];
    if (code) throw err(code);
  };
  replaceFileSync('pool-state.json.tmp', 'pool-state.json', 'win32', move);
  expect(calls).toBe(3);
  calls = 0;
  expect(() => replaceFileSync('a.tmp', 'a', 'linux', move)).toThrow('EPERM');
  expect(calls).toBe(1);
});
