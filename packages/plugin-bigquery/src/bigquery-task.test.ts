// Authoring and serialization: the TaskTemplate flytekit-bigquery writes, and errors at definition.
import { InvalidOptionError, t, taskTemplateToJson, toTaskTemplate } from '@tflyte/core';
import { describe, expect, it } from 'vitest';
import { bigqueryConfig } from './bigquery-config.ts';
import { bigquery } from './bigquery-definition.ts';
import { bigqueryTask } from './bigquery-task.ts';

describe('bigqueryTask', () => {
  it('serializes as flytekit-bigquery: type, custom with ProjectID, Location and the job config keys, a sql target', () => {
    const task = bigqueryTask({
      name: 'daily',
      query: 'SELECT *\n  FROM sales.orders WHERE region = {{ .inputs.region }}',
      inputs: { region: t.string() },
      projectId: 'my-project',
      location: 'EU',
      queryConfig: {
        destinationTable: 'reports.daily',
        writeDisposition: 'WRITE_TRUNCATE',
        maximumBytesBilled: 10_000_000,
        priority: 'BATCH',
        useQueryCache: false,
        defaultDataset: 'sales',
      },
    });
    const template = toTaskTemplate(task, { version: 'v1' });
    expect(template.type).toBe('bigquery_query_job_task');
    expect(template.taskTypeVersion).toBe(0);
    expect(template.custom).toEqual({
      Location: 'EU',
      ProjectID: 'my-project',
      destinationTable: { projectId: 'my-project', datasetId: 'reports', tableId: 'daily' },
      writeDisposition: 'WRITE_TRUNCATE',
      maximumBytesBilled: '10000000',
      priority: 'BATCH',
      defaultDataset: { projectId: 'my-project', datasetId: 'sales' },
      useQueryCache: false,
    });
    expect(taskTemplateToJson(template)).toMatchObject({
      sql: { statement: 'SELECT * FROM sales.orders WHERE region = {{ .inputs.region }}' },
    });
    expect(Object.keys(template.interface?.outputs?.variables ?? {})).toEqual(['results']);
  });

  it('writes Location null when none is set, as flytekit does for None', () => {
    const template = toTaskTemplate(bigqueryTask({ name: 'plain', query: 'SELECT 1', projectId: 'my-project' }), { version: 'v1' });
    expect(template.custom).toEqual({ Location: null, ProjectID: 'my-project' });
  });

  it('reads custom case-insensitively, as Flyte’s Go plugin does', () => {
    expect(bigqueryConfig.decode({ custom: { projectid: 'p-123456', LOCATION: 'US', WriteDisposition: 'WRITE_APPEND' } }, 0)).toEqual({
      projectId: 'p-123456',
      location: 'US',
      job: { writeDisposition: 'WRITE_APPEND' },
    });
  });

  it('round-trips its config through the template as the backend reads it', () => {
    const task = bigqueryTask({
      name: 'rt',
      query: 'SELECT {{ .inputs.a }} AS a',
      inputs: { a: t.string() },
      parameterTypes: { a: 'NUMERIC' },
      projectId: 'my-project',
      outputs: { rows: t.list(t.struct()) },
      maxRows: 5,
    });
    const template = toTaskTemplate(task, { version: 'v1' });
    expect(template.config).toEqual({ bigquery_max_rows: '5', bigquery_parameter_types: '{"a":"NUMERIC"}' });
    expect(template.custom).toEqual({ Location: null, ProjectID: 'my-project' });
    expect(bigquery.configOf(template)).toEqual({
      projectId: 'my-project',
      location: '',
      job: {},
      maxRows: 5,
      parameterTypes: { a: 'NUMERIC' },
    });
  });

  it.each([
    [{ query: 'SELECT {{ .inputs.nope }}' }, 'query', /references input 'nope'/],
    [{ query: 'SELECT 1', inputs: { a: t.int() } }, 'inputs.a', /not referenced/],
    [
      { query: 'SELECT {{ .inputs.a }}', inputs: { a: t.map(t.int()) } },
      'inputs.a',
      /has type map<string, int>, which has no SQL literal form \(map\)/,
    ],
    [{ query: 'SELECT {{ .inputs.a }}', inputs: { a: t.list(t.list(t.int())) } }, 'inputs.a', /no SQL literal form \(list of lists\)/],
    [{ query: 'SELECT "{{ .inputs.a }}"', inputs: { a: t.string() } }, 'query', /inside a string literal/],
    [{ query: 'SELECT 1 # {{ .inputs.a }}', inputs: { a: t.string() } }, 'query', /inside a comment/],
    [{ query: 'SELECT 1 # note\nFROM t', inputs: {} }, 'query', /line comment \("# note"\) followed by more SQL/],
    [{ query: 'SELECT {{ .inputs.a }}', inputs: { a: t.string() }, parameterTypes: { b: 'DATE' } }, 'parameterTypes.b', /names no input/],
    [{ query: 'SELECT 1', outputs: { total: t.int() } }, 'outputs.total', /is not a BigQuery output/],
    [{ query: "SELECT '{{ .inputs.a }}'", inputs: { a: t.string() } }, 'query', /inside a string literal/],
    [
      { query: 'SELECT {{ .inputs.a }}', inputs: { a: t.bool() }, parameterTypes: { a: 'NUMERIC' } },
      'inputs.a',
      /cannot be sent as NUMERIC/,
    ],
    [{ query: 'SELECT 1', projectId: 'Bad_Project' }, 'projectId', /not a Google Cloud project id/],
    [
      { query: 'SELECT 1', queryConfig: { writeDisposition: 'WRITE_TRUNCATE' } },
      'queryConfig.writeDisposition',
      /only applies with a destinationTable/,
    ],
    [{ query: 'SELECT 1', queryConfig: { priority: 'URGENT' } }, 'queryConfig.priority', /INTERACTIVE, BATCH/],
    [{ query: 'SELECT 1', queryConfig: { destinationTable: 'a.b.c.d' } }, 'queryConfig.destinationTable', /dataset.table/],
    [{ query: 'SELECT 1', queryConfig: { cache: true } }, 'queryConfig.cache', /not a query job option/],
    [{ query: 'SELECT 1', maxRows: 5 }, 'maxRows', /rows/],
  ])('refuses %j at definition, naming %s', (settings, option, problem) => {
    const define = () => bigqueryTask({ name: 'bad', projectId: 'my-project', ...(settings as { query: string }) });
    expect(define).toThrow(InvalidOptionError);
    expect(define).toThrow(expect.objectContaining({ option, message: expect.stringMatching(problem) }));
  });
});

describe('bigqueryTask in GoogleSQL', () => {
  it('reads backslash escapes and triple-quoted strings, so a reference after them is a parameter', () => {
    const task = bigqueryTask({
      name: 'lexed',
      query: "SELECT 'it\\'s' AS a, \"say \\\"hi\\\"\" AS b, '''don't''' AS c, {{ .inputs.x }} AS d # trailing",
      inputs: { x: t.int() },
      projectId: 'my-project',
    });
    expect(toTaskTemplate(task, { version: 'v1' }).target).toMatchObject({ case: 'sql' });
  });

  it('accepts the types BigQuery binds beyond scalars: lists, structs, bytes and lists of structs', () => {
    const define = () =>
      bigqueryTask({
        name: 'wide',
        query: 'SELECT {{ .inputs.xs }}, {{ .inputs.rec }}, {{ .inputs.blob }}, {{ .inputs.recs }}, {{ .inputs.maybe }}',
        inputs: { xs: t.list(t.float()), rec: t.struct(), blob: t.binary(), recs: t.list(t.struct()), maybe: t.optional(t.list(t.int())) },
        projectId: 'my-project',
      });
    expect(define).not.toThrow();
  });
});
