/**
 * Query templates: flytekit's `{{ .inputs.name }}` references, found by a small SQL scanner so that
 * a reference is only ever a whole value (or, with `| identifier`, a whole identifier) in the query's
 * code, never text inside a string literal, a quoted identifier or a comment. The same parse runs
 * when the task is defined (to fail early) and when the backend renders the query, for every dialect.
 */
import { TflyteError } from '@tflyte/core';

/** How a reference is rendered: a bound value, a validated quoted identifier, or a DATE value. */
export type ReferenceFilter = 'value' | 'identifier' | 'date';

export interface InputReference {
  readonly input: string;
  readonly filter: ReferenceFilter;
  /** The reference as written, e.g. `{{ .inputs.region }}`. */
  readonly text: string;
}

export interface QueryTemplate {
  /** The normalized statement, references still in place (what `custom.statement` holds). */
  readonly statement: string;
  /** The statement split into SQL text and references, in order. */
  readonly parts: readonly (string | InputReference)[];
  readonly references: readonly InputReference[];
}

/** The query template is malformed; `problem` completes "option 'query' …". */
export class QueryTemplateError extends TflyteError {
  readonly problem: string;
  constructor(problem: string) {
    super('TFLYTE_INVALID_OPTION', `query ${problem}`);
    this.problem = problem;
  }
}

/**
 * flytekit's SQLTask normalization: every run of whitespace (newlines and tabs included) becomes one
 * space, and the ends are trimmed. It applies to the whole text, string literals included.
 */
export function normalizeQuery(query: string): string {
  return query.replace(/\s+/g, ' ').trim();
}

// flytekit's `({{\s*.inputs.(\w+)\s*}})` (case-insensitive, unescaped dots) plus an optional `| filter`.
const REFERENCE = /\{\{\s*.inputs.(\w+)\s*(?:\|\s*(\w+)\s*)?\}\}/iy;
/** The same pattern anywhere in a text (REFERENCE is sticky: it matches only at lastIndex). */
const ANY_REFERENCE = new RegExp(REFERENCE.source, 'i');

/**
 * How a dialect writes string literals, quoted identifiers and comments, so that the scanner knows
 * where code ends. The default is ANSI SQL: `'…'` strings whose only escape is a doubled quote,
 * `"…"` and `` `…` `` identifiers, `--` line comments and block comments.
 */
export interface SqlLexicalRules {
  /** Characters that open and close a string literal. */
  readonly stringQuotes: readonly string[];
  /** Characters that open and close a quoted identifier. */
  readonly identifierQuotes: readonly string[];
  /** A backslash inside quotes escapes the next character (GoogleSQL, HiveQL, MySQL). */
  readonly backslashEscapes: boolean;
  /** A tripled string quote opens a literal that runs to the same tripled quote (GoogleSQL's triple-quoted strings). */
  readonly tripleQuotedStrings: boolean;
  /** What opens a comment to the end of the line (`--`, GoogleSQL's `#`). */
  readonly lineComments: readonly string[];
}

export const ANSI_LEXICAL_RULES: SqlLexicalRules = {
  stringQuotes: ["'"],
  identifierQuotes: ['"', '`'],
  backslashEscapes: false,
  tripleQuotedStrings: false,
  lineComments: ['--'],
};

/** What parsing needs of a dialect: its lexical rules (a SqlDialect is one). */
export interface LexicalSource {
  readonly lexical?: Partial<SqlLexicalRules>;
}

function rulesOf(source: LexicalSource | undefined): SqlLexicalRules {
  return { ...ANSI_LEXICAL_RULES, ...source?.lexical };
}

type SegmentKind = 'code' | 'string literal' | 'quoted identifier' | 'line comment' | 'block comment';

interface Segment {
  readonly kind: SegmentKind;
  readonly start: number;
  readonly end: number;
  /** False for a string, quoted identifier or block comment that runs to the end of the text. */
  readonly closed: boolean;
}

/** Splits SQL into code, string literals, quoted identifiers and comments, by the dialect's rules. */
function scan(sql: string, rules: SqlLexicalRules): Segment[] {
  const segments: Segment[] = [];
  let start = 0;
  let i = 0;
  const push = (kind: SegmentKind, end: number, closed = true): void => {
    if (end > start) segments.push({ kind, start, end, closed });
    start = end;
  };
  /** From the opening `close` at i, to just after the matching close. */
  const closeQuoted = (kind: SegmentKind, close: string): void => {
    let j = i + close.length;
    while (j < sql.length) {
      if (rules.backslashEscapes && sql[j] === '\\') {
        j += 2;
        continue;
      }
      if (sql.startsWith(close, j)) {
        // A doubled quote is an escaped quote inside the literal (not for tripled quotes).
        if (close.length === 1 && sql[j + 1] === close) {
          j += 2;
          continue;
        }
        i = j + close.length;
        push(kind, i);
        return;
      }
      j++;
    }
    push(kind, (i = sql.length), false);
  };
  const opener = (list: readonly string[]): string | undefined => list.find((q) => sql.startsWith(q, i));
  while (i < sql.length) {
    const triple = rules.tripleQuotedStrings ? opener(rules.stringQuotes.map((q) => q.repeat(3))) : undefined;
    const string = triple ?? opener(rules.stringQuotes);
    const identifier = string === undefined ? opener(rules.identifierQuotes) : undefined;
    const line = string === undefined && identifier === undefined ? opener(rules.lineComments) : undefined;
    const block = sql.startsWith('/*', i);
    if (string === undefined && identifier === undefined && line === undefined && !block) {
      i++;
      continue;
    }
    push('code', i);
    if (string !== undefined) closeQuoted('string literal', string);
    else if (identifier !== undefined) closeQuoted('quoted identifier', identifier);
    else if (line !== undefined) {
      const newline = sql.indexOf('\n', i);
      push('line comment', (i = newline === -1 ? sql.length : newline));
    } else {
      const close = sql.indexOf('*/', i + 2);
      if (close === -1) push('block comment', (i = sql.length), false);
      else push('block comment', (i = close + 2));
    }
  }
  push('code', sql.length);
  return segments;
}

