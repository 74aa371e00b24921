import { describe, expect, test } from 'bun:test';
import { ProxyError } from '../../../src/core/index.ts';
import { openaiCodec } from '../../../src/protocols/openai/index.ts';

describe('openai model list', () => {
  test('encodes the /v1/models list with the provider as owner', () => {
    expect(
      openaiCodec.encodeModelList([
        { id: 'gpt-4o', provider: 'openai-custom', created: 1686935002 },
        { id: 'claude-sonnet-4-5', provider: 'claude-custom', displayName: 'Claude Sonnet 4.5' },
      ]),
    ).toEqual({
      object: 'list',
      data: [
        { id: 'gpt-4o', object: 'model', created: 1686935002, owned_by: 'openai-custom' },
        { id: 'claude-sonnet-4-5', object: 'model', created: 0, owned_by: 'claude-custom' },
      ],
    });
  });

  test('decodes an upstream list, skipping entries without an id', () => {
    const body = {
      object: 'list',
      data: [
        { id: 'gpt-4o', object: 'model', created: 1686935002, owned_by: 'system' },
        { object: 'model' },
        { id: 'anthropic/claude-sonnet-4.5', name: 'Anthropic: Claude Sonnet 4.5', context_length: 1000000, created: 1758000000 },
      ],
    };
    expect(openaiCodec.decodeModelList(body)).toEqual([
      { id: 'gpt-4o', created: 1686935002 },
      { id: 'anthropic/claude-sonnet-4.5', created: 1758000000, displayName: 'Anthropic: Claude Sonnet 4.5', inputTokenLimit: 1000000 },
    ]);
  });

  test('decodes the bare array Together AI answers, with its display_name', () => {
    const body = [
      { id: 'meta-llama/Llama-3.3-70B-Instruct-Turbo', object: 'model', created: 1733443200, type: 'chat', display_name: 'Llama 3.3 70B', context_length: 131072 },
      { id: 'BAAI/bge-large-en-v1.5', object: 'model', created: 0, type: 'embedding' },
    ];
    expect(openaiCodec.decodeModelList(body)).toEqual([
      { id: 'meta-llama/Llama-3.3-70B-Instruct-Turbo', created: 1733443200, displayName: 'Llama 3.3 70B', inputTokenLimit: 131072 },
      { id: 'BAAI/bge-large-en-v1.5', created: 0, embedding: true },
    ]);
  });

  test("a known context window is listed as context_length, which OpenAI-compatible clients read", () => {
    expect(openaiCodec.encodeModelList([{ id: 'gemini-2.5-pro', provider: 'gemini-cli', inputTokenLimit: 1048576, outputTokenLimit: 65536 }])).toEqual({
      object: 'list',
      data: [{ id: 'gemini-2.5-pro', object: 'model', created: 0, owned_by: 'gemini-cli', context_length: 1048576 }],
    });
  });

  test("vLLM's max_model_len is the model's context window", () => {
    const body = { object: 'list', data: [{ id: 'Qwen/Qwen3-8B', object: 'model', created: 1, owned_by: 'vllm', max_model_len: 32768 }] };
    expect(openaiCodec.decodeModelList(body)).toEqual([{ id: 'Qwen/Qwen3-8B', created: 1, inputTokenLimit: 32768 }]);
  });

  test('a body that is not a list is an upstream error', () => {
    expect(() => openaiCodec.decodeModelList({ models: [] })).toThrow(ProxyError);
  });

  test('round trip keeps ids and created', () => {
    const list = [{ id: 'a', provider: 'p', created: 5 }];
    expect(openaiCodec.decodeModelList(openaiCodec.encodeModelList(list))).toEqual([{ id: 'a', created: 5 }]);
  });
});
