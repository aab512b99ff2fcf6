/**
 * The connector's side: the plugins it serves to Flyte. In this directory,
 *   npx tflyte connector serve --port 8000
 * serves task type `presto` (flytekit's AthenaTask, and tflyte's athenaTask) to any Flyte cluster
 * whose propeller routes `presto` to it (see packages/connector/README.md). AWS credentials, region
 * and endpoint come from the SDK's default chains (AWS_REGION, AWS_ENDPOINT_URL_ATHENA, ...).
 */
import { defineConfig } from '@tflyte/core';
import { athenaPlugin } from '@tflyte/plugin-athena';

export default defineConfig({ plugins: [athenaPlugin()] });
