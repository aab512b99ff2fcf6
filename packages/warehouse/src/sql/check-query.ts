/**
 * The definition-time checks of a query task: the query parses, every reference names a declared
 * input of a type that can be bound that way, and every input is referenced (flytekit refuses unused
 * inputs as well). Run from a plugin's `config(task)` so a bad query fails where it is written.
 */
import { type AnyType, type DefinedTask, InvalidOptionError } from '@tflyte/core';
import type { SqlDialect } from './dialect.ts';
import { parseQueryTemplate, type QueryTemplate, QueryTemplateError } from './query-template.ts';
import { referenceTypeProblem } from './sql-literals.ts';

export interface CheckQueryOptions {
  /** The option the query was given as, named in errors (default `query`). */
  readonly option?: string;
  /** The service's limit on the query template's length, with its name for the message. */
  readonly maxLength?: { readonly chars: number; readonly service: string };
  /**
   * The service's dialect: how the query is lexed, which types it binds (lists, structs, bytes) and,
   * unless `maxLength` is given, its query-length limit. Default: ANSI lexing, scalars only.
   */
  readonly dialect?: Pick<SqlDialect, 'name' | 'binds' | 'lexical' | 'maxQueryLength'>;
}

/** Parses and checks `query` against the task's inputs; throws InvalidOptionError naming the option or input. */
export function checkQuery(task: DefinedTask, query: unknown, options: CheckQueryOptions = {}): QueryTemplate {
  const option = options.option ?? 'query';
  const fail = (field: string, problem: string): never => {
    throw new InvalidOptionError(task.name, field, problem);
  };
  if (typeof query !== 'string') return fail(option, 'is required: the SQL statement to run');
  const dialect = options.dialect;
  const max =
    options.maxLength ?? (dialect?.maxQueryLength === undefined ? undefined : { chars: dialect.maxQueryLength, service: dialect.name });
  if (max !== undefined && query.length > max.chars)
    fail(option, `is ${query.length} characters long; ${max.service} takes at most ${max.chars}`);
  let template: QueryTemplate;
  try {
    template = parseQueryTemplate(query, dialect);
  } catch (error) {
    if (error instanceof QueryTemplateError) return fail(option, error.problem);
    throw error;
  }
  const inputs = task.inputs;
  const names = Object.keys(inputs);
  for (const reference of template.references) {
    const type: AnyType | undefined = Object.hasOwn(inputs, reference.input) ? inputs[reference.input] : undefined;
    if (type === undefined) {
      fail(
        option,
        `references input '${reference.input}' (${reference.text}), which is not declared; inputs are: ${names.join(', ') || '(none)'}`,
      );
    } else {
      const problem = referenceTypeProblem(type, reference.filter, dialect?.binds);
      if (problem !== undefined) fail(`inputs.${reference.input}`, `${problem} (referenced as ${reference.text})`);
    }
  }
  const referenced = new Set(template.references.map((r) => r.input));
  const unused = names.filter((n) => !referenced.has(n));
  if (unused.length > 0) {
    fail(
      `inputs.${unused[0]}`,
      `is not referenced by the query; use it as {{ .inputs.${unused[0]} }} or remove it (unused inputs: ${unused.join(', ')})`,
    );
  }
  return template;
}
