/**
 * The generic registry: the verbs every resource shares (create/get/list/update/patch/delete), with the
 * apiserver's rules for metadata, optimistic concurrency, the status subresource, generation, finalizers and
 * graceful deletion. HTTP and test hooks both go through here, so every write bumps the same revision counter
 * and reaches watchers.
 */
import { randomUUID } from 'node:crypto';
import { jsonPatch, mergePatch } from './patch.ts';
import { apiVersionFor, groupResource, type ResourceType } from './resource-type.ts';
import { parseFieldSelector, parseLabelSelector } from './selectors.ts';
import {
  alreadyExists,
  badRequest,
  conflict,
  failure,
  fieldErrors,
  gone,
  invalid,
  type KubeStatus,
  notFound,
  STALE_OBJECT,
  successStatus,
  unsupportedMediaType,
} from './status.ts';
import type { VersionedStore } from './store.ts';
import { clone, deepEqual, isPlainObject, type KubeObject, nowTimestamp, type StoredObject } from './types.ts';

/** Where a request points: a served type and version, and a namespace ('' for cluster-scoped types). */
export interface Target {
  rt: ResourceType;
  version: string;
  namespace: string;
}

export type FieldValidation = 'Ignore' | 'Warn' | 'Strict';

export interface WriteOptions {
  dryRun?: boolean;
  fieldValidation?: FieldValidation;
  subresource?: 'status';
}

export interface WriteResult {
  object: KubeObject;
  /** Warning texts for the `Warning: 299 - "..."` response header (pruned unknown fields). */
  warnings: string[];
}

export interface ListOptions {
  labelSelector?: string | null;
  fieldSelector?: string | null;
  limit?: number;
  continue?: string | null;
}

export interface DeleteOptions {
  gracePeriodSeconds?: number;
  preconditions?: { uid?: string; resourceVersion?: string };
}

export interface KubeList {
  apiVersion: string;
  kind: string;
  metadata: { resourceVersion: string; continue?: string; remainingItemCount?: number };
  items: KubeObject[];
}

const GENERATE_NAME_ALPHABET = 'bcdfghjklmnpqrstvwxz2456789';

function randomSuffix(): string {
  let out = '';
  for (let i = 0; i < 5; i++) out += GENERATE_NAME_ALPHABET[Math.floor(Math.random() * GENERATE_NAME_ALPHABET.length)];
  return out;
}

/** Everything except metadata and status: a change here bumps metadata.generation. */
function specPart(obj: KubeObject): Record<string, unknown> {
  const { metadata: _m, status: _s, ...rest } = obj;
  return rest;
}

const SERVER_OWNED_META = [
  'uid',
  'creationTimestamp',
  'deletionTimestamp',
  'deletionGracePeriodSeconds',
  'generation',
  'namespace',
  'name',
] as const;

export class ObjectApi {
  readonly store: VersionedStore;
  readonly #types = new Map<string, ResourceType>();
  readonly #autoCreateNamespaces: boolean;

  constructor(store: VersionedStore, options: { autoCreateNamespaces: boolean }) {
    this.store = store;
    this.#autoCreateNamespaces = options.autoCreateNamespaces;
  }

  register(rt: ResourceType): void {
    this.#types.set(groupResource(rt), rt);
  }

  unregister(rt: ResourceType): void {
    for (const obj of this.store.list(groupResource(rt)))
      this.store.delete(groupResource(rt), obj.metadata.namespace ?? '', obj.metadata.name);
    this.#types.delete(groupResource(rt));
  }

