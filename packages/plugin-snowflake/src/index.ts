// The public API of @tflyte/plugin-snowflake.
export {};
