/**
 * `containerTask()`: Flyte's ContainerTask (flytekit core/container_task.py). Any image runs as a
 * task; inputs reach it as files under `inputDataDir` and as `{{.inputs.x}}` text in its command,
 * and it answers by writing one file per output under `outputDataDir`.
 */
import { create } from '@bufbuild/protobuf';
import {
  type CommonTaskOptions,
  type ContainerParts,
  type Duration,
  type FlyteDirectoryType,
  type FlyteFileType,
  type FlyteType,
  InvalidOptionError,
  inputReferences,
  markTaskFactoryModule,
  type Task,
  type TaskDefinition,
  type TypeRecord,
} from '@tflyte/core';
import {
  DataLoadingConfig_LiteralMapFormat,
  DataLoadingConfigSchema,
  IOStrategy_DownloadMode,
  IOStrategy_UploadMode,
  IOStrategySchema,
} from '@tflyte/idl/core/tasks';
import type { ContainerConfig } from './container-config.ts';
import { containerTasks } from './container-plugin.ts';

markTaskFactoryModule(import.meta.url);

/** The value types a raw container can receive and return: those copilot writes and reads as files. */
export type ContainerValueType =
  | FlyteType<number>
  | FlyteType<string>
  | FlyteType<boolean>
  | FlyteType<Date>
  | FlyteType<Duration>
  | FlyteFileType
  | FlyteDirectoryType;
export type ContainerTypeRecord = { readonly [name: string]: ContainerValueType };

export type MetadataFormat = 'JSON' | 'YAML' | 'PROTO';
export interface IoStrategy {
  readonly downloadMode?: 'DOWNLOAD_EAGER' | 'DOWNLOAD_STREAM' | 'DO_NOT_DOWNLOAD';
  readonly uploadMode?: 'UPLOAD_ON_EXIT' | 'UPLOAD_EAGER' | 'DO_NOT_UPLOAD';
}

export interface ContainerTaskOptions<I extends ContainerTypeRecord> extends CommonTaskOptions {
  /** The task's export name; the Flyte name is `<module>.<name>`. */
  readonly name: string;
  readonly image: string;
  /** The container's command (its entrypoint); `{{.inputs.x}}` is replaced by the input's value. */
  readonly command: readonly string[];
  /** Arguments after the command; templated like it. */
  readonly args?: readonly string[];
  readonly inputs?: I;
  /** Default `/var/inputs`: one file (or directory) per input, plus `inputs.pb` and `inputs.json`/`.yaml`. */
  readonly inputDataDir?: string;
  /** Default `/var/outputs`: the container writes one file (or directory) per output here. */
  readonly outputDataDir?: string;
  /** Format of the inputs summary file beside the input files. Default `JSON`, as flytekit. */
  readonly metadataFormat?: MetadataFormat;
  /** Copilot's download/upload modes on a cluster; a local run always copies in before and out after. */
  readonly ioStrategy?: IoStrategy;
  /** `host` lets the container use the host's network; default none (loopback only). */
  readonly network?: 'none' | 'host';
}

type NoInputs = Record<never, never>;

const OWN_OPTIONS = ['command', 'args', 'inputDataDir', 'outputDataDir', 'metadataFormat', 'ioStrategy', 'network'];
const SUPPORTED_KINDS = new Set(['integer', 'float', 'string', 'boolean', 'datetime', 'duration', 'file', 'directory']);
const SUPPORTED_DISPLAY = 't.int(), t.float(), t.string(), t.bool(), t.datetime(), t.duration(), t.file() or t.directory()';
// Names become file names in the data directories and must not collide with inputs.pb / inputs.json.
const VARIABLE_NAME = /^[A-Za-z_][A-Za-z0-9_]*$/;
const FORMATS: Readonly<Record<MetadataFormat, DataLoadingConfig_LiteralMapFormat>> = {
  JSON: DataLoadingConfig_LiteralMapFormat.JSON,
  YAML: DataLoadingConfig_LiteralMapFormat.YAML,
  PROTO: DataLoadingConfig_LiteralMapFormat.PROTO,
};

