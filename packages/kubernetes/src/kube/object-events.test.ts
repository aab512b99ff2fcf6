/**
 * The events feed against the test API server with the real client: one list and one watch of a
 * namespace's events about one kind of object, handed to subscribers by the involved object's name.
 */
import { CoreV1Api } from '@kubernetes/client-node';
import { type KubeTestServer, startKubeApiServer } from '@tflyte/testing/kubernetes';
import { afterEach, beforeEach, describe, expect, it, vi } from 'vitest';
import { createKubeClient, type KubeClient } from './kube-client.ts';
import { type EventView, isNewerEvent, objectEvents } from './object-events.ts';
import { POD_KIND } from './resource-kind.ts';

const NS = 'happenings';

let server: KubeTestServer;
let client: KubeClient;
let core: CoreV1Api;
beforeEach(async () => {
  server = await startKubeApiServer();
  client = createKubeClient({ kubeConfig: server.kubeConfig() });
  core = server.kubeConfig().makeApiClient(CoreV1Api);
});
afterEach(async () => {
  client.close();
  await server.close();
});

let events = 0;
const record = (kind: string, name: string, reason: string) =>
  core.createNamespacedEvent({
    namespace: NS,
    body: { metadata: { name: `e${++events}` }, involvedObject: { kind, name }, reason, type: 'Warning' },
  });

function recorder() {
  const seen: string[] = [];
  return { seen, listener: (e: EventView) => seen.push(e.reason ?? '') };
}

describe('objectEvents', () => {
  it('serves the events of every pod in a namespace from one list and one watch, by pod name', async () => {
    await record('Pod', 'a', 'FailedScheduling');
    const feed = objectEvents(client, POD_KIND, NS);
    expect(objectEvents(client, POD_KIND, NS)).toBe(feed);
    const a = recorder();
    const b = recorder();
    const stopA = feed.subscribe('a', a.listener);
    const stopB = feed.subscribe('b', b.listener);
    await vi.waitFor(() => expect(server.openWatches).toBe(1));

    await record('Pod', 'b', 'FailedMount');
    await record('Job', 'a', 'BackoffLimitExceeded');
    await record('Pod', 'a', 'BackOff');
    await vi.waitFor(() => expect([a.seen, b.seen]).toEqual([['FailedScheduling', 'BackOff'], ['FailedMount']]));
    expect(server.requestCounts).toMatchObject({ list: 1, watch: 1 });

    stopA();
    stopB();
    await vi.waitFor(() => expect(server.openWatches).toBe(0));
  });

  it('gives a subscriber who arrives later the events already recorded about its object', async () => {
    const feed = objectEvents(client, POD_KIND, NS);
    const first = recorder();
    const stopFirst = feed.subscribe('a', first.listener);
    await record('Pod', 'b', 'FailedScheduling');
    await record('Pod', 'a', 'Scheduled');
    // Events arrive in order: once a's is seen, b's is in the cache.
    await vi.waitFor(() => expect(first.seen).toEqual(['Scheduled']));

    const late = recorder();
    const stopLate = feed.subscribe('b', late.listener);
    await vi.waitFor(() => expect(late.seen).toEqual(['FailedScheduling']));
    expect(server.requestCounts).toMatchObject({ list: 1, watch: 1 });
    stopFirst();
    stopLate();
  });
});

describe('isNewerEvent', () => {
  it('orders events by when they last happened, series first, and lets the later arrival win a tie', () => {
    const at = (time: string, extra: Partial<EventView> = {}): EventView => ({ lastTimestamp: time, ...extra });
    expect(isNewerEvent(at('2026-01-01T00:00:02Z'), at('2026-01-01T00:00:01Z'))).toBe(true);
    expect(isNewerEvent(at('2026-01-01T00:00:01Z'), at('2026-01-01T00:00:02Z'))).toBe(false);
    expect(isNewerEvent(at('2026-01-01T00:00:01Z'), at('2026-01-01T00:00:01Z'))).toBe(true);
    expect(
      isNewerEvent(at('2026-01-01T00:00:01Z', { series: { lastObservedTime: '2026-01-01T00:00:09Z' } }), at('2026-01-01T00:00:05Z')),
    ).toBe(true);
    expect(isNewerEvent({ eventTime: '2026-01-01T00:00:00.5Z' }, undefined)).toBe(true);
  });
});
