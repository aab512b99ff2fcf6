/**
 * Errors the Athena API answers with, in the AWS JSON 1.1 protocol shape: the HTTP status, an
 * `x-amzn-ErrorType` header and a body `{"__type": <name>, "Message": ..., <extra members>}`. The SDK picks
 * its exception class (InvalidRequestException, TooManyRequestsException, ...) from `__type`.
 */
import { TflyteError } from '@tflyte/core';

export class AthenaApiError extends TflyteError {
  /** The AWS error name, e.g. `InvalidRequestException`. */
  readonly type: string;
  readonly status: number;
  /** Modelled members besides Message, e.g. `Reason` of TooManyRequestsException. */
  readonly fields: Readonly<Record<string, string>>;
  readonly apiMessage: string;

  constructor(type: string, status: number, message: string, fields: Record<string, string> = {}) {
    super('TFLYTE_BACKEND', `${type}: ${message}`);
    this.type = type;
    this.status = status;
    this.apiMessage = message;
    this.fields = fields;
  }

  body(): Record<string, string> {
    return { __type: this.type, Message: this.apiMessage, ...this.fields };
  }
}

export function invalidRequest(message: string): AthenaApiError {
  return new AthenaApiError('InvalidRequestException', 400, message);
}

export function tooManyRequests(): AthenaApiError {
  return new AthenaApiError(
    'TooManyRequestsException',
    400,
    'You have exceeded the limit for the number of queries you can run concurrently. Reduce the number of concurrent queries submitted by this account.',
    { Reason: 'CONCURRENT_QUERY_LIMIT_EXCEEDED' },
  );
}

export function throttling(): AthenaApiError {
  return new AthenaApiError('ThrottlingException', 400, 'Rate exceeded');
}

export function internalServerError(message = 'We encountered an internal error. Please try again.'): AthenaApiError {
  return new AthenaApiError('InternalServerException', 500, message);
}