  types(): ResourceType[] {
    return [...this.#types.values()];
  }

  typeOf(key: string): ResourceType | undefined {
    return this.#types.get(key);
  }

  /** The type serving `plural` at group/version, if any. */
  resolve(group: string, version: string, plural: string): ResourceType | undefined {
    const rt = this.#types.get(groupResource({ group, plural }));
    return rt?.versions.includes(version) ? rt : undefined;
  }

  /** An object as a given version serves it: apiVersion/kind first, then the stored fields. */
  view(rt: ResourceType, obj: StoredObject | KubeObject, version: string): KubeObject {
    const { apiVersion: _a, kind: _k, ...rest } = clone(obj);
    return { apiVersion: apiVersionFor(rt, version), kind: rt.kind, ...rest };
  }

  stored(t: Target, name: string): StoredObject {
    const obj = this.store.get(groupResource(t.rt), t.namespace, name);
    if (obj === undefined) throw notFound(t.rt, name);
    return obj;
  }

  get(t: Target, name: string): KubeObject {
    return this.view(t.rt, this.stored(t, name), t.version);
  }

  /** For a namespaced type, namespace '' lists across all namespaces. */
  list(t: Target, options: ListOptions = {}): KubeList {
    const labels = parseLabelSelector(options.labelSelector);
    const fields = parseFieldSelector(options.fieldSelector, t.rt.selectableFields);
    let revision = this.store.revision;
    let after: string | undefined;
    if (options.continue) {
      const token = decodeContinue(options.continue);
      if (token.rv < this.store.compactedRevision) {
        throw gone(
          'The provided continue parameter is too old to display a consistent list result. You can start a new list without the continue parameter.',
        );
      }
      revision = token.rv;
      after = token.after;
    }
    const matching = this.store
      .list(groupResource(t.rt), t.rt.namespaced && t.namespace !== '' ? t.namespace : undefined)
      .filter((o) => labels(o) && fields(o))
      .filter((o) => after === undefined || keyOf(o) > after);
    const limit = options.limit !== undefined && options.limit > 0 ? options.limit : matching.length;
    const page = matching.slice(0, limit);
    const metadata: KubeList['metadata'] = { resourceVersion: String(revision) };
    if (page.length < matching.length) {
      metadata.continue = Buffer.from(JSON.stringify({ rv: revision, after: keyOf(page[page.length - 1]!) })).toString('base64url');
      metadata.remainingItemCount = matching.length - page.length;
    }
    return {
      apiVersion: apiVersionFor(t.rt, t.version),
      kind: t.rt.listKind,
      metadata,
      // Built-in lists omit kind/apiVersion on items; custom resource lists carry them, as in a real cluster.
      items: page.map((o) => {
        const item = this.view(t.rt, o, t.version);
        if (t.rt.group !== '' && t.rt.group !== 'apiextensions.k8s.io') return item;
        const { apiVersion: _a, kind: _k, ...rest } = item;
        return rest;
      }),
    };
  }

  #checkTypeMeta(t: Target, obj: KubeObject): void {
    const expected = apiVersionFor(t.rt, t.version);
    if (obj.apiVersion !== undefined && obj.apiVersion !== expected) {
      throw badRequest(`the API version in the data (${String(obj.apiVersion)}) does not match the expected API version (${expected})`);
    }
    if (obj.kind !== undefined && obj.kind !== t.rt.kind) {
      throw badRequest(`the kind in the data (${String(obj.kind)}) does not match the expected kind (${t.rt.kind})`);
    }
    if (obj.metadata !== undefined && !isPlainObject(obj.metadata)) throw badRequest('metadata must be an object');
    const ns = obj.metadata?.namespace;
    if (t.rt.namespaced && ns !== undefined && ns !== '' && ns !== t.namespace) {
      throw badRequest('the namespace of the provided object does not match the namespace sent on the request');
    }
  }

