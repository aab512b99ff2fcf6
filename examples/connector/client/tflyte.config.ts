/**
 * The other direction: this project runs its `presto` tasks through a remote Flyte connector —
 * ours from ../serve, or a flytekit one — instead of calling Athena itself. `tflyte run` then
 * creates, polls and (on Ctrl-C) deletes the job through the connector, and a killed run resumes
 * by re-attaching to the remote job.
 */
import { readFileSync } from 'node:fs';
import { connectorBackend } from '@tflyte/connector';
import { defineConfig } from '@tflyte/core';
import { athenaPlugin } from '@tflyte/plugin-athena';

// A connector served with TLS by a private CA: `TFLYTE_CONNECTOR_CA=ca.pem` and an https:// endpoint.
const ca = process.env.TFLYTE_CONNECTOR_CA;

export default defineConfig({
  // Registered for authoring and serialization; the connector runs the tasks.
  plugins: [athenaPlugin()],
  backends: {
    presto: connectorBackend({
      endpoint: process.env.TFLYTE_CONNECTOR_ENDPOINT ?? 'http://127.0.0.1:8000',
      taskTypes: ['presto'],
      poll: { initialMs: 50, multiplier: 1.5, maxMs: 2000 },
      ...(ca === undefined ? {} : { tls: { ca: readFileSync(ca) } }),
    }),
  },
  stateDir: process.env.TFLYTE_STATE_DIR ?? '.tflyte',
});
