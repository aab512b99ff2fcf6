/**
 * Turns a DuckDB failure into what Athena reports for a FAILED query: a Trino-style
 * `StateChangeReason` ("SYNTAX_ERROR: line 1:8: ...") and the structured `AthenaError`.
 */

export const ErrorCategory = { SYSTEM: 1, USER: 2, OTHER: 3 } as const;
export type ErrorCategoryCode = (typeof ErrorCategory)[keyof typeof ErrorCategory];

/** `Status.AthenaError` of a failed query, in wire shape. */
export interface AthenaErrorShape {
  ErrorCategory: ErrorCategoryCode;
  ErrorType: number;
  Retryable: boolean;
  ErrorMessage: string;
}

/** A terminal failure: the `StateChangeReason` text plus its `AthenaError`. */
export interface QueryFailure {
  reason: string;
  error: AthenaErrorShape;
}

// Error type codes from the Athena error catalog's coarse classes: 100 internal service error,
// 1000 user error, 1001 data error, 1003 DDL task failed.
const TYPE_INTERNAL = 100;
const TYPE_USER = 1000;
const TYPE_DATA = 1001;
const TYPE_DDL = 1003;

export function queryFailure(
  reason: string,
  init: { category?: ErrorCategoryCode; type?: number; retryable?: boolean } = {},
): QueryFailure {
  const category = init.category ?? ErrorCategory.USER;
  return {
    reason,
    error: {
      ErrorCategory: category,
      ErrorType: init.type ?? (category === ErrorCategory.USER ? TYPE_USER : TYPE_INTERNAL),
      Retryable: init.retryable ?? category === ErrorCategory.SYSTEM,
      ErrorMessage: reason,
    },
  };
}

interface ParsedDuckDBError {
  kind: string;
  detail: string;
  position: string | undefined;
}

/** Splits "Parser Error: syntax error at ...\n\nLINE 1: SELEC 1\n        ^" into its parts. */
function parseDuckDBMessage(message: string): ParsedDuckDBError {
  const text = message.replace(/^Failed to (?:extract statements|prepare statement):\s*/, '');
  const [head = '', ...rest] = text.split('\n\nLINE ');
  const match = /^([A-Za-z ]+?) Error: ([\s\S]*)$/.exec(head);
  const kind = match?.[1] ?? 'Unknown';
  const detail = (match?.[2] ?? head).split('\n')[0] ?? '';
  let position: string | undefined;
  const lineBlock = rest.join('\n\nLINE ');
  const located = /^(\d+): (.*)\n( *)\^/.exec(lineBlock);
  // DuckDB elides the start of long lines with "..."; the caret column is then not the query's column.
  if (located !== null && !(located[2] ?? '').startsWith('...')) {
    const prefix = `LINE ${located[1]}: `.length;
    position = `line ${located[1]}:${(located[3] ?? '').length - prefix + 1}`;
  }
  return { kind, detail, position };
}

/**
 * Maps a DuckDB error to an Athena failure. `qualify` turns a bare table name into Athena's
 * `awsdatacatalog.<database>.<table>` form for TABLE_NOT_FOUND messages.
 */
export function failureFromDuckDB(error: unknown, qualify: (table: string) => string): QueryFailure {
  const message = error instanceof Error ? error.message : String(error);
  const { kind, detail, position } = parseDuckDBMessage(message);
  const reason = (name: string, text: string) => `${name}: ${position === undefined ? '' : `${position}: `}${text}`;

  switch (kind) {
    case 'Parser':
      return queryFailure(reason('SYNTAX_ERROR', detail));
    case 'Catalog': {
      const table = /^Table with name (.+?) does not exist/.exec(detail);
      if (table !== null) return queryFailure(reason('TABLE_NOT_FOUND', `Table '${qualify(table[1] ?? '')}' does not exist`));
      const schema = /^Schema with name (.+?) does not exist/.exec(detail);
      if (schema !== null) return queryFailure(reason('SCHEMA_NOT_FOUND', `Schema '${schema[1]}' does not exist`));
      if (/^Scalar Function with name|^Table Function with name|^Function with name/.test(detail)) {
        return queryFailure(reason('FUNCTION_NOT_FOUND', detail));
      }
      if (/already exists/.test(detail)) return queryFailure(reason('ALREADY_EXISTS', detail), { type: TYPE_DDL });
      return queryFailure(reason('SYNTAX_ERROR', detail));
    }
    case 'Binder': {
      const column = /^Referenced column "?(.+?)"? not found/.exec(detail);
      if (column !== null) {
        return queryFailure(
          reason(
            'COLUMN_NOT_FOUND',
            `Column '${column[1]}' cannot be resolved or requester is not authorized to access requested resources`,
          ),
        );
      }
      if (/^No function matches/.test(detail)) return queryFailure(reason('FUNCTION_NOT_FOUND', detail));
      return queryFailure(reason('SYNTAX_ERROR', detail));
    }
    case 'Conversion':
      return queryFailure(reason('INVALID_CAST_ARGUMENT', detail), { type: TYPE_DATA });
    case 'Out of Range':
      return queryFailure(reason('NUMERIC_VALUE_OUT_OF_RANGE', detail), { type: TYPE_DATA });
    case 'Constraint':
      return queryFailure(reason('CONSTRAINT_VIOLATION', detail), { type: TYPE_DATA });
    case 'Invalid Input':
      return queryFailure(reason('INVALID_FUNCTION_ARGUMENT', detail));
    case 'Not implemented':
      return queryFailure(reason('NOT_SUPPORTED', detail));
    case 'Interrupt':
      return queryFailure(reason('USER_CANCELED', 'Query was canceled'));
    default:
      // Transaction conflicts, I/O and internal errors are the engine's fault, not the query's.
      return queryFailure(reason('GENERIC_INTERNAL_ERROR', detail === '' ? message : detail), {
        category: ErrorCategory.SYSTEM,
      });
  }
}
