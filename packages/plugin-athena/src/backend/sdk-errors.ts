/**
 * Errors thrown by @aws-sdk/client-athena (after its own retries) as BackendErrors: throttling,
 * server faults and dropped connections are SYSTEM and retryable; a request Athena refuses
 * (invalid, unauthorized) is the USER's and permanent, since sending it again cannot help.
 */
import { BackendError } from '@tflyte/core';

const THROTTLING = new Set([
  'TooManyRequestsException',
  'ThrottlingException',
  'Throttling',
  'ThrottledException',
  'RequestLimitExceeded',
  'RequestThrottled',
  'RequestThrottledException',
  'SlowDown',
]);

const AUTH = new Set([
  'AccessDeniedException',
  'UnrecognizedClientException',
  'InvalidSignatureException',
  'SignatureDoesNotMatch',
  'IncompleteSignature',
  'IncompleteSignatureException',
  'MissingAuthenticationToken',
  'MissingAuthenticationTokenException',
  'InvalidClientTokenId',
  'ExpiredTokenException',
  'ExpiredToken',
]);

const NETWORK_CODES = new Set([
  'ECONNRESET',
  'ECONNREFUSED',
  'ECONNABORTED',
  'EPIPE',
  'ETIMEDOUT',
  'EAI_AGAIN',
  'ENOTFOUND',
  'EHOSTUNREACH',
  'ENETUNREACH',
]);

interface SdkErrorShape {
  readonly name?: unknown;
  readonly message?: unknown;
  readonly code?: unknown;
  readonly $fault?: unknown;
  readonly $metadata?: { readonly httpStatusCode?: unknown };
}

/** `action` names the call, e.g. `StartQueryExecution`. */
export function backendErrorFromSdk(error: unknown, action: string): BackendError {
  if (error instanceof BackendError) return error;
  const e = (typeof error === 'object' && error !== null ? error : {}) as SdkErrorShape;
  const name = typeof e.name === 'string' && e.name !== '' ? e.name : 'Error';
  const text = typeof e.message === 'string' ? e.message : String(error);
  const status = typeof e.$metadata?.httpStatusCode === 'number' ? e.$metadata.httpStatusCode : undefined;
  const make = (kind: 'user' | 'system', retryable: boolean, code: string, hint = ''): BackendError =>
    new BackendError({ kind, retryable, code, message: `Athena ${action} failed: ${name}: ${text}${hint}` }, { cause: error });

  if (THROTTLING.has(name) || status === 429) return make('system', true, name === 'Error' ? 'Throttling' : name);
  if (AUTH.has(name) || status === 401 || status === 403) {
    return make('user', false, name, ' (check the AWS credentials and their Athena, Glue and S3 permissions)');
  }
  if (name === 'CredentialsProviderError') {
    return make(
      'user',
      false,
      'NoCredentials',
      ' (configure AWS credentials: environment, shared config/SSO profile, or athenaPlugin({ credentials }))',
    );
  }
  if (/region is missing/i.test(text)) return make('user', false, 'NoRegion', ' (set athenaPlugin({ region }) or AWS_REGION)');
  if ((status !== undefined && status >= 500) || e.$fault === 'server')
    return make('system', true, name === 'Error' ? 'ServerError' : name);
  if (name === 'InvalidRequestException' || e.$fault === 'client' || (status !== undefined && status >= 400))
    return make('user', false, name);
  // No response at all: a dropped connection, a timeout, or an abort.
  const code = typeof e.code === 'string' ? e.code : '';
  if (NETWORK_CODES.has(code) || name === 'TimeoutError' || name === 'AbortError') return make('system', true, code || name);
  return make('system', true, 'AthenaClientError');
}

/** StopQueryExecution on a query Athena does not know: nothing is left to stop. */
export function isQueryNotFound(error: unknown): boolean {
  const e = (typeof error === 'object' && error !== null ? error : {}) as SdkErrorShape;
  return e.name === 'InvalidRequestException' && typeof e.message === 'string' && /not\s+found|does not exist/i.test(e.message);
}
