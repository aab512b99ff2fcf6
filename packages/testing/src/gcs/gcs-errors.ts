/**
 * Errors the GCS JSON API answers with: `{"error": {"code", "message", "errors": [{"message", "domain", "reason"}]}}`.
 * Media downloads (`alt=media`) answer with the message as plain text instead, as the real service does.
 */
import { TflyteError } from '@tflyte/core';

export class GcsApiError extends TflyteError {
  readonly status: number;
  /** The JSON API reason, e.g. `notFound`, `conflict`, `conditionNotMet`. */
  readonly reason: string;
  readonly apiMessage: string;

  constructor(status: number, reason: string, message: string) {
    super('TFLYTE_BACKEND', `${status} ${reason}: ${message}`);
    this.status = status;
    this.reason = reason;
    this.apiMessage = message;
  }

  body(): { error: { code: number; message: string; errors: Array<{ message: string; domain: string; reason: string }> } } {
    return {
      error: { code: this.status, message: this.apiMessage, errors: [{ message: this.apiMessage, domain: 'global', reason: this.reason }] },
    };
  }
}

/** GCS answers object reads and deletes in a missing bucket with this too, not with a bucket error. */
export const noSuchObject = (bucket: string, name: string): GcsApiError =>
  new GcsApiError(404, 'notFound', `No such object: ${bucket}/${name}`);

export const noSuchBucket = (): GcsApiError => new GcsApiError(404, 'notFound', 'The specified bucket does not exist.');

export const invalid = (message: string): GcsApiError => new GcsApiError(400, 'invalid', message);

export const required = (parameter: string): GcsApiError => new GcsApiError(400, 'required', `Required parameter: ${parameter}`);

export const conditionNotMet = (): GcsApiError =>
  new GcsApiError(412, 'conditionNotMet', 'At least one of the pre-conditions you specified did not hold.');

export const notImplemented = (what: string): GcsApiError =>
  new GcsApiError(
    501,
    'notImplemented',
    `${what} is not implemented by the tflyte GCS test server (it supports object upload (media, multipart, resumable), get, download, delete and list, and bucket insert/get/delete/list).`,
  );
