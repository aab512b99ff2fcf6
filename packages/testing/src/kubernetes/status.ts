/**
 * metav1.Status failures, shaped and worded like the API server's, because clients branch on `code` and `reason`
 * (client-go's IsNotFound/IsConflict/IsInvalid read exactly these fields).
 */
import { TflyteError } from '@tflyte/core';
import { groupResource } from './resource-type.ts';

export interface StatusCause {
  reason: string;
  message: string;
  field?: string;
}

export interface StatusDetails {
  name?: string;
  group?: string;
  kind?: string;
  uid?: string;
  causes?: StatusCause[];
}

export interface KubeStatus {
  kind: 'Status';
  apiVersion: 'v1';
  metadata: Record<string, never>;
  status: 'Success' | 'Failure';
  message?: string;
  reason?: string;
  details?: StatusDetails;
  code: number;
}

/** A request the API server refuses; carries the Status it answers with. */
export class KubeStatusError extends TflyteError {
  readonly status: KubeStatus;
  constructor(status: KubeStatus) {
    super('TFLYTE_BACKEND', `kubernetes API ${status.code} ${status.reason ?? ''}: ${status.message ?? ''}`);
    this.status = status;
  }
}

/** Names a resource the way the API server does in messages: `pods`, `sparkapplications.sparkoperator.k8s.io`. */
export interface ResourceName {
  group: string;
  plural: string;
  kind: string;
}

export function failure(code: number, reason: string, message: string, details?: StatusDetails): KubeStatusError {
  // Same key order as the apiserver, so recorded bodies read alike.
  const status: KubeStatus =
    details === undefined
      ? { kind: 'Status', apiVersion: 'v1', metadata: {}, status: 'Failure', message, reason, code }
      : { kind: 'Status', apiVersion: 'v1', metadata: {}, status: 'Failure', message, reason, details, code };
  return new KubeStatusError(status);
}

export function successStatus(details: StatusDetails): KubeStatus {
  return { kind: 'Status', apiVersion: 'v1', metadata: {}, status: 'Success', details, code: 200 };
}

function resourceDetails(r: ResourceName, name: string): StatusDetails {
  return r.group === '' ? { name, kind: r.plural } : { name, group: r.group, kind: r.plural };
}

export function notFound(r: ResourceName, name: string): KubeStatusError {
  return failure(404, 'NotFound', `${groupResource(r)} "${name}" not found`, resourceDetails(r, name));
}

export function alreadyExists(r: ResourceName, name: string): KubeStatusError {
  return failure(409, 'AlreadyExists', `${groupResource(r)} "${name}" already exists`, resourceDetails(r, name));
}

export function conflict(r: ResourceName, name: string, why: string): KubeStatusError {
  return failure(409, 'Conflict', `Operation cannot be fulfilled on ${groupResource(r)} "${name}": ${why}`, resourceDetails(r, name));
}

export const STALE_OBJECT = 'the object has been modified; please apply your changes to the latest version and try again';

export function badRequest(message: string): KubeStatusError {
  return failure(400, 'BadRequest', message);
}

export function gone(message: string): KubeStatusError {
  return failure(410, 'Expired', message);
}

export function methodNotAllowed(): KubeStatusError {
  return failure(405, 'MethodNotAllowed', 'the server does not allow this method on the requested resource');
}

export function unsupportedMediaType(message: string): KubeStatusError {
  return failure(415, 'UnsupportedMediaType', message);
}

export function pathNotFound(): KubeStatusError {
  return failure(404, 'NotFound', 'the server could not find the requested resource', {});
}

export function unauthorized(): KubeStatusError {
  return failure(401, 'Unauthorized', 'Unauthorized');
}

export function entityTooLarge(limit: number): KubeStatusError {
  return failure(413, 'RequestEntityTooLarge', `Request entity too large: limit is ${limit}`);
}

/** One field-level problem, as k8s.io/apimachinery/pkg/util/validation/field.Error. */
export interface FieldError {
  reason:
    | 'FieldValueRequired'
    | 'FieldValueInvalid'
    | 'FieldValueTypeInvalid'
    | 'FieldValueNotSupported'
    | 'FieldValueDuplicate'
    | 'FieldValueForbidden'
    | 'FieldValueTooLong'
    | 'FieldValueTooMany'
    | 'FieldValueNotFound';
  field: string;
  message: string;
}

function showValue(value: unknown): string {
  if (typeof value === 'string') return JSON.stringify(value);
  if (typeof value === 'number' || typeof value === 'boolean' || value === null) return String(value);
  return Array.isArray(value) ? '"array"' : '"object"';
}

export const fieldErrors = {
  required: (field: string, detail = ''): FieldError => ({
    reason: 'FieldValueRequired',
    field,
    message: detail === '' ? 'Required value' : `Required value: ${detail}`,
  }),
  invalid: (field: string, value: unknown, detail: string): FieldError => ({
    reason: 'FieldValueInvalid',
    field,
    message: `Invalid value: ${showValue(value)}: ${detail}`,
  }),
  typeInvalid: (field: string, value: unknown, detail: string): FieldError => ({
    reason: 'FieldValueTypeInvalid',
    field,
    message: `Invalid value: ${showValue(value)}: ${detail}`,
  }),
  notSupported: (field: string, value: unknown, allowed: readonly unknown[]): FieldError => ({
    reason: 'FieldValueNotSupported',
    field,
    message: `Unsupported value: ${showValue(value)}: supported values: ${allowed.map(showValue).join(', ')}`,
  }),
  duplicate: (field: string, value: unknown): FieldError => ({
    reason: 'FieldValueDuplicate',
    field,
    message: `Duplicate value: ${showValue(value)}`,
  }),
  notFound: (field: string, value: unknown): FieldError => ({
    reason: 'FieldValueNotFound',
    field,
    message: `Not found: ${showValue(value)}`,
  }),
  forbidden: (field: string, detail: string): FieldError => ({ reason: 'FieldValueForbidden', field, message: `Forbidden: ${detail}` }),
  tooLong: (field: string, max: number): FieldError => ({
    reason: 'FieldValueTooLong',
    field,
    message: `Too long: may not be more than ${max} bytes`,
  }),
  tooMany: (field: string, count: number, max: number): FieldError => ({
    reason: 'FieldValueTooMany',
    field,
    message: `Too many: ${count}: must have at most ${max} items`,
  }),
};

/** 422 Invalid: `Pod "p" is invalid: spec.containers: Required value`, one cause per field error. */
export function invalid(r: ResourceName, name: string, errors: readonly FieldError[]): KubeStatusError {
  const qualifiedKind = r.group === '' ? r.kind : `${r.kind}.${r.group}`;
  const lines = errors.map((e) => `${e.field}: ${e.message}`);
  const summary = lines.length === 1 ? lines[0] : `[${lines.join(', ')}]`;
  const causes = errors.map((e) => ({ reason: e.reason, message: e.message, field: e.field }));
  const details: StatusDetails = r.group === '' ? { name, kind: r.kind, causes } : { name, group: r.group, kind: r.kind, causes };
  return failure(422, 'Invalid', `${qualifiedKind} "${name}" is invalid: ${summary}`, details);
}
