/**
 * `connectorBackend`: run task types through a remote Flyte connector — a flytekit one or a tflyte
 * one — as propeller's connector plugin does. Async connectors: CreateTask, then GetTask until
 * terminal, DeleteTask on cancellation; the resource meta is the handle the executor persists, so
 * a restarted `tflyte run` re-attaches to the remote job. Sync connectors (`sync: true`): one
 * ExecuteTaskSync call. ListAgents is asked once which categories the connector serves, so a
 * misrouted task type fails at once with a message saying what to change.
 */
import { create } from '@bufbuild/protobuf';
import { type Client, Code, ConnectError, createClient } from '@connectrpc/connect';
import { createGrpcTransport } from '@connectrpc/connect-node';
import {
  type AsyncBackend,
  type AttemptContext,
  BackendError,
  isTerminalPhase,
  type PollPolicy,
  type StatusCheckPolicy,
  type SyncBackend,
  type TaskStatus,
} from '@tflyte/core';
import {
  type Agent,
  type ExecuteTaskSyncRequest,
  ExecuteTaskSyncRequestSchema,
  TaskExecutionMetadataSchema,
} from '@tflyte/idl/admin/agent';
import { AgentMetadataService, AsyncAgentService, SyncAgentService } from '@tflyte/idl/service/agent';
import { ConnectorConfigError } from '../errors.ts';
import { statusFromResource } from '../resource.ts';
import { GENERATED_NAME_ANNOTATION, IDEMPOTENCY_TOKEN_ANNOTATION } from '../server/attempt-from-request.ts';

export interface ConnectorTimeouts {
  /** Per-call deadlines in ms, as propeller's connector plugin has them. Default 10 s each. */
  readonly create?: number;
  readonly get?: number;
  readonly delete?: number;
  readonly executeSync?: number;
  readonly listAgents?: number;
}

export interface ConnectorBackendOptions {
  /** `http://host:port` (plaintext HTTP/2, propeller's `insecure`) or `https://host:port`. */
  readonly endpoint: string;
  /** The task types this backend runs; configure it in `backends` for each of them. */
  readonly taskTypes: readonly string[];
  /** For an https endpoint: a CA to trust beyond the system's (PEM), and a client certificate for mTLS. */
  readonly tls?: { readonly ca?: string | Buffer; readonly cert?: string | Buffer; readonly key?: string | Buffer };
  /** The connector serves these task types synchronously (Agent.is_sync): one ExecuteTaskSync call per attempt. */
  readonly sync?: boolean;
  readonly timeouts?: ConnectorTimeouts;
  /** GetTask cadence; default 1 s, ×1.5, capped at 10 s. */
  readonly poll?: PollPolicy;
  readonly statusChecks?: Partial<StatusCheckPolicy>;
}

/** What the executor persists for a remote job: propeller's ResourceMetaWrapper. */
export type ConnectorHandle = {
  /** The connector's resource_meta, base64. */
  readonly resourceMeta: string;
  readonly taskCategory: { readonly name: string; readonly version: number };
  readonly outputPrefix: string;
};

export const CONNECTOR_BACKEND_NAME = 'flyte-connector';
const DEFAULT_TIMEOUT_MS = 10_000;
const DEFAULT_POLL: PollPolicy = { initialMs: 1000, multiplier: 1.5, maxMs: 10_000 };

/** gRPC codes a retry may fix (the connector restarting, overloaded or slow); others are permanent. */
const RETRYABLE_CODES = new Set([
  Code.Unavailable,
  Code.DeadlineExceeded,
  Code.ResourceExhausted,
  Code.Aborted,
  Code.Internal,
  Code.Unknown,
  Code.Canceled,
]);

/** Node's codes for a server certificate the client does not trust: no retry fixes them, the configuration does. */
const UNTRUSTED_CERTIFICATE = new Set([
  'UNABLE_TO_VERIFY_LEAF_SIGNATURE',
  'UNABLE_TO_GET_ISSUER_CERT',
  'UNABLE_TO_GET_ISSUER_CERT_LOCALLY',
  'DEPTH_ZERO_SELF_SIGNED_CERT',
  'SELF_SIGNED_CERT_IN_CHAIN',
  'CERT_UNTRUSTED',
  'CERT_REJECTED',
  'CERT_SIGNATURE_FAILURE',
  'CERT_HAS_EXPIRED',
  'CERT_NOT_YET_VALID',
  'ERR_TLS_CERT_ALTNAME_INVALID',
]);

