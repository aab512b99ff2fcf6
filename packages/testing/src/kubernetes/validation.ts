/**
 * Validates custom resources against a CRD version's openAPIV3Schema with Ajv.
 *
 * The CRD dialect is OpenAPI 3.0 plus Kubernetes extensions, so the schema is translated before Ajv sees it:
 * `nullable` becomes a null type, boolean exclusiveMinimum/Maximum become numeric ones, int-or-string fields
 * accept integer or string, preserve-unknown-fields subtrees accept anything, embedded resources get typed
 * apiVersion/kind/metadata. Formats int32/int64/date-time/date/byte/uuid are checked; Kubernetes ignores formats it
 * does not know and so do we. Ajv's errors are rewritten as the apiserver's field errors.
 */
import { Ajv, type ErrorObject, type ValidateFunction } from 'ajv';
import { type FieldError, fieldErrors } from './status.ts';
import { applyDefaults, prune, type StructuralSchema, structuralErrors, transitionRuleErrors } from './structural-schema.ts';
import { isPlainObject, jsonTypeName, type KubeObject } from './types.ts';

const DROPPED_KEYWORDS = new Set(['description', 'example', 'externalDocs', 'default', 'nullable', 'format', 'title']);

const FORMATS: Record<string, { type: 'number' | 'string'; validate: (v: never) => boolean }> = {
  int32: { type: 'number', validate: (v: number) => Number.isInteger(v) && v >= -(2 ** 31) && v < 2 ** 31 },
  int64: { type: 'number', validate: (v: number) => Number.isInteger(v) },
  'date-time': {
    type: 'string',
    validate: (v: string) => /^\d{4}-\d{2}-\d{2}[Tt ]\d{2}:\d{2}:\d{2}(\.\d+)?([Zz]|[+-]\d{2}:\d{2})$/.test(v),
  },
  date: { type: 'string', validate: (v: string) => /^\d{4}-\d{2}-\d{2}$/.test(v) },
  byte: { type: 'string', validate: (v: string) => /^(?:[A-Za-z0-9+/]{4})*(?:[A-Za-z0-9+/]{2}==|[A-Za-z0-9+/]{3}=)?$/.test(v) },
  uuid: { type: 'string', validate: (v: string) => /^[0-9a-f]{8}-?[0-9a-f]{4}-?[0-9a-f]{4}-?[0-9a-f]{4}-?[0-9a-f]{12}$/i.test(v) },
};

function isIntOrStringPair(anyOf: unknown): boolean {
  return (
    Array.isArray(anyOf) &&
    anyOf.length === 2 &&
    anyOf.some((s) => isPlainObject(s) && s.type === 'integer') &&
    anyOf.some((s) => isPlainObject(s) && s.type === 'string')
  );
}

/** Translates one CRD schema node (and its subtree) into plain JSON Schema for Ajv. */
function toJsonSchema(node: StructuralSchema): Record<string, unknown> {
  const out: Record<string, unknown> = {};
  for (const [key, value] of Object.entries(node)) {
    if (key.startsWith('x-') || DROPPED_KEYWORDS.has(key)) continue;
    if (key === 'properties' && isPlainObject(value)) {
      out.properties = Object.fromEntries(Object.entries(value).map(([k, v]) => [k, toJsonSchema(v as StructuralSchema)]));
    } else if ((key === 'items' || key === 'additionalProperties' || key === 'not') && isPlainObject(value)) {
      out[key] = toJsonSchema(value as StructuralSchema);
    } else if ((key === 'allOf' || key === 'anyOf' || key === 'oneOf') && Array.isArray(value)) {
      out[key] = value.map((v) => toJsonSchema(v as StructuralSchema));
    } else {
      out[key] = value;
    }
  }
  if (typeof node.format === 'string' && node.format in FORMATS) out.format = node.format;
  if (node.exclusiveMaximum === true) {
    out.exclusiveMaximum = node.maximum;
    delete out.maximum;
  } else if (node.exclusiveMaximum === false) delete out.exclusiveMaximum;
  if (node.exclusiveMinimum === true) {
    out.exclusiveMinimum = node.minimum;
    delete out.minimum;
  } else if (node.exclusiveMinimum === false) delete out.exclusiveMinimum;
  if (node['x-kubernetes-int-or-string'] === true) {
    out.type = ['integer', 'string'];
    if (isIntOrStringPair(node.anyOf)) delete out.anyOf;
  }
  if (node['x-kubernetes-preserve-unknown-fields'] === true && node.type === undefined && node.properties === undefined) {
    return {};
  }
  if (node['x-kubernetes-embedded-resource'] === true) {
    // Presence of apiVersion/kind is checked by structuralErrors; here they only get their types.
    out.properties = {
      apiVersion: { type: 'string' },
      kind: { type: 'string' },
      metadata: { type: 'object' },
      ...((out.properties as Record<string, unknown> | undefined) ?? {}),
    };
  }
  if (node.nullable === true) {
    if (typeof out.type === 'string') out.type = [out.type, 'null'];
    else if (Array.isArray(out.type)) out.type = [...out.type, 'null'];
    if (Array.isArray(out.enum)) out.enum = [...out.enum, null];
  }
  return out;
}

