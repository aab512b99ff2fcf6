/**
 * `sparkTask({...})`: a Spark application (PySpark, Scala, Java or R) as a typed task. It has no
 * TypeScript body: the application runs as a SparkApplication through `sparkPlugin()`. Serialized
 * as flytekit-spark serializes its tasks — type `spark`, custom = `plugins.SparkJob`, a container
 * target holding the image and the application's arguments — so a stock Flyte propeller with its
 * spark plugin runs the same TaskTemplate.
 */
import { create } from '@bufbuild/protobuf';
import {
  type CommonTaskOptions,
  type DefinedTask,
  InvalidOptionError,
  inputReferences,
  markTaskFactoryModule,
  type OutputSpec,
  type PodTemplateOptions,
  type Task,
  type TypeRecord,
} from '@tflyte/core';
import { K8sObjectMetadataSchema, type K8sPod, K8sPodSchema } from '@tflyte/idl/core/tasks';
import { SparkApplication_Type, type SparkJob, SparkJobSchema } from '@tflyte/idl/plugins/spark';
import { confInteger, INTEGER_CONF_KEYS } from './spark-conf.ts';
import { spark } from './spark-definition.ts';
import { rewriteOutputReferences } from './spark-outputs.ts';

markTaskFactoryModule(import.meta.url);

export type SparkApplicationType = 'python' | 'scala' | 'java' | 'r';

export interface SparkApplicationSpec {
  readonly type: SparkApplicationType;
  /** The application: `local:///opt/app/wordcount.py` (in the image), `s3a://bucket/app.jar`, … */
  readonly mainApplicationFile: string;
  /** The JVM entry class of a Java or Scala application. */
  readonly mainClass?: string;
  /**
   * The application's arguments. `{{ .inputs.<name> }}` renders an input; `{{ .outputs.<name> }}`
   * the location a file, directory or dataset output is to be written at; `{{ .outputDocument }}`
   * where a JSON object holding the scalar outputs is to be written.
   */
  readonly arguments?: readonly string[];
}

export interface SparkTaskOptions<I extends TypeRecord> extends CommonTaskOptions {
  readonly name: string;
  readonly inputs?: I;
  readonly application: SparkApplicationSpec;
  /** Spark conf (`spark.executor.memory`, `spark.executor.instances`, …); wins over the plugin's defaults. */
  readonly sparkConf?: Readonly<Record<string, string>>;
  readonly hadoopConf?: Readonly<Record<string, string>>;
  /** The Python interpreter of a PySpark application (spark.pyspark.python). */
  readonly executorPath?: string;
  /** Laid over the task's pod spec for the driver (e.g. a sidecar, node selector, more memory). */
  readonly driverPod?: PodTemplateOptions;
  /** Laid over the task's pod spec for the executors. */
  readonly executorPod?: PodTemplateOptions;
}

const OWN_OPTIONS = ['application', 'sparkConf', 'hadoopConf', 'executorPath', 'driverPod', 'executorPod'] as const;

const TYPES: Record<SparkApplicationType, SparkApplication_Type> = {
  python: SparkApplication_Type.PYTHON,
  java: SparkApplication_Type.JAVA,
  scala: SparkApplication_Type.SCALA,
  r: SparkApplication_Type.R,
};

type NoInputs = Record<never, never>;

export function sparkTask<const I extends TypeRecord = NoInputs, const O extends OutputSpec = undefined>(
  options: SparkTaskOptions<I> & { readonly outputs?: O },
): Task<I, O> {
  const { name, inputs, outputs, application, sparkConf, hadoopConf, executorPath, driverPod, executorPod, ...common } = options;
  return spark.task<I, O>({
    name,
    inputs,
    outputs: outputs as O,
    options: common,
    ownOptions: OWN_OPTIONS,
    config: (task) => checkSettings(task, { application, sparkConf, hadoopConf, executorPath, driverPod, executorPod }),
    // The arguments are not part of SparkJob: like flytekit's, they travel in the container target.
    body: {
      kind: 'container',
      container: (_job, task) => ({ command: [], args: applicationArguments(task, application as SparkApplicationSpec) }),
    },
  });
}

interface Settings {
  readonly application: unknown;
  readonly sparkConf: unknown;
  readonly hadoopConf: unknown;
  readonly executorPath: unknown;
  readonly driverPod: unknown;
  readonly executorPod: unknown;
}

function isRecord(value: unknown): value is Record<string, unknown> {
  return typeof value === 'object' && value !== null && !Array.isArray(value);
}

const failFor =
  (task: DefinedTask) =>
  (option: string, problem: string): never => {
    throw new InvalidOptionError(task.name, option, problem);
  };

