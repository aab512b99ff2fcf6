/** sparkPlugin(): what tflyte.config.ts registers, derived from the same definition as sparkTask, with its options checked. */
import { createRegistry, toTaskTemplate } from '@tflyte/core';
import { describe, expect, it } from 'vitest';
import { SparkPluginOptionError, spark, sparkPlugin, sparkTask } from './index.ts';

describe('sparkPlugin', () => {
  it('registers task type spark version 0 and runs the tasks sparkTask writes, without connecting to a cluster', () => {
    const registry = createRegistry();
    registry.register(sparkPlugin());
    const task = sparkTask({ name: 'job', application: { type: 'java', mainApplicationFile: 'local:///app.jar' }, image: 'spark:3.5.0' });
    const template = toTaskTemplate(task);
    const plugin = registry.resolve(template.type, template.taskTypeVersion);
    expect(plugin).toMatchObject({ taskType: 'spark', taskTypeVersion: 0, packageName: '@tflyte/plugin-spark', target: 'container' });
    expect(plugin.backend.name).toBe('kubernetes-spark');
    expect(spark.configOf(template).mainApplicationFile).toBe('local:///app.jar');
  });

  it.each([
    [{ sparkConfig: {} }, 'sparkConfig', 'is not an option'],
    [{ namespace: '' }, 'namespace', 'non-empty string'],
    [{ historyServerUrl: 'history' }, 'historyServerUrl', "got 'history'"],
    [{ defaultSparkConf: { 'spark.ui.port': 4040 } }, "defaultSparkConf['spark.ui.port']", 'must be a string'],
    [
      {
        features: [
          { name: 'gcs', sparkConf: {} },
          { name: 'gcs', sparkConf: {} },
        ],
      },
      'features[1].name',
      'defined twice',
    ],
  ])('rejects %j naming %s', (options, option, problem) => {
    let thrown: unknown;
    try {
      sparkPlugin(options as never);
    } catch (error) {
      thrown = error;
    }
    expect(thrown).toBeInstanceOf(SparkPluginOptionError);
    expect(thrown).toMatchObject({ code: 'SPARK_INVALID_OPTION', option, message: expect.stringContaining(problem) });
  });
});
