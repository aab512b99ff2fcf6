/**
 * sparkTask serializes as flytekit-spark does: task type `spark` version 0, `custom` = the proto3
 * JSON of plugins.SparkJob (defaults omitted, camelCase), a container target with the image and
 * the application's arguments — and bad settings fail when the task is defined, naming the field.
 */
import { fromJson } from '@bufbuild/protobuf';
import { InvalidOptionError, t, toTaskTemplate } from '@tflyte/core';
import { SparkApplication_Type, SparkJobSchema } from '@tflyte/idl/plugins/spark';
import { describe, expect, it } from 'vitest';
import { spark, sparkTask } from './index.ts';

const SEED_CONF = {
  'spark.driver.memory': '1000M',
  'spark.executor.memory': '1000M',
  'spark.executor.cores': '1',
  'spark.executor.instances': '2',
};

const wordCount = sparkTask({
  name: 'wordCount',
  inputs: { path: t.string(), minCount: t.int() },
  outputs: { counts: t.dataset({ format: 'parquet' }), total: t.int() },
  application: {
    type: 'python',
    mainApplicationFile: 'local:///opt/app/wordcount.py',
    arguments: [
      '--input',
      '{{ .inputs.path }}',
      '--min',
      '{{.inputs.minCount}}',
      '--out',
      '{{ .outputs.counts }}',
      '--summary',
      '{{ .outputDocument }}',
    ],
  },
  sparkConf: SEED_CONF,
  hadoopConf: { 'fs.s3a.fast.upload': 'true' },
  executorPath: '/usr/bin/python3',
  image: 'ghcr.io/example/spark:3.5.0',
  retries: 2,
  driverPod: {
    podSpec: { containers: [{ name: 'primary', env: [{ name: 'ROLE', value: 'driver' }] }], nodeSelector: { pool: 'stable' } },
    primaryContainerName: 'primary',
    labels: { role: 'driver' },
  },
});

describe('sparkTask serialization', () => {
  const template = toTaskTemplate(wordCount, { version: 'v1' });

  it('writes task type spark, version 0, and the SparkJob as flytekit does (PYTHON and empty fields omitted)', () => {
    expect(template.type).toBe('spark');
    expect(template.taskTypeVersion).toBe(0);
    expect(template.custom).toEqual({
      mainApplicationFile: 'local:///opt/app/wordcount.py',
      sparkConf: SEED_CONF,
      hadoopConf: { 'fs.s3a.fast.upload': 'true' },
      executorPath: '/usr/bin/python3',
      driverPod: {
        metadata: { labels: { role: 'driver' } },
        podSpec: { containers: [{ name: 'primary', env: [{ name: 'ROLE', value: 'driver' }] }], nodeSelector: { pool: 'stable' } },
        primaryContainerName: 'primary',
      },
    });
    // A stock propeller reads the same message back.
    const job = fromJson(SparkJobSchema, template.custom as never);
    expect(job.applicationType).toBe(SparkApplication_Type.PYTHON);
    expect(spark.configOf(template).sparkConf).toEqual(SEED_CONF);
  });

  it('names JVM application types and main classes', () => {
    const jvm = sparkTask({
      name: 'pi',
      application: {
        type: 'scala',
        mainApplicationFile: 'local:///opt/spark/examples/jars/spark-examples.jar',
        mainClass: 'org.apache.spark.examples.SparkPi',
        arguments: ['100'],
      },
      image: 'spark:3.5.0',
    });
    expect(toTaskTemplate(jvm).custom).toEqual({
      applicationType: 'SCALA',
      mainApplicationFile: 'local:///opt/spark/examples/jars/spark-examples.jar',
      mainClass: 'org.apache.spark.examples.SparkPi',
    });
  });

  it('puts the image and the arguments in a container target, outputs as Flyte template variables every backend renders', () => {
    expect(template.target.case).toBe('container');
    const container = template.target.case === 'container' ? template.target.value : undefined;
    expect(container?.image).toBe('ghcr.io/example/spark:3.5.0');
    expect(container?.command).toEqual([]);
    expect(container?.args).toEqual([
      '--input',
      '{{ .inputs.path }}',
      '--min',
      '{{.inputs.minCount}}',
      '--out',
      '{{ .rawOutputDataPrefix }}/counts',
      '--summary',
      '{{ .rawOutputDataPrefix }}/tflyte-outputs.json',
    ]);
    expect(template.metadata?.retries?.retries).toBe(2);
    expect(Object.keys(template.interface?.outputs?.variables ?? {})).toEqual(['counts', 'total']);
  });
});

describe('sparkTask definition errors', () => {
  const base = { name: 'bad', image: 'spark:3.5.0', application: { type: 'python' as const, mainApplicationFile: 'local:///app.py' } };
  const failure = (define: () => unknown) => {
    try {
      define();
    } catch (error) {
      expect(error).toBeInstanceOf(InvalidOptionError);
      return { option: (error as InvalidOptionError).option, message: (error as Error).message };
    }
    throw new Error('expected the definition to fail');
  };

  it('rejects an argument naming an undeclared input', () => {
    expect(
      failure(() =>
        sparkTask({ ...base, inputs: { day: t.string() }, application: { ...base.application, arguments: ['{{ .inputs.date }}'] } }),
      ),
    ).toMatchObject({
      option: 'application.arguments[0]',
      message: expect.stringContaining("no input 'date' (inputs: day)"),
    });
  });

  it('rejects an output reference to an undeclared or scalar output', () => {
    expect(
      failure(() =>
        sparkTask({ ...base, outputs: { n: t.int() }, application: { ...base.application, arguments: ['{{ .outputs.report }}'] } }),
      ).message,
    ).toContain("no output 'report'");
    expect(
      failure(() => sparkTask({ ...base, outputs: { n: t.int() }, application: { ...base.application, arguments: ['{{ .outputs.n }}'] } }))
        .message,
    ).toContain('{{ .outputDocument }}');
  });

  it('rejects an unknown application type, a missing application file and non-numeric core counts', () => {
    expect(failure(() => sparkTask({ ...base, application: { ...base.application, type: 'go' as never } })).option).toBe(
      'application.type',
    );
    expect(failure(() => sparkTask({ ...base, application: { type: 'java', mainApplicationFile: '' } })).option).toBe(
      'application.mainApplicationFile',
    );
    expect(failure(() => sparkTask({ ...base, sparkConf: { 'spark.executor.instances': 'two' } }))).toMatchObject({
      option: "sparkConf['spark.executor.instances']",
      message: expect.stringContaining("got 'two'"),
    });
    expect(failure(() => sparkTask({ ...base, sparkConf: { 'spark.executor.cores': 2 as never } })).option).toBe(
      "sparkConf['spark.executor.cores']",
    );
  });

  it('rejects a role pod without a pod spec and options that are not task options', () => {
    expect(failure(() => sparkTask({ ...base, executorPod: { primaryContainerName: 'x' } as never })).option).toBe('executorPod');
    expect(failure(() => sparkTask({ ...base, sparkConfig: {} } as never)).option).toBe('sparkConfig');
  });
});
