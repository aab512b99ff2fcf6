/**
 * A FlyteAdmin for tests: AdminService, DataProxyService and AuthMetadataService over real gRPC
 * (HTTP/2, the generated flyteidl services), applying FlyteAdmin's checks to what it receives
 * (identifiers complete, a template matching its id, immutable versions, inputs matching the
 * interface) and running each execution as propeller runs a container task: inputs.pb written
 * to the metadata store, the template's command rendered and launched, outputs.pb or error.pb
 * read back. The launcher decides where the command runs (a local process by default).
 */
import { spawn } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import http2 from 'node:http2';
import type { AddressInfo } from 'node:net';
import { create, equals, fromBinary, toBinary } from '@bufbuild/protobuf';
import { timestampNow } from '@bufbuild/protobuf/wkt';
import { Code, ConnectError, type ConnectRouter } from '@connectrpc/connect';
import { connectNodeAdapter } from '@connectrpc/connect-node';
import { joinUri, renderTemplate, type Storage } from '@tflyte/core';
import { type Execution, ExecutionSchema } from '@tflyte/idl/admin/execution';
import { type NodeExecution, NodeExecutionSchema } from '@tflyte/idl/admin/node_execution';
import { type Task, TaskSchema, type TaskSpec, TaskSpecSchema } from '@tflyte/idl/admin/task';
import { ErrorDocumentSchema } from '@tflyte/idl/core/errors';
import { ExecutionError_ErrorKind, ExecutionErrorSchema, NodeExecution_Phase, WorkflowExecution_Phase } from '@tflyte/idl/core/execution';
import { type Identifier, IdentifierSchema, ResourceType, type WorkflowExecutionIdentifier } from '@tflyte/idl/core/identifier';
import { type LiteralMap, LiteralMapSchema } from '@tflyte/idl/core/literals';
import type { TaskTemplate } from '@tflyte/idl/core/tasks';
import { AdminService } from '@tflyte/idl/service/admin';
import { AuthMetadataService } from '@tflyte/idl/service/auth';
import { DataProxyService } from '@tflyte/idl/service/dataproxy';
import { type S3Signer, signedPut } from './sigv4-upload.ts';

export interface LaunchRequest {
  readonly execution: WorkflowExecutionIdentifier;
  readonly template: TaskTemplate;
  /** The container's command and args with propeller's placeholders rendered. */
  readonly argv: readonly string[];
  /** The container's env plus the FLYTE_INTERNAL_* variables propeller sets. */
  readonly env: Readonly<Record<string, string>>;
}

/** Runs one task container to completion; outputs.pb or error.pb is what it leaves behind. */
export type Launcher = (request: LaunchRequest) => Promise<void>;

export interface FlyteAdminTestServerOptions {
  /** The object store behind the metadata and upload prefixes (s3:// on the local S3 server). */
  readonly storage: Storage;
  /** Where inputs.pb / outputs.pb go, e.g. `s3://flyte/metadata`. */
  readonly metadataPrefix: string;
  /** Where the data proxy puts uploads, e.g. `s3://flyte/uploads`. */
  readonly uploadPrefix: string;
  /** Signs the uploads the data proxy hands out (the S3 store behind `uploadPrefix`). */
  readonly s3Signer: S3Signer;
  readonly launcher: Launcher;
  /** When set, every AdminService/DataProxy call needs `authorization: Bearer <token>`. */
  readonly requireToken?: string;
  readonly tokenEndpoint?: string;
}

export interface StoredExecution {
  execution: Execution;
  inputs: LiteralMap;
  outputs: LiteralMap | undefined;
  nodes: NodeExecution[];
  done: Promise<void>;
}

export interface FlyteAdminTestServer {
  /** `http://127.0.0.1:<port>`: set as FLYTE_PLATFORM_URL with insecure. */
  readonly url: string;
  /** Registered tasks by `project/domain/name/version`. */
  readonly tasks: ReadonlyMap<string, Task>;
  readonly executions: ReadonlyMap<string, StoredExecution>;
  /** Every call, in order, by method name. */
  readonly calls: readonly string[];
  close(): Promise<void>;
}

const key = (id: { project: string; domain: string; name: string; version?: string }): string =>
  [id.project, id.domain, id.name, ...(id.version === undefined ? [] : [id.version])].join('/');

const invalid = (message: string) => new ConnectError(message, Code.InvalidArgument);