/** The application's arguments as the template holds them; throws for a reference to an undeclared input or output. */
function applicationArguments(task: DefinedTask, application: SparkApplicationSpec): string[] {
  const fail = failFor(task);
  const rawArgs: unknown = application.arguments ?? [];
  if (!Array.isArray(rawArgs) || rawArgs.some((a) => typeof a !== 'string')) fail('application.arguments', 'must be a list of strings');
  return (rawArgs as string[]).map((argument, i) => {
    for (const input of inputReferences(argument)) {
      if (!(input in task.inputs)) {
        fail(
          `application.arguments[${i}]`,
          `references {{ .inputs.${input} }}, but the task has no input '${input}' (inputs: ${Object.keys(task.inputs).join(', ') || 'none'})`,
        );
      }
    }
    return rewriteOutputReferences(argument, task.outputs.types, (problem) => fail(`application.arguments[${i}]`, problem));
  });
}

function checkSettings(task: DefinedTask, settings: Settings): SparkJob {
  const fail = failFor(task);
  const app = settings.application;
  if (!isRecord(app))
    return fail('application', "is required: { type: 'python' | 'scala' | 'java' | 'r', mainApplicationFile, mainClass?, arguments? }");
  for (const key of Object.keys(app)) {
    if (!['type', 'mainApplicationFile', 'mainClass', 'arguments'].includes(key))
      fail(`application.${key}`, 'is not an application setting; use type, mainApplicationFile, mainClass and arguments');
  }
  const type = TYPES[app.type as SparkApplicationType];
  if (type === undefined) fail('application.type', `must be one of 'python', 'scala', 'java', 'r', got ${JSON.stringify(app.type)}`);
  if (typeof app.mainApplicationFile !== 'string' || app.mainApplicationFile === '') {
    fail(
      'application.mainApplicationFile',
      "is required: the application's file, e.g. 'local:///opt/app/main.py' or 's3a://bucket/app.jar'",
    );
  }
  if (app.mainClass !== undefined && (typeof app.mainClass !== 'string' || app.mainClass === ''))
    fail('application.mainClass', 'must be a non-empty class name');
  // Checked here so that a bad argument fails the definition before anything is encoded.
  applicationArguments(task, app as unknown as SparkApplicationSpec);
  const sparkConf = stringRecord(settings.sparkConf, 'sparkConf', fail);
  for (const key of INTEGER_CONF_KEYS) {
    if (Number.isNaN(confInteger(sparkConf, key))) fail(`sparkConf['${key}']`, `must be a positive whole number, got '${sparkConf[key]}'`);
  }
  const hadoopConf = stringRecord(settings.hadoopConf, 'hadoopConf', fail);
  if (settings.executorPath !== undefined && (typeof settings.executorPath !== 'string' || settings.executorPath === '')) {
    fail('executorPath', "must be the path of a Python interpreter in the image, e.g. '/usr/bin/python3'");
  }
  const job = create(SparkJobSchema, {
    applicationType: type,
    mainApplicationFile: app.mainApplicationFile as string,
    mainClass: (app.mainClass as string | undefined) ?? '',
    sparkConf,
    hadoopConf,
    executorPath: (settings.executorPath as string | undefined) ?? '',
    ...rolePod(settings.driverPod, 'driverPod', fail),
    ...rolePod(settings.executorPod, 'executorPod', fail),
  });
  return job;
}

function stringRecord(value: unknown, option: string, fail: (option: string, problem: string) => never): Record<string, string> {
  if (value === undefined) return {};
  if (!isRecord(value)) return fail(option, "must be an object of string values, e.g. { 'spark.executor.memory': '2g' }");
  for (const [key, v] of Object.entries(value))
    if (typeof v !== 'string') fail(`${option}['${key}']`, `must be a string (Spark reads every setting as text), got ${typeof v}`);
  return { ...(value as Record<string, string>) };
}

function rolePod(
  value: unknown,
  option: 'driverPod' | 'executorPod',
  fail: (option: string, problem: string) => never,
): { [K in typeof option]?: K8sPod } {
  if (value === undefined) return {};
  if (!isRecord(value) || !isRecord(value.podSpec))
    return fail(option, 'must be { podSpec, primaryContainerName?, labels?, annotations? } with podSpec a Kubernetes PodSpec');
  const pod = value as unknown as PodTemplateOptions;
  return {
    [option]: create(K8sPodSchema, {
      metadata: create(K8sObjectMetadataSchema, { labels: { ...pod.labels }, annotations: { ...pod.annotations } }),
      podSpec: pod.podSpec,
      primaryContainerName: pod.primaryContainerName ?? '',
    }),
  };
}
