/**
 * Renders a parsed query template with a call's inputs in a dialect: value references become the
 * dialect's placeholders with their typed values in `parameters` (or, for an inline dialect, typed
 * literals in the text); identifier references become validated, quoted names. Rendering the same
 * inputs always gives the same request, which keeps a resubmission with the same idempotency token
 * valid.
 */
import type { LiteralMap } from '@tflyte/idl/core/literals';
import { type SqlDialect, quoteIdentifier } from './dialect.ts';
import { type QueryTemplate, QueryTemplateError } from './query-template.ts';
import { QueryInputError, type SqlValue, identifierText, sqlDateValue, sqlValue } from './sql-literals.ts';

/** One bound value: positional dialects have one per placeholder in order; named ones one per input. */
export interface SqlParameter {
  /** The input it comes from (the parameter's name in a named dialect). */
  readonly name: string;
  readonly value: SqlValue;
}

export interface RenderedQuery {
  /** The query text sent to the service. */
  readonly query: string;
  readonly parameters: readonly SqlParameter[];
}

export function renderQuery(template: QueryTemplate, inputs: LiteralMap, dialect: SqlDialect): RenderedQuery {
  let query = '';
  const parameters: SqlParameter[] = [];
  const named = new Set<string>();
  for (const part of template.parts) {
    if (typeof part === 'string') {
      query += part;
      continue;
    }
    const literal = Object.hasOwn(inputs.literals, part.input) ? inputs.literals[part.input] : undefined;
    if (literal === undefined) throw new QueryInputError(part.input, `is referenced by the query (${part.text}) but was not given`);
    if (part.filter === 'identifier') {
      query += quoteIdentifier(part.input, identifierText(part.input, literal), dialect);
      continue;
    }
    const value = part.filter === 'date' ? sqlDateValue(part.input, literal) : sqlValue(part.input, literal);
    switch (dialect.binding) {
      case 'inline':
        query += dialect.literal(part.input, value);
        break;
      case 'named': {
        // One input referenced twice, once as a date, is two different values: name the date one apart.
        const name = part.filter === 'date' ? `${part.input}_date` : part.input;
        query += dialect.placeholder(name);
        if (!named.has(name)) parameters.push({ name, value });
        named.add(name);
        break;
      }
      case 'positional':
        query += dialect.placeholder(part.input);
        parameters.push({ name: part.input, value });
    }
  }
  if (dialect.maxQueryLength !== undefined && query.length > dialect.maxQueryLength) {
    throw new QueryTemplateError(`is ${query.length} characters long once rendered; ${dialect.name} takes at most ${dialect.maxQueryLength}`);
  }
  return { query, parameters };
}