/** A container task with named outputs: a call resolves to `{ name: value, … }`. */
export function containerTask<const I extends ContainerTypeRecord = NoInputs, const O extends ContainerTypeRecord = never>(
  options: ContainerTaskOptions<I> & { readonly outputs: O },
): Task<I, O>;
/** A container task without outputs. */
export function containerTask<const I extends ContainerTypeRecord = NoInputs>(
  options: ContainerTaskOptions<I> & { readonly outputs?: undefined },
): Task<I, undefined>;
export function containerTask(options: ContainerTaskOptions<ContainerTypeRecord> & { readonly outputs?: ContainerTypeRecord }): Task {
  const { name, inputs, outputs, command, args, inputDataDir, outputDataDir, metadataFormat, ioStrategy, network, ...common } = options;
  // Checked once, when the task is defined; the container body hands the checked parts to serialization.
  let parts: ContainerParts | undefined;
  return containerTasks.task({
    name,
    inputs,
    outputs,
    options: common,
    ownOptions: OWN_OPTIONS,
    config: (definition): ContainerConfig => {
      const fail = (option: string, problem: string): never => {
        throw new InvalidOptionError(definition.name, option, problem);
      };
      if (!definition.options.image) fail('image', "is required: the image to run, e.g. image: 'ghcr.io/acme/tool:1'");
      const cmd = stringList(command, 'command', fail, true);
      const argv = stringList(args, 'args', fail, false);
      const inputPath = dataDir(inputDataDir, '/var/inputs', 'inputDataDir', fail);
      const outputPath = dataDir(outputDataDir, '/var/outputs', 'outputDataDir', fail);
      if (inputPath === outputPath || inputPath.startsWith(`${outputPath}/`) || outputPath.startsWith(`${inputPath}/`)) {
        fail('outputDataDir', `must be a directory apart from inputDataDir (${inputPath}), not the same or nested`);
      }
      const format = metadataFormat ?? 'JSON';
      if (!Object.hasOwn(FORMATS, format)) fail('metadataFormat', `must be 'JSON', 'YAML' or 'PROTO', got ${JSON.stringify(format)}`);
      if (network !== undefined && network !== 'none' && network !== 'host')
        fail('network', `must be 'none' or 'host', got ${JSON.stringify(network)}`);
      checkVariables(definition.inputs, 'inputs', fail);
      checkVariables(definition.outputs.types, 'outputs', fail);
      checkReferences(
        definition,
        [...cmd.map((c, i) => [`command[${i}]`, c] as const), ...argv.map((a, i) => [`args[${i}]`, a] as const)],
        inputPath,
        fail,
      );

      const dataConfig = create(DataLoadingConfigSchema, {
        enabled: true,
        inputPath,
        outputPath,
        format: FORMATS[format],
        ...(ioStrategy === undefined ? {} : { ioStrategy: toIoStrategy(ioStrategy, fail) }),
      });
      parts = { command: cmd, args: argv, dataConfig };
      return { network: network ?? 'none' };
    },
    body: { kind: 'container', container: () => parts! },
  });
}

function stringList(value: unknown, option: string, fail: (option: string, problem: string) => never, required: boolean): string[] {
  if (value === undefined && !required) return [];
  if (!Array.isArray(value) || !value.every((v) => typeof v === 'string')) {
    return fail(option, `must be an array of strings, e.g. ${option}: ['sh', '-c', 'echo {{.inputs.x}}']`);
  }
  return [...value];
}

function dataDir(value: unknown, fallback: string, option: string, fail: (option: string, problem: string) => never): string {
  if (value === undefined) return fallback;
  if (typeof value !== 'string' || !value.startsWith('/') || /[,\n\0]/.test(value)) {
    return fail(option, `must be an absolute path inside the container, e.g. '${fallback}'`);
  }
  const normalized = value.replace(/\/+$/, '').replace(/\/{2,}/g, '/');
  if (normalized === '' || normalized.split('/').some((part) => part === '.' || part === '..')) {
    return fail(option, `must be an absolute path below '/' without '.' or '..', e.g. '${fallback}'`);
  }
  return normalized;
}

function checkVariables(types: TypeRecord, field: 'inputs' | 'outputs', fail: (option: string, problem: string) => never): void {
  for (const [name, type] of Object.entries(types)) {
    if (!VARIABLE_NAME.test(name))
      fail(`${field}.${name}`, 'must be an identifier (letters, digits, _): it becomes a file name in the container');
    if (!SUPPORTED_KINDS.has(type.kind)) {
      fail(
        `${field}.${name}`,
        `is ${type.display}, which a raw container cannot ${field === 'inputs' ? 'receive' : 'return'} as a file; use ${SUPPORTED_DISPLAY}`,
      );
    }
  }
}

function checkReferences(
  definition: Pick<TaskDefinition, 'inputs'>,
  entries: ReadonlyArray<readonly [string, string]>,
  inputPath: string,
  fail: (option: string, problem: string) => never,
): void {
  const declared = Object.keys(definition.inputs);
  for (const [field, text] of entries) {
    for (const name of inputReferences(text)) {
      const type = definition.inputs[name];
      if (type === undefined) {
        fail(field, `refers to {{.inputs.${name}}}, which is not an input of this task; inputs are: ${declared.join(', ') || '(none)'}`);
      }
      if (type.kind === 'file' || type.kind === 'directory') {
        // Propeller renders a blob as its remote URI, which the container cannot open; copilot puts the data at this path.
        fail(field, `refers to {{.inputs.${name}}}, a ${type.kind}: write its path in the container, '${inputPath}/${name}', instead`);
      }
    }
  }
}

function toIoStrategy(strategy: IoStrategy, fail: (option: string, problem: string) => never) {
  const download = strategy.downloadMode ?? 'DOWNLOAD_EAGER';
  const upload = strategy.uploadMode ?? 'UPLOAD_ON_EXIT';
  if (!Object.hasOwn(IOStrategy_DownloadMode, download) || typeof IOStrategy_DownloadMode[download] !== 'number') {
    fail('ioStrategy.downloadMode', "must be 'DOWNLOAD_EAGER', 'DOWNLOAD_STREAM' or 'DO_NOT_DOWNLOAD'");
  }
  if (!Object.hasOwn(IOStrategy_UploadMode, upload) || typeof IOStrategy_UploadMode[upload] !== 'number') {
    fail('ioStrategy.uploadMode', "must be 'UPLOAD_ON_EXIT', 'UPLOAD_EAGER' or 'DO_NOT_UPLOAD'");
  }
  return create(IOStrategySchema, { downloadMode: IOStrategy_DownloadMode[download], uploadMode: IOStrategy_UploadMode[upload] });
}
