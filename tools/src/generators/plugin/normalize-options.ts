/**
 * The generator's options, validated against the workspace, and everything the templates need:
 * identifiers derived from the name and the versions the new package pins.
 */
import { names, readJson, type Tree } from '@nx/devkit';
import { PluginGeneratorError } from './generator-error.ts';
import type { PluginGeneratorSchema } from './schema.d.ts';

export const TARGETS = ['container', 'k8sPod', 'sql'] as const;
export type Target = (typeof TARGETS)[number];

const KEBAB_CASE = /^[a-z][a-z0-9]*(?:-[a-z0-9]+)*$/;
// Flyte's task types are lowercase words joined by '-' or '_' (raw-container, sagemaker_training_job_task).
const TASK_TYPE = /^[a-z][a-z0-9]*(?:[-_][a-z0-9]+)*$/;

/** What the new package pins, read from packages/core/package.json. */
export interface WorkspaceVersions {
  readonly core: string;
  readonly idl: string;
  readonly protobuf: string;
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
  const taskType = schema.taskType ?? name;
  if (!TASK_TYPE.test(taskType)) {
    throw new PluginGeneratorError(
      'taskType',
      `--taskType '${taskType}' is not a Flyte task type: use lowercase letters and digits, words joined by '-' or '_' (e.g. my_job)`,
    );
  }
  const target = schema.target ?? 'container';
  if (!(TARGETS as readonly string[]).includes(target)) {
    throw new PluginGeneratorError('target', `--target '${String(target)}' is not a TaskTemplate target: use one of ${TARGETS.join(', ')}`);
  }
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
  return { name, className, propertyName, constantName, taskType, target, packageName, projectRoot, versions: workspaceVersions(tree) };
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
    throw new PluginGeneratorError('name', `--name '${name}' already starts with 'plugin-': pass --name=${name.slice('plugin-'.length)} to create packages/${name}`);
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

function workspaceVersions(tree: Tree): WorkspaceVersions {
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
    throw new PluginGeneratorError(undefined, `${file} has no version or no @tflyte/idl and @bufbuild/protobuf dependencies, which the new package pins to`);
  }
  return { core: core.version, idl, protobuf, license: core.license ?? 'Apache-2.0', engines: core.engines ?? {} };
}
