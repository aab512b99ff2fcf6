/**
 * `hiveTask({...})`: a Hive query as a typed Flyte task, serialized as flytekit's HiveTask (type
 * `hive`, custom = QuboleHiveJob with the query template, its timeout, the cluster label and tags).
 * It runs through an executor with `hivePlugin()` registered.
 */
import { type CommonTaskOptions, type Duration, InvalidOptionError, markTaskFactoryModule, type Task, type TypeRecord } from '@tflyte/core';
import { checkQuery, checkResultOutputs, type ResultOutputs } from '@tflyte/warehouse';
import { hiveDialect } from './hive-dialect.ts';
import { hive } from './hive-plugin.ts';

markTaskFactoryModule(import.meta.url);

export interface HiveTaskOptions<I extends TypeRecord> extends CommonTaskOptions {
  readonly name: string;
  /**
   * One HiveQL statement. `{{ .inputs.name }}` becomes a typed HiveQL literal (HiveServer2 has no
   * parameter binding), `{{ .inputs.name | identifier }}` a validated, backquoted name,
   * `{{ .inputs.name | date }}` a DATE literal.
   */
  readonly query: string;
  readonly inputs?: I;
  /** Picks the HiveServer2 (hivePlugin's `clusters`); default `default`. */
  readonly clusterLabel?: string;
}

const OWN_OPTIONS = ['query', 'clusterLabel'] as const;
const LABEL = /^[A-Za-z0-9._-]{1,128}$/;

type NoInputs = Record<never, never>;

/**
 * Outputs: any of `rows` (`t.list(t.struct())`, the result) and `results` (a dataset at the run's
 * raw output prefix, where the query is expected to write, as in Flyte); none by default.
 */
export function hiveTask<const I extends TypeRecord = NoInputs, const O extends TypeRecord & ResultOutputs = NoInputs>(
  options: HiveTaskOptions<I> & { readonly outputs?: O & Record<Exclude<keyof O, keyof ResultOutputs>, never> },
): Task<I, O> {
  const { name, inputs, outputs, query, clusterLabel, ...common } = options;
  return hive.task({
    name,
    inputs,
    outputs: (outputs ?? {}) as O,
    options: common,
    ownOptions: OWN_OPTIONS,
    body: { kind: 'sql', statement: (config) => config.job.query?.query ?? '' },
    config: (task) => {
      const fail = (option: string, problem: string): never => {
        throw new InvalidOptionError(task.name, option, problem);
      };
      const template = checkQuery(task, query, { dialect: hiveDialect });
      if (clusterLabel !== undefined && (typeof clusterLabel !== 'string' || !LABEL.test(clusterLabel))) {
        fail('clusterLabel', `must be a cluster label (letters, digits, '.', '_', '-'), got ${JSON.stringify(clusterLabel)}`);
      }
      checkResultOutputs(task, undefined, 'a Hive query');
      return {
        job: {
          clusterLabel: clusterLabel ?? '',
          // The task's tags as Qubole's `key:value` command tags.
          tags: Object.entries(task.options.tags ?? {}).map(([key, value]) => `${key}:${value}`),
          query: { query: template.statement, timeoutSec: timeoutSeconds(task.options.timeout), retryCount: 0 },
        },
      };
    },
  });
}

/** HiveServer2's query timeout is in whole seconds; a fraction rounds up so the query never gets less. */
function timeoutSeconds(timeout: Duration | undefined): number {
  if (timeout === undefined) return 0;
  return Math.ceil(Number(timeout.seconds) + timeout.nanos / 1e9);
}