function backendError(error: unknown, call: string): unknown {
  if (!(error instanceof ConnectError)) return error;
  const cause = error.cause as { code?: unknown } | undefined;
  if (typeof cause?.code === 'string' && UNTRUSTED_CERTIFICATE.has(cause.code)) {
    return new BackendError(
      {
        kind: 'system',
        retryable: false,
        code: 'ConnectorCertificateUntrusted',
        message: `connector ${call}: the connector's TLS certificate is not trusted (${cause.code}: ${error.rawMessage}); pass the CA that signed it as tls.ca to connectorBackend, or fix the certificate`,
      },
      { cause: error },
    );
  }
  const retryable = RETRYABLE_CODES.has(error.code);
  return new BackendError(
    {
      kind: error.code === Code.InvalidArgument ? 'user' : 'system',
      retryable,
      code: `Connector${Code[error.code]}`,
      message: `connector ${call}: ${error.rawMessage}`,
    },
    { cause: error },
  );
}

export function connectorBackend(options: ConnectorBackendOptions & { readonly sync: true }): SyncBackend;
export function connectorBackend(options: ConnectorBackendOptions & { readonly sync?: false }): AsyncBackend<ConnectorHandle>;
export function connectorBackend(options: ConnectorBackendOptions): SyncBackend | AsyncBackend<ConnectorHandle> {
  checkOptions(options);
  const transport = createGrpcTransport({
    baseUrl: options.endpoint,
    ...(options.tls !== undefined
      ? {
          nodeOptions: {
            ...(options.tls.ca === undefined ? {} : { ca: options.tls.ca }),
            ...(options.tls.cert === undefined ? {} : { cert: options.tls.cert }),
            ...(options.tls.key === undefined ? {} : { key: options.tls.key }),
          },
        }
      : {}),
  });
  const asyncClient: Client<typeof AsyncAgentService> = createClient(AsyncAgentService, transport);
  const syncClient: Client<typeof SyncAgentService> = createClient(SyncAgentService, transport);
  const metadataClient: Client<typeof AgentMetadataService> = createClient(AgentMetadataService, transport);
  const timeout = (name: keyof ConnectorTimeouts): number => options.timeouts?.[name] ?? DEFAULT_TIMEOUT_MS;
  const taskTypes = new Set(options.taskTypes);
  const sync = options.sync === true;

  let agents: Promise<readonly Agent[]> | undefined;
  const listAgents = (): Promise<readonly Agent[]> => {
    agents ??= metadataClient.listAgents({}, { timeoutMs: timeout('listAgents') }).then(
      (response) => response.agents,
      (error: unknown) => {
        agents = undefined;
        // A connector without the metadata service (Unimplemented) is trusted, as propeller does.
        if (error instanceof ConnectError && error.code === Code.Unimplemented) return [];
        throw backendError(error, 'ListAgents');
      },
    );
    return agents;
  };
  const permanent = (code: string, message: string): BackendError => new BackendError({ kind: 'system', retryable: false, code, message });

  /** Refuses a task type this backend is not for, or one the connector does not serve in this mode. */
  const checkServed = async (ctx: AttemptContext): Promise<{ name: string; version: number }> => {
    const { type, taskTypeVersion } = ctx.template;
    if (!taskTypes.has(type)) {
      throw permanent(
        'ConnectorTaskTypeNotConfigured',
        `connectorBackend(${options.endpoint}) runs task types ${[...taskTypes].join(', ')}, not '${type}': add it to taskTypes`,
      );
    }
    const listed = await listAgents();
    if (listed.length > 0) {
      const agent = listed.find((a) => a.supportedTaskCategories.some((c) => c.name === type && c.version === taskTypeVersion));
      if (agent === undefined) {
        const served = listed.flatMap((a) => a.supportedTaskCategories.map((c) => `${c.name}_v${c.version}`));
        throw permanent(
          'ConnectorCategoryNotServed',
          `the connector at ${options.endpoint} does not serve ${type}_v${taskTypeVersion}; it serves ${served.join(', ') || 'nothing'}`,
        );
      }
      if (agent.isSync !== sync) {
        throw permanent(
          'ConnectorModeMismatch',
          `the connector serves ${type}_v${taskTypeVersion} ${agent.isSync ? 'synchronously: pass sync: true' : 'asynchronously: drop sync: true'} to connectorBackend`,
        );
      }
    }
    return { name: type, version: taskTypeVersion };
  };

  const metadataOf = (ctx: AttemptContext) =>
    create(TaskExecutionMetadataSchema, {
      taskExecutionId: {
        taskId: ctx.template.id,
        nodeExecutionId: { nodeId: 'n0', executionId: { project: 'tflyte', domain: 'local', name: ctx.generatedName } },
        retryAttempt: ctx.attempt,
      },
      annotations: { [GENERATED_NAME_ANNOTATION]: ctx.generatedName, [IDEMPOTENCY_TOKEN_ANNOTATION]: ctx.idempotencyToken },
      interruptible: ctx.interruptible,
    });

  const toStatus = (status: TaskStatus | undefined, phase: number): TaskStatus => {
    if (status === undefined) throw permanent('UnknownPhase', `the connector reported phase ${phase}, which propeller does not accept`);
    return status;
  };

  if (sync) {
    return {
      name: CONNECTOR_BACKEND_NAME,
      async do(ctx) {
        await checkServed(ctx);
        async function* requests(): AsyncGenerator<ExecuteTaskSyncRequest> {
          yield create(ExecuteTaskSyncRequestSchema, {
            part: {
              case: 'header',
              value: { template: ctx.template, outputPrefix: ctx.outputPrefix, taskExecutionMetadata: metadataOf(ctx) },
            },
          });
          yield create(ExecuteTaskSyncRequestSchema, { part: { case: 'inputs', value: ctx.inputs } });
        }
        try {
          for await (const response of syncClient.executeTaskSync(requests(), { signal: ctx.signal, timeoutMs: timeout('executeSync') })) {
            if (response.res.case === 'header' && response.res.value.resource !== undefined) {
              const resource = response.res.value.resource;
              const status = toStatus(statusFromResource(resource), resource.phase);
              if (!isTerminalPhase(status.phase))
                throw permanent('NotTerminal', `the sync connector answered a live phase (${resource.phase})`);
              return status;
            }
          }
        } catch (error) {
          throw backendError(error, 'ExecuteTaskSync');
        }
        throw permanent('NoResource', 'the sync connector closed the stream without a header resource');
      },
    };
  }

  return {
    name: CONNECTOR_BACKEND_NAME,
    handleVersion: 1,
    poll: options.poll ?? DEFAULT_POLL,
    ...(options.statusChecks === undefined ? {} : { statusChecks: options.statusChecks }),

    async create(ctx) {
      const taskCategory = await checkServed(ctx);
      try {
        const response = await asyncClient.createTask(
          { template: ctx.template, inputs: ctx.inputs, outputPrefix: ctx.outputPrefix, taskExecutionMetadata: metadataOf(ctx) },
          { signal: ctx.signal, timeoutMs: timeout('create') },
        );
        return { resourceMeta: Buffer.from(response.resourceMeta).toString('base64'), taskCategory, outputPrefix: ctx.outputPrefix };
      } catch (error) {
        throw backendError(error, 'CreateTask');
      }
    },

    async get(handle, ctx) {
      let response: Awaited<ReturnType<typeof asyncClient.getTask>>;
      try {
        response = await asyncClient.getTask(
          {
            taskType: handle.taskCategory.name,
            resourceMeta: Buffer.from(handle.resourceMeta, 'base64'),
            taskCategory: handle.taskCategory,
            outputPrefix: handle.outputPrefix,
          },
          { signal: ctx.signal, timeoutMs: timeout('get') },
        );
      } catch (error) {
        // A transport error is a failed status check: the executor retries it and never resubmits.
        throw backendError(error, 'GetTask');
      }
      const resource = response.resource;
      if (resource === undefined)
        throw new BackendError({ kind: 'system', retryable: true, code: 'NoResource', message: 'GetTask returned no resource' });
      return toStatus(statusFromResource(resource), resource.phase);
    },

    async delete(handle) {
      try {
        await asyncClient.deleteTask(
          {
            taskType: handle.taskCategory.name,
            resourceMeta: Buffer.from(handle.resourceMeta, 'base64'),
            taskCategory: handle.taskCategory,
          },
          { timeoutMs: timeout('delete') },
        );
      } catch (error) {
        if (error instanceof ConnectError && error.code === Code.NotFound) return;
        throw backendError(error, 'DeleteTask');
      }
    },
  };
}