/**
 * flytekit normalizes whitespace, so a `--` comment followed by more lines would swallow the rest of
 * the query. Checked on the query as written, before normalization.
 */
function checkLineComments(query: string, rules: SqlLexicalRules): void {
  for (const segment of scan(query, rules)) {
    if (segment.kind !== 'line comment' || segment.end === query.length) continue;
    if (query.slice(segment.end).trim() !== '') {
      const comment = query.slice(segment.start, segment.end).trim();
      throw new QueryTemplateError(
        `has a line comment (${snippet(comment)}) followed by more SQL: whitespace is normalized to single spaces (as flytekit does), ` +
          'so it would comment out the rest of the query; use /* … */ instead',
      );
    }
  }
}

function snippet(text: string): string {
  return JSON.stringify(text.length > 40 ? `${text.slice(0, 37)}...` : text);
}

function toFilter(name: string | undefined, text: string): ReferenceFilter {
  if (name === undefined) return 'value';
  const lower = name.toLowerCase();
  if (lower === 'identifier' || lower === 'date') return lower;
  throw new QueryTemplateError(`reference ${text} uses the unknown filter '${name}'; the filters are | identifier and | date`);
}

function parseCode(sql: string, segment: Segment, parts: (string | InputReference)[]): void {
  let textStart = segment.start;
  let i = segment.start;
  while (i < segment.end) {
    const c = sql[i];
    if (c === '?') {
      throw new QueryTemplateError(
        `contains a '?' placeholder at character ${i + 1}; reference inputs as {{ .inputs.<name> }} instead (they are sent as bound parameters)`,
      );
    }
    if (c === '{' && sql[i + 1] === '{') {
      REFERENCE.lastIndex = i;
      const match = REFERENCE.exec(sql);
      if (match === null || REFERENCE.lastIndex > segment.end) {
        const close = sql.indexOf('}}', i);
        const text = sql.slice(i, close === -1 ? Math.min(sql.length, i + 40) : close + 2);
        throw new QueryTemplateError(
          `contains ${snippet(text)}, which is not an input reference; write {{ .inputs.<name> }}, {{ .inputs.<name> | identifier }} or {{ .inputs.<name> | date }}`,
        );
      }
      const [text, input = '', filterName] = match;
      if (i > textStart) parts.push(sql.slice(textStart, i));
      parts.push({ input, filter: toFilter(filterName, text), text });
      i = REFERENCE.lastIndex;
      textStart = i;
      continue;
    }
    i++;
  }
  if (segment.end > textStart) parts.push(sql.slice(textStart, segment.end));
}

const WHERE: Record<Exclude<SegmentKind, 'code'>, string> = {
  'string literal': "inside a string literal: remove the quotes around it, since values are sent as typed parameters ('abc' for strings)",
  'quoted identifier':
    'inside a quoted identifier: remove the quotes and write {{ .inputs.<name> | identifier }}, which validates and quotes it',
  'line comment': 'inside a comment, where it cannot be a parameter: remove it',
  'block comment': 'inside a comment, where it cannot be a parameter: remove it',
};

/**
 * Parses a query template, lexed by the dialect's rules (ANSI SQL's by default). The statement is
 * normalized first (so the result is the same for the query as written and for an already-normalized
 * `custom.statement`). Throws QueryTemplateError.
 */
export function parseQueryTemplate(query: string, dialect?: LexicalSource): QueryTemplate {
  const rules = rulesOf(dialect);
  checkLineComments(query, rules);
  const statement = normalizeQuery(query);
  if (statement === '') throw new QueryTemplateError('is empty; pass the SQL statement to run');
  const parts: (string | InputReference)[] = [];
  for (const segment of scan(statement, rules)) {
    if (segment.kind === 'code') {
      parseCode(statement, segment, parts);
      continue;
    }
    const text = statement.slice(segment.start, segment.end);
    const inside = ANY_REFERENCE.exec(text);
    if (inside !== null) throw new QueryTemplateError(`has the reference ${inside[0]} ${WHERE[segment.kind]}`);
    if (!segment.closed) throw new QueryTemplateError(`has an unterminated ${segment.kind} starting ${snippet(text)}`);
    parts.push(text);
  }
  // Adjacent SQL text (code, then a string literal, …) is one part.
  const merged: (string | InputReference)[] = [];
  for (const part of parts) {
    const last = merged.at(-1);
    if (typeof part === 'string' && typeof last === 'string') merged[merged.length - 1] = last + part;
    else merged.push(part);
  }
  return {
    statement,
    parts: merged,
    references: merged.filter((p): p is InputReference => typeof p !== 'string'),
  };
}
