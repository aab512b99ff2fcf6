/**
 * The data proxy's upload authorization for an S3-compatible store: the headers of a SigV4-signed
 * PUT (unsigned payload), returned with the upload location for the client to send, as a data
 * proxy hands out a signed request the client cannot forge.
 */
import { createHash, createHmac } from 'node:crypto';

export interface S3Signer {
  readonly endpoint: string;
  readonly region: string;
  readonly accessKeyId: string;
  readonly secretAccessKey: string;
}

const sha256 = (text: string) => createHash('sha256').update(text).digest('hex');
const hmac = (key: Buffer | string, text: string) => createHmac('sha256', key).update(text).digest();

/** The URL and headers of a PUT of `s3://bucket/key`, path-style, signed for `now`. */
export function signedPut(signer: S3Signer, nativeUrl: string, now = new Date()): { url: string; headers: Record<string, string> } {
  const path = `/${nativeUrl.slice('s3://'.length).split('/').map(encodeURIComponent).join('/')}`;
  const url = new URL(path, signer.endpoint);
  const amzDate = now
    .toISOString()
    .replace(/[-:]/g, '')
    .replace(/\.\d{3}/, '');
  const day = amzDate.slice(0, 8);
  const headers: Record<string, string> = { host: url.host, 'x-amz-content-sha256': 'UNSIGNED-PAYLOAD', 'x-amz-date': amzDate };
  const names = Object.keys(headers).sort();
  const canonical = ['PUT', path, '', ...names.map((n) => `${n}:${headers[n]}`), '', names.join(';'), 'UNSIGNED-PAYLOAD'].join('\n');
  const scope = `${day}/${signer.region}/s3/aws4_request`;
  const toSign = ['AWS4-HMAC-SHA256', amzDate, scope, sha256(canonical)].join('\n');
  const key = hmac(hmac(hmac(hmac(`AWS4${signer.secretAccessKey}`, day), signer.region), 's3'), 'aws4_request');
  const signature = createHmac('sha256', key).update(toSign).digest('hex');
  const { host: _, ...sent } = headers;
  return {
    url: url.href,
    headers: {
      ...sent,
      authorization: `AWS4-HMAC-SHA256 Credential=${signer.accessKeyId}/${scope}, SignedHeaders=${names.join(';')}, Signature=${signature}`,
    },
  };
}