function checkOptions(options: ConnectorBackendOptions): void {
  if (typeof options !== 'object' || options === null) throw new ConnectorConfigError('(options)', 'must be { endpoint, taskTypes }');
  if (typeof options.endpoint !== 'string' || !URL.canParse(options.endpoint) || !/^https?:$/.test(new URL(options.endpoint).protocol)) {
    throw new ConnectorConfigError(
      'endpoint',
      `must be an http:// (plaintext HTTP/2) or https:// URL such as http://flyte-connector:8000, got '${String(options.endpoint)}'`,
    );
  }
  if (
    !Array.isArray(options.taskTypes) ||
    options.taskTypes.length === 0 ||
    options.taskTypes.some((t) => typeof t !== 'string' || t === '')
  ) {
    throw new ConnectorConfigError('taskTypes', "must list the task types to run through the connector, e.g. ['bigquery_query_job_task']");
  }
  // TLS settings on a plaintext endpoint would be ignored, and the user believe the channel is encrypted.
  if (options.tls !== undefined && new URL(options.endpoint).protocol !== 'https:') {
    throw new ConnectorConfigError('tls', `is set but endpoint '${options.endpoint}' is plaintext: use an https:// endpoint`);
  }
  for (const [name, ms] of Object.entries(options.timeouts ?? {})) {
    if (!(typeof ms === 'number' && ms > 0))
      throw new ConnectorConfigError(`timeouts.${name}`, 'must be a positive number of milliseconds');
  }
}
