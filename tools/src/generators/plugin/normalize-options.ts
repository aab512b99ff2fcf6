/**
 * The generator's options, validated against the workspace, and everything the templates need:
 * identifiers derived from the name and the versions the new package pins.
 */
import { names, readJson, type Tree } from '@nx/devkit';
import { PluginGeneratorError } from './generator-error.ts';
import type { PluginGeneratorSchema } from './schema.d.ts';

export const KINDS = ['function', 'crd', 'warehouse'] as const;
export type Kind = (typeof KINDS)[number];
export const TARGETS = ['container', 'k8sPod', 'sql'] as const;
export type Target = (typeof TARGETS)[number];

/** The targets each kind can serialize with; the first is its default. */
const TARGETS_OF_KIND: Readonly<Record<Kind, readonly Target[]>> = {
  // A function body runs the tflyte entrypoint, in a container or in a pod spec.
  function: ['container', 'k8sPod'],
  // The operator builds the pods from the job's pod templates; the task states a container.
  crd: ['container'],
  warehouse: ['sql'],
};

const KEBAB_CASE = /^[a-z][a-z0-9]*(?:-[a-z0-9]+)*$/;
// Flyte's task types are lowercase words joined by '-' or '_' (raw-container, sagemaker_training_job_task).
const TASK_TYPE = /^[a-z][a-z0-9]*(?:[-_][a-z0-9]+)*$/;

/** What the new package pins, read from packages/core/package.json. */
export interface WorkspaceVersions {
  readonly core: string;
  readonly idl: string;
  readonly protobuf: string;
  /** `@duckdb/node-api` as packages/testing pins it; only read for a warehouse plugin, whose test server runs DuckDB. */
  readonly duckdb: string | undefined;
  readonly license: string;
  readonly engines: Readonly<Record<string, string>>;
}

export interface NormalizedPluginOptions {
  /** kebab-case, e.g. `my-job`. */
  readonly name: string;
  /** `MyJob` */
  readonly className: string;
  /** `myJob` */
  readonly propertyName: string;
  /** `MY_JOB` */
  readonly constantName: string;
  readonly kind: Kind;
  readonly taskType: string;
  readonly target: Target;
  /** `@tflyte/plugin-my-job` */
  readonly packageName: string;
  /** `packages/plugin-my-job` */
  readonly projectRoot: string;
  readonly versions: WorkspaceVersions;
}

export function normalizeOptions(tree: Tree, schema: PluginGeneratorSchema): NormalizedPluginOptions {
  const name = checkName(schema.name);
  const kind = schema.kind ?? 'function';
  if (!(KINDS as readonly string[]).includes(kind)) {
    throw new PluginGeneratorError(
      'kind',
      `--kind '${String(kind)}' is not a plugin kind: use one of ${KINDS.join(', ')} (e.g. --kind=function)`,
    );
  }
  const taskType = schema.taskType ?? (kind === 'warehouse' ? `${name.replaceAll('-', '_')}_query` : name);
  if (!TASK_TYPE.test(taskType)) {
    throw new PluginGeneratorError(
      'taskType',
      `--taskType '${taskType}' is not a Flyte task type: use lowercase letters and digits, words joined by '-' or '_' (e.g. my_job)`,
    );
  }
  const target = checkTarget(kind, schema.target);
  const projectRoot = `packages/plugin-${name}`;
  const packageName = `@tflyte/plugin-${name}`;
  if (tree.exists(projectRoot)) {
    throw new PluginGeneratorError('name', `${projectRoot} already exists: choose another --name, or remove that directory first`);
  }
  const clash = packagesNamed(tree, packageName);
  if (clash !== undefined) {
    throw new PluginGeneratorError('name', `${clash}/package.json is already named ${packageName}: choose another --name`);
  }
  const { className, propertyName, constantName } = names(name);
  return {
    name,
    className,
    propertyName,
    constantName,
    kind,
    taskType,
    target,
    packageName,
    projectRoot,
    versions: workspaceVersions(tree, kind),
  };
}

