/**
 * `pytorchTask()`: distributed PyTorch training as a typed task (flytekit-kf-pytorch's `PyTorch` /
 * `Elastic` configs). The training code is the user's program in the task's image; its arguments are
 * templated with the typed inputs, and rank 0 answers by writing one file per output under
 * `outputDataDir`, as a raw container does. Serializes as task type `pytorch` version 1.
 */
import { create, type MessageInitShape } from '@bufbuild/protobuf';
import {
  type CommonTaskOptions,
  type DefinedTask,
  InvalidOptionError,
  inputReferences,
  markTaskFactoryModule,
  type OutputSpec,
  type ResourceSpec,
  type Task,
  type TypeRecord,
  toQuantity,
} from '@tflyte/core';
import {
  DataLoadingConfig_LiteralMapFormat,
  DataLoadingConfigSchema,
  type Resources,
  Resources_ResourceName,
  ResourcesSchema,
} from '@tflyte/idl/core/tasks';
import { DistributedPyTorchTrainingTaskSchema } from '@tflyte/idl/plugins/kubeflow/pytorch';
import { CleanPodPolicy, type PyTorchConfig, RestartPolicy } from './pytorch-config.ts';
import { pytorch } from './pytorch-plugin.ts';

markTaskFactoryModule(import.meta.url);

export type RestartPolicyName = 'Never' | 'OnFailure' | 'Always';
export type CleanPodPolicyName = 'None' | 'Running' | 'All';

export interface ReplicaOptions {
  /** Default: the task's image. */
  readonly image?: string;
  /** Default: the task's requests and limits. */
  readonly resources?: { readonly requests?: ResourceSpec; readonly limits?: ResourceSpec };
  /** Default `Never`. */
  readonly restartPolicy?: RestartPolicyName;
}

export interface WorkerOptions extends ReplicaOptions {
  /** Worker replicas beside the master (0 or more). */
  readonly replicas: number;
}

/** torch elastic (flytekit's `Elastic`): workers rendezvous, there is no master. */
export interface ElasticOptions {
  readonly minReplicas: number;
  readonly maxReplicas: number;
  /** Default 1. */
  readonly nprocPerNode?: number;
  /** Default 0. */
  readonly maxRestarts?: number;
  /** Default `c10d`, as flytekit. */
  readonly rdzvBackend?: string;
}

export interface RunPolicyOptions {
  readonly cleanPodPolicy?: CleanPodPolicyName;
  readonly ttlSecondsAfterFinished?: number;
  readonly activeDeadlineSeconds?: number;
  readonly backoffLimit?: number;
}

export interface PyTorchTaskOptions<I extends TypeRecord> extends CommonTaskOptions {
  readonly name: string;
  /** The image holding the training program (required). */
  readonly image: string;
  /** The program each rank runs, e.g. `['python3', '/app/train.py']`. */
  readonly command: readonly string[];
  /** Arguments; `{{.inputs.x}}` is replaced by the input's value. */
  readonly args?: readonly string[];
  readonly inputs?: I;
  readonly master?: ReplicaOptions;
  /** Required unless `elastic` is set (then `maxReplicas` worker replicas run). */
  readonly workers?: WorkerOptions;
  readonly elastic?: ElasticOptions;
  readonly runPolicy?: RunPolicyOptions;
  /** Default `/var/inputs`: one file per input, plus inputs.pb and inputs.json. */
  readonly inputDataDir?: string;
  /** Default `/var/outputs`: rank 0 writes one file per output here. */
  readonly outputDataDir?: string;
}

const OWN_OPTIONS = ['command', 'args', 'master', 'workers', 'elastic', 'runPolicy', 'inputDataDir', 'outputDataDir'];
/** What copilot reads and writes as files. */
const FILE_KINDS = new Set(['integer', 'float', 'string', 'boolean', 'datetime', 'duration', 'file', 'directory']);
const VARIABLE_NAME = /^[A-Za-z_][A-Za-z0-9_]*$/;
const RESTART: Readonly<Record<RestartPolicyName, RestartPolicy>> = {
  Never: RestartPolicy.NEVER,
  OnFailure: RestartPolicy.ON_FAILURE,
  Always: RestartPolicy.ALWAYS,
};
const CLEAN_POD: Readonly<Record<CleanPodPolicyName, CleanPodPolicy>> = {
  None: CleanPodPolicy.CLEANPOD_POLICY_NONE,
  Running: CleanPodPolicy.CLEANPOD_POLICY_RUNNING,
  All: CleanPodPolicy.CLEANPOD_POLICY_ALL,
};
const RESOURCE_NAMES = [
  ['cpu', Resources_ResourceName.CPU],
  ['gpu', Resources_ResourceName.GPU],
  ['mem', Resources_ResourceName.MEMORY],
  ['ephemeralStorage', Resources_ResourceName.EPHEMERAL_STORAGE],
] as const;

type Fail = (option: string, problem: string) => never;

