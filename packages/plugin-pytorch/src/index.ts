// The public API of @tflyte/plugin-pytorch.
export {};