function checkTarget(kind: Kind, target: unknown): Target {
  const allowed = TARGETS_OF_KIND[kind];
  if (target === undefined) return allowed[0]!;
  if (!(TARGETS as readonly string[]).includes(target as string)) {
    throw new PluginGeneratorError(
      'target',
      `--target '${String(target)}' is not a TaskTemplate target: use one of ${allowed.join(', ')} for --kind=${kind}`,
    );
  }
  if (!allowed.includes(target as Target)) {
    const fix =
      allowed.length === 1 ? `drop --target (a ${kind} plugin's tasks always use ${allowed[0]})` : `use one of ${allowed.join(', ')}`;
    throw new PluginGeneratorError('target', `--target '${String(target)}' does not fit --kind=${kind}: ${fix}`);
  }
  return target as Target;
}

function checkName(name: unknown): string {
  if (typeof name !== 'string' || name === '') {
    throw new PluginGeneratorError('name', '--name is required: the plugin name in kebab-case, e.g. --name=my-job');
  }
  if (!KEBAB_CASE.test(name)) {
    const suggestion = names(name).fileName;
    const hint = KEBAB_CASE.test(suggestion) ? ` (did you mean '${suggestion}'?)` : ' (e.g. my-job)';
    throw new PluginGeneratorError(
      'name',
      `--name '${name}' is not kebab-case: use lowercase letters and digits in words joined by single hyphens, starting with a letter${hint}`,
    );
  }
  if (name.startsWith('plugin-')) {
    throw new PluginGeneratorError(
      'name',
      `--name '${name}' already starts with 'plugin-': pass --name=${name.slice('plugin-'.length)} to create packages/${name}`,
    );
  }
  return name;
}

/** The directory under packages/ whose package.json has this name, if any. */
function packagesNamed(tree: Tree, packageName: string): string | undefined {
  for (const dir of tree.exists('packages') ? tree.children('packages') : []) {
    const file = `packages/${dir}/package.json`;
    if (tree.exists(file) && readJson<{ name?: string }>(tree, file).name === packageName) return `packages/${dir}`;
  }
  return undefined;
}

function workspaceVersions(tree: Tree, kind: Kind): WorkspaceVersions {
  const file = 'packages/core/package.json';
  if (!tree.exists(file)) {
    throw new PluginGeneratorError(undefined, `${file} not found: run the generator from the root of the tflyte workspace`);
  }
  const core = readJson<{
    version?: string;
    license?: string;
    engines?: Record<string, string>;
    dependencies?: Record<string, string>;
  }>(tree, file);
  const idl = core.dependencies?.['@tflyte/idl'];
  const protobuf = core.dependencies?.['@bufbuild/protobuf'];
  if (core.version === undefined || idl === undefined || protobuf === undefined) {
    throw new PluginGeneratorError(
      undefined,
      `${file} has no version or no @tflyte/idl and @bufbuild/protobuf dependencies, which the new package pins to`,
    );
  }
  return {
    core: core.version,
    idl,
    protobuf,
    duckdb: kind === 'warehouse' ? duckdbVersion(tree) : undefined,
    license: core.license ?? 'Apache-2.0',
    engines: core.engines ?? {},
  };
}

function duckdbVersion(tree: Tree): string {
  const file = 'packages/testing/package.json';
  // @tflyte/testing declares DuckDB as an optional peer (only its emulator needs it), or once did as a dependency.
  const pkg = tree.exists(file)
    ? readJson<{ dependencies?: Record<string, string>; peerDependencies?: Record<string, string> }>(tree, file)
    : undefined;
  const version = pkg?.peerDependencies?.['@duckdb/node-api'] ?? pkg?.dependencies?.['@duckdb/node-api'];
  if (version === undefined) {
    throw new PluginGeneratorError(
      'kind',
      `--kind=warehouse needs ${file} to declare @duckdb/node-api (its test server runs DuckDB): run the generator in the tflyte workspace`,
    );
  }
  return version;
}
