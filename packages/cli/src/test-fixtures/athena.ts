// An Athena task for the CLI's cancellation test.
import { t } from '@tflyte/core';
import { athenaTask } from '@tflyte/plugin-athena';

export const slowCount = athenaTask({
  name: 'slowCount',
  query: 'SELECT count(*) AS n FROM numbers WHERE n > {{ .inputs.above }}',
  inputs: { above: t.int() },
  database: 'bench',
});
