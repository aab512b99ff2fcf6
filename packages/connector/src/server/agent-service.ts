/**
 * The connector's gRPC services — flyteidl's AsyncAgentService, SyncAgentService and
 * AgentMetadataService — over tflyte plugins. Every call is stateless: CreateTask returns the
 * backend's handle and attempt as the resource meta (resource-meta.ts), and GetTask / DeleteTask
 * rebuild the attempt from it.
 *
 * Failures reach propeller as it decides retries: a permanent failure of create becomes a meta whose
 * GetTask answers FAILED (propeller retries every CreateTask error), a retryable one an UNAVAILABLE
 * error; a transport error of a status check is UNAVAILABLE too (propeller counts it and polls
 * again, never resubmitting), as tflyte's executor does.
 */
import { randomUUID } from 'node:crypto';
import { create, type JsonObject } from '@bufbuild/protobuf';
import { Code, ConnectError, type ConnectRouter, type HandlerContext } from '@connectrpc/connect';
import {
  type AsyncBackend,
  type AttemptContext,
  BackendError,
  type Clock,
  classifyError,
  type FailureInfo,
  failed,
  isSyncBackend,
  isTerminalPhase,
  type JsonValue,
  Phase,
  systemClock,
  type TaskStatus,
  TflyteError,
} from '@tflyte/core';
import {
  type ExecuteTaskSyncRequest,
  type ExecuteTaskSyncResponse,
  ExecuteTaskSyncResponseHeaderSchema,
  ExecuteTaskSyncResponseSchema,
  type TaskCategory,
} from '@tflyte/idl/admin/agent';
import type { LiteralMap } from '@tflyte/idl/core/literals';
import { AgentMetadataService, AsyncAgentService, SyncAgentService } from '@tflyte/idl/service/agent';
import { ConnectorModeError, ConnectorNotFoundError, ConnectorRequestError, ResourceMetaError } from '../errors.ts';
import { resourceFromStatus } from '../resource.ts';
import { attemptFromRequest } from './attempt-from-request.ts';
import type { Catalog, ServedCategory } from './catalog.ts';
import type { Logger } from './log.ts';
import type { ConnectorMetrics, Operation } from './metrics.ts';
import { decodeResourceMeta, encodeResourceMeta, type ResourceMeta, type StoredAttempt } from './resource-meta.ts';

export interface AgentServiceDeps {
  readonly catalog: Catalog;
  readonly metrics: ConnectorMetrics;
  readonly log: Logger;
  readonly clock?: Clock;
}

/** What a call is about, filled in as the request is read, for its metric and log line. */
interface CallLabels {
  taskType: string;
  taskTypeVersion?: number;
  generatedName?: string;
}

/** gRPC code of the connector's own errors; anything unexpected is INTERNAL without details. */
function toConnectError(error: unknown, log: Logger, labels: CallLabels, operation: Operation): ConnectError {
  if (error instanceof ConnectError) return error;
  if (error instanceof ConnectorRequestError || error instanceof ResourceMetaError)
    return new ConnectError(error.message, Code.InvalidArgument);
  if (error instanceof ConnectorNotFoundError) return new ConnectError(error.message, Code.NotFound);
  if (error instanceof ConnectorModeError) return new ConnectError(error.message, Code.FailedPrecondition);
  const id = randomUUID();
  log({
    level: 'error',
    msg: 'internal error',
    operation,
    ...labels,
    errorId: id,
    errorCode: error instanceof TflyteError ? error.code : 'UNEXPECTED',
    detail: error instanceof Error ? error.message : String(error),
  });
  return new ConnectError(`internal error ${id}; the connector's log has the details`, Code.Internal);
}

/** A retryable failure as propeller should see it: an error it retries (CreateTask) or counts (GetTask). */
const unavailable = (failure: FailureInfo): ConnectError => new ConnectError(`${failure.code}: ${failure.message}`, Code.Unavailable);

