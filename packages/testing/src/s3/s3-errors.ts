/**
 * Errors the S3 REST API answers with: an HTTP status and `<Error><Code>…</Code><Message>…</Message>…</Error>`.
 * The SDK names its exception after `Code` (NoSuchKey, NoSuchBucket, …); HEAD responses carry no body, so
 * there the SDK only sees the status (404 → NotFound).
 */
import { TflyteError } from '@tflyte/core';
import { element, xmlDocument } from './xml.ts';

export class S3ApiError extends TflyteError {
  /** The S3 error code, e.g. `NoSuchKey`. */
  readonly s3Code: string;
  readonly status: number;
  readonly apiMessage: string;
  /** Extra elements of the error body, e.g. `Key` or `BucketName`. */
  readonly fields: Readonly<Record<string, string>>;

  constructor(s3Code: string, status: number, message: string, fields: Record<string, string> = {}) {
    super('TFLYTE_BACKEND', `${s3Code}: ${message}`);
    this.s3Code = s3Code;
    this.status = status;
    this.apiMessage = message;
    this.fields = fields;
  }

  toXml(requestId: string): string {
    const extra = Object.entries(this.fields)
      .map(([name, value]) => element(name, value))
      .join('');
    return xmlDocument(
      'Error',
      `${element('Code', this.s3Code)}${element('Message', this.apiMessage)}${extra}${element('RequestId', requestId)}`,
      false,
    );
  }
}

export const noSuchBucket = (bucket: string): S3ApiError =>
  new S3ApiError('NoSuchBucket', 404, 'The specified bucket does not exist', { BucketName: bucket });

export const noSuchKey = (key: string): S3ApiError => new S3ApiError('NoSuchKey', 404, 'The specified key does not exist.', { Key: key });

export const invalidRequest = (message: string): S3ApiError => new S3ApiError('InvalidRequest', 400, message);

export const badDigest = (what: string): S3ApiError =>
  new S3ApiError('BadDigest', 400, `The ${what} you specified did not match the calculated checksum.`);

export const notImplemented = (what: string): S3ApiError =>
  new S3ApiError(
    'NotImplemented',
    501,
    `A header or query you provided implies functionality that is not implemented: ${what} (the tflyte S3 test server supports Put/Get/Head/DeleteObject, ListObjectsV2 and bucket create/head/delete/list).`,
  );
