/**
 * tflyte's TaskStatus ⇄ flyteidl's connector `Resource`, both ways, as propeller reads it
 * (flyteplugins webapi/connector plugin.go `Status`):
 *  - QUEUED, WAITING_FOR_RESOURCES, INITIALIZING, RUNNING are live; SUCCEEDED takes inline
 *    `outputs`, else `outputs.pb` under the output prefix;
 *  - FAILED and ABORTED are permanent failures, RETRYABLE_FAILED a retryable one; the failure code
 *    is `agent_error.code` (default TaskFailedWithError);
 *  - UNDEFINED falls back to the deprecated `state`.
 * Propeller makes every connector failure a USER failure; the server still states the origin in
 * `agent_error.origin`, and a tflyte client reads it back, so a tflyte-to-tflyte run keeps SYSTEM
 * failures on the system retry budget.
 */

import type { JsonObject } from '@bufbuild/protobuf';
import { create } from '@bufbuild/protobuf';
import {
  type FailureInfo,
  failed,
  initializing,
  Phase,
  queued,
  running,
  succeeded,
  type TaskStatus,
  waitingForResources,
} from '@tflyte/core';
import { AgentError_Kind, AgentErrorSchema, type Resource, ResourceSchema, State } from '@tflyte/idl/admin/agent';
import { ExecutionError_ErrorKind, TaskLogSchema } from '@tflyte/idl/core/execution';

/** Propeller's failure code when the connector gives none. */
export const DEFAULT_FAILURE_CODE = 'TaskFailedWithError';

const DEPRECATED_STATE: Readonly<Partial<Record<Phase, State>>> = {
  [Phase.QUEUED]: State.PENDING,
  [Phase.WAITING_FOR_RESOURCES]: State.PENDING,
  [Phase.INITIALIZING]: State.PENDING,
  [Phase.RUNNING]: State.RUNNING,
  [Phase.SUCCEEDED]: State.SUCCEEDED,
  [Phase.FAILED]: State.PERMANENT_FAILURE,
  [Phase.ABORTED]: State.PERMANENT_FAILURE,
  [Phase.RETRYABLE_FAILED]: State.RETRYABLE_FAILURE,
};

/** The Resource a status is reported as; `customInfo` goes to propeller's TaskInfo. */
export function resourceFromStatus(status: TaskStatus, customInfo?: JsonObject): Resource {
  const failure = status.failure;
  return create(ResourceSchema, {
    phase: status.phase,
    // Set for propellers older than the phase field.
    state: DEPRECATED_STATE[status.phase] ?? State.PENDING,
    // Propeller shows Resource.message as the failure's message: a status without one still has its failure's.
    message: status.message ?? failure?.message ?? '',
    logLinks: (status.logs ?? []).map((log) => create(TaskLogSchema, { name: log.name, uri: log.uri })),
    ...(status.outputs === undefined ? {} : { outputs: status.outputs }),
    ...(customInfo === undefined ? {} : { customInfo }),
    ...(failure === undefined
      ? {}
      : {
          agentError: create(AgentErrorSchema, {
            code: failure.code,
            kind: failure.retryable ? AgentError_Kind.RECOVERABLE : AgentError_Kind.NON_RECOVERABLE,
            origin: failure.kind === 'system' ? ExecutionError_ErrorKind.SYSTEM : ExecutionError_ErrorKind.USER,
          }),
        }),
  });
}

/** A status a Resource maps to as propeller maps it; undefined for a phase propeller rejects. */
export function statusFromResource(resource: Resource): TaskStatus | undefined {
  const details = {
    ...(resource.message === '' ? {} : { message: resource.message }),
    ...(resource.logLinks.length === 0 ? {} : { logs: resource.logLinks.map((l) => ({ name: l.name, uri: l.uri })) }),
  };
  const failure = (retryable: boolean): TaskStatus => {
    const info: FailureInfo = {
      kind: resource.agentError?.origin === ExecutionError_ErrorKind.SYSTEM ? 'system' : 'user',
      retryable,
      code: resource.agentError?.code || DEFAULT_FAILURE_CODE,
      message: resource.message || 'the connector reported a failure without a message',
    };
    return failed(info, details.logs === undefined ? {} : { logs: details.logs });
  };
  switch (resource.phase) {
    case Phase.QUEUED:
      return queued(details);
    case Phase.WAITING_FOR_RESOURCES:
      return waitingForResources(details);
    case Phase.INITIALIZING:
      return initializing(details);
    case Phase.RUNNING:
      return running(details);
    case Phase.SUCCEEDED:
      return succeeded(resource.outputs, details);
    case Phase.FAILED:
    case Phase.ABORTED:
      return failure(false);
    case Phase.RETRYABLE_FAILED:
      return failure(true);
    case Phase.UNDEFINED:
      switch (resource.state) {
        case State.PENDING:
          return initializing(details);
        case State.RUNNING:
          return running(details);
        case State.SUCCEEDED:
          return succeeded(resource.outputs, details);
        case State.PERMANENT_FAILURE:
          return failure(false);
        case State.RETRYABLE_FAILURE:
          return failure(true);
        default:
          return undefined;
      }
    default:
      return undefined;
  }
}
