/**
 * `?watch=true`: a chunked response of newline-delimited `{"type":…,"object":…}` events, as the apiserver's
 * watch cache serves them. Selector transitions are reported like the cacher does (an object that stops
 * matching arrives as DELETED, one that starts matching as ADDED). A resourceVersion older than the retained
 * history yields a single ERROR event carrying a 410 Expired Status, then the stream ends.
 */
import type { ServerResponse } from 'node:http';
import type { ObjectApi, Target } from './object-api.ts';
import { apiVersionFor, groupResource } from './resource-type.ts';
import { type Matcher, parseFieldSelector, parseLabelSelector } from './selectors.ts';
import { badRequest, gone } from './status.ts';
import type { StoreEvent } from './store.ts';
import type { KubeObject, StoredObject } from './types.ts';

export interface WatchParams {
  resourceVersion?: string | null;
  labelSelector?: string | null;
  fieldSelector?: string | null;
  allowWatchBookmarks?: boolean;
  sendInitialEvents?: boolean;
  timeoutSeconds?: number;
}

interface ActiveWatch {
  bookmark(): void;
  end(): void;
  destroy(): void;
}

/** The open watch streams, so tests can send bookmarks or drop connections, and close() can end them all. */
export class WatchRegistry {
  readonly #active = new Set<ActiveWatch>();

  get size(): number {
    return this.#active.size;
  }

  add(watch: ActiveWatch): () => void {
    this.#active.add(watch);
    return () => this.#active.delete(watch);
  }

  bookmarkAll(): void {
    for (const w of this.#active) w.bookmark();
  }

  /** 'end' finishes each response cleanly (as a watch timeout does); 'reset' destroys the connection. */
  dropAll(mode: 'end' | 'reset'): number {
    const all = [...this.#active];
    for (const w of all) mode === 'end' ? w.end() : w.destroy();
    return all.length;
  }
}

function parseRevision(value: string | null | undefined): number | undefined {
  if (value === undefined || value === null || value === '' || value === '0') return undefined;
  const n = Number(value);
  if (!Number.isSafeInteger(n) || n < 0) throw badRequest(`invalid resource version: ${value}`);
  return n;
}

/** What a watcher with these selectors sees for one store event, or undefined if nothing. */
function visibleType(event: StoreEvent, matches: Matcher): 'ADDED' | 'MODIFIED' | 'DELETED' | undefined {
  const now = matches(event.object);
  const before = event.prevObject !== undefined && matches(event.prevObject);
  if (event.type === 'ADDED') return now ? 'ADDED' : undefined;
  if (event.type === 'DELETED') return before ? 'DELETED' : undefined;
  if (now && before) return 'MODIFIED';
  if (now) return 'ADDED';
  return before ? 'DELETED' : undefined;
}

/** Validates parameters (throwing a 400 before any header is written), then streams until closed. */
export function serveWatch(api: ObjectApi, t: Target, params: WatchParams, res: ServerResponse, registry: WatchRegistry): void {
  const labels = parseLabelSelector(params.labelSelector);
  const fields = parseFieldSelector(params.fieldSelector, t.rt.selectableFields);
  const matches: Matcher = (o) => labels(o) && fields(o);
  const from = parseRevision(params.resourceVersion);
  const resource = groupResource(t.rt);
  const namespace = t.rt.namespaced && t.namespace !== '' ? t.namespace : undefined;

  res.writeHead(200, { 'Content-Type': 'application/json', 'Cache-Control': 'no-cache, private' });
  res.flushHeaders();
  const send = (type: string, object: object): void => {
    if (!res.writableEnded) res.write(`${JSON.stringify({ type, object })}\n`);
  };
  const bookmark = (annotations?: Record<string, string>): void => {
    const metadata: KubeObject['metadata'] = { resourceVersion: String(api.store.revision) };
    if (annotations !== undefined) metadata.annotations = annotations;
    send('BOOKMARK', { kind: t.rt.kind, apiVersion: apiVersionFor(t.rt, t.version), metadata });
  };

  const initial = from === undefined || params.sendInitialEvents === true;
  const start = initial || from === undefined ? api.store.revision : from;
  if (initial) {
    const existing: StoredObject[] = api.store.list(resource, namespace).filter(matches);
    for (const obj of existing) send('ADDED', api.view(t.rt, obj, t.version));
    if (params.sendInitialEvents === true && params.allowWatchBookmarks === true) bookmark({ 'k8s.io/initial-events-end': 'true' });
  }
  const unsubscribe = api.store.watch(start, (event) => {
    if (event.resource !== resource || (namespace !== undefined && event.namespace !== namespace)) return;
    const type = visibleType(event, matches);
    if (type !== undefined) send(type, api.view(t.rt, event.object, t.version));
  });
  if (unsubscribe === undefined) {
    const expired = gone(`too old resource version: ${start} (${api.store.compactedRevision})`);
    send('ERROR', expired.status);
    res.end();
    return;
  }

  const timeout =
    params.timeoutSeconds !== undefined && params.timeoutSeconds > 0
      ? setTimeout(() => res.end(), params.timeoutSeconds * 1000)
      : undefined;
  const unregister = registry.add({
    bookmark: () => {
      if (params.allowWatchBookmarks === true) bookmark();
    },
    end: () => res.end(),
    destroy: () => res.destroy(),
  });
  res.on('close', () => {
    unsubscribe();
    unregister();
    clearTimeout(timeout);
  });
}
