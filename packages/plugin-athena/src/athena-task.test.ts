import { fromJson } from '@bufbuild/protobuf';
import { InvalidOptionError, t, taskTemplateToJson, toTaskTemplate } from '@tflyte/core';
import { PrestoQuerySchema } from '@tflyte/idl/plugins/presto';
import { describe, expect, it } from 'vitest';
import { athenaTask } from './athena-task.ts';
import { athenaConfigCodec } from './athena-template.ts';

const json = (task: Parameters<typeof toTaskTemplate>[0]) =>
  taskTemplateToJson(toTaskTemplate(task, { version: 'v1' })) as Record<string, unknown>;

const ordersByRegion = athenaTask({
  name: 'ordersByRegion',
  query: `
    SELECT id, amount
    FROM orders
    WHERE region = {{ .inputs.region }}
      AND amount > {{ .inputs.minAmount }}`,
  inputs: { region: t.string(), minAmount: t.float() },
  database: 'sales',
  workgroup: 'analytics',
  catalog: 'AwsDataCatalog',
  retries: 2,
});

const STATEMENT = 'SELECT id, amount FROM orders WHERE region = {{ .inputs.region }} AND amount > {{ .inputs.minAmount }}';

describe('athenaTask serialization (golden, field by field)', () => {
  const template = json(ordersByRegion);

  it('has flytekit’s AthenaTask type: presto, version 0', () => {
    expect(template['type']).toBe('presto');
    expect(template['taskTypeVersion']).toBeUndefined(); // 0 is omitted in proto3 JSON
  });

  it('writes custom as flytekit’s PrestoQuery JSON: routingGroup, catalog, schema, statement', () => {
    expect(template['custom']).toEqual({ routingGroup: 'analytics', catalog: 'AwsDataCatalog', schema: 'sales', statement: STATEMENT });
    expect(Object.keys(template['custom'] as object)).toEqual(['routingGroup', 'catalog', 'schema', 'statement']);
    const message = fromJson(PrestoQuerySchema, template['custom'] as never);
    expect(message).toMatchObject({ routingGroup: 'analytics', catalog: 'AwsDataCatalog', schema: 'sales', statement: STATEMENT });
  });

  it('omits empty PrestoQuery fields, as MessageToDict does', () => {
    const task = athenaTask({ name: 'minimal', query: 'SELECT 1', database: 'sales' });
    expect(json(task)['custom']).toEqual({ schema: 'sales', statement: 'SELECT 1' });
    expect(athenaConfigCodec.decode({ custom: json(task)['custom'] as never }, 0)).toEqual({
      statement: 'SELECT 1',
      database: 'sales',
      workgroup: '',
      catalog: '',
    });
  });

  it('holds the normalized statement in a sql target (flytekit sets none) with no container', () => {
    expect(template['sql']).toEqual({ statement: STATEMENT, dialect: 'ANSI' });
    expect(template['container']).toBeUndefined();
    expect(template['k8sPod']).toBeUndefined();
  });

  it('declares the typed inputs and a results dataset in CSV by default', () => {
    expect(template['interface']).toEqual({
      // A variable without .describe() is described by its name, as flytekit writes it.
      inputs: {
        variables: {
          region: { type: { simple: 'STRING' }, description: 'region' },
          minAmount: { type: { simple: 'FLOAT' }, description: 'minAmount' },
        },
      },
      outputs: { variables: { results: { type: { structuredDatasetType: { format: 'csv' } }, description: 'results' } } },
    });
  });

  it('keeps the common task options in metadata', () => {
    expect(template['metadata']).toMatchObject({ retries: { retries: 2 }, runtime: { type: 'FLYTE_SDK', flavor: 'typescript' } });
    expect(template['id']).toEqual({ resourceType: 'TASK', name: 'src.athena-task.test.ordersByRegion', version: 'v1' });
  });

  it('has no config entries unless outputLocation or rows are set', () => {
    expect(template['config']).toBeUndefined();
    const task = athenaTask({
      name: 'withRows',
      query: 'SELECT 1 AS one',
      database: 'sales',
      outputLocation: 's3://bucket/results/',
      outputs: { results: t.dataset({ format: 'csv' }), rows: t.list(t.struct()) },
      maxRows: 50,
    });
    expect(json(task)['config']).toEqual({ athena_output_location: 's3://bucket/results/', athena_max_rows: '50' });
    expect((json(task)['interface'] as { outputs: unknown }).outputs).toEqual({
      variables: {
        results: { type: { structuredDatasetType: { format: 'csv' } }, description: 'results' },
        rows: {
          type: {
            collectionType: {
              simple: 'STRUCT',
              annotation: { annotations: { 'cache-key-metadata': { 'serialization-format': 'msgpack' } } },
            },
          },
          description: 'rows',
        },
      },
    });
  });

  it('has no outputs with outputs: {} (DDL and INSERT statements)', () => {
    const task = athenaTask({ name: 'ddl', query: 'CREATE TABLE t (id int)', database: 'sales', outputs: {} });
    expect((json(task)['interface'] as { outputs: unknown }).outputs).toEqual({});
  });

  it('is a task with a Flyte name whose direct call runs on the plugin’s default backend (the AWS SDK chains)', async () => {
    expect(ordersByRegion.name).toBe('src.athena-task.test.ordersByRegion');
    expect(ordersByRegion.kind.execute).toBeUndefined();
    const env = { ...process.env };
    delete process.env['AWS_REGION'];
    delete process.env['AWS_DEFAULT_REGION'];
    process.env['AWS_CONFIG_FILE'] = '/nonexistent/aws-config';
    process.env['AWS_PROFILE'] = 'tflyte-test-none';
    try {
      // No region anywhere: one attempt, a permanent USER failure that says what to set.
      await expect(ordersByRegion({ region: 'eu', minAmount: 1 })).rejects.toMatchObject({
        attempts: 1,
        failure: { code: 'NoRegion', retryable: false },
      });
    } finally {
      process.env = env;
    }
  });
});

