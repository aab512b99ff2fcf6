// The public API of @tflyte/warehouse.
export {};
