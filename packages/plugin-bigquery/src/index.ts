// The public API of @tflyte/plugin-bigquery.
export {};
