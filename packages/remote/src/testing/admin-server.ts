/**
 * A FlyteAdmin for tests: AdminService, DataProxyService and AuthMetadataService over real gRPC
 * (HTTP/2, the generated flyteidl services), applying FlyteAdmin's checks to what it receives
 * (identifiers complete, a template matching its id, immutable versions, workflows compiled
 * against the registered tasks, launch plans covering their workflow's inputs, inputs matching
 * the interface), storing tasks, workflows, launch plans and executions, and running each
 * execution as propeller would (propeller.ts). The launcher decides where a task's command runs
 * (a local process by default).
 */
import { spawn } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import http2 from 'node:http2';
import type { AddressInfo } from 'node:net';
import { create, equals } from '@bufbuild/protobuf';
import { timestampNow } from '@bufbuild/protobuf/wkt';
import { Code, ConnectError, type ConnectRouter } from '@connectrpc/connect';
import { connectNodeAdapter } from '@connectrpc/connect-node';
import { joinUri, type Storage } from '@tflyte/core';
import { type Execution, ExecutionSchema } from '@tflyte/idl/admin/execution';
import { type LaunchPlan, LaunchPlanSchema } from '@tflyte/idl/admin/launch_plan';
import type { NodeExecution } from '@tflyte/idl/admin/node_execution';
import { type Task, TaskSchema, type TaskSpec, TaskSpecSchema } from '@tflyte/idl/admin/task';
import type { TaskExecution } from '@tflyte/idl/admin/task_execution';
import { type Workflow, WorkflowSchema, type WorkflowSpec, WorkflowSpecSchema } from '@tflyte/idl/admin/workflow';
import { WorkflowExecution_Phase } from '@tflyte/idl/core/execution';
import { type Identifier, IdentifierSchema, ResourceType, type WorkflowExecutionIdentifier } from '@tflyte/idl/core/identifier';
import { type Literal, type LiteralMap, LiteralMapSchema } from '@tflyte/idl/core/literals';
import type { TaskTemplate } from '@tflyte/idl/core/tasks';
import { AdminService } from '@tflyte/idl/service/admin';
import { AuthMetadataService } from '@tflyte/idl/service/auth';
import { DataProxyService } from '@tflyte/idl/service/dataproxy';
import { workflowProblems } from '../compiler-rules.ts';
import { type ExecutionPlan, runExecution } from './propeller.ts';
import { type S3Signer, signedPut } from './sigv4-upload.ts';

export interface LaunchRequest {
  readonly execution: WorkflowExecutionIdentifier;
  /** The node (for an array node's element: `<node>-<index>`), so each launch can get its own working directory. */
  readonly nodeId: string;
  /** 0 for the first attempt; propeller's FLYTE_ATTEMPT_NUMBER. */
  readonly attempt: number;
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
  /** When set, every AdminService/DataProxy call needs `authorization: Bearer <token>` with this token (or one it accepts). */
  readonly requireToken?: string | ((token: string) => boolean);
  readonly tokenEndpoint?: string;
  readonly authorizationEndpoint?: string;
  /**
   * Log links each task attempt shows, as propeller's log plugin templates them: `{{.executionName}}`,
   * `{{.nodeId}}`, `{{.attempt}}` and `{{.taskName}}` are filled in.
   */
  readonly logTemplates?: readonly { readonly name: string; readonly uri: string }[];
  /** What AuthMetadataService.GetPublicClientConfig answers (flytectl's defaults otherwise). */
  readonly publicClient?: { readonly clientId: string; readonly redirectUri: string; readonly scopes?: readonly string[] };
}

export interface StoredExecution {
  execution: Execution;
  inputs: LiteralMap;
  outputs: LiteralMap | undefined;
  nodes: NodeExecution[];
  /** Each node's task executions (one per attempt), by node id. */
  taskExecutions: Map<string, TaskExecution[]>;
  done: Promise<void>;
}