export function agentServiceRoutes(deps: AgentServiceDeps): (router: ConnectRouter) => void {
  const { catalog, metrics, log } = deps;
  const clock = deps.clock ?? systemClock;

  const observe = async <T>(operation: Operation, work: (labels: CallLabels) => Promise<T>): Promise<T> => {
    const started = performance.now();
    const labels: CallLabels = { taskType: 'unknown' };
    let grpcCode = 'OK';
    try {
      return await work(labels);
    } catch (error) {
      const connectError = toConnectError(error, log, labels, operation);
      grpcCode = Code[connectError.code];
      throw connectError;
    } finally {
      const seconds = (performance.now() - started) / 1000;
      metrics.record(labels.taskType, operation, grpcCode === 'OK' ? 'success' : 'failure', seconds);
      log({
        level: grpcCode === 'OK' ? 'info' : 'warn',
        msg: operation,
        operation,
        ...labels,
        grpcCode,
        durationMs: Math.round(seconds * 1000),
      });
    }
  };

  const contextOf = (attempt: StoredAttempt, signal: AbortSignal): AttemptContext => ({ ...attempt, signal, clock });

  const checkCategory = (requested: TaskCategory | undefined, attempt: StoredAttempt, field: string): void => {
    if (requested === undefined) return;
    if (requested.name !== attempt.template.type || requested.version !== attempt.template.taskTypeVersion) {
      throw new ConnectorRequestError(
        `${field}.task_category`,
        `is ${requested.name}_v${requested.version} but the resource_meta belongs to ${attempt.template.type}_v${attempt.template.taskTypeVersion}`,
      );
    }
  };

  /** The served async category and backend of a job meta; refuses a meta of another backend or handle version. */
  const jobBackend = (
    meta: Extract<ResourceMeta, { kind: 'job' }>,
    labels: CallLabels,
  ): { served: ServedCategory; backend: AsyncBackend } => {
    const { template } = meta.attempt;
    Object.assign(labels, {
      taskType: template.type,
      taskTypeVersion: template.taskTypeVersion,
      generatedName: meta.attempt.generatedName,
    });
    const served = catalog.resolve(template.type, template.taskTypeVersion);
    const backend = served.backend;
    if (isSyncBackend(backend)) throw new ConnectorModeError('CONNECTOR_NOT_ASYNC', `${template.type}_v${template.taskTypeVersion}`);
    if (backend.name !== meta.backend || backend.handleVersion !== meta.handleVersion) {
      throw new ConnectError(
        `the job was created by backend ${meta.backend} (handle version ${meta.handleVersion}); this connector runs ${backend.name} (handle version ${backend.handleVersion}) and cannot read its handle`,
        Code.FailedPrecondition,
      );
    }
    return { served, backend };
  };

  const failedMeta = (taskType: string, failure: FailureInfo): Uint8Array => encodeResourceMeta({ kind: 'failed', taskType, failure });

  return (router) => {
    router.service(AsyncAgentService, {
      createTask: (request, ctx) =>
        observe('create', async (labels) => {
          const attempt = attemptFromRequest({
            template: request.template,
            inputs: request.inputs,
            outputPrefix: request.outputPrefix,
            metadata: request.taskExecutionMetadata,
          });
          const { template } = attempt;
          Object.assign(labels, {
            taskType: template.type,
            taskTypeVersion: template.taskTypeVersion,
            generatedName: attempt.generatedName,
          });
          const served = catalog.resolve(template.type, template.taskTypeVersion);
          const backend = served.backend;
          if (isSyncBackend(backend)) throw new ConnectorModeError('CONNECTOR_NOT_ASYNC', `${template.type}_v${template.taskTypeVersion}`);
          let handle: JsonValue;
          try {
            handle = await served.creates.run(ctx.signal, () => backend.create(contextOf(attempt, ctx.signal)));
          } catch (error) {
            if (ctx.signal.aborted) throw error;
            const failure = classifyError(error, 'system');
            if (failure.retryable) throw unavailable(failure);
            return { resourceMeta: failedMeta(template.type, failure) };
          }
          return {
            resourceMeta: encodeResourceMeta({ kind: 'job', backend: backend.name, handleVersion: backend.handleVersion, handle, attempt }),
          };
        }),

      getTask: (request, ctx) =>
        observe('get', async (labels) => {
          const meta = decodeResourceMeta(request.resourceMeta);
          if (meta.kind === 'failed') {
            labels.taskType = meta.taskType;
            return { resource: resourceFromStatus(failed(meta.failure)) };
          }
          checkCategory(request.taskCategory, meta.attempt, 'GetTaskRequest');
          const { backend } = jobBackend(meta, labels);
          const actx = contextOf(meta.attempt, ctx.signal);
          let status: TaskStatus;
          try {
            status = await backend.get(meta.handle, actx);
          } catch (error) {
            if (ctx.signal.aborted) throw error;
            const failure = classifyError(error, 'system');
            // A permanent error ends the attempt (the job is gone); anything else is a failed status check.
            if (error instanceof BackendError && !failure.retryable) status = failed(failure);
            else throw unavailable(failure);
          }
          if (isTerminalPhase(status.phase) && backend.finalize !== undefined) {
            await backend.finalize(meta.handle, actx).catch((error: unknown) =>
              log({
                level: 'warn',
                msg: 'finalize failed',
                operation: 'get',
                ...labels,
                detail: error instanceof Error ? error.message : String(error),
              }),
            );
          }
          const customInfo: JsonObject = { backend: backend.name, generatedName: meta.attempt.generatedName };
          return { resource: resourceFromStatus(status, customInfo) };
        }),

      deleteTask: (request) =>
        observe('delete', async (labels) => {
          const meta = decodeResourceMeta(request.resourceMeta);
          if (meta.kind === 'failed') {
            labels.taskType = meta.taskType;
            return {};
          }
          checkCategory(request.taskCategory, meta.attempt, 'DeleteTaskRequest');
          const { backend } = jobBackend(meta, labels);
          // Not under the call's signal alone: a job must still stop when propeller gives up waiting.
          try {
            await backend.delete(meta.handle, contextOf(meta.attempt, new AbortController().signal));
          } catch (error) {
            throw unavailable(classifyError(error, 'system'));
          }
          return {};
        }),

      getTaskMetrics: () =>
        observe('get_metrics', async () => {
          throw new ConnectError('tflyte plugins report no task metrics; use the log links of GetTask', Code.Unimplemented);
        }),

      async *getTaskLogs() {
        yield* await observe('get_logs', async (): Promise<never[]> => {
          throw new ConnectError('tflyte plugins stream no task logs; use the log links of GetTask', Code.Unimplemented);
        });
      },
    });

    router.service(SyncAgentService, {
      executeTaskSync: (requests, ctx) => executeSync(requests, ctx),
    });

    router.service(AgentMetadataService, {
      getAgent: async (request) => {
        const agent = catalog.agents.find((a) => a.name === request.name);
        if (agent === undefined) {
          throw new ConnectError(
            `no agent named '${request.name}'; this connector has ${catalog.agents.map((a) => `'${a.name}'`).join(', ')}`,
            Code.NotFound,
          );
        }
        return { agent };
      },
      listAgents: async () => ({ agents: [...catalog.agents] }),
    });
  };

  async function* executeSync(
    requests: AsyncIterable<ExecuteTaskSyncRequest>,
    ctx: HandlerContext,
  ): AsyncGenerator<ExecuteTaskSyncResponse> {
    const response = await observe('execute_sync', async (labels) => {
      let header: Extract<ExecuteTaskSyncRequest['part'], { case: 'header' }>['value'] | undefined;
      let inputs: LiteralMap | undefined;
      for await (const message of requests) {
        if (header === undefined) {
          if (message.part.case !== 'header')
            throw new ConnectorRequestError(
              'ExecuteTaskSyncRequest',
              'must start with the header (template, output prefix, metadata), then send the inputs',
            );
          header = message.part.value;
        } else if (message.part.case === 'inputs') {
          inputs = message.part.value;
        } else {
          throw new ConnectorRequestError('ExecuteTaskSyncRequest', 'has a second header; send one header, then the inputs');
        }
      }
      if (header === undefined)
        throw new ConnectorRequestError('ExecuteTaskSyncRequest', 'stream was empty: send the header, then the inputs');
      const attempt = attemptFromRequest(
        { template: header.template, inputs, outputPrefix: header.outputPrefix, metadata: header.taskExecutionMetadata },
        'ExecuteTaskSyncRequest.header',
      );
      const { template } = attempt;
      Object.assign(labels, { taskType: template.type, taskTypeVersion: template.taskTypeVersion, generatedName: attempt.generatedName });
      const served = catalog.resolve(template.type, template.taskTypeVersion);
      const backend = served.backend;
      if (!isSyncBackend(backend)) throw new ConnectorModeError('CONNECTOR_NOT_SYNC', `${template.type}_v${template.taskTypeVersion}`);
      let status: TaskStatus;
      try {
        status = await served.creates.run(ctx.signal, () => backend.do(contextOf(attempt, ctx.signal)));
        if (!isTerminalPhase(status.phase)) {
          status = failed({
            kind: 'system',
            retryable: false,
            code: 'NotTerminal',
            message: `sync backend ${backend.name} returned live phase ${Phase[status.phase]}`,
          });
        }
      } catch (error) {
        if (ctx.signal.aborted) throw error;
        // Propeller evaluates the header's Resource at once, so a failure is a phase, retryable or not.
        status = failed(classifyError(error, 'system'));
      }
      return create(ExecuteTaskSyncResponseSchema, {
        res: {
          case: 'header',
          value: create(ExecuteTaskSyncResponseHeaderSchema, {
            resource: resourceFromStatus(status, { backend: backend.name, generatedName: attempt.generatedName }),
          }),
        },
      });
    });
    yield response;
  }
}
