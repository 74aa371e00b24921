import { afterAll, describe, expect, test } from 'bun:test';
import { existsSync, mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { lastUserText } from '../../src/server/prompt-log.ts';
import { RotatingFile } from '../../src/util/rotating-file.ts';
import { eventually, startStack } from '../helpers/stack.ts';

const dir = mkdtempSync(join(tmpdir(), 'aiproxy-prompts-'));
afterAll(() => rmSync(dir, { recursive: true, force: true }));

describe('--log-prompts', () => {
  test('off by default: no prompt text anywhere in the log', async () => {
    const s = await startStack();
    try {
      await s.openaiClient.chat.completions.create({ model: 'gpt-4o', messages: [{ role: 'user', content: 'secret plans' }] });
      expect(s.proxy.logs.join('\n')).not.toContain('secret plans');
    } finally {
      await s.stop();
    }
  });

  test('console: prompt and answer text on a line with the request id, streamed and converted answers too', async () => {
    const s = await startStack('openai-custom,claude-custom,gemini-cli', ['--log-prompts', 'console']);
    try {
      await s.openaiClient.chat.completions.create({ model: 'gpt-4o', messages: [{ role: 'user', content: 'first question' }] }, { headers: { 'x-request-id': 'p-1' } });
      s.claude.queue({ text: 'streamed answer' });
      await s.openaiClient.chat.completions.stream({ model: 'claude-sonnet-4-6', messages: [{ role: 'user', content: 'second question' }] }).finalChatCompletion();
      await eventually(() => s.proxy.logs.filter((l) => l.includes(' prompt ')).length >= 2);
      const lines = s.proxy.logs.filter((l) => l.includes(' prompt '));
      expect(lines[0]).toContain('rid=p-1');
      expect(lines[0]).toContain('prompt="first question"');
      expect(lines[0]).toContain('answer="mock(openai) heard: first question"');
      expect(lines[1]).toContain('prompt="second question"');
      expect(lines[1]).toContain('answer="streamed answer"');
    } finally {
      await s.stop();
    }
  });

  test('a Responses API client: its last user text and the answer, streamed or not', async () => {
    const s = await startStack('openai-custom,claude-custom,gemini-cli', ['--log-prompts', 'console']);
    try {
      s.claude.queue({ text: 'claude answer' });
      await s.openaiClient.responses.create({ model: 'claude-sonnet-4-6', input: [{ role: 'user', content: [{ type: 'input_text', text: 'question one' }] }] });
      s.gemini.queue({ text: 'streamed gemini answer' });
      await s.openaiClient.responses.stream({ model: 'gemini-2.5-flash', input: 'question two' }).finalResponse();
      await eventually(() => s.proxy.logs.filter((l) => l.includes(' prompt ')).length >= 2);
      const lines = s.proxy.logs.filter((l) => l.includes(' prompt '));
      expect(lines[0]).toContain('prompt="question one"');
      expect(lines[0]).toContain('answer="claude answer"');
      expect(lines[1]).toContain('prompt="question two"');
      expect(lines[1]).toContain('answer="streamed gemini answer"');
    } finally {
      await s.stop();
    }
  });

  test("a Gemini body with a lone content and a lone part (Google's REST cookbook writes them so) logs its text", () => {
    expect(lastUserText('gemini', { contents: { role: 'user', parts: { text: 'Make this place PURPLE!' } } })).toBe('Make this place PURPLE!');
  });

  test('file: one JSON line per request in prompt_log_file', async () => {
    const file = join(dir, 'prompts.log');
    const s = await startStack('openai-custom,claude-custom,gemini-cli', ['--log-prompts', 'file', '--prompt-log-file', file]);
    try {
      s.gemini.queue({ text: 'gemini says hi' });
      let text = '';
      for await (const c of await s.geminiClient.models.generateContentStream({ model: 'gemini-2.5-flash', contents: 'hello gemini' })) text += c.text ?? '';
      expect(text).toBe('gemini says hi');
      await eventually(() => existsSync(file) && readFileSync(file, 'utf8').includes('gemini says hi'));
      const entry = JSON.parse(readFileSync(file, 'utf8').trim().split('\n').at(-1)!) as Record<string, unknown>;
      expect(entry).toMatchObject({ protocol: 'gemini', model: 'gemini-2.5-flash', prompt: 'hello gemini', answer: 'gemini says hi' });
      expect(s.proxy.logs.join('\n')).not.toContain('hello gemini');
    } finally {
      await s.stop();
    }
  });

  test('the file rotates by size and keeps a bounded number of old files', async () => {
    const path = join(dir, 'rot.log');
    const f = new RotatingFile(path, 100, 2);
    for (let i = 0; i < 10; i++) f.append(`${String(i).repeat(40)}\n`);
    await f.flush();
    expect(readFileSync(path, 'utf8')).toBe(`${'8'.repeat(40)}\n${'9'.repeat(40)}\n`);
    expect(readFileSync(`${path}.1`, 'utf8')).toBe(`${'6'.repeat(40)}\n${'7'.repeat(40)}\n`);
    expect(existsSync(`${path}.2`)).toBe(true);
    expect(existsSync(`${path}.3`)).toBe(false);
  });
});
