/**
 * Kubernetes Events about the objects tflyte follows (Flyte's object events): one informer on
 * `events` per namespace and involved kind (`involvedObject.kind=Pod`), indexed here by the involved
 * object's name, so a thousand pods cost one list and one watch, not one each.
 */
import type { SharedInformer } from './informer.ts';
import type { KubeClient } from './kube-client.ts';
import type { KubeObject } from './kube-object.ts';
import type { ResourceKind } from './resource-kind.ts';

export const EVENT_KIND: ResourceKind = { apiVersion: 'v1', kind: 'Event', plural: 'events' };

/** The parts of a core/v1 Event (as wire JSON) that are reported. */
export interface EventView extends KubeObject {
  involvedObject?: { kind?: string; name?: string; uid?: string; namespace?: string };
  reason?: string;
  message?: string;
  /** `Normal` or `Warning`. */
  type?: string;
  eventTime?: string | null;
  firstTimestamp?: string | null;
  lastTimestamp?: string | null;
  series?: { lastObservedTime?: string } | null;
}

export type ObjectEventListener = (event: EventView) => void;

/** Subscriptions to the events of objects of one kind in one namespace, by object name. */
export class ObjectEventFeed {
  readonly #informer: SharedInformer<EventView>;
  readonly #listeners = new Map<string, Set<ObjectEventListener>>();
  #stop: (() => void) | undefined;

  constructor(informer: SharedInformer<EventView>) {
    this.#informer = informer;
  }

  /** Calls the listener with every event about the named object, already recorded ones first. */
  subscribe(name: string, listener: ObjectEventListener): () => void {
    const own: ObjectEventListener = (event) => listener(event);
    let forName = this.#listeners.get(name);
    if (forName === undefined) {
      forName = new Set();
      this.#listeners.set(name, forName);
    }
    forName.add(own);
    const first = this.#stop === undefined;
    // The informer replays its cache to a new subscribeAll listener only: a later subscriber gets it from here.
    if (first) this.#stop = this.#informer.subscribeAll((event) => this.#dispatch(event));
    else {
      const recorded = this.#recorded(name);
      queueMicrotask(() => {
        if (forName.has(own)) for (const event of recorded) own(event);
      });
    }
    let active = true;
    return () => {
      if (!active) return;
      active = false;
      forName.delete(own);
      if (forName.size === 0) this.#listeners.delete(name);
      if (this.#listeners.size === 0) {
        this.#stop?.();
        this.#stop = undefined;
      }
    };
  }

  #recorded(name: string): EventView[] {
    const all: EventView[] = [];
    for (const item of this.#informer.cached()) if (item.involvedObject?.name === name) all.push(item);
    return all;
  }

  #dispatch(event: EventView): void {
    const name = event.involvedObject?.name;
    if (name === undefined) return;
    for (const listener of this.#listeners.get(name) ?? []) listener(event);
  }
}

const feeds = new WeakMap<SharedInformer<EventView>, ObjectEventFeed>();

/** The feed of events about `kind` objects in `namespace`, shared by everyone using this client. */
export function objectEvents(client: KubeClient, kind: Pick<ResourceKind, 'kind'>, namespace: string): ObjectEventFeed {
  const informer = client.informer<EventView>(EVENT_KIND, namespace, undefined, `involvedObject.kind=${kind.kind}`);
  let feed = feeds.get(informer);
  if (feed === undefined) {
    feed = new ObjectEventFeed(informer);
    feeds.set(informer, feed);
  }
  return feed;
}

/** When the event last happened, in ms since the epoch (NaN when it carries no time). */
export function eventTime(event: EventView): number {
  const at =
    event.series?.lastObservedTime ?? event.lastTimestamp ?? event.eventTime ?? event.firstTimestamp ?? event.metadata?.creationTimestamp;
  return at == null ? Number.NaN : Date.parse(at);
}

/** Whether `next` happened no earlier than `current` (arrival order decides ties and missing times). */
export function isNewerEvent(next: EventView, current: EventView | undefined): boolean {
  if (current === undefined) return true;
  const a = eventTime(next);
  const b = eventTime(current);
  return Number.isNaN(a) || Number.isNaN(b) || a >= b;
}
