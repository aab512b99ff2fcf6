/**
 * HTTP front end: bearer-token auth, Kubernetes URL layout (/api/v1/…, /apis/{group}/{version}/…, the legacy
 * /watch/ prefix), verbs by method, Status bodies on failure, request-size limit and discovery.
 */
import type { IncomingMessage, ServerResponse } from 'node:http';
import { apiGroup, coreVersions, groupList, resourceList } from './discovery.ts';
import type { FaultInjector } from './faults.ts';
import type { DeleteOptions, FieldValidation, ObjectApi, Target, WriteResult } from './object-api.ts';
import type { PodLogs } from './pod-logs.ts';
import {
  badRequest,
  entityTooLarge,
  failure,
  type KubeStatus,
  KubeStatusError,
  methodNotAllowed,
  pathNotFound,
  unauthorized,
} from './status.ts';
import { isPlainObject } from './types.ts';
import { serveWatch, type WatchRegistry } from './watch.ts';

export interface RecordedRequest {
  method: string;
  path: string;
  query: string;
  contentType: string | undefined;
  body: string;
}

export interface HttpDeps {
  api: ObjectApi;
  watches: WatchRegistry;
  logs: PodLogs;
  faults: FaultInjector;
  token: string;
  maxRequestBytes: number;
  serverAddress: () => string;
  record: (request: RecordedRequest) => void;
}

interface ResourcePath {
  group: string;
  version: string;
  watch: boolean;
  namespace: string | undefined;
  plural: string;
  name: string | undefined;
  subresource: string | undefined;
}

const VERSION_INFO = {
  major: '1',
  minor: '32',
  gitVersion: 'v1.32.0-tflyte',
  gitCommit: '',
  gitTreeState: 'clean',
  buildDate: '2026-01-01T00:00:00Z',
  goVersion: 'n/a',
  compiler: 'tflyte',
  platform: 'linux/amd64',
};

function sendJson(res: ServerResponse, code: number, body: unknown, warnings: readonly string[] = []): void {
  const headers: Record<string, string | string[]> = { 'Content-Type': 'application/json', 'Cache-Control': 'no-cache, private' };
  if (warnings.length > 0) headers.Warning = warnings.map((w) => `299 - ${JSON.stringify(w)}`);
  res.writeHead(code, headers);
  res.end(JSON.stringify(body));
}

function sendStatus(res: ServerResponse, status: KubeStatus): void {
  sendJson(res, status.code, status);
}

function readBody(req: IncomingMessage, limit: number): Promise<string> {
  return new Promise((resolve, reject) => {
    const chunks: Buffer[] = [];
    let size = 0;
    req.on('data', (chunk: Buffer) => {
      size += chunk.length;
      if (size <= limit) chunks.push(chunk);
    });
    req.on('end', () => (size > limit ? reject(entityTooLarge(limit)) : resolve(Buffer.concat(chunks).toString('utf8'))));
    req.on('error', reject);
  });
}

function parseJson(text: string): unknown {
  try {
    return JSON.parse(text);
  } catch (error) {
    throw badRequest(`error decoding request body: ${(error as Error).message}`);
  }
}

function flag(query: URLSearchParams, key: string): boolean {
  const v = query.get(key);
  return v === 'true' || v === '1';
}

function intParam(query: URLSearchParams, key: string): number | undefined {
  const v = query.get(key);
  if (v === null || v === '') return undefined;
  const n = Number(v);
  if (!Number.isInteger(n)) throw badRequest(`invalid value for ${key}: ${v}`);
  return n;
}

function fieldValidation(query: URLSearchParams): FieldValidation | undefined {
  const v = query.get('fieldValidation');
  if (v === null || v === '') return undefined;
  if (v !== 'Ignore' && v !== 'Warn' && v !== 'Strict') throw badRequest(`fieldValidation parameter unsupported: ${v}`);
  return v;
}

function parseResourcePath(api: ObjectApi, segments: string[]): ResourcePath | undefined {
  let group: string;
  let rest: string[];
  if (segments[0] === 'api' && segments[1] === 'v1') {
    group = '';
    rest = segments.slice(2);
  } else if (segments[0] === 'apis' && segments.length >= 4) {
    group = segments[1]!;
    rest = segments.slice(3);
  } else return undefined;
  const version = group === '' ? 'v1' : segments[2]!;
  const watch = rest[0] === 'watch';
  if (watch) rest = rest.slice(1);
  let namespace: string | undefined;
  if (rest[0] === 'namespaces' && rest.length >= 3 && api.resolve(group, version, rest[2]!)?.namespaced === true) {
    namespace = rest[1];
    rest = rest.slice(2);
  }
  if (rest.length === 0 || rest.length > 3) return undefined;
  return { group, version, watch, namespace, plural: rest[0]!, name: rest[1], subresource: rest[2] };
}

