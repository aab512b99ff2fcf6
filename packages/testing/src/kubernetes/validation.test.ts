import { describe, expect, it } from 'vitest';
import type { StructuralSchema } from './structural-schema.ts';
import { CrdSchema, createAjv } from './validation.ts';

const schema: StructuralSchema = {
  type: 'object',
  properties: {
    apiVersion: { type: 'string' },
    kind: { type: 'string' },
    metadata: { type: 'object' },
    spec: {
      type: 'object',
      required: ['size'],
      properties: {
        size: { 'x-kubernetes-int-or-string': true, anyOf: [{ type: 'integer' }, { type: 'string' }], pattern: '^[0-9]+(Mi|Gi)$' },
        replicas: { type: 'integer', format: 'int32', minimum: 0, exclusiveMinimum: true },
        mode: { type: 'string', enum: ['a', 'b'], default: 'a' },
        finishedAt: { type: 'string', format: 'date-time', nullable: true },
        extra: { type: 'object', 'x-kubernetes-preserve-unknown-fields': true },
        template: {
          type: 'object',
          'x-kubernetes-embedded-resource': true,
          properties: { spec: { type: 'object', properties: { x: { type: 'string' } } } },
        },
        tags: { type: 'array', items: { type: 'string' }, 'x-kubernetes-list-type': 'set' },
        ports: {
          type: 'array',
          'x-kubernetes-list-type': 'map',
          'x-kubernetes-list-map-keys': ['name'],
          items: { type: 'object', properties: { name: { type: 'string' }, port: { type: 'integer', default: 80 } } },
        },
        labels: { type: 'object', additionalProperties: { type: 'string' } },
        queue: { type: 'string', 'x-kubernetes-validations': [{ rule: 'self == oldSelf', message: 'queue is immutable' }] },
      },
    },
  },
};

function check(spec: Record<string, unknown>, old?: Record<string, unknown>) {
  const crd = new CrdSchema(schema, createAjv());
  const obj: Record<string, unknown> = { apiVersion: 'x.io/v1', kind: 'Thing', metadata: { name: 't' }, spec };
  const pruned = crd.normalize(obj);
  const errors = crd.validate(obj, old === undefined ? undefined : { ...obj, spec: old });
  return { obj, pruned, errors, fields: errors.map((e) => e.field) };
}

describe('CRD schema validation', () => {
  it('accepts both forms of an int-or-string field and checks the pattern on strings only', () => {
    expect(check({ size: 3 }).errors).toEqual([]);
    expect(check({ size: '512Mi' }).errors).toEqual([]);
    expect(check({ size: 'lots' }).errors).toEqual([
      {
        reason: 'FieldValueInvalid',
        field: 'spec.size',
        message: `Invalid value: "lots": spec.size in body should match '^[0-9]+(Mi|Gi)$'`,
      },
    ]);
    expect(check({ size: true }).fields).toEqual(['spec.size']);
  });

  it('names the missing field, the unsupported enum value and the wrong type as the apiserver does', () => {
    expect(check({ mode: 'c', replicas: 'two' }).errors).toEqual([
      { reason: 'FieldValueRequired', field: 'spec.size', message: 'Required value' },
      {
        reason: 'FieldValueTypeInvalid',
        field: 'spec.replicas',
        message: 'Invalid value: "string": spec.replicas in body must be of type integer: "string"',
      },
      { reason: 'FieldValueNotSupported', field: 'spec.mode', message: 'Unsupported value: "c": supported values: "a", "b"' },
    ]);
  });

  it('reads boolean exclusiveMinimum (OpenAPI 3.0) and checks int32 range', () => {
    expect(check({ size: 1, replicas: 0 }).fields).toEqual(['spec.replicas']);
    expect(check({ size: 1, replicas: 2 ** 31 }).fields).toEqual(['spec.replicas']);
    expect(check({ size: 1, replicas: 1 }).errors).toEqual([]);
  });

  it('prunes unknown fields and reports their paths, but keeps everything under preserve-unknown-fields', () => {
    const { obj, pruned, errors } = check({ size: 1, bogus: 1, extra: { anything: { goes: [1] } }, labels: { a: 'b' } });
    expect(errors).toEqual([]);
    expect(pruned).toEqual(['spec.bogus']);
    expect(obj.spec).toEqual({ size: 1, mode: 'a', extra: { anything: { goes: [1] } }, labels: { a: 'b' } });
  });

  it('drops nulls in non-nullable fields, keeps them where nullable, and applies defaults', () => {
    const { obj, errors } = check({ size: 1, mode: null, finishedAt: null, ports: [{ name: 'http' }] });
    expect(errors).toEqual([]);
    expect(obj.spec).toEqual({ size: 1, mode: 'a', finishedAt: null, ports: [{ name: 'http', port: 80 }] });
    expect(check({ size: 1, finishedAt: 'yesterday' }).fields).toEqual(['spec.finishedAt']);
  });

  it('requires apiVersion and kind in an embedded resource and keeps its metadata', () => {
    expect(check({ size: 1, template: { spec: { x: 'y' } } }).fields).toEqual(['spec.template.apiVersion', 'spec.template.kind']);
    const { obj, errors } = check({
      size: 1,
      template: { apiVersion: 'v1', kind: 'Pod', metadata: { name: 'n', junk: 1 }, spec: { x: 'y' } },
    });
    expect(errors).toEqual([]);
    expect((obj.spec as { template: unknown }).template).toEqual({
      apiVersion: 'v1',
      kind: 'Pod',
      metadata: { name: 'n' },
      spec: { x: 'y' },
    });
  });

  it('rejects duplicates in set and map lists', () => {
    expect(check({ size: 1, tags: ['a', 'b', 'a'] }).errors).toEqual([
      { reason: 'FieldValueDuplicate', field: 'spec.tags[2]', message: 'Duplicate value: "a"' },
    ]);
    expect(check({ size: 1, ports: [{ name: 'x' }, { name: 'x', port: 1 }] }).fields).toEqual(['spec.ports[1]']);
  });

  it('enforces the `self == oldSelf` transition rule on update only', () => {
    expect(check({ size: 1, queue: 'a' }).errors).toEqual([]);
    expect(check({ size: 1, queue: 'b' }, { size: 1, queue: 'a' }).errors).toEqual([
      { reason: 'FieldValueInvalid', field: 'spec.queue', message: 'Invalid value: "string": queue is immutable' },
    ]);
  });
});
