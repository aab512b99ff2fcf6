/**
 * `snowflakeTask({...})`: a Snowflake query as a typed task, serialized as flytekit's SnowflakeTask.
 * Inputs are referenced as `{{ .inputs.name }}` (bound as `?` values, never spliced) or
 * `{{ .inputs.name | identifier }}` (validated and double-quoted); references to undeclared inputs
 * fail here, where the task is defined.
 */
import {
  type CommonTaskOptions,
  type DefinedTask,
  InvalidOptionError,
  markTaskFactoryModule,
  type Task,
  type TypeRecord,
  t,
} from '@tflyte/core';
import { checkQuery, checkResultOutputs, type DefaultResultOutputs, type ResultOutputs } from '@tflyte/warehouse';
import { MAX_STATEMENT_LENGTH } from './snowflake-dialect.ts';
import { snowflake } from './snowflake-plugin.ts';
import type { SnowflakeConfig } from './snowflake-template.ts';

markTaskFactoryModule(import.meta.url);

export interface SnowflakeTaskOptions<I extends TypeRecord> extends CommonTaskOptions {
  readonly name: string;
  /** One SQL statement; `{{ .inputs.x }}` references become `?` binds. */
  readonly query: string;
  readonly inputs?: I;
  /** Account identifier, e.g. `myorg-myaccount` or `xy12345.us-east-1`. */
  readonly account: string;
  /** Login name; default: the plugin's `user`. */
  readonly user?: string;
  readonly database: string;
  readonly schema: string;
  readonly warehouse: string;
  readonly role?: string;
  /** With a `rows` output: the most rows to return before failing (default 10,000). */
  readonly maxRows?: number;
}

const OWN_OPTIONS = ['query', 'account', 'user', 'database', 'schema', 'warehouse', 'role', 'maxRows'] as const;
// Unquoted Snowflake identifiers; an account may also carry its region (xy12345.us-east-1) or org (org-acct).
const ACCOUNT = /^[A-Za-z0-9_.-]{1,255}$/;
const NAME = /^[A-Za-z_][A-Za-z0-9_$]{0,254}$/;

const QUERY_LIMIT = { maxLength: { chars: MAX_STATEMENT_LENGTH, service: 'Snowflake' } } as const;

type NoInputs = Record<never, never>;

/** Outputs default to `{ results: t.dataset() }` (the query's result, `snowflake://…/<queryId>`). */
export function snowflakeTask<const I extends TypeRecord = NoInputs>(
  options: SnowflakeTaskOptions<I> & { readonly outputs?: undefined },
): Task<I, DefaultResultOutputs>;
/** Declared outputs: any of `results` (a dataset) and `rows` (`t.list(t.struct())`); `{}` for none. */
export function snowflakeTask<const I extends TypeRecord = NoInputs, const O extends TypeRecord & ResultOutputs = DefaultResultOutputs>(
  options: SnowflakeTaskOptions<I> & { readonly outputs: O & Record<Exclude<keyof O, keyof ResultOutputs>, never> },
): Task<I, O>;
export function snowflakeTask(options: SnowflakeTaskOptions<TypeRecord> & { readonly outputs?: TypeRecord }): Task {
  const { name, inputs, outputs, query, account, user, database, schema, warehouse, role, maxRows, ...common } = options;
  return snowflake.task({
    name,
    inputs,
    outputs: outputs ?? { results: t.dataset() },
    options: common,
    ownOptions: OWN_OPTIONS,
    config: (task: DefinedTask): SnowflakeConfig => {
      checkQuery(task, query, QUERY_LIMIT);
      const rows = checkResultOutputs(task, maxRows, 'a Snowflake query');
      const fail = (option: string, problem: string): never => {
        throw new InvalidOptionError(task.name, option, problem);
      };
      const field = (option: string, value: unknown, pattern: RegExp, required: boolean): string => {
        if (value === undefined && !required) return '';
        if (typeof value !== 'string' || value === '') return fail(option, 'is required (a non-empty string)');
        if (!pattern.test(value))
          fail(option, `'${value}' is not a Snowflake ${option} name (letters, digits, '_' and '$', not starting with a digit)`);
        return value;
      };
      return {
        account: field('account', account, ACCOUNT, true),
        user: field('user', user, /^[^"\s]{1,255}$/, false),
        database: field('database', database, NAME, true),
        schema: field('schema', schema, NAME, true),
        warehouse: field('warehouse', warehouse, NAME, true),
        role: field('role', role, NAME, false),
        ...(rows.rows && maxRows !== undefined ? { maxRows: rows.maxRows } : {}),
      };
    },
    body: { kind: 'sql', statement: (_config, task) => checkQuery(task, query, QUERY_LIMIT).statement },
  });
}