  #normalize(t: Target, obj: KubeObject, fieldValidation: FieldValidation | undefined): string[] {
    const unknown = t.rt.normalize(obj, t.version);
    if (unknown.length > 0 && fieldValidation === 'Strict') {
      throw badRequest(`strict decoding error: ${unknown.map((f) => `unknown field "${f}"`).join(', ')}`);
    }
    return fieldValidation === 'Ignore' ? [] : unknown.map((f) => `unknown field "${f}"`);
  }

  #ensureNamespace(namespace: string, dryRun: boolean): void {
    const nsType = this.#types.get('namespaces');
    if (nsType === undefined || this.store.get('namespaces', '', namespace) !== undefined) return;
    if (!this.#autoCreateNamespaces) throw notFound(nsType, namespace);
    if (!dryRun) this.create({ rt: nsType, version: 'v1', namespace: '' }, { metadata: { name: namespace } });
  }

  create(t: Target, body: unknown, options: WriteOptions = {}): WriteResult {
    if (!isPlainObject(body)) throw badRequest('the body of the request must be a JSON object');
    const obj = clone(body) as KubeObject;
    this.#checkTypeMeta(t, obj);
    obj.apiVersion = apiVersionFor(t.rt, t.rt.storageVersion);
    obj.kind = t.rt.kind;
    const meta = (obj.metadata ??= {});
    if (meta.resourceVersion !== undefined && meta.resourceVersion !== '') {
      throw failure(500, 'InternalError', 'resourceVersion should not be set on objects to be created');
    }
    if (t.rt.namespaced) meta.namespace = t.namespace;
    else delete meta.namespace;
    if ((meta.name === undefined || meta.name === '') && typeof meta.generateName === 'string' && meta.generateName !== '') {
      meta.name = `${meta.generateName}${randomSuffix()}`;
    }
    for (const key of ['uid', 'deletionTimestamp', 'deletionGracePeriodSeconds'] as const) delete meta[key];
    meta.uid = randomUUID();
    meta.creationTimestamp = nowTimestamp();
    meta.generation = 1;
    const warnings = this.#normalize(t, obj, options.fieldValidation);
    t.rt.prepareForCreate(obj);
    const errors = t.rt.validate(obj, { version: t.version, old: undefined, subresource: undefined });
    if (errors.length > 0) throw invalid(t.rt, meta.name ?? '', errors);
    const name = meta.name!;
    if (t.rt.namespaced) this.#ensureNamespace(t.namespace, options.dryRun === true);
    if (this.store.get(groupResource(t.rt), t.namespace, name) !== undefined) throw alreadyExists(t.rt, name);
    if (options.dryRun === true) return { object: this.view(t.rt, obj, t.version), warnings };
    const stored = this.store.create(groupResource(t.rt), obj as StoredObject);
    return { object: this.view(t.rt, stored, t.version), warnings };
  }

  /** PUT. `unconditional` is set by PATCH, which needs no resourceVersion. */
  update(t: Target, name: string, body: unknown, options: WriteOptions & { unconditional?: boolean } = {}): WriteResult {
    if (!isPlainObject(body)) throw badRequest('the body of the request must be a JSON object');
    const old = this.stored(t, name);
    const obj = clone(body) as KubeObject;
    this.#checkTypeMeta(t, obj);
    const meta = (obj.metadata ??= {});
    if (meta.name !== name)
      throw badRequest(`the name of the object (${String(meta.name ?? '')}) does not match the name on the URL (${name})`);
    const rv = meta.resourceVersion;
    if (rv !== undefined && rv !== '') {
      if (rv !== old.metadata.resourceVersion) throw conflict(t.rt, name, STALE_OBJECT);
    } else if (!t.rt.allowUnconditionalUpdate && options.unconditional !== true) {
      throw invalid(t.rt, name, [fieldErrors.invalid('metadata.resourceVersion', '0x0', 'must be specified for an update')]);
    }
    obj.apiVersion = old.apiVersion;
    obj.kind = old.kind;
    const warnings = this.#normalize(t, obj, options.fieldValidation);
    let next: KubeObject;
    if (options.subresource === 'status') {
      next = clone(old) as KubeObject;
      if (obj.status === undefined) delete next.status;
      else next.status = obj.status;
    } else {
      next = obj;
      for (const key of SERVER_OWNED_META) {
        if (old.metadata[key] === undefined) delete meta[key];
        else (meta as Record<string, unknown>)[key] = old.metadata[key];
      }
      if (t.rt.statusSubresource) {
        if (old.status === undefined) delete next.status;
        else next.status = clone(old.status);
      }
      if (old.metadata.deletionTimestamp !== undefined) {
        const added = (Array.isArray(meta.finalizers) ? meta.finalizers : []).filter((f) => !(old.metadata.finalizers ?? []).includes(f));
        if (added.length > 0) {
          throw invalid(t.rt, name, [
            fieldErrors.forbidden(
              'metadata.finalizers',
              `no new finalizers can be added if the object is being deleted, found new finalizers ${JSON.stringify(added)}`,
            ),
          ]);
        }
      }
    }
    const errors = t.rt.validate(next, { version: t.version, old, subresource: options.subresource });
    if (errors.length > 0) throw invalid(t.rt, name, errors);
    next.metadata!.resourceVersion = old.metadata.resourceVersion;
    if (options.subresource === undefined && !deepEqual(specPart(next), specPart(old))) {
      next.metadata!.generation = (old.metadata.generation ?? 1) + 1;
    }
    // An update that changes nothing is not written, so it neither bumps resourceVersion nor wakes watchers.
    if (deepEqual(next, old) || options.dryRun === true) return { object: this.view(t.rt, next, t.version), warnings };
    if (this.#deletionComplete(next)) {
      const deleted = this.store.delete(groupResource(t.rt), t.namespace, name);
      return { object: this.view(t.rt, deleted, t.version), warnings };
    }
    const stored = this.store.update(groupResource(t.rt), next as StoredObject);
    return { object: this.view(t.rt, stored, t.version), warnings };
  }

  /** A deleting object goes once its finalizers are gone and its grace period was cut to 0. */
  #deletionComplete(obj: KubeObject): boolean {
    const meta = obj.metadata ?? {};
    return meta.deletionTimestamp !== undefined && (meta.finalizers ?? []).length === 0 && (meta.deletionGracePeriodSeconds ?? 0) === 0;
  }

  patch(t: Target, name: string, contentType: string, rawBody: string, options: WriteOptions = {}): WriteResult {
    const old = this.stored(t, name);
    const type = contentType.split(';')[0]!.trim().toLowerCase();
    const builtin = t.rt.group === '';
    if (type === 'application/apply-patch+yaml' || type === 'application/apply-patch+cbor') {
      throw unsupportedMediaType('server-side apply is not supported by the tflyte test API server; use a merge patch or an update');
    }
    const supported = [
      'application/json-patch+json',
      'application/merge-patch+json',
      ...(builtin ? ['application/strategic-merge-patch+json'] : []),
    ];
    if (!supported.includes(type)) {
      throw unsupportedMediaType(
        `the body of the request was in an unknown format - accepted media types include: ${supported.join(', ')}`,
      );
    }
    let patchBody: unknown;
    try {
      patchBody = JSON.parse(rawBody);
    } catch (error) {
      throw badRequest(`error decoding patch: ${(error as Error).message}`);
    }
    const current = this.view(t.rt, old, t.version);
    const patched = type === 'application/json-patch+json' ? jsonPatch(current, patchBody) : mergePatch(current, patchBody);
    if (!isPlainObject(patched)) throw badRequest('the patched object is not a JSON object');
    return this.update(t, name, patched, { ...options, unconditional: true });
  }

  delete(t: Target, name: string, deleteOptions: DeleteOptions = {}, options: { dryRun?: boolean } = {}): KubeObject | KubeStatus {
    const old = this.stored(t, name);
    const pre = deleteOptions.preconditions ?? {};
    if (pre.uid !== undefined && pre.uid !== old.metadata.uid) {
      throw conflict(t.rt, name, `Precondition failed: UID in precondition: ${pre.uid}, UID in object meta: ${old.metadata.uid}`);
    }
    if (pre.resourceVersion !== undefined && pre.resourceVersion !== old.metadata.resourceVersion) {
      throw conflict(
        t.rt,
        name,
        `Precondition failed: ResourceVersion in precondition: ${pre.resourceVersion}, ResourceVersion in meta: ${old.metadata.resourceVersion}`,
      );
    }
    const grace = t.rt.gracePeriodSeconds(old, deleteOptions.gracePeriodSeconds);
    const hasFinalizers = (old.metadata.finalizers ?? []).length > 0;
    const deleting = old.metadata.deletionTimestamp !== undefined;
    if (grace === 0 && !hasFinalizers) return this.#remove(t, old, options.dryRun === true);
    if (deleting && (grace > 0 || old.metadata.deletionGracePeriodSeconds === 0)) return this.view(t.rt, old, t.version);
    const next = clone(old);
    next.metadata.deletionTimestamp = nowTimestamp(grace);
    next.metadata.deletionGracePeriodSeconds = grace;
    if (options.dryRun === true) return this.view(t.rt, next, t.version);
    return this.view(t.rt, this.store.update(groupResource(t.rt), next), t.version);
  }

  #remove(t: Target, old: StoredObject, dryRun: boolean): KubeObject | KubeStatus {
    let deleted: StoredObject = old;
    if (!dryRun) {
      if (t.rt.plural === 'namespaces' && t.rt.group === '') this.#emptyNamespace(old.metadata.name);
      deleted = this.store.delete(groupResource(t.rt), t.namespace, old.metadata.name);
    }
    if (t.rt.returnDeletedObject) return this.view(t.rt, deleted, t.version);
    const details = { name: old.metadata.name, kind: t.rt.plural, uid: old.metadata.uid };
    return successStatus(t.rt.group === '' ? details : { ...details, group: t.rt.group });
  }

  /** Stands in for the namespace controller: everything in the namespace goes with it. */
  #emptyNamespace(namespace: string): void {
    for (const rt of this.#types.values()) {
      if (!rt.namespaced) continue;
      for (const obj of this.store.list(groupResource(rt), namespace)) this.store.delete(groupResource(rt), namespace, obj.metadata.name);
    }
  }

  deleteCollection(t: Target, listOptions: ListOptions, deleteOptions: DeleteOptions, options: { dryRun?: boolean } = {}): KubeList {
    const listed = this.list(t, listOptions);
    const items = listed.items.map((item) => {
      const result = this.delete(
        { ...t, namespace: item.metadata?.namespace ?? t.namespace },
        item.metadata!.name!,
        deleteOptions,
        options,
      );
      return 'status' in result && result.kind === 'Status' ? item : (result as KubeObject);
    });
    return { ...listed, items };
  }

  /**
   * Read-modify-write for in-process actors (the node, test hooks): no admission, no validation, but the same
   * store, so the change gets a new revision and reaches watchers. Returns undefined when the object is gone.
   */
  mutate(rt: ResourceType, namespace: string, name: string, change: (obj: StoredObject) => void): StoredObject | undefined {
    const current = this.store.get(groupResource(rt), namespace, name);
    if (current === undefined) return undefined;
    const next = clone(current);
    change(next);
    if (deepEqual(next, current)) return current;
    if (this.#deletionComplete(next)) return this.store.delete(groupResource(rt), namespace, name);
    return this.store.update(groupResource(rt), next);
  }
}

function keyOf(obj: StoredObject): string {
  return `${obj.metadata.namespace ?? ''}/${obj.metadata.name}`;
}

function decodeContinue(token: string): { rv: number; after: string } {
  try {
    const parsed = JSON.parse(Buffer.from(token, 'base64url').toString('utf8')) as unknown;
    if (isPlainObject(parsed) && typeof parsed.rv === 'number' && typeof parsed.after === 'string')
      return { rv: parsed.rv, after: parsed.after };
  } catch {
    // fall through to the BadRequest below
  }
  throw badRequest('continue key is not valid: incorrect encoded start resourceVersion (version meta.k8s.io/v1)');
}
