/**
 * HiveQL as a SQL dialect. HiveServer2 has no parameter binding, so every value is written into the
 * statement as a typed HiveQL literal: strings single-quoted with Hive's backslash escapes (a quote
 * or backslash in the value is escaped, control characters spelled out), timestamps and dates as
 * typed literals; names validated and backquoted by the SQL toolkit, which also parenthesizes a
 * negative number (so `x-{{ .inputs.n }}` can never become a `--` comment). Templates are lexed as
 * Hive lexes: strings in single or double quotes with backslash escapes, backquoted names.
 */
import { ansiLiteral, backQuoted, QueryInputError, type SqlDialect, type SqlValue, sqlDialect } from '@tflyte/warehouse';

const STRING_ESCAPES: Readonly<Record<string, string>> = {
  '\\': '\\\\',
  "'": "\\'",
  '"': '\\"',
  '\n': '\\n',
  '\r': '\\r',
  '\t': '\\t',
  '\0': '\\0',
  '\u001a': '\\Z',
};

/** A Hive string literal: `it's` → `'it\'s'`. */
export function hiveString(value: string): string {
  // biome-ignore lint/suspicious/noControlCharactersInRegex: NUL and SUB are exactly what Hive's lexer needs escaped
  return `'${value.replace(/[\\'"\n\r\t\0\u001a]/g, (c) => STRING_ESCAPES[c]!)}'`;
}

export function hiveLiteral(input: string, value: SqlValue): string {
  switch (value.type) {
    case 'string':
      if (/[\ud800-\udfff]/.test(value.value.replace(/[\ud800-\udbff][\udc00-\udfff]/g, ''))) {
        throw new QueryInputError(input, 'holds an unpaired UTF-16 surrogate, which Hive cannot store; pass valid Unicode text');
      }
      return hiveString(value.value);
    default:
      return ansiLiteral(input, value);
  }
}

/** Hive's limit on a statement is its Thrift message size; 1 MB keeps well inside every default. */
export const MAX_HIVE_QUERY_LENGTH = 1_000_000;

export const hiveDialect: SqlDialect = sqlDialect({
  name: 'HiveQL',
  binding: 'inline',
  literal: hiveLiteral,
  quoteIdentifier: backQuoted,
  maxQueryLength: MAX_HIVE_QUERY_LENGTH,
  lexical: { stringQuotes: ["'", '"'], identifierQuotes: ['`'], backslashEscapes: true, lineComments: ['--'] },
});
