/**
 * What a failed API call means, from the client's ApiException (HTTP code plus a metav1.Status body)
 * or a transport error (no code at all).
 */
import { ApiException } from '@kubernetes/client-node';

export interface ApiFailure {
  /** HTTP status; undefined when the request never got an answer (connection refused, reset, timeout). */
  readonly code: number | undefined;
  /** metav1.Status reason, e.g. `AlreadyExists`, `NotFound`, `Forbidden`. */
  readonly reason: string | undefined;
  readonly message: string;
}

export function apiFailure(error: unknown): ApiFailure {
  if (error instanceof ApiException) {
    const status = parseStatus(error.body);
    return { code: error.code, reason: status.reason, message: status.message ?? `HTTP ${error.code}` };
  }
  const cause = error instanceof Error && error.cause instanceof Error ? `: ${error.cause.message}` : '';
  return { code: undefined, reason: undefined, message: `${error instanceof Error ? error.message : String(error)}${cause}` };
}

function parseStatus(body: unknown): { reason?: string; message?: string } {
  let value = body;
  if (typeof body === 'string') {
    try {
      value = JSON.parse(body);
    } catch {
      return body === '' ? {} : { message: body };
    }
  }
  if (typeof value !== 'object' || value === null) return {};
  const { reason, message } = value as Record<string, unknown>;
  return { ...(typeof reason === 'string' ? { reason } : {}), ...(typeof message === 'string' ? { message } : {}) };
}

/** The failure code of a Kubernetes API request that failed for want of an answer (retryable, SYSTEM). */
export const KUBERNETES_API_ERROR = 'KubernetesApiError';

export const isNotFound = (failure: ApiFailure): boolean => failure.code === 404;

export const isAlreadyExists = (failure: ApiFailure): boolean => failure.code === 409 && failure.reason === 'AlreadyExists';

/** Worth repeating as is: throttling, server-side trouble, or no answer at all. */
export function isTransient(failure: ApiFailure): boolean {
  return (
    failure.code === undefined ||
    failure.code === 429 ||
    failure.code === 500 ||
    failure.code === 502 ||
    failure.code === 503 ||
    failure.code === 504
  );
}
