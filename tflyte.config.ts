// The configuration `tflyte run` uses inside this repository: every plugin the examples need.
// Function tasks need no plugin of their own; they run in-process unless `backends` says otherwise.
// Spark tasks become SparkApplications on the current kubeconfig context's cluster (connected on
// first use, so loading this file needs no cluster); PyTorch tasks run their ranks on this machine
// with Debian's torch (tools/ci/install-pytorch.sh).
import { defineConfig } from '@tflyte/core';
import { athenaPlugin } from '@tflyte/plugin-athena';
import { containerPlugin } from '@tflyte/plugin-container';
import { pytorchPlugin } from '@tflyte/plugin-pytorch';
import { sparkPlugin } from '@tflyte/plugin-spark';

export default defineConfig({
  plugins: [containerPlugin(), athenaPlugin(), sparkPlugin(), pytorchPlugin({ local: { executables: { python3: '/usr/bin/python3' } } })],
});
