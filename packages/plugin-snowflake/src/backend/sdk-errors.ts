/** snowflake-sdk errors → BackendError: transport, throttling and session trouble are SYSTEM and retryable; a refused statement or login the USER's. */
import { BackendError } from '@tflyte/core';
import type { WebApiCall } from '@tflyte/warehouse';

interface SdkError {
  readonly code?: string | number;
  readonly sqlState?: string;
  readonly message?: string;
  readonly response?: { readonly statusCode?: number };
}

const SESSION_GONE = new Set(['390104', '390111', '390112', '390114']);
const LOGIN_REFUSED = new Set(['390100', '390144', '390303', '390318']);

export function isSessionGone(error: unknown): boolean {
  return SESSION_GONE.has(String((error as SdkError | undefined)?.code ?? ''));
}

export function classifySnowflakeError(error: unknown, call: WebApiCall): unknown {
  if (error instanceof BackendError) return error;
  const e = (error ?? {}) as SdkError;
  const code = String(e.code ?? '');
  const message = `Snowflake ${call}: ${e.message ?? String(error)}`;
  const status = e.response?.statusCode;
  if (status === 429) return new BackendError({ kind: 'system', retryable: true, code: 'Throttled', message }, { cause: error });
  if (LOGIN_REFUSED.has(code))
    return new BackendError({ kind: 'user', retryable: false, code: `LoginRefused:${code}`, message }, { cause: error });
  if (/^\d{6}$/.test(code) && !code.startsWith('39') && call === 'submit') {
    return new BackendError({ kind: 'user', retryable: false, code: `${code}:${e.sqlState ?? ''}`, message }, { cause: error });
  }
  return new BackendError(
    { kind: 'system', retryable: true, code: code === '' ? 'SnowflakeError' : `Snowflake:${code}`, message },
    { cause: error },
  );
}
