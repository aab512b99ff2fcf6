// The public API of @tflyte/plugin-spark.
export {};
