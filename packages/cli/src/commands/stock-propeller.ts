/**
 * Whether a serialized warehouse task runs correctly and safely on a stock Flyte propeller, judged by
 * what propeller's built-in plugin does with the template (flyteplugins' athena, bigquery, snowflake
 * plugins and core/template's renderer), not by what tflyte's own backend does with it.
 *
 * Propeller's renderer pastes `{{ .inputs.x }}` as the value's raw text (ints and bools as `%v`, strings
 * unquoted, unions an error) and leaves anything else in braces as it is; the BigQuery plugin renders
 * nothing and binds every input as a named parameter; the Snowflake plugin builds its JSON body without
 * escaping; Flyte 1.16 has no Hive plugin. A BigQuery statement is written with `@name` parameters,
 * which that plugin binds; any other task that would run wrongly there is refused, naming the safe
 * route: the task type served by `tflyte connector serve` and routed to it by propeller.
 */
import { create } from '@bufbuild/protobuf';
import { type TaskTemplate, TaskTemplateSchema } from '@tflyte/idl/core/tasks';
import type { LiteralType } from '@tflyte/idl/core/types';
import { SimpleType } from '@tflyte/idl/core/types';
import { UsageError } from '../usage-error.ts';

/** One task a stock propeller would run wrongly, and every reason. */
export interface RefusedTask {
  readonly task: string;
  readonly taskType: string;
  readonly problems: readonly string[];
}

/** Tasks `tflyte serialize` will not write for a stock propeller: each with its reasons, and the safe route. */
export class StockPropellerRefusalError extends UsageError {
  readonly refused: readonly RefusedTask[];
  constructor(refused: readonly RefusedTask[]) {
    const types = [...new Set(refused.map((r) => r.taskType))];
    super(
      refused
        .map(
          (r) =>
            `task '${r.task}' (type ${r.taskType}) would not run correctly on a stock Flyte propeller:\n${r.problems.map((p) => `  - ${p}\n`).join('')}`,
        )
        .join('') +
        `Run ${refused.length === 1 ? 'it' : 'them'} through tflyte's own backend instead: serve the plugin with 'tflyte connector serve', ` +
        `route the type in propeller's config (plugins.connector-service.connectorForTaskTypes: {${types.map((t) => `${t}: <connector id>`).join(', ')}} ` +
        `and tasks.task-plugins.default-for-task-types: {${types.map((t) => `${t}: connector-service`).join(', ')}}), ` +
        `then serialize with --connector-task-types ${types.join(',')}.`,
    );
    this.refused = refused;
  }
}

/** Propeller's input reference (core/template: `(?i){{\s*[\.$]Inputs\.(?P<input_name>[^}\s]+)\s*}}`). */
const PROPELLER_INPUT = /\{\{\s*[.$]inputs\.([^}\s]+)\s*\}\}/gi;
/** Anything in double braces, to find references propeller leaves unrendered (tflyte's `| identifier`, `| date`). */
const BRACED = /\{\{[^}]*\}\}/g;

/**
 * The templates as a stock propeller should get them: a type routed to a connector as it is, a
 * BigQuery statement with its value references as the `@name` parameters propeller binds, the others
 * unchanged. Throws StockPropellerRefusalError naming every task propeller would still run wrongly.
 */
export function forStockPropeller(templates: readonly TaskTemplate[], connectorTaskTypes: ReadonlySet<string>): TaskTemplate[] {
  const refused: RefusedTask[] = [];
  const written = templates.map((template) => {
    if (connectorTaskTypes.has(template.type)) return template;
    const problems = stockPropellerProblems(template);
    if (problems.length > 0) refused.push({ task: template.id?.name ?? '(unnamed)', taskType: template.type, problems });
    return template.type === 'bigquery_query_job_task' ? withBigQueryParameters(template) : template;
  });
  if (refused.length > 0) throw new StockPropellerRefusalError(refused);
  return written;
}

/** Why propeller's built-in plugin for the template's type (Athena: presto and hive; BigQuery; Snowflake) would run it wrongly. */
export function stockPropellerProblems(template: TaskTemplate): string[] {
  switch (template.type) {
    case 'hive':
      return [
        "Flyte 1.16 has no Hive plugin (flyteplugins dropped it in 1.16); propeller's Athena plugin claims the 'hive' type and would run " +
          'the query on Athena instead of HiveServer2',
      ];
    case 'presto':
      return [...renderedProblems(template, 'Athena'), ...athenaOutputProblems(template), ...athenaConfigProblems(template)];
    case 'snowflake':
      return [...renderedProblems(template, 'Snowflake'), ...snowflakeBodyProblems(template), ...snowflakeOutputProblems(template)];
    case 'bigquery_query_job_task':
      return bigqueryProblems(template);
    default:
      return [];
  }
}

function statementOf(template: TaskTemplate): string {
  if (template.target.case === 'sql') return template.target.value.statement;
  const statement = template.custom?.statement;
  return typeof statement === 'string' ? statement : '';
}

function inputTypes(template: TaskTemplate): Record<string, LiteralType | undefined> {
  const variables = template.interface?.inputs?.variables ?? {};
  return Object.fromEntries(Object.entries(variables).map(([name, v]) => [name, v.type]));
}

function outputNames(template: TaskTemplate): string[] {
  return Object.keys(template.interface?.outputs?.variables ?? {});
}

function simpleOf(type: LiteralType | undefined): SimpleType | undefined {
  return type?.type.case === 'simple' ? type.type.value : undefined;
}

function describeType(type: LiteralType | undefined): string {
  const simple = simpleOf(type);
  if (simple !== undefined) return SimpleType[simple]?.toLowerCase() ?? 'unknown';
  return type?.type.case === 'unionType' ? 'an optional or union' : (type?.type.case ?? 'untyped');
}