export function createRequestHandler(deps: HttpDeps): (req: IncomingMessage, res: ServerResponse) => void {
  return (req, res) => {
    handle(deps, req, res).catch((error: unknown) => {
      const status =
        error instanceof KubeStatusError ? error.status : failure(500, 'InternalError', `Internal error occurred: ${String(error)}`).status;
      if (res.headersSent) res.destroy();
      else sendStatus(res, status);
    });
  };
}

async function handle(deps: HttpDeps, req: IncomingMessage, res: ServerResponse): Promise<void> {
  const url = new URL(req.url ?? '/', 'http://localhost');
  const method = (req.method ?? 'GET').toUpperCase();
  const segments = url.pathname
    .split('/')
    .filter((s) => s !== '')
    .map(decodeURIComponent);
  const body = await readBody(req, deps.maxRequestBytes);
  deps.record({ method, path: url.pathname, query: url.search.replace(/^\?/, ''), contentType: req.headers['content-type'], body });

  if (segments.length === 1 && ['healthz', 'livez', 'readyz'].includes(segments[0]!)) {
    res.writeHead(200, { 'Content-Type': 'text/plain' });
    res.end('ok');
    return;
  }
  if (segments.length === 1 && segments[0] === 'version') return sendJson(res, 200, VERSION_INFO);
  if (req.headers.authorization !== `Bearer ${deps.token}`) throw unauthorized();
  const injected = deps.faults.take(method, url.pathname);
  if (injected !== undefined) return sendStatus(res, injected);

  const discovery = discoveryDocument(deps, segments);
  if (discovery !== undefined) {
    if (method !== 'GET') throw methodNotAllowed();
    return sendJson(res, 200, discovery);
  }
  const path = parseResourcePath(deps.api, segments);
  const rt = path && deps.api.resolve(path.group, path.version, path.plural);
  if (path === undefined || rt === undefined) throw pathNotFound();
  if (rt.namespaced === false && path.namespace !== undefined) throw pathNotFound();
  if (rt.namespaced && path.namespace === undefined && path.name !== undefined) throw pathNotFound();
  const t: Target = { rt, version: path.version, namespace: path.namespace ?? '' };
  const { name, subresource } = path;
  const query = url.searchParams;

  if (
    subresource !== undefined &&
    !(subresource === 'status' && rt.statusSubresource) &&
    !(subresource === 'log' && rt.group === '' && rt.plural === 'pods')
  ) {
    throw pathNotFound();
  }
  const write = {
    dryRun: query.get('dryRun') === 'All',
    fieldValidation: fieldValidation(query),
    ...(subresource === 'status' ? { subresource: 'status' as const } : {}),
  };
  const reply = (code: number, result: WriteResult): void => sendJson(res, code, result.object, result.warnings);

  switch (method) {
    case 'GET': {
      if (path.watch || (name === undefined && flag(query, 'watch'))) {
        const nameSelector = name === undefined ? [] : [`metadata.name=${name}`];
        const fieldSelector = [...nameSelector, query.get('fieldSelector') ?? ''].filter((s) => s !== '').join(',');
        serveWatch(
          deps.api,
          t,
          {
            resourceVersion: query.get('resourceVersion'),
            labelSelector: query.get('labelSelector'),
            fieldSelector,
            allowWatchBookmarks: flag(query, 'allowWatchBookmarks'),
            sendInitialEvents: flag(query, 'sendInitialEvents'),
            timeoutSeconds: intParam(query, 'timeoutSeconds'),
          },
          res,
          deps.watches,
        );
        return;
      }
      if (name === undefined) {
        return sendJson(
          res,
          200,
          deps.api.list(t, {
            labelSelector: query.get('labelSelector'),
            fieldSelector: query.get('fieldSelector'),
            limit: intParam(query, 'limit'),
            continue: query.get('continue'),
          }),
        );
      }
      if (subresource === 'log') return serveLog(deps, t, name, query, res);
      return sendJson(res, 200, deps.api.get(t, name));
    }
    case 'POST':
      if (name !== undefined) throw methodNotAllowed();
      return reply(201, deps.api.create(t, parseJson(body), write));
    case 'PUT':
      if (name === undefined || subresource === 'log') throw methodNotAllowed();
      return reply(200, deps.api.update(t, name, parseJson(body), write));
    case 'PATCH':
      if (name === undefined || subresource === 'log') throw methodNotAllowed();
      return reply(200, deps.api.patch(t, name, req.headers['content-type'] ?? '', body, write));
    case 'DELETE': {
      if (subresource !== undefined) throw methodNotAllowed();
      const options = deleteOptions(body, query);
      if (name === undefined) {
        return sendJson(
          res,
          200,
          deps.api.deleteCollection(
            t,
            { labelSelector: query.get('labelSelector'), fieldSelector: query.get('fieldSelector') },
            options,
            write,
          ),
        );
      }
      return sendJson(res, 200, deps.api.delete(t, name, options, write));
    }
    default:
      throw methodNotAllowed();
  }
}

