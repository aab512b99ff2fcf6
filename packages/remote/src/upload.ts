/**
 * Uploads through FlyteAdmin's data proxy: ask for an upload location (named by the content's MD5,
 * as flytekit does, so the same bytes land in the same place), PUT the bytes to the signed URL, and
 * hand back the native URL (s3://…) that tasks read.
 */
import { createHash } from 'node:crypto';
import type { FlyteRemote } from './client.ts';
import { RemoteError } from './errors.ts';

export interface UploadRequest {
  readonly project: string;
  readonly domain: string;
  readonly filename: string;
  readonly bytes: Uint8Array;
}

export async function uploadThroughDataProxy(remote: FlyteRemote, request: UploadRequest): Promise<string> {
  const contentMd5 = createHash('md5').update(request.bytes).digest();
  const location = await remote.dataProxy.createUploadLocation({
    project: request.project,
    domain: request.domain,
    filename: request.filename,
    contentMd5,
    filenameRoot: createHash('md5').update(request.bytes).digest('hex'),
  });
  const response = await fetch(location.signedUrl, {
    method: 'PUT',
    headers: { ...location.headers, 'content-md5': contentMd5.toString('base64'), 'content-length': String(request.bytes.length) },
    body: request.bytes,
  });
  if (!response.ok)
    throw new RemoteError('REMOTE_REQUEST', `uploading ${request.filename} to the data proxy's signed URL failed: HTTP ${response.status}`);
  return location.nativeUrl;
}
