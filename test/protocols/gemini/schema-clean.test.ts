import { describe, expect, test } from 'bun:test';
import { cleanSchema } from '../../../src/protocols/gemini/schema-clean.ts';
import { schemaToJson } from '../../../src/protocols/gemini/schema-to-json.ts';
import { refChainSchema, widelyUsedSchema } from '../../helpers/ref-chain-schema.ts';

describe('cleanSchema', () => {
  test('drops keywords Gemini rejects and upper-cases types', () => {
    const input = {
      $schema: 'http://json-schema.org/draft-07/schema#',
      $id: 'urn:x',
      $comment: 'internal',
      type: 'object',
      additionalProperties: false,
      patternProperties: { '^x-': { type: 'string' } },
      propertyNames: { pattern: '^[a-z]+$' },
      if: { properties: { a: { const: 1 } } },
      then: { required: ['b'] },
      else: {},
      'x-google-extension': true,
      default: {},
      examples: [{}],
      properties: {
        path: { type: 'string', description: 'Where.', default: '.', examples: ['src'], minLength: 1, maxLength: 200 },
        count: { type: 'integer', minimum: 1, maximum: 10, format: 'int32' },
      },
      required: ['path', 'ghost'],
    };
    const before = structuredClone(input);
    expect(cleanSchema(input)).toEqual({
      type: 'OBJECT',
      properties: {
        path: { type: 'STRING', minLength: 1, maxLength: 200, description: 'Where.' },
        count: { type: 'INTEGER', format: 'int32', minimum: 1, maximum: 10 },
      },
      // A required name without a property would be rejected.
      required: ['path'],
    });
    expect(input).toEqual(before); // pure
  });

  test('unsupported formats move into the description; enum and date-time stay', () => {
    expect(cleanSchema({ type: 'string', format: 'email', description: 'Contact.' })).toEqual({
      type: 'STRING',
      description: 'Contact. (format: email)',
    });
    expect(cleanSchema({ type: 'string', format: 'uri' })).toEqual({ type: 'STRING', description: '(format: uri)' });
    expect(cleanSchema({ type: 'string', format: 'date-time' })).toEqual({ type: 'STRING', format: 'date-time' });
  });

  test('inlines $ref from $defs and definitions, with siblings', () => {
    const schema = {
      type: 'object',
      properties: {
        home: { $ref: '#/$defs/Address', description: 'Home address' },
        work: { $ref: '#/definitions/Address' },
      },
      $defs: { Address: { type: 'object', properties: { city: { type: 'string' } }, required: ['city'] } },
      definitions: { Address: { type: 'object', properties: { street: { type: 'string' } } } },
    };
    expect(cleanSchema(schema)).toEqual({
      type: 'OBJECT',
      properties: {
        home: { type: 'OBJECT', properties: { city: { type: 'STRING' } }, required: ['city'], description: 'Home address' },
        // $defs wins over definitions for the same name.
        work: { type: 'OBJECT', properties: { city: { type: 'STRING' } }, required: ['city'] },
      },
    });
  });

  test("other local pointers are read from the root: zod's refs to a schema it already wrote", () => {
    // A reused zod instance (ms-365-mcp-server's dateTimeTimeZone, modelcontextprotocol/typescript-sdk#2100).
    const when = { type: 'object', properties: { dateTime: { type: 'string' }, timeZone: { type: 'string' } }, required: ['dateTime'] };
    const schema = {
      type: 'object',
      properties: {
        start: when,
        end: { $ref: '#/properties/start', description: 'End.' },
        urls: { type: 'array', items: { type: 'string', format: 'uri' } },
        mirrors: { type: 'array', items: { $ref: '#/properties/urls/items' } },
        first: { $ref: '#/properties/urls/items/' },
        alias: { $ref: '#/$defs/Pair/properties/left' },
        escaped: { $ref: '#/$defs/a~1b%20c' },
        self: { $ref: '#' },
      },
      $defs: { Pair: { type: 'object', properties: { left: { type: 'integer' } } }, 'a/b c': { type: 'boolean' } },
    };
    const out = cleanSchema(schema) as { properties: Record<string, unknown> };
    const whenOut = { type: 'OBJECT', properties: { dateTime: { type: 'STRING' }, timeZone: { type: 'STRING' } }, required: ['dateTime'] };
    expect(out.properties.end).toEqual({ ...whenOut, description: 'End.' });
    expect(out.properties.mirrors).toEqual({ type: 'ARRAY', items: { type: 'STRING', description: '(format: uri)' } });
    // A pointer to nothing stays an open object.
    expect(out.properties.first).toEqual({ type: 'OBJECT' });
    expect(out.properties.alias).toEqual({ type: 'INTEGER' });
    expect(out.properties.escaped).toEqual({ type: 'BOOLEAN' });
    // `#` is the whole schema: inlined once, then its own recursion stops.
    const self = out.properties.self as { type: string; properties: Record<string, unknown> };
    expect(self.type).toBe('OBJECT');
    expect(self.properties.self).toEqual({ type: 'OBJECT' });
  });

  test('recursive and unknown $refs end as open objects instead of looping', () => {
    const tree = {
      type: 'object',
      properties: { root: { $ref: '#/$defs/Node' }, other: { $ref: 'https://example.com/schema.json' } },
      $defs: {
        Node: {
          type: 'object',
          properties: { value: { type: 'string' }, children: { type: 'array', items: { $ref: '#/$defs/Node', description: 'child' } } },
        },
      },
    };
    expect(cleanSchema(tree)).toEqual({
      type: 'OBJECT',
      properties: {
        root: {
          type: 'OBJECT',
          properties: {
            value: { type: 'STRING' },
            children: { type: 'ARRAY', items: { type: 'OBJECT', description: 'child' } },
          },
        },
        other: { type: 'OBJECT' },
      },
    });
  });

  test('const and enums become string enums; non-string enums are described instead', () => {
    expect(cleanSchema({ const: 'fixed' })).toEqual({ type: 'STRING', enum: ['fixed'] });
    expect(cleanSchema({ enum: ['a', 1, true] })).toEqual({ type: 'STRING', enum: ['a', '1', 'true'] });
    expect(cleanSchema({ type: 'string', enum: ['a', null] })).toEqual({ type: 'STRING', enum: ['a'], nullable: true });
    expect(cleanSchema({ type: 'integer', enum: [1, 2, 3] })).toEqual({ type: 'INTEGER', description: '(allowed values: 1, 2, 3)' });
  });

  test('type arrays and null alternatives become nullable', () => {
    expect(cleanSchema({ type: ['string', 'null'] })).toEqual({ type: 'STRING', nullable: true });
    expect(cleanSchema({ anyOf: [{ type: 'integer' }, { type: 'null' }], description: 'n' })).toEqual({
      type: 'INTEGER',
      description: 'n',
      nullable: true,
    });
    expect(cleanSchema({ oneOf: [{ type: 'null' }, { $ref: '#/$defs/A' }], $defs: { A: { type: 'boolean' } } })).toEqual({
      type: 'BOOLEAN',
      nullable: true,
    });
    expect(cleanSchema({ type: 'null' })).toEqual({ type: 'STRING', nullable: true });
  });

  test('real alternatives stay as anyOf, never next to a type', () => {
    expect(cleanSchema({ type: ['string', 'number'] })).toEqual({ anyOf: [{ type: 'STRING' }, { type: 'NUMBER' }] });
    expect(cleanSchema({ type: 'object', oneOf: [{ type: 'string' }, { type: 'array', items: { type: 'string' } }, { type: 'null' }] })).toEqual({
      anyOf: [{ type: 'STRING' }, { type: 'ARRAY', items: { type: 'STRING' } }],
      nullable: true,
    });
  });

  test('allOf is merged', () => {
    expect(
      cleanSchema({
        allOf: [
          { type: 'object', properties: { a: { type: 'string' } }, required: ['a'] },
          { properties: { b: { type: 'number', exclusiveMinimum: 0 } }, required: ['b'] },
        ],
      }),
    ).toEqual({
      type: 'OBJECT',
      properties: { a: { type: 'STRING' }, b: { type: 'NUMBER', description: '(exclusiveMinimum: 0)' } },
      required: ['a', 'b'],
    });
  });

  test('arrays always get items; empty objects lose their empty properties', () => {
    expect(cleanSchema({ type: 'array' })).toEqual({ type: 'ARRAY', items: { type: 'STRING' } });
    expect(cleanSchema({ type: 'array', items: [{ type: 'string' }, { type: 'integer' }], uniqueItems: true })).toEqual({
      type: 'ARRAY',
      items: { anyOf: [{ type: 'STRING' }, { type: 'INTEGER' }] },
      description: '(uniqueItems: true)',
    });
    expect(cleanSchema({ type: 'object', properties: {} })).toEqual({ type: 'OBJECT' });
    expect(cleanSchema({ type: 'object', properties: { m: { type: 'object', additionalProperties: { type: 'string' } } } })).toEqual({
      type: 'OBJECT',
      properties: { m: { type: 'OBJECT' } },
    });
  });

  test('a schema with no type gets one: free-form MCP values (z.any(), z.unknown()) Gemini refuses untyped', () => {
    // desktop-commander's set_config_value, obsidian's frontmatter value, items of z.array(z.any()).
    expect(
      cleanSchema({
        type: 'object',
        properties: {
          key: { type: 'string' },
          value: {},
          meta: { description: 'Any JSON value.' },
          rows: { type: 'array', items: {} },
          tuple: { type: 'array', items: [{}, { type: 'integer' }] },
          open: true,
          limit: { default: 10 },
          dry: { default: false, title: 'Dry run' },
          either: { anyOf: [{ type: 'string' }, {}] },
          maybe: { anyOf: [{}, { type: 'null' }] },
        },
        required: ['key', 'value'],
      }),
    ).toEqual({
      type: 'OBJECT',
      properties: {
        key: { type: 'STRING' },
        value: { type: 'STRING' },
        meta: { type: 'STRING', description: 'Any JSON value.' },
        rows: { type: 'ARRAY', items: { type: 'STRING' } },
        tuple: { type: 'ARRAY', items: { anyOf: [{ type: 'STRING' }, { type: 'INTEGER' }] } },
        open: { type: 'STRING' },
        limit: { type: 'NUMBER' },
        dry: { type: 'BOOLEAN', title: 'Dry run' },
        either: { type: 'STRING' },
        maybe: { type: 'STRING', nullable: true },
      },
      required: ['key', 'value'],
    });
    // allOf parts and anyOf members are merged or judged before a type is chosen, not typed on their own.
    expect(cleanSchema({ type: 'object', properties: { n: { allOf: [{ description: 'count' }, { type: 'integer' }] } } })).toEqual({
      type: 'OBJECT',
      properties: { n: { type: 'INTEGER', description: 'count' } },
    });
  });

  test('empty enum members are left out and described; an enum of only "" leaves a plain string', () => {
    expect(cleanSchema({ type: 'string', enum: ['reconcile', 'resume', ''] })).toEqual({
      type: 'STRING',
      enum: ['reconcile', 'resume'],
      description: '(or an empty string)',
    });
    expect(cleanSchema({ enum: [''], description: 'Unused.' })).toEqual({ type: 'STRING', description: 'Unused. (or an empty string)' });
  });

  test("keywords of another type than the one named are dropped: Notion's string with properties, minItems on an object", () => {
    expect(
      cleanSchema({
        type: 'object',
        properties: {
          data: { type: 'string', properties: { page_id: { type: 'string' } }, required: ['page_id'] },
          filter: { type: 'object', minItems: 1, items: { type: 'string' }, properties: { q: { type: 'string' } } },
          n: { type: 'number', pattern: '^\\d+$', minLength: 1, minimum: 0 },
          s: { type: 'string', minimum: 1, maxLength: 9 },
        },
      }),
    ).toEqual({
      type: 'OBJECT',
      properties: {
        data: { type: 'STRING' },
        filter: { type: 'OBJECT', properties: { q: { type: 'STRING' } } },
        n: { type: 'NUMBER', minimum: 0 },
        s: { type: 'STRING', maxLength: 9 },
      },
    });
  });

  test('a very deep schema is cut off instead of overflowing', () => {
    let s: Record<string, unknown> = { type: 'string' };
    for (let i = 0; i < 200; i++) s = { type: 'object', properties: { x: s } };
    const out = cleanSchema(s);
    let depth = 0;
    let node: unknown = out;
    while (typeof node === 'object' && node !== null && 'properties' in node && depth < 500) {
      node = (node as { properties: { x: unknown } }).properties.x;
      depth++;
    }
    expect(depth).toBeLessThan(40);
    expect(node).toEqual({ type: 'OBJECT' });
  });

  test('schemaToJson undoes cleaning for what cleaning keeps', () => {
    const json = {
      type: 'object',
      properties: {
        name: { type: 'string', description: 'who' },
        tags: { type: 'array', items: { type: 'string', enum: ['a', 'b'] } },
        age: { type: ['integer', 'null'], minimum: 0 },
        when: { type: 'string', format: 'date-time' },
      },
      required: ['name'],
    };
    expect(schemaToJson(cleanSchema(json))).toEqual(json);
  });

  test('references that each use the next a few times are inlined only so far: the result stays small', () => {
    const out = cleanSchema(refChainSchema(16, 3));
    expect(JSON.stringify(out).length).toBeLessThan(5_000_000);
    // One large definition used a thousand times: copied so far, then open objects.
    const wide = cleanSchema(widelyUsedSchema(5000, 1000));
    expect(JSON.stringify(wide).length).toBeLessThan(5_000_000);
    expect((wide.properties as Record<string, unknown>).p999).toEqual({ type: 'OBJECT' });
    expect(out).toMatchObject({ type: 'OBJECT', properties: { root: { type: 'OBJECT' } } });
  });
});