describe('athenaTask definition-time errors', () => {
  const define = (options: Record<string, unknown>) => () =>
    athenaTask({ name: 'q', database: 'sales', query: 'SELECT 1', ...options } as Parameters<typeof athenaTask>[0]);

  it('refuses a reference to an undeclared input, listing the inputs', () => {
    expect(define({ query: 'SELECT * FROM t WHERE r = {{ .inputs.regoin }}', inputs: { region: t.string() } })).toThrow(
      /option 'query' references input 'regoin' \({{ .inputs.regoin }}\), which is not declared; inputs are: region/,
    );
  });

  it('refuses declared inputs that the query never uses, as flytekit does', () => {
    expect(define({ query: 'SELECT 1 WHERE 1 = {{ .inputs.a }}', inputs: { a: t.int(), b: t.int(), c: t.int() } })).toThrow(
      /option 'inputs.b' is not referenced by the query; use it as {{ .inputs.b }} or remove it \(unused inputs: b, c\)/,
    );
  });

  it('refuses input types that cannot be bound, naming the input', () => {
    expect(define({ query: 'SELECT * FROM t WHERE id IN ({{ .inputs.ids }})', inputs: { ids: t.list(t.int()) } })).toThrow(
      /option 'inputs.ids' has type list<int>, which has no SQL literal form/,
    );
    expect(define({ query: 'SELECT * FROM {{ .inputs.n | identifier }}', inputs: { n: t.int() } })).toThrow(
      /option 'inputs.n' has type int; \| identifier takes a string/,
    );
  });

  it('surfaces template problems as errors of the query option', () => {
    const error = (() => {
      try {
        define({ query: "SELECT * FROM t WHERE r = '{{ .inputs.r }}'", inputs: { r: t.string() } })();
      } catch (e) {
        return e;
      }
    })();
    expect(error).toBeInstanceOf(InvalidOptionError);
    expect(error).toMatchObject({ option: 'query', task: 'src.athena-task.test.q', code: 'TFLYTE_INVALID_OPTION' });
  });

  it('checks database, workgroup, catalog and outputLocation', () => {
    expect(define({ database: '' })).toThrow(/option 'database' is required/);
    expect(define({ database: undefined })).toThrow(/option 'database' is required/);
    expect(define({ workgroup: 'my group' })).toThrow(/option 'workgroup' 'my group' is not a workgroup name/);
    expect(define({ catalog: 'x'.repeat(257) })).toThrow(/option 'catalog' is longer than Athena's limit of 256/);
    expect(define({ outputLocation: '/tmp/results' })).toThrow(/option 'outputLocation' must be an S3 URI/);
    expect(define({ query: undefined })).toThrow(/option 'query' is required/);
  });

  it('accepts only results (a dataset) and rows (list of struct) as outputs', () => {
    expect(define({ outputs: { total: t.int() } })).toThrow(/option 'outputs.total' is not an Athena output/);
    expect(define({ outputs: { results: t.file() } })).toThrow(/option 'outputs.results' must be a dataset/);
    expect(define({ outputs: { rows: t.list(t.string()) } })).toThrow(
      /option 'outputs.rows' must be t.list\(t.struct\(\)\), got list<string>/,
    );
    expect(define({ outputs: t.dataset() })).toThrow(/option 'outputs' must name its outputs/);
  });

  it('takes maxRows only with a rows output, as a positive integer', () => {
    expect(define({ maxRows: 10 })).toThrow(/option 'maxRows' only applies to a task with a `rows` output/);
    expect(define({ maxRows: 0, outputs: { rows: t.list(t.struct()) } })).toThrow(/option 'maxRows' must be an integer from 1 to 1000000/);
  });

  it('lists its own options among the valid ones for a misspelled option', () => {
    expect(define({ databse: 'x' })).toThrow(/option 'databse' is not a task option; valid options are: .*database/);
  });
});
