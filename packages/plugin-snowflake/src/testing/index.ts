// @tflyte/plugin-snowflake/testing: a wire-level Snowflake service on 127.0.0.1 for testing Snowflake tasks.

export { publicKeyFingerprint } from './jwt.ts';
export type {
  QueryInfo,
  QueryPlan,
  QueryRecord,
  QueryStatus,
  SnowflakeOperation,
  SnowflakeServerOptions,
  SnowflakeTestServer,
  SnowflakeUser,
} from './snowflake-server.ts';
export { SNOWFLAKE_OPERATIONS, startSnowflakeServer } from './snowflake-server.ts';
export { SQL_ERRORS } from './sql-errors.ts';
