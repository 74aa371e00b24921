/**
 * Tool parameters made a "moonshot flavored json schema" for Kimi: every reference into the root's
 * `$defs`, none beside other keywords, a root type; the meaning kept. The strict mock checks the result.
 */
import { describe, expect, test } from 'bun:test';
import { moonshotParameters, withMoonshotSchemas } from '../../../src/protocols/openai/moonshot-schema.ts';
import { validateModelRules } from '../../helpers/mocks/openai-mock-model-rules.ts';
import { refChainSchema, widelyUsedSchema } from '../../helpers/ref-chain-schema.ts';

const kimiAccepts = (parameters: unknown): boolean =>
  validateModelRules({ model: 'kimi-k2-0905-preview', messages: [], tools: [{ type: 'function', function: { name: 'f', parameters } }] }) === undefined;

describe('moonshotParameters', () => {
  test('a schema Kimi already takes is left alone', () => {
    const ok = {
      type: 'object',
      properties: { a: { $ref: '#/$defs/A', description: 'a' }, b: { type: 'array', items: { $ref: '#/$defs/A' } } },
      $defs: { A: { type: 'string', enum: ['x'] } },
    };
    expect(kimiAccepts(ok)).toBe(true);
    expect(moonshotParameters(ok)).toBeUndefined();
  });

  test('draft-07 definitions move into $defs, recursive references included', () => {
    const tree = {
      type: 'object',
      properties: { root: { $ref: '#/definitions/Node' } },
      definitions: { Node: { type: 'object', properties: { children: { type: 'array', items: { $ref: '#/definitions/Node' } } } } },
    };
    expect(kimiAccepts(tree)).toBe(false);
    const out = moonshotParameters(tree)!;
    expect(out).toEqual({
      type: 'object',
      properties: { root: { $ref: '#/$defs/Node' } },
      $defs: { Node: { type: 'object', properties: { children: { type: 'array', items: { $ref: '#/$defs/Node' } } } } },
    });
    expect(kimiAccepts(out)).toBe(true);
    // One large definition used a thousand times: inlined so far, then references.
    const wide = moonshotParameters(widelyUsedSchema(5000, 1000))!;
    expect(JSON.stringify(wide).length).toBeLessThan(5_000_000);
    expect((wide.properties as Record<string, unknown>).p999).toEqual({ $ref: '#/$defs/Big' });
    expect(kimiAccepts(wide)).toBe(true);
  });

  test("zod's pointers to a schema it already wrote: the target is copied into $defs, once per pointer", () => {
    const schema = {
      type: 'object',
      properties: {
        start: { type: 'object', properties: { dateTime: { type: 'string' } } },
        end: { $ref: '#/properties/start' },
        later: { $ref: '#/properties/start' },
        tags: { type: 'array', items: { type: 'string', minLength: 1 } },
        labels: { type: 'array', items: { $ref: '#/properties/tags/items' } },
        pair: { $ref: '#/$defs/Pair/properties/left' },
      },
      $defs: { Pair: { type: 'object', properties: { left: { type: 'integer' } } }, start: { type: 'boolean' } },
    };
    expect(kimiAccepts(schema)).toBe(false);
    const out = moonshotParameters(schema)! as { properties: Record<string, unknown>; $defs: Record<string, unknown> };
    // `start` is taken by a definition already: the copy gets a name of its own.
    expect(out.properties.end).toEqual({ $ref: '#/$defs/start_2' });
    expect(out.properties.later).toEqual({ $ref: '#/$defs/start_2' });
    expect(out.$defs.start_2).toEqual(schema.properties.start);
    expect(out.$defs.start).toEqual({ type: 'boolean' });
    expect(out.properties.labels).toEqual({ type: 'array', items: { $ref: '#/$defs/items' } });
    expect(out.$defs.items).toEqual({ type: 'string', minLength: 1 });
    expect(out.properties.pair).toEqual({ $ref: '#/$defs/left' });
    expect(kimiAccepts(out)).toBe(true);
    // One large definition used a thousand times: inlined so far, then references.
    const wide = moonshotParameters(widelyUsedSchema(5000, 1000))!;
    expect(JSON.stringify(wide).length).toBeLessThan(5_000_000);
    expect((wide.properties as Record<string, unknown>).p999).toEqual({ $ref: '#/$defs/Big' });
    expect(kimiAccepts(wide)).toBe(true);
  });

  test('a reference with keywords beside it becomes its target with them on top; a recursive one keeps the reference', () => {
    const schema = {
      type: 'object',
      properties: {
        // Codex's automation_update: a uuid string that also points at another string definition.
        thread: { $ref: '#/$defs/Id', type: 'string', format: 'uuid', description: 'The thread.' },
        parent: { $ref: '#/$defs/Node', type: 'object', title: 'Parent' },
      },
      $defs: {
        Id: { type: 'string', minLength: 1, description: 'An id.' },
        Node: { type: 'object', properties: { up: { $ref: '#/$defs/Node', type: 'object' } } },
      },
    };
    expect(kimiAccepts(schema)).toBe(false);
    const out = moonshotParameters(schema)! as { properties: Record<string, unknown>; $defs: Record<string, any> };
    expect(out.properties.thread).toEqual({ type: 'string', minLength: 1, format: 'uuid', description: 'The thread.' });
    expect(out.properties.parent).toEqual({ type: 'object', title: 'Parent', properties: { up: { $ref: '#/$defs/Node' } } });
    expect(out.$defs.Node.properties.up).toEqual({ $ref: '#/$defs/Node' });
    expect(kimiAccepts(out)).toBe(true);
    // One large definition used a thousand times: inlined so far, then references.
    const wide = moonshotParameters(widelyUsedSchema(5000, 1000))!;
    expect(JSON.stringify(wide).length).toBeLessThan(5_000_000);
    expect((wide.properties as Record<string, unknown>).p999).toEqual({ $ref: '#/$defs/Big' });
    expect(kimiAccepts(wide)).toBe(true);
  });

  test('a type beside an anyOf goes into its branches; at the root, the anyOf becomes one object schema', () => {
    // Apollo's apollo_tasks_bulk_create (openclaw/openclaw#113130): anyOf only to say which fields are required.
    const tasks = {
      type: 'object',
      properties: {
        tasks: {
          type: 'array',
          items: { type: 'object', properties: { note: { type: 'string' }, due: { type: 'string' } }, anyOf: [{ required: ['note'] }, { required: ['due'] }] },
        },
        icon: { type: 'string', anyOf: [{ enum: ['a'] }, { type: 'string', pattern: '^x' }] },
        mixed: { type: 'string', anyOf: [{ type: 'integer' }, { minLength: 1 }] },
      },
    };
    expect(kimiAccepts(tasks)).toBe(false);
    const out = moonshotParameters(tasks)! as { properties: Record<string, any> };
    expect(out.properties.tasks.items).toEqual({
      properties: { note: { type: 'string' }, due: { type: 'string' } },
      anyOf: [{ type: 'object', required: ['note'] }, { type: 'object', required: ['due'] }],
    });
    expect(out.properties.icon).toEqual({ anyOf: [{ type: 'string', enum: ['a'] }, { type: 'string', pattern: '^x' }] });
    // A branch of another type: moving the type would let it through; left for Kimi to judge.
    expect(out.properties.mixed).toEqual(tasks.properties.mixed);

    // Notion's notion-create-attachment (MoonshotAI/kimi-code#2661): the root must keep type object.
    const attachment = {
      type: 'object',
      description: 'Provide exactly one of the documented input variants.',
      anyOf: [
        { type: 'object', properties: { filename: { type: 'string' }, content: { type: 'string' } }, required: ['filename', 'content'] },
        { type: 'object', properties: { filename: { type: 'string' }, source_url: { type: 'string' } }, required: ['filename', 'source_url'] },
      ],
    };
    expect(kimiAccepts(attachment)).toBe(false);
    const root = moonshotParameters(attachment)!;
    expect(root).toMatchObject({
      type: 'object',
      properties: { filename: { type: 'string' }, content: { type: 'string' }, source_url: { type: 'string' } },
      required: ['filename'],
    });
    expect(root.anyOf).toBeUndefined();
    expect(root.description).toContain('at least one of');
    expect(kimiAccepts(root)).toBe(true);
  });

  test('a root anyOf of references into $defs keeps the properties they name', () => {
    // pydantic's root `Union[ByPath, ByUrl]`: no root type, every branch a $ref.
    const union = {
      anyOf: [{ $ref: '#/$defs/ByPath' }, { $ref: '#/$defs/ByUrl' }],
      $defs: {
        ByPath: { type: 'object', properties: { name: { type: 'string' }, path: { type: 'string' } }, required: ['name', 'path'] },
        ByUrl: { type: 'object', properties: { name: { type: 'string' }, url: { type: 'string' } }, required: ['name', 'url'] },
      },
    };
    expect(kimiAccepts(union)).toBe(false);
    const out = moonshotParameters(union)!;
    expect(out).toMatchObject({ type: 'object', properties: { name: { type: 'string' }, path: { type: 'string' }, url: { type: 'string' } }, required: ['name'] });
    expect(out.anyOf).toBeUndefined();
    expect(kimiAccepts(out)).toBe(true);
  });

  test('parameters without a root type get type object; values that are data are not walked', () => {
    expect(kimiAccepts({ properties: { a: { type: 'string' } } })).toBe(false);
    expect(moonshotParameters({ properties: { a: { type: 'string', default: { $ref: 'not-a-schema' } } } })).toEqual({
      properties: { a: { type: 'string', default: { $ref: 'not-a-schema' } } },
      type: 'object',
    });
    expect(moonshotParameters({})).toEqual({ type: 'object' });
  });

  test('a reference that cannot be resolved is left as it is', () => {
    const schema = { type: 'object', properties: { a: { $ref: 'https://example.com/a.json' }, b: { $ref: '#/nowhere' } } };
    expect(moonshotParameters(schema)).toBeUndefined();
  });

  test('a relayed body: only tools that need it change, and it names the model the upstream gets (a model_map alias resolved)', () => {
    const plain = { type: 'function', function: { name: 'a', parameters: { type: 'object', properties: { q: { type: 'string' } } } } };
    const body = { model: 'k', messages: [], tools: [plain, { type: 'function', function: { name: 'b', parameters: {} } }] };
    const out = withMoonshotSchemas(body, 'kimi-k2-0905-preview')!;
    expect(out.model).toBe('kimi-k2-0905-preview');
    expect(out.tools).toEqual([plain, { type: 'function', function: { name: 'b', parameters: { type: 'object' } } }]);
    expect(withMoonshotSchemas({ model: 'k', messages: [], tools: [plain] }, 'kimi-k2-0905-preview')).toBeUndefined();
  });

  test('definitions that each use the next a few times are inlined only so far: the result stays small', () => {
    const out = moonshotParameters(refChainSchema(16, 3))!;
    expect(JSON.stringify(out).length).toBeLessThan(5_000_000);
    // Past the limit a reference stays one, into $defs, which Kimi takes.
    expect(JSON.stringify(out)).toContain('"$ref":"#/$defs/D');
    expect(kimiAccepts(out)).toBe(true);
    // One large definition used a thousand times: inlined so far, then references.
    const wide = moonshotParameters(widelyUsedSchema(5000, 1000))!;
    expect(JSON.stringify(wide).length).toBeLessThan(5_000_000);
    expect((wide.properties as Record<string, unknown>).p999).toEqual({ $ref: '#/$defs/Big' });
    expect(kimiAccepts(wide)).toBe(true);
  });
});
