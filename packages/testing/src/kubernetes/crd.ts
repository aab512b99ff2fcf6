/**
 * CustomResourceDefinitions (apiextensions.k8s.io/v1): reading them from objects or YAML, checking the parts
 * the server relies on, and turning each into a served ResourceType with schema validation.
 */
import type { Ajv } from 'ajv';
import { parseAllDocuments } from 'yaml';
import { validateObjectMeta } from './metadata-validation.ts';
import { plainStrategy, type ResourceType } from './resource-type.ts';
import { type FieldError, fieldErrors, invalid } from './status.ts';
import type { StructuralSchema } from './structural-schema.ts';
import { isPlainObject, type KubeObject, nowTimestamp } from './types.ts';
import { CrdSchema } from './validation.ts';

export const CRD_RESOURCE = {
  group: 'apiextensions.k8s.io',
  plural: 'customresourcedefinitions',
  kind: 'CustomResourceDefinition',
} as const;

/** Accepts a CRD object or YAML text holding one or more documents; non-CRD documents are skipped. */
export function readCrds(input: string | KubeObject): KubeObject[] {
  if (typeof input !== 'string') return [input];
  return parseAllDocuments(input)
    .map((doc) => doc.toJS() as unknown)
    .filter((doc): doc is KubeObject => isPlainObject(doc) && doc.kind === CRD_RESOURCE.kind);
}

interface CrdVersion {
  name: string;
  served: boolean;
  storage: boolean;
  schema: StructuralSchema;
  status: boolean;
  selectableFields: string[];
}

function str(value: unknown): string {
  return typeof value === 'string' ? value : '';
}

function checkCrd(crd: KubeObject): { errors: FieldError[]; versions: CrdVersion[] } {
  const errors: FieldError[] = [...validateObjectMeta(crd)];
  const spec = isPlainObject(crd.spec) ? crd.spec : {};
  const names = isPlainObject(spec.names) ? spec.names : {};
  const group = str(spec.group);
  if (group === '') errors.push(fieldErrors.required('spec.group'));
  for (const key of ['plural', 'kind']) if (str(names[key]) === '') errors.push(fieldErrors.required(`spec.names.${key}`));
  if (spec.scope !== 'Namespaced' && spec.scope !== 'Cluster')
    errors.push(fieldErrors.notSupported('spec.scope', spec.scope ?? '', ['Cluster', 'Namespaced']));
  const expectedName = `${str(names.plural)}.${group}`;
  if (crd.metadata?.name !== expectedName)
    errors.push(fieldErrors.invalid('metadata.name', crd.metadata?.name ?? '', `must be spec.names.plural+"."+spec.group`));
  const versions: CrdVersion[] = [];
  const rawVersions = Array.isArray(spec.versions) ? spec.versions : [];
  if (rawVersions.length === 0)
    errors.push(fieldErrors.required('spec.versions', 'must have exactly one version marked as storage version'));
  rawVersions.forEach((v, i) => {
    const version = isPlainObject(v) ? v : {};
    const schema = isPlainObject(version.schema) ? version.schema.openAPIV3Schema : undefined;
    if (str(version.name) === '') errors.push(fieldErrors.required(`spec.versions[${i}].name`));
    if (!isPlainObject(schema)) errors.push(fieldErrors.required(`spec.versions[${i}].schema.openAPIV3Schema`, 'schemas are required'));
    const subresources = isPlainObject(version.subresources) ? version.subresources : {};
    const selectable = Array.isArray(version.selectableFields) ? version.selectableFields : [];
    versions.push({
      name: str(version.name),
      served: version.served === true,
      storage: version.storage === true,
      schema: (isPlainObject(schema) ? schema : {}) as StructuralSchema,
      status: subresources.status !== undefined,
      selectableFields: selectable.map((f) => (isPlainObject(f) ? str(f.jsonPath).replace(/^\./, '') : '')).filter((f) => f !== ''),
    });
  });
  if (rawVersions.length > 0 && versions.filter((v) => v.storage).length !== 1) {
    errors.push(fieldErrors.invalid('spec.versions', 'array', 'must have exactly one version marked as storage version'));
  }
  return { errors, versions };
}

function fieldGetter(path: string): (obj: KubeObject) => string | undefined {
  return (obj) => {
    let current: unknown = obj;
    for (const key of path.split('.')) current = isPlainObject(current) ? current[key] : undefined;
    return current === undefined || current === null ? '' : typeof current === 'object' ? undefined : String(current);
  };
}

/** Builds the served type for a CRD; throws a 422 Invalid KubeStatusError when the CRD is unusable. */
export function crdResourceType(crd: KubeObject, ajv: Ajv): ResourceType {
  const { errors, versions } = checkCrd(crd);
  if (errors.length > 0) throw invalid(CRD_RESOURCE, crd.metadata?.name ?? '', errors);
  const spec = crd.spec as Record<string, unknown>;
  const names = spec.names as Record<string, unknown>;
  const storage = versions.find((v) => v.storage)!;
  const schemas = new Map(versions.map((v) => [v.name, new CrdSchema(v.schema, ajv)]));
  const schemaFor = (version: string): CrdSchema => schemas.get(version) ?? schemas.get(storage.name)!;
  const statusSubresource = storage.status;
  const kind = str(names.kind);
  return {
    ...plainStrategy(),
    group: str(spec.group),
    versions: versions.filter((v) => v.served).map((v) => v.name),
    storageVersion: storage.name,
    plural: str(names.plural),
    singular: str(names.singular) || kind.toLowerCase(),
    kind,
    listKind: str(names.listKind) || `${kind}List`,
    shortNames: Array.isArray(names.shortNames) ? names.shortNames.map(str) : [],
    namespaced: spec.scope === 'Namespaced',
    statusSubresource,
    returnDeletedObject: false,
    allowUnconditionalUpdate: false,
    selectableFields: Object.fromEntries(versions.flatMap((v) => v.selectableFields).map((f) => [f, fieldGetter(f)])),
    normalize: (obj, version) => schemaFor(version).normalize(obj),
    prepareForCreate(obj) {
      if (statusSubresource) delete obj.status;
    },
    validate(obj, ctx) {
      const metaErrors = ctx.subresource === 'status' ? [] : validateObjectMeta(obj);
      return [...metaErrors, ...schemaFor(ctx.version).validate(obj, ctx.old)];
    },
  };
}

/** customresourcedefinitions themselves, so CRDs can also be created, read and deleted over the API. */
export function crdDefinitionType(): ResourceType {
  return {
    ...plainStrategy(),
    ...CRD_RESOURCE,
    versions: ['v1'],
    storageVersion: 'v1',
    singular: 'customresourcedefinition',
    listKind: 'CustomResourceDefinitionList',
    shortNames: ['crd', 'crds'],
    namespaced: false,
    statusSubresource: true,
    returnDeletedObject: true,
    allowUnconditionalUpdate: false,
    prepareForCreate(crd) {
      const spec = isPlainObject(crd.spec) ? crd.spec : {};
      const versions = Array.isArray(spec.versions) ? spec.versions.filter(isPlainObject) : [];
      const condition = (type: string, reason: string) => ({
        type,
        status: 'True',
        reason,
        message: '',
        lastTransitionTime: nowTimestamp(),
      });
      crd.status = {
        conditions: [condition('NamesAccepted', 'NoConflicts'), condition('Established', 'InitialNamesAccepted')],
        acceptedNames: spec.names ?? {},
        storedVersions: versions.filter((v) => v.storage === true).map((v) => v.name),
      };
    },
    validate: (crd, ctx) => (ctx.subresource === 'status' ? [] : checkCrd(crd).errors),
  };
}
