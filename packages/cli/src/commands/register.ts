/**
 * `tflyte register <files or dirs> --project P --domain D [--version V] [--image I]`: registers
 * every task and workflow the files export on FlyteAdmin (a workflow with its default launch plan), fast: the project's code is packed and uploaded
 * through the data proxy once, and each task's entrypoint fetches and unpacks it before it runs,
 * so a code change needs a new registration but no new image. Without --version, the version is a
 * digest of the code bundle and the image, as pyflyte computes one ("Computed version is …").
 * Registering the same version again is a no-op; a different body under it is refused.
 */
import { createHash } from 'node:crypto';
import { readdirSync, type Stats, statSync } from 'node:fs';
import { join, resolve } from 'node:path';
import { create } from '@bufbuild/protobuf';
import { SDK_VERSION, type Task, type TaskDefinition, type TaskKind, TflyteError, toTaskTemplate } from '@tflyte/core';
import { DescriptionEntitySchema } from '@tflyte/idl/admin/description_entity';
import type { TaskTemplate } from '@tflyte/idl/core/tasks';
import {
  connectRemote,
  type FlyteRemote,
  loadRemoteConfig,
  moduleClosure,
  packSources,
  type RegistrationResult,
  registerLaunchPlan,
  registerTask,
  registerWorkflow,
  uploadThroughDataProxy,
} from '@tflyte/remote';
import { parseArgv } from '../argv.ts';
import { loadModule } from '../load-entity.ts';
import type { Io } from '../main.ts';
import { EXIT, UsageError } from '../usage-error.ts';
import { forStockPropeller } from './stock-propeller.ts';

/** The image a task runs in when neither the task nor --image names one: it must provide `tflyte` on PATH. */
export const DEFAULT_IMAGE = `ghcr.io/tflyte/tflyte:${SDK_VERSION}`;

export interface RemoteTarget {
  readonly project: string;
  readonly domain: string;
  readonly version?: string;
  readonly image?: string;
  /** Task types the cluster routes to a connector (--connector-task-types): exempt from the stock-propeller check. */
  readonly connectorTaskTypes?: readonly string[];
}

export interface RegisteredTask {
  readonly task: Task;
  readonly template: TaskTemplate;
  readonly result: RegistrationResult;
}

export function remoteTarget(options: Record<string, string | boolean | undefined>, env: NodeJS.ProcessEnv): RemoteTarget {
  const str = (name: string) => (typeof options[name] === 'string' ? (options[name] as string) : undefined);
  return {
    project: str('project') ?? env.FLYTE_DEFAULT_PROJECT ?? 'flytesnacks',
    domain: str('domain') ?? env.FLYTE_DEFAULT_DOMAIN ?? 'development',
    ...(str('version') === undefined ? {} : { version: str('version')! }),
    ...(str('image') === undefined ? {} : { image: str('image')! }),
    ...(str('connector-task-types') === undefined
      ? {}
      : {
          connectorTaskTypes: str('connector-task-types')!
            .split(',')
            .map((type) => type.trim())
            .filter(Boolean),
        }),
  };
}

export interface RegisteredWorkflow {
  readonly workflow: Task;
  readonly compiled: CompiledWorkflow;
  readonly result: RegistrationResult;
}

type CompiledWorkflow = Awaited<ReturnType<NonNullable<TaskKind['workflow']>>>;

export interface Registration {
  readonly tasks: readonly RegisteredTask[];
  readonly workflows: readonly RegisteredWorkflow[];
  readonly version: string;
}

/**
 * Packs and uploads the code under `root` once, then registers each task as a fast task and each
 * workflow with the tasks its nodes run and its default launch plan (as pyflyte register does),
 * all under one version. Workflows are compiled, and checked against propeller's rules, before
 * anything is sent.
 */
export async function fastRegister(
  remote: FlyteRemote,
  root: string,
  entities: readonly Task[],
  target: RemoteTarget,
  log: (line: string) => void,
  copy: 'all' | 'auto' = 'all',
): Promise<Registration> {
  const bundle =
    copy === 'all'
      ? packSources(root)
      : packSources(
          root,
          entities.flatMap((task) => moduleClosure(task.site.file, root)),
        );
  const image = target.image ?? DEFAULT_IMAGE;
  const version = target.version ?? createHash('sha256').update(bundle.digest).update('\0').update(image).digest('base64url').slice(0, 22);
  if (target.version === undefined) log(`tflyte: computed version is ${version}`);
  const at = { project: target.project, domain: target.domain, version };
  const compiled: { workflow: Task; compiled: CompiledWorkflow }[] = [];
  for (const workflow of entities) {
    if (workflow.kind.workflow) compiled.push({ workflow, compiled: await workflow.kind.workflow(at) });
  }
  const tasks: Task[] = [];
  const add = (task: TaskDefinition) => {
    if (!tasks.some((t) => t.name === task.name)) tasks.push(task as Task);
  };
  for (const entity of entities) if (!entity.kind.composite) add(entity);
  for (const c of compiled) for (const task of c.compiled.tasks) add(task);
  // Refused before anything is uploaded: a warehouse task propeller's built-in plugin would run wrongly or unsafely.
  forStockPropeller(
    tasks.map((task) => toTaskTemplate(task, { ...at, image })),
    new Set(target.connectorTaskTypes ?? []),
  );
  const distribution = await uploadThroughDataProxy(remote, {
    project: target.project,
    domain: target.domain,
    filename: `fast${bundle.digest.slice(0, 32)}.tar.gz`,
    bytes: bundle.bytes,
  });
  const registered: RegisteredTask[] = [];
  for (const task of tasks) {
    const template = fastTemplate(toTaskTemplate(task, { ...at, image }), distribution);
    const description = task.options.docs ? create(DescriptionEntitySchema, { shortDescription: task.options.docs }) : undefined;
    const result = await registerTask(remote, template, description);
    log(`tflyte: ${result === 'created' ? 'registered' : 'already registered'} task ${task.name} version ${version}`);
    registered.push({ task, template, result });
  }
  const workflows: RegisteredWorkflow[] = [];
  for (const { workflow, compiled: c } of compiled) {
    const result = await registerWorkflow(
      remote,
      c.spec,
      registered.map((r) => r.template),
    );
    log(`tflyte: ${result === 'created' ? 'registered' : 'already registered'} workflow ${workflow.name} version ${version}`);
    const plan = await registerLaunchPlan(remote, c.launchPlan);
    log(`tflyte: ${plan === 'created' ? 'registered' : 'already registered'} launch plan ${workflow.name} version ${version}`);
    workflows.push({ workflow, compiled: c, result });
  }
  return { tasks: registered, workflows, version };
}

