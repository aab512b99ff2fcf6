// The public API of @tflyte/plugin-hive.
export {};