/** A PyTorch training task with named outputs, written by rank 0. */
export function pytorchTask<const I extends TypeRecord = Record<never, never>, const O extends OutputSpec = undefined>(
  options: PyTorchTaskOptions<I> & { readonly outputs?: O },
): Task<I, O> {
  const { name, inputs, outputs, command, args, master, workers, elastic, runPolicy, inputDataDir, outputDataDir, ...common } = options;
  let container: { command: string[]; args: string[]; inputPath: string; outputPath: string } | undefined;
  return pytorch.task<I, O>({
    name,
    inputs,
    outputs: outputs as O,
    options: common,
    ownOptions: OWN_OPTIONS,
    config: (task) => {
      const fail: Fail = (option, problem) => {
        throw new InvalidOptionError(task.name, option, problem);
      };
      if (!task.options.image) fail('image', "is required: the image with the training program, e.g. image: 'ghcr.io/acme/train:1'");
      const cmd = stringList(command, 'command', fail, true);
      const argv = stringList(args, 'args', fail, false);
      const inputPath = dataDir(inputDataDir, '/var/inputs', 'inputDataDir', fail);
      const outputPath = dataDir(outputDataDir, '/var/outputs', 'outputDataDir', fail);
      if (inputPath === outputPath || inputPath.startsWith(`${outputPath}/`) || outputPath.startsWith(`${inputPath}/`)) {
        fail('outputDataDir', `must be a directory apart from inputDataDir (${inputPath}), not the same or nested`);
      }
      checkVariables(task, fail);
      checkReferences(
        task,
        [...cmd.map((c, i) => [`command[${i}]`, c] as const), ...argv.map((a, i) => [`args[${i}]`, a] as const)],
        inputPath,
        fail,
      );
      container = { command: cmd, args: argv, inputPath, outputPath };
      return toConfig({ master, workers, elastic, runPolicy }, fail);
    },
    body: {
      kind: 'container',
      container: () => {
        const c = container!;
        const dataConfig = create(DataLoadingConfigSchema, {
          enabled: true,
          inputPath: c.inputPath,
          outputPath: c.outputPath,
          format: DataLoadingConfig_LiteralMapFormat.JSON,
        });
        return { command: c.command, args: c.args, dataConfig };
      },
    },
  });
}

function toConfig(o: Pick<PyTorchTaskOptions<TypeRecord>, 'master' | 'workers' | 'elastic' | 'runPolicy'>, fail: Fail): PyTorchConfig {
  const run = o.runPolicy === undefined ? undefined : runPolicyOf(o.runPolicy, fail);
  if (o.elastic !== undefined) {
    if (o.master !== undefined)
      fail('master', 'cannot be set with elastic: an elastic job has only workers, which rendezvous among themselves');
    const e = o.elastic;
    const min = positiveInt(e.minReplicas, 'elastic.minReplicas', fail, 1);
    const max = positiveInt(e.maxReplicas, 'elastic.maxReplicas', fail, 1);
    if (max < min) fail('elastic.maxReplicas', `must be at least minReplicas (${min}), got ${max}`);
    if (o.workers !== undefined && o.workers.replicas !== max)
      fail('workers.replicas', `must equal elastic.maxReplicas (${max}) or be left out`);
    const rdzvBackend = e.rdzvBackend ?? 'c10d';
    if (typeof rdzvBackend !== 'string' || rdzvBackend === '')
      fail('elastic.rdzvBackend', "must be a rendezvous backend name such as 'c10d'");
    const worker = o.workers === undefined ? { replicas: max } : { ...replica(o.workers, 'workers', fail), replicas: max };
    return fromFields({
      workerReplicas: worker,
      elasticConfig: {
        rdzvBackend,
        minReplicas: min,
        maxReplicas: max,
        nprocPerNode: positiveInt(e.nprocPerNode ?? 1, 'elastic.nprocPerNode', fail, 1),
        maxRestarts: positiveInt(e.maxRestarts ?? 0, 'elastic.maxRestarts', fail, 0),
      },
      ...(run === undefined ? {} : { runPolicy: run }),
    });
  }
  if (o.workers === undefined) fail('workers', 'is required: { replicas: N } worker replicas beside the master (or set elastic)');
  const workers = o.workers!;
  return fromFields({
    workerReplicas: { ...replica(workers, 'workers', fail), replicas: positiveInt(workers.replicas, 'workers.replicas', fail, 0) },
    // The master is always one replica (Flyte forces it, flytekit writes it).
    masterReplicas: { ...replica(o.master ?? {}, 'master', fail), replicas: 1 },
    ...(run === undefined ? {} : { runPolicy: run }),
  });
}

function fromFields(init: MessageInitShape<typeof DistributedPyTorchTrainingTaskSchema>): PyTorchConfig {
  return create(DistributedPyTorchTrainingTaskSchema, init);
}

