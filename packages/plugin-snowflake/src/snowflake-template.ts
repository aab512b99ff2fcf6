/**
 * What a Snowflake task's TaskTemplate carries, as flytekit's SnowflakeTask writes it: no `custom`,
 * the connection fields in `TaskTemplate.config` (`account`, `user`, `database`, `schema`,
 * `warehouse`; tflyte adds `role` and the `rows` bound when set), and the statement in the `sql` target.
 */

import { BackendError, type ConfigCodec } from '@tflyte/core';
import type { TaskTemplate } from '@tflyte/idl/core/tasks';

export const SNOWFLAKE_TASK_TYPE = 'snowflake';
export const SNOWFLAKE_TASK_TYPE_VERSION = 0;
export const CONFIG_MAX_ROWS = 'snowflake_max_rows';
export { DEFAULT_MAX_ROWS as DEFAULT_MAX_ROWS_FALLBACK } from '@tflyte/warehouse';

export interface SnowflakeConfig {
  readonly account: string;
  /** Empty: the plugin's user. */
  readonly user: string;
  readonly database: string;
  readonly schema: string;
  /** Empty: the plugin's default warehouse. */
  readonly warehouse: string;
  readonly role: string;
  /** With a `rows` output: the most rows returned. */
  readonly maxRows?: number;
}

/** flytekit writes no custom for Snowflake: the config is TaskTemplate.config, all five connection keys, empty ones included. */
export const snowflakeConfig: ConfigCodec<SnowflakeConfig> = {
  encode: (config) => ({ config: templateConfig(config) }),
  decode: ({ config = {} }) => configFrom(config),
};

function templateConfig(config: SnowflakeConfig): Record<string, string> {
  return {
    account: config.account,
    user: config.user,
    database: config.database,
    schema: config.schema,
    warehouse: config.warehouse,
    ...(config.role === '' ? {} : { role: config.role }),
    ...(config.maxRows === undefined ? {} : { [CONFIG_MAX_ROWS]: String(config.maxRows) }),
  };
}

/** The config and statement of a serialized Snowflake task; a malformed one is a permanent USER failure. */
export function readTemplate(template: TaskTemplate): { readonly config: SnowflakeConfig; readonly statement: string } {
  const c = template.config;
  const invalid = (problem: string): never => {
    throw new BackendError({ kind: 'user', retryable: false, code: 'InvalidTaskTemplate', message: `Snowflake task template ${problem}` });
  };
  const statement =
    template.target.case === 'sql' ? template.target.value.statement : invalid('has no sql target: the statement is missing');
  if (statement === '') invalid('has an empty sql statement');
  if (!c.account) invalid("has no config 'account'");
  if (!c.database) invalid("has no config 'database'");
  const maxRows = c[CONFIG_MAX_ROWS] === undefined ? undefined : Number(c[CONFIG_MAX_ROWS]);
  if (maxRows !== undefined && !(Number.isInteger(maxRows) && maxRows > 0)) invalid(`config ${CONFIG_MAX_ROWS} must be a positive integer`);
  return { statement, config: configFrom(c) };
}

function configFrom(c: Readonly<Record<string, string | undefined>>): SnowflakeConfig {
  const maxRows = c[CONFIG_MAX_ROWS] === undefined ? undefined : Number(c[CONFIG_MAX_ROWS]);
  return {
    account: c['account'] ?? '',
    user: c['user'] ?? '',
    database: c['database'] ?? '',
    schema: c['schema'] ?? '',
    warehouse: c['warehouse'] ?? '',
    role: c['role'] ?? '',
    ...(maxRows === undefined ? {} : { maxRows }),
  };
}
