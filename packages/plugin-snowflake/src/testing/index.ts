// @tflyte/plugin-snowflake/testing: a wire-level Snowflake service on 127.0.0.1 for testing Snowflake tasks.
export { startSnowflakeServer, SNOWFLAKE_OPERATIONS } from './snowflake-server.ts';
export type { SnowflakeServerOptions, SnowflakeTestServer, SnowflakeOperation, SnowflakeUser, QueryInfo, QueryPlan, QueryRecord, QueryStatus } from './snowflake-server.ts';
export { SQL_ERRORS } from './sql-errors.ts';
export { publicKeyFingerprint } from './jwt.ts';
