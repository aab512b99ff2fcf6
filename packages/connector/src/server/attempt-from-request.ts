/**
 * CreateTask's request → the attempt a tflyte backend runs. Propeller names the attempt in
 * task_execution_metadata; the generated name follows its rule (execution name, node id, retry
 * attempt, at most 50 characters), so a job started through the connector has the name Flyte
 * would give it. A tflyte client (connectorBackend) states its own names in two annotations, so
 * the remote job keeps the name and idempotency token of the local attempt.
 */
import { createHash } from 'node:crypto';
import { create } from '@bufbuild/protobuf';
import { fixedLengthUniqueId } from '@tflyte/core';
import type { TaskExecutionMetadata } from '@tflyte/idl/admin/agent';
import { KeyValuePairSchema, type LiteralMap, LiteralMapSchema } from '@tflyte/idl/core/literals';
import type { TaskTemplate } from '@tflyte/idl/core/tasks';
import { ConnectorRequestError } from '../errors.ts';
import type { StoredAttempt } from './resource-meta.ts';

/** Annotations a tflyte client sets so the remote attempt keeps its local identity. */
export const GENERATED_NAME_ANNOTATION = 'tflyte.io/generated-name';
export const IDEMPOTENCY_TOKEN_ANNOTATION = 'tflyte.io/idempotency-token';

export interface RequestAttempt {
  readonly template: TaskTemplate | undefined;
  readonly inputs: LiteralMap | undefined;
  readonly outputPrefix: string;
  readonly metadata: TaskExecutionMetadata | undefined;
}

/** The attempt of a CreateTask (or ExecuteTaskSync header); ConnectorRequestError names a missing field. */
export function attemptFromRequest(request: RequestAttempt, field = 'CreateTaskRequest'): StoredAttempt {
  const template = request.template;
  if (template === undefined) throw new ConnectorRequestError(`${field}.template`, 'is required: send the TaskTemplate to run');
  if (template.type === '') throw new ConnectorRequestError(`${field}.template.type`, 'is empty: it names the task type (category) to run');
  if (request.outputPrefix === '')
    throw new ConnectorRequestError(`${field}.output_prefix`, 'is required: it is where the outputs of the attempt go');
  const metadata = request.metadata;
  const annotations = metadata?.annotations ?? {};
  const id = metadata?.taskExecutionId;
  const execution = id?.nodeExecutionId?.executionId;
  const nodeId = id?.nodeExecutionId?.nodeId ?? '';
  const attempt = id?.retryAttempt ?? 0;
  const named = annotations[GENERATED_NAME_ANNOTATION];
  if (named === undefined && (execution === undefined || execution.name === '' || nodeId === '')) {
    throw new ConnectorRequestError(
      `${field}.task_execution_metadata.task_execution_id`,
      'must name the execution and node (as propeller sends it): the attempt name and idempotency token come from it',
    );
  }
  const generatedName = named ?? fixedLengthUniqueId(`${execution?.name}-${nodeId}-${attempt}`);
  const idempotencyToken =
    annotations[IDEMPOTENCY_TOKEN_ANNOTATION] ??
    createHash('sha256')
      .update(['flyte', execution?.project, execution?.domain, execution?.name, nodeId, String(attempt)].join('\u0000'))
      .digest('hex');
  const prefix = request.outputPrefix.replace(/\/+$/, '');
  return {
    template: withEnvironment(template, metadata?.environmentVariables ?? {}),
    inputs: request.inputs ?? create(LiteralMapSchema),
    generatedName,
    idempotencyToken,
    attempt,
    // Propeller sends the inputs inline and no input or raw-output prefix: both live under the output prefix.
    inputsUri: `${prefix}/inputs.pb`,
    outputPrefix: prefix,
    rawOutputPrefix: prefix,
    interruptible: metadata?.interruptible ?? false,
  };
}

/** Propeller adds the execution's environment variables to a container target; so does the connector. */
function withEnvironment(template: TaskTemplate, env: Readonly<Record<string, string>>): TaskTemplate {
  const names = Object.keys(env);
  if (names.length === 0 || template.target.case !== 'container') return template;
  const container = template.target.value;
  const present = new Set(container.env.map((kv) => kv.key));
  const added = names.filter((n) => !present.has(n)).map((key) => create(KeyValuePairSchema, { key, value: env[key] ?? '' }));
  return { ...template, target: { case: 'container', value: { ...container, env: [...container.env, ...added] } } };
}
