/**
 * Object listing as both S3 (ListObjectsV2) and GCS (objects.list) page it: keys in UTF-8 byte order under a
 * prefix, names grouped into common prefixes at the first delimiter, a page size and opaque continuation tokens.
 */

export interface ListParams {
  prefix: string;
  delimiter: string;
  maxKeys: number;
  /** Further restricts the keys listed (S3 start-after, GCS startOffset/endOffset). */
  include: (key: string) => boolean;
  continuationToken: string | undefined;
}

export interface ListPage<T> {
  contents: Array<[key: string, object: T]>;
  commonPrefixes: string[];
  isTruncated: boolean;
  nextContinuationToken: string | undefined;
}

/** Where a page stopped: the last key or common prefix it returned. */
interface Cursor {
  after: string;
  isPrefix: boolean;
}

/** One page, or undefined when the continuation token is not one this server issued. */
export function listPage<T>(objects: ReadonlyMap<string, T>, params: ListParams): ListPage<T> | undefined {
  let resume: Cursor | undefined;
  if (params.continuationToken !== undefined) {
    resume = decodeToken(params.continuationToken);
    if (resume === undefined) return undefined;
  }
  const keys = [...objects.keys()].filter((key) => key.startsWith(params.prefix) && params.include(key)).sort(compareKeys);
  const page: ListPage<T> = { contents: [], commonPrefixes: [], isTruncated: false, nextContinuationToken: undefined };
  let last = resume;
  for (const key of keys) {
    if (resume !== undefined && (compareKeys(key, resume.after) <= 0 || (resume.isPrefix && key.startsWith(resume.after)))) continue;
    const cut = params.delimiter === '' ? -1 : key.indexOf(params.delimiter, params.prefix.length);
    const commonPrefix = cut < 0 ? undefined : key.slice(0, cut + params.delimiter.length);
    if (commonPrefix !== undefined && last?.isPrefix === true && last.after === commonPrefix) continue;
    if (page.contents.length + page.commonPrefixes.length >= params.maxKeys) {
      page.isTruncated = true;
      break;
    }
    if (commonPrefix === undefined) {
      const object = objects.get(key);
      if (object !== undefined) page.contents.push([key, object]);
      last = { after: key, isPrefix: false };
    } else {
      page.commonPrefixes.push(commonPrefix);
      last = { after: commonPrefix, isPrefix: true };
    }
  }
  if (page.isTruncated && last !== undefined) page.nextContinuationToken = encodeToken(last);
  return page;
}

function encodeToken(cursor: Cursor): string {
  return Buffer.from(JSON.stringify([cursor.after, cursor.isPrefix]), 'utf8').toString('base64');
}

function decodeToken(token: string): Cursor | undefined {
  try {
    const value: unknown = JSON.parse(Buffer.from(token, 'base64').toString('utf8'));
    if (Array.isArray(value) && typeof value[0] === 'string' && typeof value[1] === 'boolean')
      return { after: value[0], isPrefix: value[1] };
  } catch {
    // Not JSON: fall through to the rejection.
  }
  return undefined;
}

/** Both services order keys by their UTF-8 bytes, which differs from UTF-16 string order above U+FFFF. */
export function compareKeys(a: string, b: string): number {
  return Buffer.compare(Buffer.from(a, 'utf8'), Buffer.from(b, 'utf8'));
}
