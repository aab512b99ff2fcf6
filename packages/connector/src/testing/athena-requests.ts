/**
 * For the tests: requests as propeller sends them for a flytekit AthenaTask (type `presto`,
 * custom = PrestoQuery as MessageToDict writes it), in proto-loader's plain-object form — written
 * out by hand from the flyteidl schema, not produced by tflyte's serializer.
 */
import { decode } from '@msgpack/msgpack';

type Plain = Record<string, unknown>;

export const ORDERS_STATEMENT = 'SELECT id, customer FROM orders WHERE region = {{ .inputs.region }} ORDER BY id';

export function prestoTemplate(statement: string = ORDERS_STATEMENT, schema = 'sales'): Plain {
  return {
    id: { resourceType: 'TASK', project: 'flytesnacks', domain: 'development', name: 'athena.orders', version: 'v1' },
    type: 'presto',
    taskTypeVersion: 0,
    metadata: { runtime: { type: 'FLYTE_SDK', version: '1.16.0', flavor: 'python' }, retries: { retries: 2 } },
    interface: {
      inputs: { variables: { region: { type: { simple: 'STRING' }, description: 'region' } } },
      outputs: {
        variables: {
          results: { type: { structuredDatasetType: { format: 'csv' } }, description: 'results' },
          rows: { type: { collectionType: { simple: 'STRUCT' } }, description: 'rows' },
        },
      },
    },
    custom: { fields: { statement: { stringValue: statement }, ...(schema === '' ? {} : { schema: { stringValue: schema } }) } },
    sql: { statement, dialect: 'ANSI' },
  };
}

export function executionMetadata(execution: string, nodeId = 'n0', retryAttempt = 0, extra: Plain = {}): Plain {
  return {
    taskExecutionId: {
      taskId: { resourceType: 'TASK', project: 'flytesnacks', domain: 'development', name: 'athena.orders', version: 'v1' },
      nodeExecutionId: { nodeId, executionId: { project: 'flytesnacks', domain: 'development', name: execution } },
      retryAttempt,
    },
    namespace: 'flytesnacks-development',
    k8sServiceAccount: 'default',
    maxAttempts: 3,
    ...extra,
  };
}

export const regionInputs = (region: string): Plain => ({ literals: { region: { scalar: { primitive: { stringValue: region } } } } });

export function createTaskRequest(execution: string, region = 'eu', options: { template?: Plain; metadata?: Plain } = {}): Plain {
  return {
    inputs: regionInputs(region),
    template: options.template ?? prestoTemplate(),
    outputPrefix: `s3://flyte-data/metadata/${execution}/n0/0`,
    taskExecutionMetadata: options.metadata ?? executionMetadata(execution),
  };
}

/** The rows output of a Resource: flytekit 1.16 sends each struct row as a msgpack binary scalar. */
export function rowsOf(resource: Plain): unknown[] {
  const outputs = resource['outputs'] as { literals: Record<string, Plain> };
  const rows = outputs.literals['rows'] as { collection: { literals: Plain[] } };
  return rows.collection.literals.map((literal) => {
    const binary = (literal['scalar'] as Plain)['binary'] as { value: Buffer; tag: string };
    if (binary.tag !== 'msgpack') throw new Error(`row is not msgpack: ${JSON.stringify(literal)}`);
    return decode(binary.value);
  });
}
