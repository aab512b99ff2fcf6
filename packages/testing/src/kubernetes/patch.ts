/**
 * PATCH bodies: JSON merge patch (RFC 7386) and JSON patch (RFC 6902). A malformed patch is 400 BadRequest;
 * a well-formed JSON patch that does not apply (missing path, failed `test`) is 422, as in the API server.
 * Strategic merge patch is applied as a JSON merge patch (lists are replaced, not merged by key).
 */
import { badRequest, failure } from './status.ts';
import { clone, deepEqual, isPlainObject } from './types.ts';

export function mergePatch(target: unknown, patch: unknown): unknown {
  if (!isPlainObject(patch)) return clone(patch);
  const result: Record<string, unknown> = isPlainObject(target) ? clone(target) : {};
  for (const [key, value] of Object.entries(patch)) {
    if (value === null) delete result[key];
    else result[key] = mergePatch(result[key], value);
  }
  return result;
}

interface Operation {
  op: 'add' | 'remove' | 'replace' | 'move' | 'copy' | 'test';
  path: string;
  from?: string;
  value?: unknown;
}

const OPS = new Set(['add', 'remove', 'replace', 'move', 'copy', 'test']);

function parseOperations(patch: unknown): Operation[] {
  if (!Array.isArray(patch)) throw badRequest('json: cannot unmarshal object into Go value of type jsonpatch.Patch');
  return patch.map((raw) => {
    if (!isPlainObject(raw) || typeof raw.op !== 'string' || !OPS.has(raw.op)) {
      throw badRequest(`Unexpected kind: ${isPlainObject(raw) ? String(raw.op) : typeof raw}`);
    }
    if (typeof raw.path !== 'string') throw badRequest(`${raw.op} operation missing path`);
    if ((raw.op === 'move' || raw.op === 'copy') && typeof raw.from !== 'string') throw badRequest(`${raw.op} operation missing from`);
    if ((raw.op === 'add' || raw.op === 'replace' || raw.op === 'test') && !('value' in raw))
      throw badRequest(`${raw.op} operation missing value`);
    return raw as unknown as Operation;
  });
}

function notApplicable(message: string): never {
  throw failure(422, 'Invalid', message);
}

function tokens(pointer: string): string[] {
  if (pointer === '') return [];
  if (!pointer.startsWith('/')) notApplicable(`invalid JSON pointer: ${pointer}`);
  return pointer
    .slice(1)
    .split('/')
    .map((t) => t.replace(/~1/g, '/').replace(/~0/g, '~'));
}

/** The container holding the pointer's last token, and that token. */
function locate(doc: unknown, pointer: string, op: string): { parent: unknown; key: string } {
  const path = tokens(pointer);
  if (path.length === 0) notApplicable(`${op} operation does not apply to the document root`);
  let parent = doc;
  for (const token of path.slice(0, -1)) {
    parent = Array.isArray(parent) ? parent[Number(token)] : isPlainObject(parent) ? parent[token] : undefined;
    if (parent === undefined) notApplicable(`${op} operation does not apply: doc is missing path: ${pointer}: missing value`);
  }
  return { parent, key: path[path.length - 1]! };
}

function arrayIndex(array: unknown[], key: string, pointer: string, allowEnd: boolean): number {
  if (allowEnd && key === '-') return array.length;
  const index = /^(0|[1-9]\d*)$/.test(key) ? Number(key) : NaN;
  if (Number.isNaN(index) || index > array.length || (!allowEnd && index === array.length)) {
    notApplicable(`Unable to access invalid index: ${key}: invalid index referenced: ${pointer}`);
  }
  return index;
}

function read(doc: unknown, pointer: string, op: string): unknown {
  let current = doc;
  for (const token of tokens(pointer)) {
    current = Array.isArray(current) ? current[Number(token)] : isPlainObject(current) ? current[token] : undefined;
    if (current === undefined) notApplicable(`${op} operation does not apply: doc is missing path: ${pointer}: missing value`);
  }
  return current;
}

function add(doc: unknown, pointer: string, value: unknown): unknown {
  if (pointer === '') return clone(value);
  const { parent, key } = locate(doc, pointer, 'add');
  if (Array.isArray(parent)) parent.splice(arrayIndex(parent, key, pointer, true), 0, clone(value));
  else if (isPlainObject(parent)) parent[key] = clone(value);
  else notApplicable(`add operation does not apply: doc is missing path: ${pointer}: missing value`);
  return doc;
}

function remove(doc: unknown, pointer: string, op = 'remove'): unknown {
  const { parent, key } = locate(doc, pointer, op);
  if (Array.isArray(parent)) {
    const index = arrayIndex(parent, key, pointer, false);
    return parent.splice(index, 1)[0];
  }
  if (!isPlainObject(parent) || !(key in parent)) notApplicable(`Unable to remove nonexistent key: ${key}: missing value`);
  const removed = parent[key];
  delete parent[key];
  return removed;
}

export function jsonPatch(document: unknown, patch: unknown): unknown {
  let doc = clone(document);
  for (const operation of parseOperations(patch)) {
    const { path } = operation;
    switch (operation.op) {
      case 'add':
        doc = add(doc, path, operation.value);
        break;
      case 'remove':
        remove(doc, path);
        break;
      case 'replace':
        read(doc, path, 'replace');
        if (path === '') doc = clone(operation.value);
        else {
          remove(doc, path, 'replace');
          doc = add(doc, path, operation.value);
        }
        break;
      case 'move': {
        const value = read(doc, operation.from!, 'move');
        remove(doc, operation.from!, 'move');
        doc = add(doc, path, value);
        break;
      }
      case 'copy':
        doc = add(doc, path, read(doc, operation.from!, 'copy'));
        break;
      case 'test':
        if (!deepEqual(read(doc, path, 'test'), operation.value)) notApplicable(`testing value ${path} failed: test failed`);
        break;
    }
  }
  return doc;
}
