/**
 * What an Athena task's TaskTemplate carries: `custom` is flyteidl's PrestoQuery in proto3 JSON,
 * exactly as flytekit's AthenaTask writes it (empty fields omitted); the two settings PrestoQuery
 * has no field for travel in `TaskTemplate.config`.
 */
import { create, fromJson, toJson } from '@bufbuild/protobuf';
import type { JsonValue as ProtoJsonValue } from '@bufbuild/protobuf';
import type { JsonObject } from '@tflyte/core';
import { PrestoQuerySchema } from '@tflyte/idl/plugins/presto';
import type { TaskTemplate } from '@tflyte/idl/core/tasks';

/** flytekit's AthenaTask type: Flyte routes `presto` to its Athena plugin. */
export const ATHENA_TASK_TYPE = 'presto';
export const ATHENA_TASK_TYPE_VERSION = 0;

/** TaskTemplate.config keys. */
export const CONFIG_OUTPUT_LOCATION = 'athena_output_location';
export const CONFIG_MAX_ROWS = 'athena_max_rows';

/** Rows a `rows` output returns at most unless the task sets `maxRows`. */
export const DEFAULT_MAX_ROWS = 10_000;

/** PrestoQuery's fields under Athena's names; `''` means unset (Athena's default applies). */
export interface AthenaQueryConfig {
  /** The normalized query template, `{{ .inputs.x }}` references in place. */
  readonly statement: string;
  /** PrestoQuery.schema. */
  readonly database: string;
  /** PrestoQuery.routing_group. */
  readonly workgroup: string;
  readonly catalog: string;
}

export function toCustom(config: AthenaQueryConfig): JsonObject {
  const message = create(PrestoQuerySchema, {
    statement: config.statement,
    schema: config.database,
    routingGroup: config.workgroup,
    catalog: config.catalog,
  });
  return toJson(PrestoQuerySchema, message) as JsonObject;
}

export function fromCustom(custom: JsonObject | undefined): AthenaQueryConfig {
  const message = fromJson(PrestoQuerySchema, (custom ?? {}) as ProtoJsonValue);
  return { statement: message.statement, database: message.schema, workgroup: message.routingGroup, catalog: message.catalog };
}

/** The Athena settings of a serialized task, as the backend reads them. */
export interface AthenaTemplateSettings extends AthenaQueryConfig {
  readonly outputLocation: string | undefined;
  readonly maxRows: number | undefined;
}

export function readTemplate(template: TaskTemplate): AthenaTemplateSettings {
  const config = fromCustom(template.custom as JsonObject | undefined);
  const maxRows = template.config[CONFIG_MAX_ROWS];
  return {
    ...config,
    outputLocation: template.config[CONFIG_OUTPUT_LOCATION] || undefined,
    maxRows: maxRows === undefined || maxRows === '' ? undefined : Number(maxRows),
  };
}
