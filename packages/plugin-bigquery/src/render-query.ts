/**
 * GoogleSQL as a warehouse dialect, and a BigQuery task's statement rendered with a call's inputs:
 * each value reference becomes `@name` and one typed named parameter per input (however often it is
 * referenced), each `| identifier` reference a validated, backquoted name. Rendering the same inputs
 * gives the same request, so a resubmitted jobs.insert with the same job id asks for the same job.
 */
import type { LiteralMap } from '@tflyte/idl/core/literals';
import type { LiteralType } from '@tflyte/idl/core/types';
import { backQuoted, type QueryTemplate, renderQuery, sqlDialect } from '@tflyte/warehouse';
import { type QueryParameter, queryParameter, type StringParameterType } from './query-parameters.ts';

/** BigQuery's limit on a standard SQL query's length (1,024K characters). */
export const MAX_QUERY_LENGTH = 1024 * 1024;

/**
 * GoogleSQL: `@name` parameters of every type BigQuery binds except nested arrays, backquoted names;
 * strings in `'` or `"` (or tripled) with backslash escapes, and `#` comments beside `--`.
 */
export const bigqueryDialect = sqlDialect({
  name: 'BigQuery',
  binding: 'named',
  binds: { bytes: true, arrays: true, structs: true },
  quoteIdentifier: backQuoted,
  maxQueryLength: MAX_QUERY_LENGTH,
  lexical: {
    stringQuotes: ["'", '"'],
    identifierQuotes: ['`'],
    backslashEscapes: true,
    tripleQuotedStrings: true,
    lineComments: ['--', '#'],
  },
});

export interface RenderedQuery {
  readonly query: string;
  readonly parameters: readonly QueryParameter[];
}

export function renderBigQuery(
  template: QueryTemplate,
  inputs: LiteralMap,
  types: Readonly<Record<string, LiteralType>>,
  declared: Readonly<Record<string, StringParameterType>>,
): RenderedQuery {
  const { query, parameters } = renderQuery(template, inputs, bigqueryDialect, { types });
  // `| date` parameters are named `<input>_date` by the renderer and are DATE values already.
  return {
    query,
    parameters: parameters.map((p) => queryParameter(p.name, p.value, Object.hasOwn(declared, p.name) ? declared[p.name] : undefined)),
  };
}
