/**
 * Server-side check of AWS Signature Version 4 on an incoming request: the Authorization header's shape
 * and credential scope always, the signature itself when the secret key is known.
 */
import { createHash, createHmac, timingSafeEqual } from 'node:crypto';
import type { IncomingHttpHeaders } from 'node:http';
import { header } from './headers.ts';

export interface SigV4Credentials {
  accessKeyId: string;
  secretAccessKey: string;
}

export interface SigV4Request {
  method: string;
  /** Path and query as received, e.g. `/` or `/?a=b`. */
  url: string;
  headers: IncomingHttpHeaders;
  body: Buffer;
}

export interface SigV4Options {
  service: string;
  /** Require this region in the credential scope; any region when omitted. */
  region?: string;
  /** Known keys: when given, unknown access keys are rejected and signatures are verified. */
  credentials?: readonly SigV4Credentials[];
}

/** Why a request was refused, as the AWS error the service would send. */
export interface AuthRejection {
  status: number;
  type:
    | 'MissingAuthenticationTokenException'
    | 'IncompleteSignatureException'
    | 'InvalidSignatureException'
    | 'UnrecognizedClientException';
  message: string;
}

/** What a valid Authorization header says. */
export interface SigV4Identity {
  accessKeyId: string;
  region: string;
}

const ALGORITHM = 'AWS4-HMAC-SHA256';

/** Returns the caller's identity, or the rejection the service would answer with. */
export function checkSigV4(request: SigV4Request, options: SigV4Options): SigV4Identity | AuthRejection {
  const authorization = header(request.headers, 'authorization');
  if (authorization === undefined || authorization.trim() === '') {
    return { status: 403, type: 'MissingAuthenticationTokenException', message: 'Missing Authentication Token' };
  }
  const incomplete = (message: string): AuthRejection => ({ status: 400, type: 'IncompleteSignatureException', message });
  const invalid = (message: string): AuthRejection => ({ status: 403, type: 'InvalidSignatureException', message });

  if (!authorization.startsWith(`${ALGORITHM} `)) {
    return incomplete(`Authorization header must start with '${ALGORITHM} ' (got '${authorization.split(' ')[0] ?? ''}')`);
  }
  const params = new Map<string, string>();
  for (const part of authorization.slice(ALGORITHM.length + 1).split(',')) {
    const eq = part.indexOf('=');
    if (eq > 0) params.set(part.slice(0, eq).trim(), part.slice(eq + 1).trim());
  }
  const credential = params.get('Credential');
  const signedHeaders = params.get('SignedHeaders');
  const signature = params.get('Signature');
  if (credential === undefined || signedHeaders === undefined || signature === undefined) {
    return incomplete("Authorization header requires 'Credential', 'SignedHeaders' and 'Signature' parameters");
  }
  const scope = credential.split('/');
  const [accessKeyId = '', date = '', region = '', service = '', terminator = ''] = scope;
  if (scope.length !== 5 || accessKeyId === '' || !/^\d{8}$/.test(date) || region === '' || terminator !== 'aws4_request') {
    return incomplete(
      `Credential must have the form <AccessKeyId>/<YYYYMMDD>/<region>/${options.service}/aws4_request (got '${credential}')`,
    );
  }
  if (!/^[0-9a-f]{64}$/.test(signature)) return incomplete('Signature must be 64 lowercase hex characters');
  if (service !== options.service) return invalid(`Credential should be scoped to correct service: '${options.service}'.`);
  if (options.region !== undefined && region !== options.region) {
    return invalid(`Credential should be scoped to a valid region, not '${region}'; this endpoint serves '${options.region}'.`);
  }
  const amzDate = header(request.headers, 'x-amz-date');
  if (amzDate === undefined || !/^\d{8}T\d{6}Z$/.test(amzDate)) {
    return incomplete("Requests must carry an X-Amz-Date header in the form YYYYMMDD'T'HHMMSS'Z'");
  }
  if (amzDate.slice(0, 8) !== date) {
    return invalid(
      `Date in Credential scope does not match YYYYMMDD from ISO-8601 version of date from HTTP: '${date}' != '${amzDate.slice(0, 8)}'`,
    );
  }
  const headerNames = signedHeaders.split(';');
  if (!headerNames.includes('host')) return incomplete("SignedHeaders must include 'host'");

  if (options.credentials !== undefined) {
    const known = options.credentials.find((c) => c.accessKeyId === accessKeyId);
    if (known === undefined) {
      return { status: 403, type: 'UnrecognizedClientException', message: 'The security token included in the request is invalid.' };
    }
    const expected = computeSignature(
      request,
      { headerNames, signedHeaders, amzDate, scope: scope.slice(1).join('/'), date, region, service },
      known,
    );
    if (!timingSafeEqual(Buffer.from(expected), Buffer.from(signature))) {
      return invalid(
        'The request signature we calculated does not match the signature you provided. Check your AWS Secret Access Key and signing method. Consult the service documentation for details.',
      );
    }
  }
  return { accessKeyId, region };
}

export function isAuthRejection(result: SigV4Identity | AuthRejection): result is AuthRejection {
  return 'status' in result;
}

/** A server option that takes one key or several, as the list `SigV4Options.credentials` wants. */
export function credentialList(
  credentials: SigV4Credentials | readonly SigV4Credentials[] | undefined,
): readonly SigV4Credentials[] | undefined {
  return credentials === undefined ? undefined : 'accessKeyId' in credentials ? [credentials] : credentials;
}

interface SigningContext {
  headerNames: string[];
  signedHeaders: string;
  amzDate: string;
  scope: string;
  date: string;
  region: string;
  service: string;
}

function computeSignature(request: SigV4Request, ctx: SigningContext, credentials: SigV4Credentials): string {
  const queryAt = request.url.indexOf('?');
  const path = queryAt < 0 ? request.url : request.url.slice(0, queryAt);
  const query = queryAt < 0 ? '' : request.url.slice(queryAt + 1);
  const canonicalHeaders = ctx.headerNames
    .map((name) => `${name}:${(header(request.headers, name) ?? '').trim().replace(/\s+/g, ' ')}\n`)
    .join('');
  const payloadHash = header(request.headers, 'x-amz-content-sha256') ?? sha256Hex(request.body);
  const canonicalRequest = [request.method, path || '/', canonicalQuery(query), canonicalHeaders, ctx.signedHeaders, payloadHash].join(
    '\n',
  );
  const stringToSign = [ALGORITHM, ctx.amzDate, ctx.scope, sha256Hex(canonicalRequest)].join('\n');
  let key: Buffer = hmac(`AWS4${credentials.secretAccessKey}`, ctx.date);
  for (const part of [ctx.region, ctx.service, 'aws4_request']) key = hmac(key, part);
  return createHmac('sha256', key).update(stringToSign).digest('hex');
}

function canonicalQuery(query: string): string {
  if (query === '') return '';
  return query
    .split('&')
    .map((pair) => {
      const eq = pair.indexOf('=');
      return eq < 0 ? [pair, ''] : [pair.slice(0, eq), pair.slice(eq + 1)];
    })
    .sort(([a = '', av = ''], [b = '', bv = '']) => (a === b ? (av < bv ? -1 : 1) : a < b ? -1 : 1))
    .map(([k, v]) => `${k}=${v}`)
    .join('&');
}

function sha256Hex(data: string | Buffer): string {
  return createHash('sha256').update(data).digest('hex');
}

function hmac(key: string | Buffer, data: string): Buffer {
  return createHmac('sha256', key).update(data).digest();
}
