// The public API of @tflyte/warehouse.

// The web-API backend: idempotent submit, fetch (I/O) and status (pure), outputs, cancel, quotas and rate limits
export { webApiBackend, WAREHOUSE_DEFAULTS, DEFAULT_SUBMIT_RETRIES } from './web-api/web-api-backend.ts';
export type { WebApiSpec, WebApiBackend, WebApiHandle, WebApiCall, JobContext } from './web-api/web-api-backend.ts';
export { TokenBucket } from './web-api/rate-limiter.ts';
export type { RateLimit } from './web-api/rate-limiter.ts';
export { ResourceQuota } from './web-api/resource-quota.ts';
export { WebApiConfigError } from './web-api/errors.ts';
export { withDeadline, CallDeadlineError } from './web-api/deadline.ts';

// The SQL toolkit: query templates, definition-time checks, dialects and bound values
export { parseQueryTemplate, normalizeQuery, QueryTemplateError, ANSI_LEXICAL_RULES } from './sql/query-template.ts';
export type { QueryTemplate, InputReference, ReferenceFilter, SqlLexicalRules, LexicalSource } from './sql/query-template.ts';
export { checkQuery } from './sql/check-query.ts';
export type { CheckQueryOptions } from './sql/check-query.ts';
export { sqlDialect, trinoDialect, quoteIdentifier, doubleQuoted, backQuoted, MAX_IDENTIFIER_PART } from './sql/dialect.ts';
export type { SqlDialect, SqlBinding } from './sql/dialect.ts';
export { QueryInputError, sqlValue, sqlDateValue, identifierText, ansiLiteral, stringLiteral, referenceTypeProblem } from './sql/sql-literals.ts';
export type { SqlValue } from './sql/sql-literals.ts';
export { sqlData, sqlTypeOf, sqlDataType, optionalInner } from './sql/sql-data.ts';
export type { SqlData, SqlType, SqlScalarKind, SqlBinds } from './sql/sql-data.ts';
export { renderQuery, templateInputTypes } from './sql/render-query.ts';
export type { RenderedQuery, RenderOptions, SqlParameter } from './sql/render-query.ts';

// The standard result outputs: `results` (a structured dataset) and `rows` (bounded by maxRows)
export {
  checkResultOutputs,
  resultOutputs,
  collectRows,
  rowColumnNames,
  jsonRow,
  TooManyRowsError,
  RowShapeError,
  DEFAULT_MAX_ROWS,
  MAX_MAX_ROWS,
} from './sql/result-outputs.ts';
export type { ResultOutputs, DefaultResultOutputs, ResultSource } from './sql/result-outputs.ts';
