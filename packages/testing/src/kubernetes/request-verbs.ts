/** The Kubernetes verb of a request (as audit logs name them), for counting what clients ask. */
import type { RecordedRequest } from './http-server.ts';

export function requestVerb(request: Pick<RecordedRequest, 'method' | 'path' | 'query'>): string {
  const segments = request.path.split('/').filter((s) => s !== '');
  let rest: string[];
  if (segments[0] === 'api' && segments.length >= 2) rest = segments.slice(2);
  else if (segments[0] === 'apis' && segments.length >= 3) rest = segments.slice(3);
  else return 'other';
  let watch = new URLSearchParams(request.query).get('watch') === 'true';
  if (rest[0] === 'watch') {
    watch = true;
    rest = rest.slice(1);
  }
  if (rest[0] === 'namespaces' && rest.length >= 3) rest = rest.slice(2);
  if (rest.length === 0) return 'discovery';
  const named = rest.length >= 2;
  switch (request.method) {
    case 'GET':
      return watch ? 'watch' : named ? 'get' : 'list';
    case 'POST':
      return 'create';
    case 'PUT':
      return 'update';
    case 'PATCH':
      return 'patch';
    case 'DELETE':
      return named ? 'delete' : 'deletecollection';
    default:
      return request.method.toLowerCase();
  }
}
