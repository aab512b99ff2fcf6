// The public API of @tflyte/warehouse.

export type { CheckQueryOptions } from './sql/check-query.ts';
export { checkQuery } from './sql/check-query.ts';
export type { SqlBinding, SqlDialect } from './sql/dialect.ts';
export { backQuoted, doubleQuoted, MAX_IDENTIFIER_PART, quoteIdentifier, sqlDialect, trinoDialect } from './sql/dialect.ts';
export type { InputReference, LexicalSource, QueryTemplate, ReferenceFilter, SqlLexicalRules } from './sql/query-template.ts';
// The SQL toolkit: query templates, definition-time checks, dialects and bound values
export { ANSI_LEXICAL_RULES, normalizeQuery, parseQueryTemplate, QueryTemplateError } from './sql/query-template.ts';
export type { RenderedQuery, RenderOptions, SqlParameter } from './sql/render-query.ts';
export { renderQuery, templateInputTypes } from './sql/render-query.ts';
export type { DefaultResultOutputs, ResultOutputs, ResultSource } from './sql/result-outputs.ts';
// The standard result outputs: `results` (a structured dataset) and `rows` (bounded by maxRows)
export {
  checkResultOutputs,
  collectRows,
  DEFAULT_MAX_ROWS,
  jsonRow,
  MAX_MAX_ROWS,
  RowShapeError,
  resultOutputs,
  rowColumnNames,
  TooManyRowsError,
} from './sql/result-outputs.ts';
export type { SqlBinds, SqlData, SqlScalarKind, SqlType } from './sql/sql-data.ts';
export { optionalInner, sqlData, sqlDataType, sqlTypeOf } from './sql/sql-data.ts';
export type { SqlValue } from './sql/sql-literals.ts';
export {
  ansiLiteral,
  identifierText,
  QueryInputError,
  referenceTypeProblem,
  sqlDateValue,
  sqlValue,
  stringLiteral,
} from './sql/sql-literals.ts';
export { CallDeadlineError, withDeadline } from './web-api/deadline.ts';
export { WebApiConfigError } from './web-api/errors.ts';
export type { WarehousePollPolicy } from './web-api/poll-schedule.ts';
// When to check a job's status: 1 s apart at first, then a fraction of its elapsed time
export { nextPollDelay, WAREHOUSE_POLL } from './web-api/poll-schedule.ts';
export type { RateLimit } from './web-api/rate-limiter.ts';
export { TokenBucket } from './web-api/rate-limiter.ts';
export { ResourceQuota } from './web-api/resource-quota.ts';
export type { JobContext, WebApiBackend, WebApiCall, WebApiHandle, WebApiSpec } from './web-api/web-api-backend.ts';
// The web-API backend: idempotent submit, fetch (I/O) and status (pure), outputs, cancel, quotas and rate limits
export { DEFAULT_SUBMIT_RETRIES, WAREHOUSE_DEFAULTS, webApiBackend } from './web-api/web-api-backend.ts';
