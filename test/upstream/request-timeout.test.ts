/**
 * An upstream's 408 Request Timeout. Node's http server (on its headers timeout), nginx and some load
 * balancers answer a reused idle keep-alive connection with 408 and close it; RFC 9110 §15.5.9 lets the
 * client repeat the request on a new connection, and the official SDKs retry 408. aiproxy relayed it:
 * the client got a 408 (its own request, it would think, was too slow), the member was not charged, and
 * failover did not move on.
 */
import { afterAll, afterEach, beforeEach, describe, expect, test } from 'bun:test';
import Anthropic from '@anthropic-ai/sdk';
import OpenAI from 'openai';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { Socket } from 'node:net';
import { startProxy, type TestProxy } from '../helpers/proxy.ts';
import { requestTimeout, respond, startRawUpstream, type RawUpstream } from '../helpers/raw-upstream.ts';

const COMPLETION = JSON.stringify({
  id: 'chatcmpl-t', object: 'chat.completion', created: 1, model: 'gpt-4o',
  choices: [{ index: 0, message: { role: 'assistant', content: 'fine' }, finish_reason: 'stop' }],
  usage: { prompt_tokens: 1, completion_tokens: 1, total_tokens: 2 },
});
const answer = (socket: Socket): void => respond(socket, 200, COMPLETION);

const dir = mkdtempSync(join(tmpdir(), 'aiproxy-408-'));
let a: RawUpstream;
let b: RawUpstream;
let proxy: TestProxy | undefined;
beforeEach(async () => {
  [a, b] = await Promise.all([startRawUpstream(), startRawUpstream()]);
});
afterEach(async () => {
  await proxy?.stop();
  proxy = undefined;
  await Promise.all([a.stop(), b.stop()]);
});
afterAll(() => rmSync(dir, { recursive: true, force: true }));

/** aiproxy with members a (tried first) and, unless `alone`, b. */
async function start(alone = false): Promise<TestProxy> {
  const member = (name: string, u: RawUpstream): string => `    - {name: ${name}, api_key: sk-${name}-0000, base_url: "${u.url}/v1"}\n`;
  const file = join(dir, `c-${Math.random().toString(36).slice(2)}.yaml`);
  writeFileSync(file, `pool: {strategy: fill_first, max_attempts: 2}\ntimeouts: {headers_ms: 10000}\nprovider_pools:\n  openai-custom:\n${member('a', a)}${alone ? '' : member('b', b)}`);
  proxy = await startProxy(['--config', file]);
  return proxy;
}
// The SDKs' own retries off: what is seen is what aiproxy answered the first time.
const openai = (p: TestProxy): OpenAI => new OpenAI({ baseURL: `${p.url}/v1`, apiKey: p.key, maxRetries: 0 });
const ask = (p: TestProxy) => openai(p).chat.completions.create({ model: 'gpt-4o', messages: [{ role: 'user', content: 'hi' }] });

interface MemberView {
  name: string;
  errors: number;
  last_error: { status: number; message: string } | null;
}
async function members(p: TestProxy): Promise<Record<string, MemberView>> {
  const res = await fetch(`${p.url}/pools`, { headers: { authorization: `Bearer ${p.key}` } });
  const body = (await res.json()) as { providers: Record<string, { members: MemberView[] }> };
  return Object.fromEntries(body.providers['openai-custom']!.members.map((m) => [m.name, m]));
}
const requestLines = (p: TestProxy): string[] => p.logs.filter((l) => / request rid=/.test(l));

describe("an upstream's 408 Request Timeout", () => {
  test('on a reused idle connection: sent again at once on a new one; the client gets its answer, nobody is charged', async () => {
    // Each connection answers its first request, then times the next one out as Node's server does.
    a.behave((nth, socket) => (nth === 1 ? answer(socket) : requestTimeout(socket)));
    const p = await start();
    expect((await ask(p)).choices[0]!.message.content).toBe('fine');
    const before = a.requests;
    expect((await ask(p)).choices[0]!.message.content).toBe('fine');
    // The 408 on the pooled connection, then the request on a new one: no more, and no failover.
    expect(a.requests - before).toBe(2);
    expect(b.requests).toBe(0);
    expect((await members(p)).a!.errors).toBe(0);
    expect(requestLines(p).at(-1)).toMatch(/member=a .*status=200/);
  });

  test('again on the new connection: the next member serves the request, the first is charged with a 502 that names the 408', async () => {
    a.behave((_nth, socket) => requestTimeout(socket));
    b.behave((_nth, socket) => answer(socket));
    const p = await start();
    expect((await ask(p)).choices[0]!.message.content).toBe('fine');
    expect(a.requests).toBe(2);
    expect(b.requests).toBe(1);
    const m = await members(p);
    expect(m.a!.errors).toBe(1);
    expect(m.a!.last_error).toMatchObject({ status: 502, message: expect.stringContaining('408 Request Timeout') });
    expect(requestLines(p).at(-1)).toMatch(/member=b .*status=200 .*attempts=2/);
  });

  test('from the last member: the client gets a 502 naming the 408, never a 408 of its own, relayed or converted', async () => {
    a.behave((_nth, socket) => requestTimeout(socket));
    const p = await start(true);
    const err = (await ask(p).catch((e: unknown) => e)) as InstanceType<typeof OpenAI.APIError>;
    expect(err).toBeInstanceOf(OpenAI.APIError);
    expect(err.status).toBe(502);
    expect(err.message).toContain('408 Request Timeout');
    const claude = new Anthropic({ baseURL: p.url, apiKey: p.key, maxRetries: 0 });
    const converted = (await claude.messages.create({ model: 'gpt-4o', max_tokens: 16, messages: [{ role: 'user', content: 'hi' }] }).catch((e: unknown) => e)) as InstanceType<typeof Anthropic.APIError>;
    expect(converted).toBeInstanceOf(Anthropic.APIError);
    expect(converted.status).toBe(502);
    expect(converted.message).toContain('408 Request Timeout');
    expect(requestLines(p).at(-1)).toMatch(/member=a .*status=502 .*408 Request Timeout/);
  });

  test('after the upstream had the request a while: not sent again at once; failover moves on', async () => {
    // A 408 that took its time is no stale connection: the upstream, or a load balancer, gave up receiving it.
    a.behave((_nth, socket) => void setTimeout(() => requestTimeout(socket), 1200));
    b.behave((_nth, socket) => answer(socket));
    const p = await start();
    expect((await ask(p)).choices[0]!.message.content).toBe('fine');
    expect(a.requests).toBe(1);
    expect(b.requests).toBe(1);
    expect((await members(p)).a!.last_error).toMatchObject({ status: 502 });
  }, 15_000);
});
