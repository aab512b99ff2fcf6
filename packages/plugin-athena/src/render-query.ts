/**
 * Renders a parsed query template with a call's inputs: value references become `?` with their
 * literal in `parameters` (in order of appearance), identifier references become validated,
 * double-quoted names. Rendering the same inputs always gives the same request, which keeps a
 * retried StartQueryExecution with the same ClientRequestToken valid.
 */
import type { LiteralMap } from '@tflyte/idl/core/literals';
import { type QueryTemplate, QueryTemplateError } from './query-template.ts';
import { QueryInputError, RENDERERS } from './sql-literals.ts';

export interface RenderedQuery {
  /** The QueryString sent to Athena. */
  readonly query: string;
  /** ExecutionParameters, one per `?`. */
  readonly parameters: readonly string[];
}

/** Athena's limit on QueryString. */
export const MAX_QUERY_LENGTH = 262_144;

export function renderQuery(template: QueryTemplate, inputs: LiteralMap): RenderedQuery {
  let query = '';
  const parameters: string[] = [];
  for (const part of template.parts) {
    if (typeof part === 'string') {
      query += part;
      continue;
    }
    const literal = Object.hasOwn(inputs.literals, part.input) ? inputs.literals[part.input] : undefined;
    if (literal === undefined) throw new QueryInputError(part.input, `is referenced by the query (${part.text}) but was not given`);
    const rendered = RENDERERS[part.filter](part.input, literal);
    if (part.filter === 'identifier') {
      query += rendered;
    } else {
      query += '?';
      parameters.push(rendered);
    }
  }
  if (query.length > MAX_QUERY_LENGTH) {
    throw new QueryTemplateError(`is ${query.length} characters long once rendered; Athena takes at most ${MAX_QUERY_LENGTH}`);
  }
  return { query, parameters };
}