/** FlyteAdmin's ValidateIdentifier: every part present, and the resource type the call expects. */
function checkIdentifier(id: Identifier | undefined, type: ResourceType, what: string): Identifier {
  if (id === undefined) throw invalid(`missing ${what} id`);
  for (const field of ['project', 'domain', 'name', 'version'] as const) if (id[field] === '') throw invalid(`missing ${field}`);
  if (id.resourceType !== type)
    throw invalid(
      `unexpected resource type ${ResourceType[id.resourceType]} for identifier [${key(id)}], expected ${ResourceType[type]} instead`,
    );
  return id;
}

export async function startFlyteAdminTestServer(options: FlyteAdminTestServerOptions): Promise<FlyteAdminTestServer> {
  const tasks = new Map<string, Task>();
  const executions = new Map<string, StoredExecution>();
  const calls: string[] = [];

  const routes = (router: ConnectRouter): void => {
    router.service(AdminService, {
      createTask(request) {
        calls.push('CreateTask');
        const id = checkIdentifier(request.id, ResourceType.TASK, 'task');
        const template = request.spec?.template;
        if (template === undefined) throw invalid('missing task template');
        if (template.id === undefined || !equals(IdentifierSchema, template.id, id))
          throw invalid(`task template id does not match the request id [${key(id)}]`);
        if (template.interface === undefined) throw invalid('missing interface');
        if (template.type === '') throw invalid('missing task type');
        if (template.target.case === 'container' && template.target.value.image === '') throw invalid('missing image');
        const existing = tasks.get(key(id));
        if (existing !== undefined) {
          if (equals(TaskSpecSchema, request.spec!, specOf(existing))) {
            throw new ConnectError('task with identical structure already exists', Code.AlreadyExists);
          }
          throw invalid(`task with different structure already exists: ${key(id)}`);
        }
        tasks.set(
          key(id),
          create(TaskSchema, {
            id,
            closure: { compiledTask: { template }, createdAt: timestampNow() },
            shortDescription: request.spec?.description?.shortDescription ?? '',
          }),
        );
        specs.set(key(id), request.spec!);
        return {};
      },
      getTask(request) {
        calls.push('GetTask');
        const id = checkIdentifier(request.id, ResourceType.TASK, 'task');
        const task = tasks.get(key(id));
        if (task === undefined) throw new ConnectError(`entry not found: task ${key(id)}`, Code.NotFound);
        return task;
      },
      createExecution(request) {
        calls.push('CreateExecution');
        if (request.project === '') throw invalid('missing project');
        if (request.domain === '') throw invalid('missing domain');
        const launchPlan = request.spec?.launchPlan;
        if (launchPlan === undefined) throw invalid('missing launch plan');
        if (launchPlan.resourceType !== ResourceType.TASK)
          throw new ConnectError('this test server runs single-task executions only', Code.Unimplemented);
        const task = tasks.get(key(launchPlan));
        if (task === undefined) throw invalid(`task ${key(launchPlan)} is not registered`);
        const template = task.closure!.compiledTask!.template!;
        const inputs = request.inputs ?? create(LiteralMapSchema);
        const declared = template.interface?.inputs?.variables ?? {};
        for (const name of Object.keys(inputs.literals)) if (!(name in declared)) throw invalid(`invalid input ${name}`);
        for (const name of Object.keys(declared)) if (!(name in inputs.literals)) throw invalid(`invalid input ${name}: missing`);
        const name = request.name || `a${randomBytes(10).toString('hex').slice(0, 19)}`;
        const id = { project: request.project, domain: request.domain, name };
        if (executions.has(key(id))) throw new ConnectError(`execution ${key(id)} already exists`, Code.AlreadyExists);
        const execution = create(ExecutionSchema, {
          id,
          spec: request.spec,
          closure: { phase: WorkflowExecution_Phase.QUEUED, createdAt: timestampNow(), computedInputs: inputs },
        });
        const node = create(NodeExecutionSchema, { id: { nodeId: 'n0', executionId: id }, closure: { phase: NodeExecution_Phase.QUEUED } });
        const stored: StoredExecution = { execution, inputs, outputs: undefined, nodes: [node], done: Promise.resolve() };
        executions.set(key(id), stored);
        stored.done = runExecution(stored, template, options);
        return { id };
      },
      getExecution(request) {
        calls.push('GetExecution');
        return found(request.id).execution;
      },
      getExecutionData(request) {
        calls.push('GetExecutionData');
        const stored = found(request.id);
        return { fullInputs: stored.inputs, ...(stored.outputs ? { fullOutputs: stored.outputs } : {}) };
      },
      listNodeExecutions(request) {
        calls.push('ListNodeExecutions');
        return { nodeExecutions: found(request.workflowExecutionId).nodes };
      },
      terminateExecution(request) {
        calls.push('TerminateExecution');
        const stored = found(request.id);
        stored.execution.closure!.phase = WorkflowExecution_Phase.ABORTED;
        stored.execution.closure!.outputResult = { case: 'abortCause', value: request.cause };
        return {};
      },
    });
    router.service(DataProxyService, {
      createUploadLocation(request) {
        calls.push('CreateUploadLocation');
        if (request.project === '' || request.domain === '') throw invalid('project and domain are required');
        if (request.filename === '') throw invalid('filename is required');
        const root = request.filenameRoot || Buffer.from(request.contentMd5).toString('hex');
        const nativeUrl = joinUri(options.uploadPrefix, `${request.project}/${request.domain}/${root}/${request.filename}`);
        const signed = signedPut(options.s3Signer, nativeUrl);
        return { nativeUrl, signedUrl: signed.url, headers: signed.headers };
      },
    });
    router.service(AuthMetadataService, {
      getOAuth2Metadata() {
        calls.push('GetOAuth2Metadata');
        return { tokenEndpoint: options.tokenEndpoint ?? '', grantTypesSupported: ['client_credentials'] };
      },
      getPublicClientConfig() {
        return { clientId: 'flytectl', authorizationMetadataKey: 'authorization' };
      },
    });
  };

  const specs = new Map<string, TaskSpec>();
  const specOf = (task: Task) => specs.get(key(task.id!))!;
  const found = (id: WorkflowExecutionIdentifier | undefined): StoredExecution => {
    const stored = id === undefined ? undefined : executions.get(key(id));
    if (stored === undefined) throw new ConnectError(`execution not found: ${id === undefined ? '(no id)' : key(id)}`, Code.NotFound);
    return stored;
  };

  const handler = connectNodeAdapter({
    grpc: true,
    grpcWeb: false,
    connect: false,
    routes,
    interceptors:
      options.requireToken === undefined
        ? []
        : [
            (next) => async (request) => {
              if (
                request.service.typeName !== AuthMetadataService.typeName &&
                request.header.get('authorization') !== `Bearer ${options.requireToken}`
              ) {
                throw new ConnectError('token is missing or invalid', Code.Unauthenticated);
              }
              return next(request);
            },
          ],
  });
  const server = http2.createServer(handler);
  const sessions = new Set<http2.ServerHttp2Session>();
  server.on('session', (s) => {
    sessions.add(s);
    s.once('close', () => sessions.delete(s));
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const port = (server.address() as AddressInfo).port;
  return {
    url: `http://127.0.0.1:${port}`,
    tasks,
    executions,
    calls,
    async close() {
      await Promise.all([...executions.values()].map((e) => e.done.catch(() => {})));
      for (const s of sessions) s.destroy();
      await new Promise<void>((resolve) => server.close(() => resolve()));
    },
  };
}

/** Propeller's part: inputs.pb written, the container run, outputs.pb or error.pb read into the closure. */
async function runExecution(stored: StoredExecution, template: TaskTemplate, options: FlyteAdminTestServerOptions): Promise<void> {
  const id = stored.execution.id!;
  const closure = stored.execution.closure!;
  const node = stored.nodes[0]!;
  const prefix = joinUri(options.metadataPrefix, `${id.project}/${id.domain}/${id.name}/n0/data`);
  const inputUri = joinUri(prefix, 'inputs.pb');
  const outputPrefix = joinUri(prefix, '0');
  const fail = (code: string, message: string, kind = ExecutionError_ErrorKind.SYSTEM) => {
    const error = create(ExecutionErrorSchema, { code, message, kind });
    closure.phase = WorkflowExecution_Phase.FAILED;
    closure.outputResult = { case: 'error', value: error };
    node.closure!.phase = NodeExecution_Phase.FAILED;
    node.closure!.outputResult = { case: 'error', value: error };
  };
  try {
    await options.storage.put(inputUri, toBinary(LiteralMapSchema, stored.inputs));
    node.inputUri = inputUri;
    if (template.target.case !== 'container')
      return fail(
        'UnsupportedTarget',
        `this test server runs container tasks; '${template.type}' has a ${template.target.case ?? 'missing'} target`,
      );
    const container = template.target.value;
    const values = {
      input: inputUri,
      inputPrefix: prefix,
      outputPrefix,
      rawOutputDataPrefix: joinUri(options.metadataPrefix, `raw/${id.name}`),
      checkpointOutputPrefix: joinUri(outputPrefix, '_flytecheckpoints'),
      prevCheckpointPrefix: '""',
      inputs: stored.inputs,
    };
    const argv = [...container.command, ...container.args].map((arg) => renderTemplate(arg, values));
    const tid = template.id!;
    const env: Record<string, string> = {
      ...Object.fromEntries(container.env.map((kv) => [kv.key, kv.value])),
      FLYTE_INTERNAL_EXECUTION_PROJECT: id.project,
      FLYTE_INTERNAL_EXECUTION_DOMAIN: id.domain,
      FLYTE_INTERNAL_EXECUTION_ID: id.name,
      FLYTE_INTERNAL_TASK_PROJECT: tid.project,
      FLYTE_INTERNAL_TASK_DOMAIN: tid.domain,
      FLYTE_INTERNAL_TASK_NAME: tid.name,
      FLYTE_INTERNAL_TASK_VERSION: tid.version,
    };
    if (closure.phase === WorkflowExecution_Phase.ABORTED) return;
    closure.phase = WorkflowExecution_Phase.RUNNING;
    closure.startedAt = timestampNow();
    node.closure!.phase = NodeExecution_Phase.RUNNING;
    await options.launcher({ execution: id, template, argv, env });
    // Terminated while it ran: the abort stands, whatever the container left behind.
    if ((closure.phase as WorkflowExecution_Phase) === WorkflowExecution_Phase.ABORTED) return;
    const outputs = await options.storage.get(joinUri(outputPrefix, 'outputs.pb'));
    if (outputs !== undefined) {
      stored.outputs = fromBinary(LiteralMapSchema, outputs);
      closure.phase = WorkflowExecution_Phase.SUCCEEDED;
      closure.outputResult = { case: 'outputData', value: stored.outputs };
      node.closure!.phase = NodeExecution_Phase.SUCCEEDED;
      node.closure!.outputResult = { case: 'outputUri', value: joinUri(outputPrefix, 'outputs.pb') };
      return;
    }
    const errorBytes = await options.storage.get(joinUri(outputPrefix, 'error.pb'));
    if (errorBytes !== undefined) {
      const document = fromBinary(ErrorDocumentSchema, errorBytes).error;
      return fail(
        document?.code ?? 'USER',
        document?.message ?? '',
        document?.origin === 1 ? ExecutionError_ErrorKind.SYSTEM : ExecutionError_ErrorKind.USER,
      );
    }
    fail('OutputsNotFound', `the task wrote neither outputs.pb nor error.pb under ${outputPrefix}`);
  } catch (error) {
    fail('LaunchFailed', error instanceof Error ? error.message : String(error));
  }
}

export interface ProcessLauncherOptions {
  /** How a container command's first word runs here, e.g. `{ tflyte: [process.execPath, cliBin] }`. */
  readonly commands: Readonly<Record<string, readonly string[]>>;
  /** The container's working directory for each launch. */
  readonly cwd: (request: LaunchRequest) => string;
  /** Extra env (the object store's endpoint and credentials, as a cluster's pod would get). */
  readonly env?: Readonly<Record<string, string>>;
  /** Each launch's combined output, for assertions on failure. */
  readonly onOutput?: (request: LaunchRequest, text: string) => void;
}

/** A launcher that runs the container command as a local process (the image is not used). */
export function processLauncher(options: ProcessLauncherOptions): Launcher {
  return (request) =>
    new Promise((resolve, reject) => {
      const [word, ...args] = request.argv;
      const prefix = options.commands[word ?? ''];
      if (prefix === undefined)
        return reject(new Error(`no local command for '${word}' (known: ${Object.keys(options.commands).join(', ')})`));
      const child = spawn(prefix[0]!, [...prefix.slice(1), ...args], {
        cwd: options.cwd(request),
        env: { ...process.env, ...options.env, ...request.env },
        stdio: ['ignore', 'pipe', 'pipe'],
      });
      let text = '';
      child.stdout.on('data', (d: Buffer) => (text += d.toString()));
      child.stderr.on('data', (d: Buffer) => (text += d.toString()));
      child.once('error', reject);
      child.once('close', () => {
        options.onOutput?.(request, text);
        resolve();
      });
    });
}
