/** What a backend creates and watches: enough to build its URLs without discovery. */
export interface ResourceKind {
  /** `v1`, or `<group>/<version>` such as `sparkoperator.k8s.io/v1beta2`. */
  readonly apiVersion: string;
  readonly kind: string;
  /** The plural resource name in URLs, e.g. `pods`, `sparkapplications`. */
  readonly plural: string;
}

export const POD_KIND: ResourceKind = { apiVersion: 'v1', kind: 'Pod', plural: 'pods' };

/** `/api/v1/namespaces/<ns>/pods`, or `/apis/<group>/<version>/namespaces/<ns>/<plural>`. */
export function collectionPath(kind: ResourceKind, namespace: string): string {
  const root = kind.apiVersion.includes('/') ? `/apis/${kind.apiVersion}` : `/api/${kind.apiVersion}`;
  return `${root}/namespaces/${encodeURIComponent(namespace)}/${kind.plural}`;
}

export function kindKey(kind: Pick<ResourceKind, 'apiVersion' | 'kind'>): string {
  return `${kind.apiVersion}/${kind.kind}`;
}
