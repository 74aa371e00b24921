import { describe, expect, test } from 'bun:test';
import { anthropicCodec } from '../../../src/protocols/anthropic/index.ts';
import { geminiCodec } from '../../../src/protocols/gemini/index.ts';
import { openaiCodec } from '../../../src/protocols/openai/index.ts';

const ctx = { model: 'gemini-2.5-flash', stream: false };
const user = [{ role: 'user', parts: [{ text: 'hi' }] }];

describe('gemini codec review', () => {
  test('int64 schema fields the genai SDK writes as strings reach OpenAI and Anthropic as integers', () => {
    // @google/genai types Schema.minItems/maxLength… as string (proto3 JSON int64).
    const req = geminiCodec.decodeRequest(
      {
        contents: user,
        tools: [
          {
            functionDeclarations: [
              {
                name: 'tag',
                parameters: {
                  type: 'OBJECT',
                  properties: {
                    tags: { type: 'ARRAY', items: { type: 'STRING', minLength: '1', maxLength: '20' }, minItems: '1', maxItems: '5' },
                    meta: { type: 'OBJECT', properties: { k: { type: 'STRING' } }, minProperties: '1' },
                  },
                  required: ['tags'],
                },
              },
            ],
          },
        ],
        generationConfig: {
          responseMimeType: 'application/json',
          responseSchema: { type: 'ARRAY', items: { type: 'STRING' }, maxItems: '3' },
        },
      },
      ctx,
    );
    const expected = {
      type: 'object',
      properties: {
        tags: { type: 'array', items: { type: 'string', minLength: 1, maxLength: 20 }, minItems: 1, maxItems: 5 },
        meta: { type: 'object', properties: { k: { type: 'string' } }, minProperties: 1 },
      },
      required: ['tags'],
    };
    const openai = openaiCodec.encodeRequest(req, { model: 'gpt-4o' }) as any;
    expect(openai.tools[0].function.parameters).toEqual(expected);
    expect(openai.response_format.json_schema.schema).toEqual({ type: 'array', items: { type: 'string' }, maxItems: 3 });
    const anthropic = anthropicCodec.encodeRequest(req, { model: 'claude-sonnet-4-5', defaultMaxTokens: 1024 }) as any;
    expect(anthropic.tools[0].input_schema).toEqual(expected);
    // And the constraint survives to a Gemini upstream instead of being dropped.
    const gemini = geminiCodec.encodeRequest(req, { model: 'gemini-2.5-flash' }) as any;
    expect(gemini.tools[0].functionDeclarations[0].parameters.properties.tags.minItems).toBe(1);
  });

  test('a Gemini upstream gets no type-specific keyword on an anyOf node, and constraint-only alternatives keep the type', () => {
    // Shapes common in hand-written MCP tool schemas.
    const req = openaiCodec.decodeRequest(
      {
        model: 'gpt-4o',
        messages: [{ role: 'user', content: 'hi' }],
        tools: [
          {
            type: 'function',
            function: {
              name: 'search',
              parameters: {
                type: 'object',
                properties: {
                  query: { type: ['string', 'array'], items: { type: 'string' }, description: 'one or many' },
                  filter: { type: ['string', 'object'], properties: { field: { type: 'string' } }, required: ['field'] },
                  by: {
                    type: 'object',
                    properties: { id: { type: 'string' }, name: { type: 'string' } },
                    anyOf: [{ required: ['id'] }, { required: ['name'] }],
                  },
                },
              },
            },
          },
        ],
      },
      {},
    );
    const body = geminiCodec.encodeRequest(req, { model: 'gemini-2.5-flash' }) as any;
    expect(body.tools[0].functionDeclarations[0].parameters).toEqual({
      type: 'OBJECT',
      properties: {
        query: { anyOf: [{ type: 'STRING' }, { type: 'ARRAY', items: { type: 'STRING' } }], description: 'one or many' },
        filter: { anyOf: [{ type: 'STRING' }, { type: 'OBJECT', properties: { field: { type: 'STRING' } }, required: ['field'] }] },
        by: { type: 'OBJECT', properties: { id: { type: 'STRING' }, name: { type: 'STRING' } } },
      },
    });
  });
});

describe('gemini codec review: penalties', () => {
  test('an OpenAI client’s penalties reach only Gemini models that accept them', () => {
    const req = openaiCodec.decodeRequest(
      { model: 'gpt-4o', messages: [{ role: 'user', content: 'hi' }], presence_penalty: 0.6, frequency_penalty: 0.3, temperature: 0.5 },
      {},
    );
    // Gemini 2.5 and 3 answer 400 "Penalty is not enabled for this model".
    for (const model of ['gemini-2.5-flash', 'gemini-2.5-pro', 'gemini-3-pro-preview']) {
      expect((geminiCodec.encodeRequest(req, { model }) as any).generationConfig).toEqual({ temperature: 0.5 });
    }
    expect((geminiCodec.encodeRequest(req, { model: 'gemini-2.0-flash' }) as any).generationConfig).toEqual({
      temperature: 0.5,
      presencePenalty: 0.6,
      frequencyPenalty: 0.3,
    });
  });
});
