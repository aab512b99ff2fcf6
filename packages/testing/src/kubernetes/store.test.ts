import { describe, expect, it } from 'vitest';
import { type StoreEvent, VersionedStore } from './store.ts';
import type { StoredObject } from './types.ts';

function obj(name: string, namespace = 'ns', extra: Record<string, unknown> = {}): StoredObject {
  return { metadata: { name, namespace, uid: `uid-${name}`, resourceVersion: '', creationTimestamp: '2026-01-01T00:00:00Z' }, ...extra };
}

describe('VersionedStore', () => {
  it('gives every write of every resource the next revision of one global counter', () => {
    const store = new VersionedStore(100);
    const start = store.revision;
    const a = store.create('pods', obj('a'));
    const b = store.create('events', obj('b'));
    const a2 = store.update('pods', { ...obj('a'), spec: { x: 1 } });
    const gone = store.delete('pods', 'ns', 'a');
    expect([a, b, a2, gone].map((o) => Number(o.metadata.resourceVersion))).toEqual([start + 1, start + 2, start + 3, start + 4]);
    expect(store.revision).toBe(start + 4);
    expect(store.get('pods', 'ns', 'a')).toBeUndefined();
  });

  it('hands out frozen objects so no caller can change stored state behind the counter', () => {
    const store = new VersionedStore(100);
    const stored = store.create('pods', obj('a', 'ns', { spec: { x: 1 } }));
    expect(Object.isFrozen(stored)).toBe(true);
    expect(Object.isFrozen(stored.spec)).toBe(true);
  });

  it('lists in namespace/name order, optionally within one namespace', () => {
    const store = new VersionedStore(100);
    store.create('pods', obj('b', 'ns2'));
    store.create('pods', obj('z', 'ns1'));
    store.create('pods', obj('a', 'ns2'));
    expect(store.list('pods').map((o) => `${o.metadata.namespace}/${o.metadata.name}`)).toEqual(['ns1/z', 'ns2/a', 'ns2/b']);
    expect(store.list('pods', 'ns2').map((o) => o.metadata.name)).toEqual(['a', 'b']);
  });

  it('replays the events after a revision, then keeps delivering new ones', () => {
    const store = new VersionedStore(100);
    const before = store.revision;
    store.create('pods', obj('a'));
    const middle = store.revision;
    store.update('pods', { ...obj('a'), spec: { x: 2 } });
    const seen: StoreEvent[] = [];
    const stop = store.watch(middle, (e) => seen.push(e));
    store.delete('pods', 'ns', 'a');
    stop!();
    store.create('pods', obj('late'));
    expect(seen.map((e) => [e.type, e.revision])).toEqual([
      ['MODIFIED', middle + 1],
      ['DELETED', middle + 2],
    ]);
    expect(seen[0]!.prevObject?.metadata.resourceVersion).toBe(String(before + 1));
  });

  it('keeps only a bounded window of history: older revisions can no longer be watched', () => {
    const store = new VersionedStore(2);
    const start = store.revision;
    for (const name of ['a', 'b', 'c']) store.create('pods', obj(name));
    expect(store.watch(start, () => {})).toBeUndefined();
    expect(store.watch(start + 1, () => {})).toBeTypeOf('function');
  });

  it('compaction forgets all history up to now', () => {
    const store = new VersionedStore(100);
    store.create('pods', obj('a'));
    const before = store.revision;
    store.create('pods', obj('b'));
    store.compact();
    expect(store.watch(before, () => {})).toBeUndefined();
    expect(store.watch(store.revision, () => {})).toBeTypeOf('function');
  });

  it('delivers events in revision order even when a listener writes while being notified', () => {
    const store = new VersionedStore(100);
    const order: string[] = [];
    store.watch(store.revision, (e) => {
      if (e.type === 'ADDED' && e.name === 'a') store.update('pods', { ...obj('a'), spec: { bound: true } });
    });
    store.watch(store.revision, (e) => order.push(`${e.type}@${e.revision}`));
    const created = store.create('pods', obj('a'));
    const rv = Number(created.metadata.resourceVersion);
    expect(order).toEqual([`ADDED@${rv}`, `MODIFIED@${rv + 1}`]);
  });
});
