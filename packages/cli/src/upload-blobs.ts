/**
 * Outputs that are local files or directories mean nothing once the container is gone: when the raw
 * output prefix is remote (s3://, gs://), each one is uploaded under it and its Literal rewritten to
 * the remote URI, as flytekit does. With a local raw prefix (one machine), paths stay as they are.
 */
import { randomBytes } from 'node:crypto';
import { readdir, readFile, stat } from 'node:fs/promises';
import { basename, join, relative } from 'node:path';
import { joinUri, type Storage, toLocalPath, uriScheme } from '@tflyte/core';
import type { Literal, LiteralMap } from '@tflyte/idl/core/literals';

export async function uploadLocalBlobs(outputs: LiteralMap, rawOutputPrefix: string | undefined, storage: Storage): Promise<void> {
  if (rawOutputPrefix === undefined || uriScheme(rawOutputPrefix) === 'file') return;
  const upload = async (localPath: string): Promise<string> => {
    const target = joinUri(rawOutputPrefix, randomBytes(8).toString('hex'), basename(localPath));
    if ((await stat(localPath)).isDirectory()) {
      for (const file of await filesUnder(localPath)) {
        await storage.put(joinUri(target, ...relative(localPath, file).split('/')), await readFile(file));
      }
    } else {
      await storage.put(target, await readFile(localPath));
    }
    return target;
  };
  for (const literal of Object.values(outputs.literals)) await rewrite(literal, upload);
}

/** Replaces, in place, every local blob or dataset URI in the literal by `upload`'s result. */
async function rewrite(literal: Literal, upload: (localPath: string) => Promise<string>): Promise<void> {
  const value = literal.value;
  if (value.case === 'collection') {
    for (const item of value.value.literals) await rewrite(item, upload);
  } else if (value.case === 'map') {
    for (const item of Object.values(value.value.literals)) await rewrite(item, upload);
  } else if (value.case === 'scalar') {
    const scalar = value.value.value;
    if ((scalar.case === 'blob' || scalar.case === 'structuredDataset') && uriScheme(scalar.value.uri) === 'file') {
      scalar.value.uri = await upload(toLocalPath(scalar.value.uri));
    } else if (scalar.case === 'union' && scalar.value.value !== undefined) {
      await rewrite(scalar.value.value, upload);
    }
  }
}

async function filesUnder(dir: string): Promise<string[]> {
  const entries = await readdir(dir, { withFileTypes: true, recursive: true });
  return entries.filter((e) => e.isFile()).map((e) => join(e.parentPath, e.name));
}