/** flytekit's `_convert_replica_spec`: resources are always set (possibly empty), the restart policy only when given. */
function replica(o: ReplicaOptions, field: string, fail: Fail) {
  const restart = o.restartPolicy;
  if (restart !== undefined && !Object.hasOwn(RESTART, restart))
    fail(`${field}.restartPolicy`, `must be 'Never', 'OnFailure' or 'Always', got ${JSON.stringify(restart)}`);
  if (o.image !== undefined && (typeof o.image !== 'string' || o.image === ''))
    fail(`${field}.image`, 'must be a non-empty image reference');
  return {
    ...(o.image === undefined ? {} : { image: o.image }),
    resources: resourcesOf(o.resources, `${field}.resources`, fail),
    ...(restart === undefined ? {} : { restartPolicy: RESTART[restart] }),
  };
}

function resourcesOf(r: ReplicaOptions['resources'], field: string, fail: Fail): Resources {
  const entries = (spec: ResourceSpec | undefined, part: string) =>
    RESOURCE_NAMES.filter(([key]) => spec?.[key] !== undefined).map(([key, name]) => {
      const value = toQuantity(spec![key]);
      if (value === undefined)
        fail(`${field}.${part}.${key}`, `must be a Kubernetes quantity such as '2', '500m' or '4Gi', got ${JSON.stringify(spec![key])}`);
      return { name, value: value! };
    });
  return create(ResourcesSchema, { requests: entries(r?.requests, 'requests'), limits: entries(r?.limits, 'limits') });
}

function runPolicyOf(r: RunPolicyOptions, fail: Fail) {
  if (r.cleanPodPolicy !== undefined && !Object.hasOwn(CLEAN_POD, r.cleanPodPolicy)) {
    fail('runPolicy.cleanPodPolicy', `must be 'None', 'Running' or 'All', got ${JSON.stringify(r.cleanPodPolicy)}`);
  }
  const seconds = (value: number | undefined, key: string) =>
    value === undefined ? {} : { [key]: positiveInt(value, `runPolicy.${key}`, fail, 0) };
  return {
    ...(r.cleanPodPolicy === undefined ? {} : { cleanPodPolicy: CLEAN_POD[r.cleanPodPolicy] }),
    ...seconds(r.ttlSecondsAfterFinished, 'ttlSecondsAfterFinished'),
    ...seconds(r.activeDeadlineSeconds, 'activeDeadlineSeconds'),
    ...seconds(r.backoffLimit, 'backoffLimit'),
  };
}

function positiveInt(value: unknown, option: string, fail: Fail, min: number): number {
  if (typeof value !== 'number' || !Number.isInteger(value) || value < min || value > 2 ** 31 - 1) {
    return fail(option, `must be an integer of at least ${min}, got ${JSON.stringify(value)}`);
  }
  return value;
}

function stringList(value: unknown, option: string, fail: Fail, required: boolean): string[] {
  if (value === undefined && !required) return [];
  if (!Array.isArray(value) || (required && value.length === 0) || !value.every((v) => typeof v === 'string')) {
    return fail(option, `must be an array of strings, e.g. ${option}: ['python3', '/app/train.py']`);
  }
  return [...value];
}

function dataDir(value: unknown, fallback: string, option: string, fail: Fail): string {
  if (value === undefined) return fallback;
  if (typeof value !== 'string' || !value.startsWith('/') || /[,\n\0]/.test(value))
    return fail(option, `must be an absolute path, e.g. '${fallback}'`);
  const normalized = value.replace(/\/+$/, '').replace(/\/{2,}/g, '/');
  if (normalized === '' || normalized.split('/').some((part) => part === '.' || part === '..')) {
    return fail(option, `must be an absolute path below '/' without '.' or '..', e.g. '${fallback}'`);
  }
  return normalized;
}

function checkVariables(task: DefinedTask, fail: Fail): void {
  const check = (types: TypeRecord, field: 'inputs' | 'outputs') => {
    for (const [name, type] of Object.entries(types)) {
      if (!VARIABLE_NAME.test(name)) fail(`${field}.${name}`, 'must be an identifier (letters, digits, _): it becomes a file name');
      if (!FILE_KINDS.has(type.kind)) {
        fail(
          `${field}.${name}`,
          `is ${type.display}, which the training program cannot ${field === 'inputs' ? 'receive' : 'return'} as a file; use t.int(), t.float(), t.string(), t.bool(), t.datetime(), t.duration(), t.file() or t.directory()`,
        );
      }
    }
  };
  check(task.inputs, 'inputs');
  check(task.outputs.types, 'outputs');
}

function checkReferences(task: DefinedTask, entries: ReadonlyArray<readonly [string, string]>, inputPath: string, fail: Fail): void {
  const declared = Object.keys(task.inputs);
  for (const [field, text] of entries) {
    for (const name of inputReferences(text)) {
      const type = task.inputs[name];
      if (type === undefined)
        fail(field, `refers to {{.inputs.${name}}}, which is not an input of this task; inputs are: ${declared.join(', ') || '(none)'}`);
      if (type!.kind === 'file' || type!.kind === 'directory')
        fail(field, `refers to {{.inputs.${name}}}, a ${type!.kind}: write its path, '${inputPath}/${name}', instead`);
    }
  }
}