function discoveryDocument(deps: HttpDeps, segments: string[]): Record<string, unknown> | undefined {
  const types = deps.api.types();
  const [root, a, b] = segments;
  if (root === 'api' && segments.length === 1) return coreVersions(deps.serverAddress());
  if (root === 'api' && segments.length === 2) return resourceList(types, '', a!) ?? notFoundDocument();
  if (root === 'apis' && segments.length === 1) return groupList(types);
  if (root === 'apis' && segments.length === 2) return apiGroup(types, a!) ?? notFoundDocument();
  if (root === 'apis' && segments.length === 3) return resourceList(types, a!, b!) ?? notFoundDocument();
  return undefined;
}

function notFoundDocument(): never {
  throw pathNotFound();
}

function deleteOptions(body: string, query: URLSearchParams): DeleteOptions {
  const parsed = body.trim() === '' ? {} : parseJson(body);
  const options: DeleteOptions = {};
  if (isPlainObject(parsed)) {
    if (typeof parsed.gracePeriodSeconds === 'number') options.gracePeriodSeconds = parsed.gracePeriodSeconds;
    if (isPlainObject(parsed.preconditions)) {
      const { uid, resourceVersion } = parsed.preconditions;
      options.preconditions = {};
      if (typeof uid === 'string') options.preconditions.uid = uid;
      if (typeof resourceVersion === 'string') options.preconditions.resourceVersion = resourceVersion;
    }
  }
  const grace = intParam(query, 'gracePeriodSeconds');
  if (grace !== undefined) options.gracePeriodSeconds = grace;
  return options;
}

function serveLog(deps: HttpDeps, t: Target, name: string, query: URLSearchParams, res: ServerResponse): void {
  const pod = deps.api.stored(t, name);
  const spec = isPlainObject(pod.spec) ? pod.spec : {};
  const listed = (key: string): unknown[] => (Array.isArray(spec[key]) ? (spec[key] as unknown[]) : []);
  const names = [...listed('containers'), ...listed('initContainers')].filter(isPlainObject).map((c) => String(c.name));
  const mainCount = listed('containers').length;
  const container = query.get('container') ?? (mainCount === 1 ? names[0]! : undefined);
  if (container === undefined) {
    throw badRequest(`a container name must be specified for pod ${name}, choose one of: [${names.join(' ')}]`);
  }
  if (!names.includes(container)) throw badRequest(`container ${container} is not valid for pod ${name}`);
  const uid = pod.metadata.uid;
  const text = deps.logs.read(uid, container, {
    tailLines: intParam(query, 'tailLines'),
    limitBytes: intParam(query, 'limitBytes'),
    previous: flag(query, 'previous'),
  });
  if (text === undefined) {
    throw badRequest(
      flag(query, 'previous')
        ? `previous terminated container "${container}" in pod "${name}" not found`
        : `container "${container}" in pod "${name}" is waiting to start: ContainerCreating`,
    );
  }
  res.writeHead(200, { 'Content-Type': 'text/plain' });
  if (!flag(query, 'follow')) {
    res.end(text);
    return;
  }
  res.write(text);
  const stop = deps.logs.follow(
    uid,
    container,
    (chunk) => res.write(chunk),
    () => res.end(),
  );
  res.on('close', stop);
}