/** An Ajv instance path (`/spec/items/0`) as the apiserver's field path (`spec.items[0]`), and the value there. */
function locate(instancePath: string, data: unknown): { field: string; value: unknown } {
  let field = '';
  let value: unknown = data;
  for (const raw of instancePath.split('/').slice(1)) {
    const token = raw.replace(/~1/g, '/').replace(/~0/g, '~');
    if (Array.isArray(value)) {
      field += `[${token}]`;
      value = value[Number(token)];
    } else {
      field = field === '' ? token : `${field}.${token}`;
      value = isPlainObject(value) ? value[token] : undefined;
    }
  }
  return { field, value };
}

function toFieldError(error: ErrorObject, data: unknown): FieldError {
  const { field, value } = locate(error.instancePath, data);
  const p = error.params as Record<string, unknown>;
  const inBody = `${field} in body`;
  switch (error.keyword) {
    case 'required':
      return fieldErrors.required(field === '' ? String(p.missingProperty) : `${field}.${String(p.missingProperty)}`);
    case 'enum':
      return fieldErrors.notSupported(field, value, (p.allowedValues as unknown[]) ?? []);
    case 'type':
      return fieldErrors.typeInvalid(field, jsonTypeName(value), `${inBody} must be of type ${String(p.type)}: "${jsonTypeName(value)}"`);
    case 'pattern':
      return fieldErrors.invalid(field, value, `${inBody} should match '${String(p.pattern)}'`);
    case 'format':
      return fieldErrors.invalid(field, value, `${inBody} must be of type ${String(p.format)}: ${JSON.stringify(value)}`);
    case 'minimum':
    case 'exclusiveMinimum':
      return fieldErrors.invalid(
        field,
        value,
        `${inBody} should be greater than ${error.keyword === 'minimum' ? 'or equal to ' : ''}${String(p.limit)}`,
      );
    case 'maximum':
    case 'exclusiveMaximum':
      return fieldErrors.invalid(
        field,
        value,
        `${inBody} should be less than ${error.keyword === 'maximum' ? 'or equal to ' : ''}${String(p.limit)}`,
      );
    case 'minLength':
      return fieldErrors.invalid(field, value, `${inBody} should be at least ${String(p.limit)} chars long`);
    case 'maxLength':
      return fieldErrors.tooLong(field, Number(p.limit));
    case 'minItems':
      return fieldErrors.invalid(field, jsonTypeName(value), `${inBody} should have at least ${String(p.limit)} items`);
    case 'maxItems':
      return fieldErrors.tooMany(field, Array.isArray(value) ? value.length : 0, Number(p.limit));
    case 'uniqueItems':
      return fieldErrors.duplicate(`${field}[${String(p.i)}]`, Array.isArray(value) ? value[Number(p.i)] : value);
    case 'anyOf':
    case 'oneOf':
      return fieldErrors.invalid(
        field,
        jsonTypeName(value),
        `${inBody} must validate ${error.keyword === 'oneOf' ? 'one and only one schema (oneOf)' : 'at least one schema (anyOf)'}`,
      );
    default:
      return fieldErrors.invalid(field, jsonTypeName(value), `${inBody} ${error.message ?? 'is invalid'}`);
  }
}

/**
 * anyOf/oneOf failures come with one error per failed branch. Like the apiserver, prefer the errors of the
 * branch whose type matched (e.g. a quantity string that misses its pattern) over the generic anyOf message.
 */
function collapseBranches(errors: readonly ErrorObject[]): ErrorObject[] {
  const combinators = errors.filter((e) => e.keyword === 'anyOf' || e.keyword === 'oneOf');
  const dropped = new Set<ErrorObject>();
  for (const combinator of combinators) {
    const branch = errors.filter((e) => e !== combinator && e.schemaPath.startsWith(`${combinator.schemaPath}/`));
    for (const e of branch) dropped.add(e);
    const specific = branch.filter((e) => e.keyword !== 'type' && e.instancePath === combinator.instancePath);
    if (specific.length > 0) {
      dropped.add(combinator);
      for (const e of specific) dropped.delete(e);
    }
  }
  return errors.filter((e) => !dropped.has(e));
}

export function createAjv(): Ajv {
  const ajv = new Ajv({ allErrors: true, strict: false, validateFormats: true });
  for (const [name, format] of Object.entries(FORMATS)) ajv.addFormat(name, format as never);
  return ajv;
}

/** The schema of one served CRD version: prunes, defaults and validates custom resources. */
export class CrdSchema {
  readonly #schema: StructuralSchema;
  readonly #ajv: Ajv;
  #validate: ValidateFunction | undefined;

  constructor(schema: StructuralSchema, ajv: Ajv) {
    this.#schema = schema;
    this.#ajv = ajv;
  }

  /** Prunes unknown fields and applies defaults in place; returns the pruned field paths. */
  normalize(obj: KubeObject): string[] {
    const dropped = prune(obj, this.#schema);
    applyDefaults(obj, this.#schema);
    return dropped;
  }

  validate(obj: KubeObject, old: KubeObject | undefined): FieldError[] {
    // Compiled on first use: the real operator CRDs are large and most tests never write their resources.
    this.#validate ??= this.#ajv.compile(toJsonSchema(this.#schema));
    const errors: FieldError[] = [];
    if (!this.#validate(obj)) errors.push(...collapseBranches(this.#validate.errors ?? []).map((e) => toFieldError(e, obj)));
    errors.push(...structuralErrors(obj, this.#schema));
    if (old !== undefined) errors.push(...transitionRuleErrors(obj, old, this.#schema));
    const seen = new Set<string>();
    return errors.filter((e) => {
      const key = `${e.field}\u0000${e.message}`;
      if (seen.has(key)) return false;
      seen.add(key);
      return true;
    });
  }
}
