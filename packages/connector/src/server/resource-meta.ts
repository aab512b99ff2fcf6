/**
 * The resource meta the server returns from CreateTask, and reads back in GetTask / DeleteTask. It
 * carries everything a status check needs — the backend's versioned handle and the attempt it
 * belongs to (template and inputs included) — so no replica keeps state: any replica answers for
 * any job, and a restarted one loses nothing. It is JSON, so an operator can read it.
 */
import { fromBinary, toBinary } from '@bufbuild/protobuf';
import type { FailureInfo, JsonValue } from '@tflyte/core';
import { type LiteralMap, LiteralMapSchema } from '@tflyte/idl/core/literals';
import { type TaskTemplate, TaskTemplateSchema } from '@tflyte/idl/core/tasks';
import { ResourceMetaError } from '../errors.ts';

/** Bump when the layout below changes; metas of another version are refused with a clear error. */
export const RESOURCE_META_VERSION = 1;

/** The parts of the AttemptContext that are data (signal and clock belong to the call). */
export interface StoredAttempt {
  readonly template: TaskTemplate;
  readonly inputs: LiteralMap;
  readonly generatedName: string;
  readonly idempotencyToken: string;
  readonly attempt: number;
  readonly inputsUri: string;
  readonly outputPrefix: string;
  readonly rawOutputPrefix: string;
  readonly interruptible: boolean;
}

export type ResourceMeta =
  /** A job the backend created. */
  | {
      readonly kind: 'job';
      readonly backend: string;
      readonly handleVersion: number;
      readonly handle: JsonValue;
      readonly attempt: StoredAttempt;
    }
  /**
   * A create that failed permanently. Propeller retries every CreateTask error, so a permanent
   * failure is returned as a meta whose GetTask answers FAILED: retries then match tflyte's.
   */
  | { readonly kind: 'failed'; readonly taskType: string; readonly failure: FailureInfo };

interface WireAttempt extends Omit<StoredAttempt, 'template' | 'inputs'> {
  readonly template: string;
  readonly inputs: string;
}

const b64 = (bytes: Uint8Array): string => Buffer.from(bytes).toString('base64');
const unb64 = (text: string): Uint8Array => new Uint8Array(Buffer.from(text, 'base64'));

export function encodeResourceMeta(meta: ResourceMeta): Uint8Array {
  const body =
    meta.kind === 'job'
      ? {
          ...meta,
          attempt: {
            ...meta.attempt,
            template: b64(toBinary(TaskTemplateSchema, meta.attempt.template)),
            inputs: b64(toBinary(LiteralMapSchema, meta.attempt.inputs)),
          } satisfies WireAttempt,
        }
      : meta;
  return new TextEncoder().encode(JSON.stringify({ tflyteConnector: RESOURCE_META_VERSION, ...body }));
}

const isObject = (v: unknown): v is Record<string, unknown> => typeof v === 'object' && v !== null && !Array.isArray(v);

export function decodeResourceMeta(bytes: Uint8Array): ResourceMeta {
  if (bytes.length === 0) throw new ResourceMetaError('is empty: send the resource_meta CreateTask returned');
  let parsed: unknown;
  try {
    parsed = JSON.parse(new TextDecoder('utf-8', { fatal: true }).decode(bytes));
  } catch {
    throw new ResourceMetaError('is not JSON written by a tflyte connector: send the resource_meta CreateTask returned');
  }
  if (!isObject(parsed) || !('tflyteConnector' in parsed)) throw new ResourceMetaError('was not written by a tflyte connector');
  if (parsed['tflyteConnector'] !== RESOURCE_META_VERSION) {
    throw new ResourceMetaError(
      `has layout version ${String(parsed['tflyteConnector'])}; this connector reads version ${RESOURCE_META_VERSION}: run a connector of the version that created the job`,
    );
  }
  if (parsed['kind'] === 'failed' && typeof parsed['taskType'] === 'string' && isObject(parsed['failure'])) {
    return { kind: 'failed', taskType: parsed['taskType'], failure: parsed['failure'] as unknown as FailureInfo };
  }
  const attempt = parsed['attempt'];
  if (
    parsed['kind'] !== 'job' ||
    typeof parsed['backend'] !== 'string' ||
    typeof parsed['handleVersion'] !== 'number' ||
    !isObject(attempt)
  ) {
    throw new ResourceMetaError('is malformed');
  }
  const wire = attempt as unknown as WireAttempt;
  try {
    return {
      kind: 'job',
      backend: parsed['backend'],
      handleVersion: parsed['handleVersion'],
      handle: (parsed['handle'] ?? null) as JsonValue,
      attempt: {
        ...wire,
        template: fromBinary(TaskTemplateSchema, unb64(wire.template)),
        inputs: fromBinary(LiteralMapSchema, unb64(wire.inputs)),
      },
    };
  } catch {
    throw new ResourceMetaError('has an unreadable template or inputs');
  }
}