export interface FlyteAdminTestServer {
  /** `http://127.0.0.1:<port>`: set as FLYTE_PLATFORM_URL with insecure. */
  readonly url: string;
  /** Registered tasks by `project/domain/name/version`. */
  readonly tasks: ReadonlyMap<string, Task>;
  /** Registered workflows and launch plans, keyed the same way. */
  readonly workflows: ReadonlyMap<string, Workflow>;
  readonly launchPlans: ReadonlyMap<string, LaunchPlan>;
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
  const workflows = new Map<string, Workflow>();
  const workflowSpecs = new Map<string, WorkflowSpec>();
  const launchPlans = new Map<string, LaunchPlan>();
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
      createWorkflow(request) {
        calls.push('CreateWorkflow');
        const id = checkIdentifier(request.id, ResourceType.WORKFLOW, 'workflow');
        const spec = request.spec;
        const template = spec?.template;
        if (spec === undefined || template === undefined) throw invalid('missing workflow template');
        if (template.id === undefined || !equals(IdentifierSchema, template.id, id))
          throw invalid(`workflow template id does not match the request id [${key(id)}]`);
        const existing = workflowSpecs.get(key(id));
        if (existing !== undefined) {
          if (equals(WorkflowSpecSchema, spec, existing))
            throw new ConnectError('workflow with identical structure already exists', Code.AlreadyExists);
          throw invalid(`workflow with different structure already exists: ${key(id)}`);
        }
        // FlyteAdmin compiles the workflow against the registered tasks before storing it.
        const taskInterface = (ref: Identifier) => tasks.get(key(ref))?.closure?.compiledTask?.template?.interface;
        const problems = [template, ...spec.subWorkflows].flatMap((w) =>
          workflowProblems(w, { taskInterface, subWorkflows: spec.subWorkflows }),
        );
        if (problems.length > 0) throw invalid(`failed to compile workflow for [${key(id)}] with err ${problems.join('; ')}`);
        workflowSpecs.set(key(id), spec);
        workflows.set(
          key(id),
          create(WorkflowSchema, {
            id,
            closure: { compiledWorkflow: { primary: { template } }, createdAt: timestampNow() },
            shortDescription: spec.description?.shortDescription ?? '',
          }),
        );
        return {};
      },
      getWorkflow(request) {
        calls.push('GetWorkflow');
        const id = checkIdentifier(request.id, ResourceType.WORKFLOW, 'workflow');
        const workflow = workflows.get(key(id));
        if (workflow === undefined) throw new ConnectError(`entry not found: workflow ${key(id)}`, Code.NotFound);
        return workflow;
      },
      createLaunchPlan(request) {
        calls.push('CreateLaunchPlan');
        const id = checkIdentifier(request.id, ResourceType.LAUNCH_PLAN, 'launch plan');
        const spec = request.spec;
        if (spec === undefined) throw invalid('missing launch plan spec');
        const workflowId = checkIdentifier(spec.workflowId, ResourceType.WORKFLOW, 'workflow');
        const spec2 = workflowSpecs.get(key(workflowId));
        if (spec2 === undefined) throw invalid(`workflow ${key(workflowId)} is not registered`);
        const declared = spec2.template!.interface?.inputs?.variables ?? {};
        const parameters = spec.defaultInputs?.parameters ?? {};
        for (const name of Object.keys(parameters)) if (!(name in declared)) throw invalid(`invalid launch plan default input ${name}`);
        for (const name of Object.keys(declared))
          if (!(name in parameters) && !(name in (spec.fixedInputs?.literals ?? {})))
            throw invalid(`launch plan does not cover workflow input ${name}`);
        const existing = launchPlans.get(key(id));
        if (existing !== undefined) {
          if (equals(LaunchPlanSchema, existing, create(LaunchPlanSchema, { id, spec })))
            throw new ConnectError('launch plan already exists', Code.AlreadyExists);
          throw invalid(`launch plan with different structure already exists: ${key(id)}`);
        }
        launchPlans.set(key(id), create(LaunchPlanSchema, { id, spec }));
        return {};
      },
      getLaunchPlan(request) {
        calls.push('GetLaunchPlan');
        const id = checkIdentifier(request.id, ResourceType.LAUNCH_PLAN, 'launch plan');
        const plan = launchPlans.get(key(id));
        if (plan === undefined) throw new ConnectError(`entry not found: launch plan ${key(id)}`, Code.NotFound);
        return plan;
      },
      listExecutions(request) {
        calls.push('ListExecutions');
        const scope = request.id;
        if (scope === undefined || scope.project === '' || scope.domain === '') throw invalid('project and domain are required');
        const all = [...executions.values()]
          .map((e) => e.execution)
          .filter((e) => e.id!.project === scope.project && e.id!.domain === scope.domain)
          .reverse();
        const start = Number(request.token || '0');
        const limit = request.limit || 100;
        const page = all.slice(start, start + limit);
        return { executions: page, token: start + limit < all.length ? String(start + limit) : '' };
      },
      createExecution(request) {
        calls.push('CreateExecution');
        if (request.project === '') throw invalid('missing project');
        if (request.domain === '') throw invalid('missing domain');
        const launchPlan = request.spec?.launchPlan;
        if (launchPlan === undefined) throw invalid('missing launch plan');
        let inputs = request.inputs ?? create(LiteralMapSchema);
        let plan: ExecutionPlan;
        if (launchPlan.resourceType === ResourceType.TASK) {
          const task = tasks.get(key(launchPlan));
          if (task === undefined) throw invalid(`task ${key(launchPlan)} is not registered`);
          const template = task.closure!.compiledTask!.template!;
          const declared = template.interface?.inputs?.variables ?? {};
          for (const name of Object.keys(inputs.literals)) if (!(name in declared)) throw invalid(`invalid input ${name}`);
          for (const name of Object.keys(declared)) if (!(name in inputs.literals)) throw invalid(`invalid input ${name}: missing`);
          plan = { kind: 'task', template };
        } else if (launchPlan.resourceType === ResourceType.LAUNCH_PLAN) {
          const lp = launchPlans.get(key(launchPlan));
          if (lp === undefined) throw invalid(`launch plan ${key(launchPlan)} is not registered`);
          const parameters = lp.spec!.defaultInputs?.parameters ?? {};
          const fixed = lp.spec!.fixedInputs?.literals ?? {};
          for (const name of Object.keys(inputs.literals)) {
            if (!(name in parameters)) throw invalid(`invalid input ${name}`);
            if (name in fixed) throw invalid(`invalid input ${name}: fixed by the launch plan`);
          }
          const filled: Record<string, Literal> = { ...fixed };
          for (const [name, parameter] of Object.entries(parameters)) {
            const given = inputs.literals[name];
            if (given !== undefined) filled[name] = given;
            else if (parameter.behavior.case === 'default') filled[name] = parameter.behavior.value;
            else throw invalid(`invalid input ${name}: missing (required by the launch plan)`);
          }
          inputs = create(LiteralMapSchema, { literals: filled });
          const spec = workflowSpecs.get(key(lp.spec!.workflowId!))!;
          plan = { kind: 'workflow', spec };
        } else {
          throw invalid(`unexpected resource type ${ResourceType[launchPlan.resourceType]} for the launch plan`);
        }
        const name = request.name || `a${randomBytes(10).toString('hex').slice(0, 19)}`;
        const id = { project: request.project, domain: request.domain, name };
        if (executions.has(key(id))) throw new ConnectError(`execution ${key(id)} already exists`, Code.AlreadyExists);
        const execution = create(ExecutionSchema, {
          id,
          spec: request.spec,
          closure: { phase: WorkflowExecution_Phase.QUEUED, createdAt: timestampNow(), computedInputs: inputs },
        });
        const stored: StoredExecution = {
          execution,
          inputs,
          outputs: undefined,
          nodes: [],
          taskExecutions: new Map(),
          done: Promise.resolve(),
        };
        executions.set(key(id), stored);
        const taskTemplate = (ref: Identifier) => tasks.get(key(ref))?.closure?.compiledTask?.template;
        stored.done = runExecution(stored, plan, taskTemplate, options);
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
      listTaskExecutions(request) {
        calls.push('ListTaskExecutions');
        const nodeId = request.nodeExecutionId?.nodeId;
        if (nodeId === undefined || nodeId === '') throw invalid('missing node execution id');
        return { taskExecutions: found(request.nodeExecutionId?.executionId).taskExecutions.get(nodeId) ?? [] };
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
        return {
          tokenEndpoint: options.tokenEndpoint ?? '',
          authorizationEndpoint: options.authorizationEndpoint ?? '',
          grantTypesSupported: ['client_credentials', 'authorization_code', 'refresh_token'],
          codeChallengeMethodsSupported: ['S256'],
        };
      },
      getPublicClientConfig() {
        const client = options.publicClient ?? { clientId: 'flytectl', redirectUri: 'http://localhost:53593/callback' };
        return {
          clientId: client.clientId,
          redirectUri: client.redirectUri,
          scopes: [...(client.scopes ?? [])],
          authorizationMetadataKey: 'authorization',
        };
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
              const required = options.requireToken!;
              const given = request.header.get('authorization')?.replace(/^Bearer /, '') ?? '';
              const valid = typeof required === 'string' ? given === required : required(given);
              if (request.service.typeName !== AuthMetadataService.typeName && !valid) {
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
    workflows,
    launchPlans,
    executions,
    calls,
    async close() {
      await Promise.all([...executions.values()].map((e) => e.done.catch(() => {})));
      for (const s of sessions) s.destroy();
      await new Promise<void>((resolve) => server.close(() => resolve()));
    },
  };
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