/** The statement as propeller's renderer sees it: every reference it pastes must paste as a valid, equivalent SQL literal. */
function renderedProblems(template: TaskTemplate, service: string): string[] {
  const statement = statementOf(template);
  const types = inputTypes(template);
  const problems: string[] = [];
  const seen = new Set<string>();
  for (const match of statement.matchAll(BRACED)) {
    const reference = match[0];
    const input = new RegExp(PROPELLER_INPUT.source, 'i').exec(reference);
    if (input === null) {
      if (/\.inputs\./i.test(reference)) {
        problems.push(`${reference} is not a reference propeller's renderer knows, so ${service} would receive it unrendered`);
      }
      continue;
    }
    const name = input[1] as string;
    const type = types[name];
    const simple = simpleOf(type);
    const before = statement[(match.index ?? 0) - 1];
    if (simple === SimpleType.BOOLEAN || (simple === SimpleType.INTEGER && before !== '-')) continue;
    if (seen.has(name)) continue;
    seen.add(name);
    if (simple === SimpleType.INTEGER) {
      problems.push(`input '${name}' follows a '-': propeller pastes a negative value as '--5', which starts a SQL comment`);
    } else if (simple === SimpleType.STRING || type?.type.case === 'enumType') {
      problems.push(
        `input '${name}' (string) is pasted into the SQL as raw, unquoted text: 'eu' becomes the bare word eu, ` +
          `and a crafted value such as "x' OR 1=1 --" injects SQL`,
      );
    } else if (simple === SimpleType.FLOAT) {
      problems.push(`input '${name}' (float) is pasted as Go's %v text: 0.1 becomes a DECIMAL literal and NaN or +Inf is not SQL`);
    } else if (type?.type.case === 'unionType') {
      problems.push(`input '${name}' (${describeType(type)}) cannot be rendered by propeller: a union value fails the task`);
    } else {
      problems.push(`input '${name}' (${describeType(type)}) is pasted as raw text (a datetime unquoted, a file or dataset as its URI)`);
    }
  }
  return problems;
}

function athenaOutputProblems(template: TaskTemplate): string[] {
  return outputNames(template)
    .filter((name) => name !== 'results')
    .map((name) => `output '${name}' is never produced: propeller's Athena plugin writes only 'results' (the result location)`);
}

function athenaConfigProblems(template: TaskTemplate): string[] {
  const location = template.config.athena_output_location;
  return location
    ? [`outputLocation '${location}' is ignored: propeller's Athena plugin writes results under the run's raw output prefix`]
    : [];
}

function snowflakeOutputProblems(template: TaskTemplate): string[] {
  return outputNames(template).map((name) => `output '${name}' is never produced: propeller's Snowflake plugin writes no outputs`);
}

function snowflakeBodyProblems(template: TaskTemplate): string[] {
  const problems: string[] = [];
  // The plugin formats its JSON request body with fmt, unescaped: a quote, a backslash or a line break ends or breaks the JSON string.
  const fields: Record<string, string> = {
    statement: statementOf(template),
    database: template.config.database ?? '',
    schema: template.config.schema ?? '',
    warehouse: template.config.warehouse ?? '',
  };
  for (const [field, value] of Object.entries(fields)) {
    // biome-ignore lint/suspicious/noControlCharactersInRegex: control characters are what breaks the unescaped JSON.
    if (/["\\\u0000-\u001f]/.test(value)) {
      problems.push(
        `the ${field} contains a double quote, backslash or line break, which propeller's Snowflake plugin puts into its JSON body unescaped`,
      );
    }
  }
  if (template.config.role) problems.push(`role '${template.config.role}' is ignored: propeller's Snowflake plugin sends no role`);
  return problems;
}

const BIGQUERY_BINDABLE = new Set([SimpleType.INTEGER, SimpleType.FLOAT, SimpleType.STRING, SimpleType.BOOLEAN]);

/**
 * Propeller's BigQuery plugin renders nothing and binds every input as a named parameter (int INT64,
 * float FLOAT64, string STRING, bool BOOL): a plain value reference becomes `@name`, the form tflyte's
 * own BigQuery backend sends, so the query means the same on both. Filters have no such form.
 */
function bigqueryProblems(template: TaskTemplate): string[] {
  const problems: string[] = [];
  const unrendered = [...new Set(statementOf(template).match(BRACED) ?? [])].filter(
    (ref) => !new RegExp(`^${PROPELLER_INPUT.source}$`, 'i').test(ref),
  );
  if (unrendered.length > 0) {
    problems.push(`propeller's BigQuery plugin renders no template, so BigQuery would receive ${unrendered.join(', ')}`);
  }
  for (const [name, type] of Object.entries(inputTypes(template))) {
    const simple = simpleOf(type);
    if (simple === undefined || !BIGQUERY_BINDABLE.has(simple)) {
      problems.push(
        `input '${name}' (${describeType(type)}) fails the task: propeller's BigQuery plugin binds only int, float, string and bool`,
      );
    }
  }
  for (const name of outputNames(template).filter((n) => n !== 'results')) {
    problems.push(`output '${name}' is never produced: propeller's BigQuery plugin writes only 'results' (the destination table)`);
  }
  return problems;
}

function withBigQueryParameters(template: TaskTemplate): TaskTemplate {
  if (template.target.case !== 'sql') return template;
  const statement = template.target.value.statement.replace(PROPELLER_INPUT, (_, name: string) => `@${name}`);
  return create(TaskTemplateSchema, { ...template, target: { case: 'sql', value: { ...template.target.value, statement } } });
}
