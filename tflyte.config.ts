// The configuration `tflyte run` uses inside this repository: every plugin the examples need.
// Function tasks need no plugin of their own; they run in-process unless `backends` says otherwise.
import { defineConfig } from '@tflyte/core';
import { athenaPlugin } from '@tflyte/plugin-athena';
import { containerPlugin } from '@tflyte/plugin-container';

export default defineConfig({
  plugins: [containerPlugin(), athenaPlugin()],
});