/**
 * The fast-execute form of the entrypoint, as pyflyte-fast-execute's: the code distribution and
 * where to unpack it go before the task's own flags, so `tflyte execute` fetches the code first.
 */
function fastTemplate(template: TaskTemplate, distribution: string): TaskTemplate {
  if (template.target.case !== 'container') return template;
  const container = template.target.value;
  const args = [...container.command, ...container.args];
  const at = args.indexOf('execute');
  if (args[at - 1] !== 'tflyte' || at < 0) return template;
  const fast = [...args.slice(0, at + 1), '--additional-distribution', distribution, '--dest-dir', '.', ...args.slice(at + 1)];
  container.command = [];
  container.args = fast;
  return template;
}

export async function register(args: readonly string[], io: Io): Promise<number> {
  const spec = {
    project: 'string',
    domain: 'string',
    version: 'string',
    image: 'string',
    config: 'string',
    copy: 'string',
    'connector-task-types': 'string',
    help: 'boolean',
  } as const;
  const { options, positionals } = parseArgv('register', args, spec, Number.POSITIVE_INFINITY);
  if (options.help || positionals.length === 0) {
    if (options.help) {
      io.out(REGISTER_HELP);
      return EXIT.ok;
    }
    throw new UsageError('register: which files? tflyte register <files or dirs> --project P --domain D [--version V] [--image I]');
  }
  const files = positionals.flatMap((p) => sourceFiles(resolve(io.cwd, p), p));
  const tasks: Task[] = [];
  for (const file of files) {
    const module = await loadModule(file, io.cwd);
    // Workflows and plain tasks; a map task is registered as part of the workflow that uses it.
    for (const task of module.tasks.values()) if ((!task.kind.composite || task.kind.workflow) && !tasks.includes(task)) tasks.push(task);
  }
  if (tasks.length === 0) throw new UsageError(`register: ${positionals.join(', ')} export no tasks or workflows`);
  const remote = connectRemote(
    loadRemoteConfig({ env: io.env, cwd: io.cwd, ...(typeof options.config === 'string' ? { configFile: options.config } : {}) }),
  );
  await fastRegister(remote, tasks[0]!.site.root, tasks, remoteTarget(options, io.env), io.err, copyMode(options.copy, 'all'));
  return EXIT.ok;
}

/** `--copy all` packs the project (what .gitignore keeps); `auto`, only the modules the tasks load. */
export function copyMode(value: string | boolean | undefined, fallback: 'all' | 'auto'): 'all' | 'auto' {
  if (value === undefined) return fallback;
  if (value !== 'all' && value !== 'auto') throw new UsageError(`--copy must be all or auto, got '${String(value)}'`);
  return value;
}

function sourceFiles(path: string, given: string): string[] {
  let stat: Stats;
  try {
    stat = statSync(path);
  } catch {
    throw new UsageError(`register: no such file or directory: ${given}`);
  }
  if (!stat.isDirectory()) return [path];
  return readdirSync(path, { withFileTypes: true })
    .filter((e) => e.name !== 'node_modules' && !e.name.startsWith('.'))
    .flatMap((e) =>
      e.isDirectory()
        ? sourceFiles(join(path, e.name), join(given, e.name))
        : /\.(ts|mts|js|mjs)$/.test(e.name) && !/\.test\.|\.d\.ts$/.test(e.name)
          ? [join(path, e.name)]
          : [],
    );
}

export const REGISTER_HELP = `tflyte register <files or dirs> [--project P] [--domain D] [--version V] [--image I] [--copy all|auto] [--config file]
                       [--connector-task-types <type,…>]

Registers every task and workflow (with a default launch plan each) the files export on the Flyte cluster of ~/.flyte/config.yaml (or
$FLYTECTL_CONFIG, or FLYTE_PLATFORM_URL), fast: the project's code (what .gitignore keeps) is
uploaded through the data proxy and fetched by each task's entrypoint, so no image rebuild is
needed for a code change. Without --version, the version is a digest of the code and the image.
Project and domain default to FLYTE_DEFAULT_PROJECT / FLYTE_DEFAULT_DOMAIN, else flytesnacks / development.
A warehouse task propeller's built-in plugin would run wrongly or unsafely is refused before anything is
sent, unless its task type is in --connector-task-types <type,…> (the cluster routes it to a connector).`;
