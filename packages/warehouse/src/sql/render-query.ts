/**
 * Renders a parsed query template with a call's inputs in a dialect: value references become the
 * dialect's placeholders with their typed values in `parameters` (or, for an inline dialect, typed
 * literals in the text); identifier references become validated, quoted names. Rendering the same
 * inputs always gives the same request, which keeps a resubmission with the same idempotency token
 * valid.
 */
import type { LiteralMap } from '@tflyte/idl/core/literals';
import type { TaskTemplate } from '@tflyte/idl/core/tasks';
import type { LiteralType } from '@tflyte/idl/core/types';
import { quoteIdentifier, type SqlDialect } from './dialect.ts';
import { type QueryTemplate, QueryTemplateError } from './query-template.ts';
import { type SqlData, sqlData } from './sql-data.ts';
import { identifierText, QueryInputError, type SqlValue, sqlDateValue } from './sql-literals.ts';

/** One bound value: positional dialects have one per placeholder in order; named ones one per input. */
export interface SqlParameter<V extends SqlData = SqlValue> {
  /** The input it comes from (the parameter's name in a named dialect). */
  readonly name: string;
  readonly value: V;
}

export interface RenderedQuery<V extends SqlData = SqlValue> {
  /** The query text sent to the service. */
  readonly query: string;
  readonly parameters: readonly SqlParameter<V>[];
}

export interface RenderOptions {
  /**
   * The inputs' declared types (`templateInputTypes(ctx.template)`): with them an empty list keeps
   * its element type and a NULL its declared type (`of`), which a typed binding needs.
   */
  readonly types?: Readonly<Record<string, LiteralType>>;
}

/** The declared input types of a TaskTemplate, for RenderOptions.types. */
export function templateInputTypes(template: TaskTemplate): Record<string, LiteralType> {
  const types: Record<string, LiteralType> = {};
  for (const [name, variable] of Object.entries(template.interface?.inputs?.variables ?? {}))
    if (variable.type !== undefined) types[name] = variable.type;
  return types;
}

export function renderQuery<V extends SqlData = SqlValue>(
  template: QueryTemplate,
  inputs: LiteralMap,
  dialect: SqlDialect<V>,
  options: RenderOptions = {},
): RenderedQuery<V> {
  let query = '';
  const parameters: SqlParameter<V>[] = [];
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
    const declared = options.types !== undefined && Object.hasOwn(options.types, part.input) ? options.types[part.input] : undefined;
    // The dialect's `binds` decide which values sqlData accepts, so V holds what the dialect declared.
    const value = (part.filter === 'date' ? sqlDateValue(part.input, literal) : sqlData(part.input, literal, declared, dialect.binds)) as V;
    switch (dialect.binding) {
      case 'inline': {
        // `x-{{ .inputs.n }}` with n = -1 must not become the comment `x--1`.
        const text = dialect.literal(part.input, value);
        query += text.startsWith('-') ? `(${text})` : text;
        break;
      }
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
    throw new QueryTemplateError(
      `is ${query.length} characters long once rendered; ${dialect.name} takes at most ${dialect.maxQueryLength}`,
    );
  }
  return { query, parameters };
}
