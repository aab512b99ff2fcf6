/**
 * What the server knows about one kind of resource: its names, scope, subresources and strategy (the per-type
 * rules that kube-apiserver keeps in each registry's strategy.go).
 */
import type { FieldError, ResourceName } from './status.ts';
import type { KubeObject, StoredObject } from './types.ts';

export interface ValidationContext {
  version: string;
  /** The object being replaced; undefined on create. */
  old: StoredObject | undefined;
  subresource: 'status' | undefined;
}

export interface ResourceType extends ResourceName {
  /** Served versions; objects are stored once and each version only relabels apiVersion (conversion `None`). */
  versions: readonly string[];
  storageVersion: string;
  singular: string;
  listKind: string;
  shortNames: readonly string[];
  namespaced: boolean;
  statusSubresource: boolean;
  /** Pods answer DELETE with the deleted object; most other types answer with a Status. */
  returnDeletedObject: boolean;
  /** Whether PUT without metadata.resourceVersion is allowed (true for pods, false for custom resources). */
  allowUnconditionalUpdate: boolean;
  /** Field selectors beyond metadata.name and metadata.namespace. */
  selectableFields: Readonly<Record<string, (obj: KubeObject) => string | undefined>>;
  /** Drops unknown fields and applies schema defaults in place; returns the dropped field paths. */
  normalize(obj: KubeObject, version: string): string[];
  prepareForCreate(obj: KubeObject): void;
  validate(obj: KubeObject, ctx: ValidationContext): FieldError[];
  /** Seconds of graceful deletion the object gets; 0 deletes at once (unless finalizers hold it). */
  gracePeriodSeconds(obj: StoredObject, requested: number | undefined): number;
}

export function groupResource(rt: Pick<ResourceName, 'group' | 'plural'>): string {
  return rt.group === '' ? rt.plural : `${rt.plural}.${rt.group}`;
}

export function apiVersionFor(rt: ResourceType, version: string): string {
  return rt.group === '' ? version : `${rt.group}/${version}`;
}

/** Strategy defaults for a type without special rules. */
export function plainStrategy(): Pick<
  ResourceType,
  'selectableFields' | 'normalize' | 'prepareForCreate' | 'validate' | 'gracePeriodSeconds'
> {
  return {
    selectableFields: {},
    normalize: () => [],
    prepareForCreate: () => {},
    validate: () => [],
    gracePeriodSeconds: () => 0,
  };
}
