/** Discovery documents (/api, /apis, /apis/{group}[/{version}]) so generic clients can map kinds to paths. */
import type { ResourceType } from './resource-type.ts';

const VERBS = ['create', 'delete', 'deletecollection', 'get', 'list', 'patch', 'update', 'watch'];

export function coreVersions(serverAddress: string): Record<string, unknown> {
  return { kind: 'APIVersions', versions: ['v1'], serverAddressByClientCIDRs: [{ clientCIDR: '0.0.0.0/0', serverAddress }] };
}

export function resourceList(types: readonly ResourceType[], group: string, version: string): Record<string, unknown> | undefined {
  const served = types.filter((rt) => rt.group === group && rt.versions.includes(version));
  if (served.length === 0) return undefined;
  const resources = served.flatMap((rt) => {
    const main: Record<string, unknown> = {
      name: rt.plural,
      singularName: rt.singular,
      namespaced: rt.namespaced,
      kind: rt.kind,
      verbs: VERBS,
    };
    if (rt.shortNames.length > 0) main.shortNames = rt.shortNames;
    const subresources = [];
    if (rt.statusSubresource)
      subresources.push({
        name: `${rt.plural}/status`,
        singularName: '',
        namespaced: rt.namespaced,
        kind: rt.kind,
        verbs: ['get', 'patch', 'update'],
      });
    if (rt.group === '' && rt.plural === 'pods')
      subresources.push({ name: 'pods/log', singularName: '', namespaced: true, kind: 'Pod', verbs: ['get'] });
    return [main, ...subresources];
  });
  return { kind: 'APIResourceList', apiVersion: 'v1', groupVersion: group === '' ? version : `${group}/${version}`, resources };
}

function groupEntry(types: readonly ResourceType[], group: string): Record<string, unknown> {
  const versions = [...new Set(types.filter((rt) => rt.group === group).flatMap((rt) => rt.versions))];
  const entries = versions.map((version) => ({ groupVersion: `${group}/${version}`, version }));
  const storage = types.find((rt) => rt.group === group)?.storageVersion ?? versions[0]!;
  return { name: group, versions: entries, preferredVersion: { groupVersion: `${group}/${storage}`, version: storage } };
}

export function groupList(types: readonly ResourceType[]): Record<string, unknown> {
  const groups = [...new Set(types.map((rt) => rt.group).filter((g) => g !== ''))].sort();
  return { kind: 'APIGroupList', apiVersion: 'v1', groups: groups.map((g) => groupEntry(types, g)) };
}

export function apiGroup(types: readonly ResourceType[], group: string): Record<string, unknown> | undefined {
  if (!types.some((rt) => rt.group === group)) return undefined;
  return { kind: 'APIGroup', apiVersion: 'v1', ...groupEntry(types, group) };
}
