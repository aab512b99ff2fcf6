/**
 * What an Athena task's TaskTemplate carries: `custom` is flyteidl's PrestoQuery in proto3 JSON,
 * exactly as flytekit's AthenaTask writes it (empty fields omitted); the two settings PrestoQuery
 * has no field for travel in `TaskTemplate.config`.
 */
import { type ConfigCodec, protoCustom } from '@tflyte/core';
import { PrestoQuerySchema } from '@tflyte/idl/plugins/presto';

/** flytekit's AthenaTask type: Flyte routes `presto` to its Athena plugin. */
export const ATHENA_TASK_TYPE = 'presto';
export const ATHENA_TASK_TYPE_VERSION = 0;

/** TaskTemplate.config keys. */
export const CONFIG_OUTPUT_LOCATION = 'athena_output_location';
export const CONFIG_MAX_ROWS = 'athena_max_rows';

/** An Athena task's config: PrestoQuery's fields under Athena's names (`''` means unset), and the two config settings. */
export interface AthenaQueryConfig {
  /** The normalized query template, `{{ .inputs.x }}` references in place. */
  readonly statement: string;
  /** PrestoQuery.schema. */
  readonly database: string;
  /** PrestoQuery.routing_group. */
  readonly workgroup: string;
  readonly catalog: string;
  /** Result location (TaskTemplate.config); undefined: the plugin's, the run's raw output prefix, or the workgroup's. */
  readonly outputLocation?: string | undefined;
  /** Rows a `rows` output returns at most (TaskTemplate.config); set only for tasks with a `rows` output. */
  readonly maxRows?: number | undefined;
}

const presto = protoCustom(PrestoQuerySchema);

/**
 * Config ⇄ TaskTemplate: PrestoQuery in `custom`, the result location and row bound in `config`.
 * Decoding checks the settings an Athena backend needs, so a hand-written template fails clearly.
 */
export const athenaConfigCodec: ConfigCodec<AthenaQueryConfig> = {
  encode: (c) => ({
    ...presto.encode({ statement: c.statement, schema: c.database, routingGroup: c.workgroup, catalog: c.catalog }),
    config: {
      ...(c.outputLocation === undefined || c.outputLocation === '' ? {} : { [CONFIG_OUTPUT_LOCATION]: c.outputLocation }),
      ...(c.maxRows === undefined ? {} : { [CONFIG_MAX_ROWS]: String(c.maxRows) }),
    },
  }),
  decode(encoded, version) {
    const message = presto.decode(encoded, version);
    const maxRows = encoded.config?.[CONFIG_MAX_ROWS];
    return {
      statement: message.statement,
      database: message.schema,
      workgroup: message.routingGroup,
      catalog: message.catalog,
      outputLocation: encoded.config?.[CONFIG_OUTPUT_LOCATION] || undefined,
      maxRows: maxRows === undefined || maxRows === '' ? undefined : Number(maxRows),
    };
  },
};
