/**
 * The Spark conf a SparkApplication gets, layered as Flyte's spark plugin layers it: the plugin's
 * defaults, then the interpreter of `executorPath`, then the task's own conf (where
 * `spark.flyteorg.<feature>.enabled=true` / `spark.flyte.<feature>.enabled=true` switches on a
 * configured feature's conf), then the core limits derived from the requests, then the values
 * only the attempt knows (executor pod name prefix, the driver's start time).
 */

/** A named block of Spark conf that tasks switch on with `spark.flyteorg.<name>.enabled=true`. */
export interface SparkFeature {
  readonly name: string;
  readonly sparkConf: Readonly<Record<string, string>>;
}

export interface ConfLayers {
  /** Plugin-level defaults (Flyte's `spark-config-default`); everything else wins over them. */
  readonly defaults: Readonly<Record<string, string>>;
  readonly features: readonly SparkFeature[];
  /** The Python interpreter of the executors (SparkJob.executorPath); '' for none. */
  readonly executorPath: string;
  readonly taskConf: Readonly<Record<string, string>>;
  /** The attempt's generated name: the executor pods' name prefix. */
  readonly generatedName: string;
  /** The attempt's start, ms since the epoch, handed to the driver as FLYTE_START_TIME. */
  readonly startTimeMs: number;
}

const FEATURE_KEY = /^spark\.(?:flyteorg|flyte)\.(.+)\.enabled$/;

export function layerSparkConf(layers: ConfLayers): Record<string, string> {
  const conf: Record<string, string> = { ...layers.defaults };
  if (layers.executorPath !== '') {
    conf['spark.pyspark.python'] = layers.executorPath;
    conf['spark.pyspark.driver.python'] = layers.executorPath;
  }
  for (const [key, value] of Object.entries(layers.taskConf)) {
    const feature = FEATURE_KEY.exec(key);
    if (feature === null) {
      conf[key] = value;
      continue;
    }
    // A feature switch is an instruction to the plugin, not a Spark setting.
    if (value !== 'true') continue;
    const named = layers.features.find((f) => f.name === feature[1]);
    if (named !== undefined) Object.assign(conf, named.sparkConf);
  }
  for (const role of ['driver', 'executor'] as const) {
    const limit = `spark.kubernetes.${role}.limit.cores`;
    const cores = conf[`spark.kubernetes.${role}.request.cores`] ?? conf[`spark.${role}.cores`];
    if (conf[limit] === undefined && cores !== undefined) conf[limit] = cores;
  }
  conf['spark.kubernetes.executor.podNamePrefix'] = layers.generatedName;
  conf['spark.kubernetes.driverEnv.FLYTE_START_TIME'] = String(layers.startTimeMs);
  return conf;
}

/** A positive whole number from the conf (cores, instances), or undefined when the key is absent. */
export function confInteger(conf: Readonly<Record<string, string>>, key: string): number | undefined {
  const text = conf[key];
  if (text === undefined) return undefined;
  const value = Number(text.trim());
  return Number.isInteger(value) && value >= 1 ? value : Number.NaN;
}

/** Keys whose values must be positive integers, checked when a task is defined. */
export const INTEGER_CONF_KEYS = ['spark.driver.cores', 'spark.executor.cores', 'spark.executor.instances'] as const;
