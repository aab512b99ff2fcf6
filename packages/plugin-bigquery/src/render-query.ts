/**
 * A BigQuery task's statement with a call's inputs: each value reference becomes `@name` and one
 * typed named parameter per input (however often it is referenced), each `| identifier` reference a
 * validated, backquoted name. Rendering the same inputs gives the same request, so a resubmitted
 * jobs.insert with the same job id asks for the same job.
 */
import type { AnyType, DefinedTask } from '@tflyte/core';
import { InvalidOptionError } from '@tflyte/core';
import type { LiteralMap } from '@tflyte/idl/core/literals';
import type { LiteralType } from '@tflyte/idl/core/types';
import {
  type QueryTemplate,
  QueryInputError,
  QueryTemplateError,
  backQuoted,
  identifierText,
  parseQueryTemplate,
  quoteIdentifier,
  sqlDialect,
} from '@tflyte/warehouse';
import { type QueryParameter, type StringParameterType, parameterTypeOf, queryParameter } from './query-parameters.ts';

/** BigQuery's limit on a standard SQL query's length (1,024K characters). */
export const MAX_QUERY_LENGTH = 1024 * 1024;

/** GoogleSQL: `@name` parameters, backquoted names. */
export const bigqueryDialect = sqlDialect({ name: 'BigQuery', binding: 'named', quoteIdentifier: backQuoted, maxQueryLength: MAX_QUERY_LENGTH });

export interface RenderedQuery {
  readonly query: string;
  readonly parameters: readonly QueryParameter[];
}

export function renderQuery(
  template: QueryTemplate,
  inputs: LiteralMap,
  types: Readonly<Record<string, LiteralType>>,
  declared: Readonly<Record<string, StringParameterType>>,
): RenderedQuery {
  let query = '';
  const parameters = new Map<string, QueryParameter>();
  for (const part of template.parts) {
    if (typeof part === 'string') {
      query += part;
      continue;
    }
    const literal = Object.hasOwn(inputs.literals, part.input) ? inputs.literals[part.input] : undefined;
    const type = Object.hasOwn(types, part.input) ? types[part.input] : undefined;
    if (literal === undefined || type === undefined) throw new QueryInputError(part.input, `is referenced by the query (${part.text}) but was not given`);
    if (part.filter === 'identifier') {
      query += quoteIdentifier(part.input, identifierText(part.input, literal), bigqueryDialect);
      continue;
    }
    // `| date` is a DATE parameter of its own beside the input's TIMESTAMP one.
    const name = part.filter === 'date' ? `${part.input}_date` : part.input;
    query += bigqueryDialect.placeholder(name);
    if (!parameters.has(name)) parameters.set(name, queryParameter(name, type, literal, part.filter === 'date' ? 'DATE' : declared[part.input]));
  }
  if (query.length > MAX_QUERY_LENGTH) throw new QueryTemplateError(`is ${query.length} characters long once rendered; BigQuery takes at most ${MAX_QUERY_LENGTH}`);
  return { query, parameters: [...parameters.values()] };
}

/**
 * The definition-time checks: the query parses, every reference names a declared input whose type
 * BigQuery can take that way, and every input is referenced. Throws InvalidOptionError.
 */
export function checkBigQueryQuery(task: DefinedTask, query: unknown, declared: Readonly<Record<string, StringParameterType>>): QueryTemplate {
  const fail = (field: string, problem: string): never => {
    throw new InvalidOptionError(task.name, field, problem);
  };
  if (typeof query !== 'string') return fail('query', 'is required: the SQL statement to run');
  if (query.length > MAX_QUERY_LENGTH) fail('query', `is ${query.length} characters long; BigQuery takes at most ${MAX_QUERY_LENGTH}`);
  let template: QueryTemplate;
  try {
    template = parseQueryTemplate(query);
  } catch (error) {
    if (error instanceof QueryTemplateError) return fail('query', error.problem);
    throw error;
  }
  const inputs = task.inputs;
  const names = Object.keys(inputs);
  for (const reference of template.references) {
    const type: AnyType | undefined = Object.hasOwn(inputs, reference.input) ? inputs[reference.input] : undefined;
    if (type === undefined) {
      fail('query', `references input '${reference.input}' (${reference.text}), which is not declared; inputs are: ${names.join(', ') || '(none)'}`);
      continue;
    }
    const problem = referenceProblem(type, reference.filter, declared[reference.input]);
    if (problem !== undefined) fail(`inputs.${reference.input}`, `${problem} (referenced as ${reference.text})`);
  }
  const referenced = new Set(template.references.map((r) => r.input));
  const unused = names.filter((n) => !referenced.has(n));
  if (unused.length > 0) {
    fail(`inputs.${unused[0]}`, `is not referenced by the query; use it as {{ .inputs.${unused[0]} }} or remove it (unused inputs: ${unused.join(', ')})`);
  }
  for (const name of Object.keys(declared)) {
    if (!Object.hasOwn(inputs, name)) fail(`parameterTypes.${name}`, `names no input; inputs are: ${names.join(', ') || '(none)'}`);
  }
  return template;
}

function referenceProblem(type: AnyType, filter: 'value' | 'identifier' | 'date', declared: StringParameterType | undefined): string | undefined {
  switch (filter) {
    case 'identifier':
      return type.kind === 'string' || type.kind === 'enum' ? undefined : `has type ${type.display}; | identifier takes a string (a table or column name)`;
    case 'date':
      return type.kind === 'datetime' ? undefined : `has type ${type.display}; | date takes a datetime`;
    case 'value': {
      const mapped = parameterTypeOf(type.literalType(), declared);
      return 'problem' in mapped ? mapped.problem : undefined;
    }
  }
}
