/**
 * Errors from @google-cloud/bigquery (after its own retries) as BackendErrors. The SDK retries by HTTP
 * status only, so BigQuery's usual rate-limit answer, 403 `rateLimitExceeded`, reaches us and is
 * retryable here; throttling, 5xx, dropped connections and our own call deadlines are SYSTEM and
 * retryable; a request BigQuery refuses is the USER's and permanent (`http<status>`, as Flyte).
 */
import { BackendError } from '@tflyte/core';
import { CallDeadlineError } from '@tflyte/warehouse';

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
  'UND_ERR_SOCKET',
]);
const RETRYABLE_REASONS = new Set(['rateLimitExceeded', 'quotaExceeded', 'backendError', 'internalError']);

interface ApiErrorShape {
  readonly code?: unknown;
  readonly message?: unknown;
  readonly errors?: readonly { readonly reason?: unknown; readonly message?: unknown }[];
  readonly name?: unknown;
  readonly type?: unknown;
}

/** The HTTP status of an SDK ApiError, if it has one. */
export function httpStatus(error: unknown): number | undefined {
  const code = (error as ApiErrorShape | undefined)?.code;
  return typeof code === 'number' ? code : undefined;
}

/** The first `errors[].reason` of an SDK ApiError. */
export function apiReason(error: unknown): string | undefined {
  const reason = (error as ApiErrorShape | undefined)?.errors?.[0]?.reason;
  return typeof reason === 'string' ? reason : undefined;
}

/** `action` names the call, e.g. `jobs.insert`. */
export function backendErrorFromSdk(error: unknown, action: string): BackendError {
  if (error instanceof BackendError) return error;
  const e = (typeof error === 'object' && error !== null ? error : {}) as ApiErrorShape;
  const text = typeof e.message === 'string' ? e.message : String(error);
  const status = httpStatus(error);
  const reason = apiReason(error);
  const make = (kind: 'user' | 'system', retryable: boolean, code: string, hint = ''): BackendError =>
    new BackendError({ kind, retryable, code, message: `BigQuery ${action} failed: ${text}${hint}` }, { cause: error });

  if (error instanceof CallDeadlineError) return make('system', true, 'CallDeadline');
  if (status === 429 || (reason !== undefined && RETRYABLE_REASONS.has(reason))) return make('system', true, reason ?? 'http429');
  if (status !== undefined && status >= 500) return make('system', true, `http${status}`);
  if (status === 401 || status === 403)
    return make('user', false, `http${status}`, ' (check the Application Default Credentials and their BigQuery permissions)');
  if (status !== undefined && status >= 400) return make('user', false, `http${status}`);
  if (/Could not load the default credentials|Unable to detect a Project Id/i.test(text)) {
    return make(
      'user',
      false,
      'NoCredentials',
      ' (run `gcloud auth application-default login`, set GOOGLE_APPLICATION_CREDENTIALS, or pass bigqueryPlugin({ projectId }))',
    );
  }
  const code = typeof e.code === 'string' ? e.code : '';
  if (NETWORK_CODES.has(code) || e.type === 'system' || e.name === 'FetchError' || e.name === 'AbortError')
    return make('system', true, code || 'NetworkError');
  return make('system', true, 'BigQueryClientError');
}
