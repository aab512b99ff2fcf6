/**
 * A SQL dialect: how a service takes input values and quotes names. Three binding styles cover the
 * warehouses: `positional` (`?`, bound in order: Athena, Hive, Snowflake), `named` (`@name`, one
 * parameter per input however often it is referenced: BigQuery) and `inline` (typed literals written
 * into the query, for a service that has no binding). Names are validated the same way in every
 * dialect before they are quoted, so quoting can never be escaped.
 */
import type { SqlLexicalRules } from './query-template.ts';
import type { SqlBinds, SqlData } from './sql-data.ts';
import { ansiLiteral, QueryInputError, type SqlValue } from './sql-literals.ts';

export type SqlBinding = 'positional' | 'named' | 'inline';

/**
 * `V` is what the dialect's values are: `SqlValue` (scalars) unless it binds more (`binds`), then
 * `SqlData`, which renderQuery then hands it.
 */
export interface SqlDialect<V extends SqlData = SqlValue> {
  /** For messages, e.g. `Trino (Athena)`. */
  readonly name: string;
  readonly binding: SqlBinding;
  /** What it binds beyond scalars (lists, structs, bytes); checked when a task is defined. Default none. */
  readonly binds?: SqlBinds;
  /** How its strings, quoted names and comments are written, for the template scanner. Default ANSI SQL. */
  readonly lexical?: Partial<SqlLexicalRules>;
  /** The placeholder of one value reference: `?`, or `@name` for named binding. Unused for inline. */
  placeholder(input: string): string;
  /**
   * A value written into the query (inline binding), or sent as literal text (Athena's
   * ExecutionParameters). An inline literal that starts with `-` is parenthesized by renderQuery.
   */
  literal(input: string, value: V): string;
  /** One validated identifier part, quoted: `"orders"`, or `` `orders` ``. */
  quoteIdentifier(part: string): string;
  /** The service's limit on the rendered query's length. */
  readonly maxQueryLength?: number;
}

const IDENTIFIER_PART = /^[A-Za-z_][A-Za-z0-9_]*$/;
/** The longest identifier part accepted. */
export const MAX_IDENTIFIER_PART = 255;

/**
 * `db.table` → each dot-separated part checked against [A-Za-z_][A-Za-z0-9_]* (which also rules out
 * every quote character) and quoted by the dialect. Throws QueryInputError naming the input.
 */
export function quoteIdentifier(input: string, text: string, dialect: Pick<SqlDialect, 'quoteIdentifier'>): string {
  const parts = text.split('.');
  const bad = parts.find((p) => !IDENTIFIER_PART.test(p) || p.length > MAX_IDENTIFIER_PART);
  if (bad !== undefined) {
    throw new QueryInputError(
      input,
      `(${JSON.stringify(text.length > 60 ? `${text.slice(0, 57)}...` : text)}) is not an identifier: ` +
        `| identifier takes names made of letters, digits and underscores (not starting with a digit, at most ${MAX_IDENTIFIER_PART} characters), optionally dotted (db.table)`,
    );
  }
  return parts.map((p) => dialect.quoteIdentifier(p)).join('.');
}

/** Double-quoted identifiers (ANSI, Trino, Snowflake). Validated parts hold no quote to escape. */
export const doubleQuoted = (part: string): string => `"${part}"`;
/** Backquoted identifiers (Hive, BigQuery). */
export const backQuoted = (part: string): string => `\`${part}\``;

interface DialectInit<V extends SqlData> {
  readonly name: string;
  readonly binding: SqlBinding;
  readonly placeholder?: (input: string) => string;
  readonly literal?: (input: string, value: V) => string;
  readonly quoteIdentifier?: (part: string) => string;
  readonly maxQueryLength?: number;
  readonly lexical?: Partial<SqlLexicalRules>;
}

/** Builds a dialect; the defaults are ANSI literals and lexing, double-quoted identifiers and no binds beyond scalars. */
export function sqlDialect(init: DialectInit<SqlValue> & { readonly binds?: undefined }): SqlDialect;
/** A dialect that binds lists, structs or bytes: its values are `SqlData`. */
export function sqlDialect(init: DialectInit<SqlData> & { readonly binds: SqlBinds }): SqlDialect<SqlData>;
export function sqlDialect(init: (DialectInit<SqlValue> | DialectInit<SqlData>) & { readonly binds?: SqlBinds }): SqlDialect<SqlData> {
  // Without `binds` the renderer only ever hands the literal scalars, so either signature takes what it gets.
  const literal =
    (init.literal as ((input: string, value: SqlData) => string) | undefined) ??
    ((input: string, value: SqlData) => ansiLiteral(input, scalar(input, value)));
  return {
    name: init.name,
    binding: init.binding,
    placeholder: init.placeholder ?? (init.binding === 'named' ? (input) => `@${input}` : () => '?'),
    literal,
    quoteIdentifier: init.quoteIdentifier ?? doubleQuoted,
    ...(init.maxQueryLength === undefined ? {} : { maxQueryLength: init.maxQueryLength }),
    ...(init.binds === undefined ? {} : { binds: init.binds }),
    ...(init.lexical === undefined ? {} : { lexical: init.lexical }),
  };
}

function scalar(input: string, value: SqlData): SqlValue {
  if (value.type === 'bytes' || value.type === 'array' || value.type === 'struct') {
    throw new QueryInputError(input, `is a ${value.type} value, which has no ANSI SQL literal; give the dialect a literal function for it`);
  }
  return value;
}

/** Trino / Presto, as Athena runs it: `?` parameters given as literal text, double-quoted names. */
export const trinoDialect: SqlDialect = sqlDialect({ name: 'Trino', binding: 'positional' });
