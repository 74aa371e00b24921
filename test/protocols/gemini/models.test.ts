import { describe, expect, test } from 'bun:test';
import { geminiCodec } from '../../../src/protocols/gemini/index.ts';

describe('gemini model lists', () => {
  test('encodes the Gemini list shape with the models/ prefix', () => {
    expect(
      geminiCodec.encodeModelList([
        { id: 'gemini-2.5-pro', provider: 'gemini-cli', displayName: 'Gemini 2.5 Pro', inputTokenLimit: 1048576, outputTokenLimit: 65536 },
        { id: 'claude-sonnet-4-5', provider: 'claude-custom' },
      ]),
    ).toEqual({
      models: [
        {
          name: 'models/gemini-2.5-pro',
          baseModelId: 'gemini-2.5-pro',
          version: '001',
          displayName: 'Gemini 2.5 Pro',
          description: 'Gemini 2.5 Pro, served by gemini-cli',
          inputTokenLimit: 1048576,
          outputTokenLimit: 65536,
          supportedGenerationMethods: ['generateContent', 'streamGenerateContent', 'countTokens'],
        },
        {
          name: 'models/claude-sonnet-4-5',
          baseModelId: 'claude-sonnet-4-5',
          version: '001',
          displayName: 'claude-sonnet-4-5',
          description: 'claude-sonnet-4-5, served by claude-custom',
          supportedGenerationMethods: ['generateContent', 'streamGenerateContent', 'countTokens'],
        },
      ],
    });
  });

  test('decodes a real list: strips models/, marks embedding models, skips models that can neither generate nor embed', () => {
    const body = {
      models: [
        {
          name: 'models/gemini-2.5-flash',
          baseModelId: 'gemini-2.5-flash',
          version: '001',
          displayName: 'Gemini 2.5 Flash',
          inputTokenLimit: 1048576,
          outputTokenLimit: 65536,
          supportedGenerationMethods: ['generateContent', 'countTokens', 'createCachedContent', 'batchGenerateContent'],
          thinking: true,
        },
        { name: 'models/text-embedding-004', supportedGenerationMethods: ['embedContent'] },
        { name: 'models/imagen-4.0-generate-001', supportedGenerationMethods: ['predict'] },
        { name: 'models/aqa', supportedGenerationMethods: ['generateAnswer'] },
        { name: 'models/bare' },
        { displayName: 'no name' },
      ],
      nextPageToken: 'abc',
    };
    expect(geminiCodec.decodeModelList(body)).toEqual([
      { id: 'gemini-2.5-flash', displayName: 'Gemini 2.5 Flash', inputTokenLimit: 1048576, outputTokenLimit: 65536 },
      { id: 'text-embedding-004', embedding: true },
      { id: 'bare' },
    ]);
    expect(geminiCodec.decodeModelList({ error: {} })).toEqual([]);
  });

  test('an embedding model is listed with the methods that embed, not generate', () => {
    const list = geminiCodec.encodeModelList([{ id: 'gemini-embedding-001', provider: 'gemini-cli', embedding: true }]) as { models: Array<Record<string, unknown>> };
    const entry = list.models[0];
    expect(entry!.supportedGenerationMethods).toEqual(['embedContent', 'batchEmbedContents']);
    expect(geminiCodec.decodeModelList({ models: [entry] })).toEqual([{ id: 'gemini-embedding-001', displayName: 'gemini-embedding-001', embedding: true }]);
  });

  test('a list survives its own round trip', () => {
    const models = [{ id: 'gemini-3-pro-preview', provider: 'p', displayName: 'G3', inputTokenLimit: 10, outputTokenLimit: 5 }];
    expect(geminiCodec.decodeModelList(geminiCodec.encodeModelList(models))).toEqual([
      { id: 'gemini-3-pro-preview', displayName: 'G3', inputTokenLimit: 10, outputTokenLimit: 5 },
    ]);
  });
});
