// pytorchTask serializes as flytekit-kf-pytorch does (task type pytorch, version 1) and the plugin reads version 0 too.
import { InvalidOptionError, type JsonObject, t, taskTemplateToJson, toTaskTemplate } from '@tflyte/core';
import { describe, expect, it } from 'vitest';
import { pytorch, pytorchTask } from './index.ts';

const base = { image: 'ghcr.io/acme/train:1', command: ['python3', '/app/train.py'] };
const customOf = (task: Parameters<typeof toTaskTemplate>[0]) => toTaskTemplate(task, { version: 'v1' }).custom as JsonObject;

describe('serialization (golden values from flytekit-kf-pytorch MessageToDict)', () => {
  it('PyTorch(num_workers=2): one master, two workers, empty resources kept, task type pytorch v1', () => {
    const task = pytorchTask({ name: 'train', ...base, workers: { replicas: 2 } });
    const template = toTaskTemplate(task, { version: 'v1' });
    expect(template.type).toBe('pytorch');
    expect(template.taskTypeVersion).toBe(1);
    expect(template.custom).toEqual({ workerReplicas: { replicas: 2, resources: {} }, masterReplicas: { replicas: 1, resources: {} } });
    expect(template.target.case).toBe('container');
  });

  it('replica images, resources, restart policies and the run policy', () => {
    const task = pytorchTask({
      name: 'train',
      ...base,
      requests: { cpu: 1, mem: '2Gi' },
      master: { restartPolicy: 'Always' },
      workers: {
        replicas: 3,
        image: 'ghcr.io/acme/worker:1',
        resources: { requests: { cpu: '500m', gpu: 1 }, limits: { mem: '4Gi' } },
        restartPolicy: 'OnFailure',
      },
      runPolicy: { cleanPodPolicy: 'All', ttlSecondsAfterFinished: 600, activeDeadlineSeconds: 3600, backoffLimit: 2 },
    });
    expect(customOf(task)).toEqual({
      workerReplicas: {
        replicas: 3,
        image: 'ghcr.io/acme/worker:1',
        resources: {
          requests: [
            { name: 'CPU', value: '500m' },
            { name: 'GPU', value: '1' },
          ],
          limits: [{ name: 'MEMORY', value: '4Gi' }],
        },
        restartPolicy: 'RESTART_POLICY_ON_FAILURE',
      },
      masterReplicas: { replicas: 1, resources: {}, restartPolicy: 'RESTART_POLICY_ALWAYS' },
      runPolicy: { cleanPodPolicy: 'CLEANPOD_POLICY_ALL', ttlSecondsAfterFinished: 600, activeDeadlineSeconds: 3600, backoffLimit: 2 },
    });
  });

  it('Elastic(nnodes="2:4"): maxReplicas workers, c10d rendezvous, no master', () => {
    const task = pytorchTask({ name: 'elastic', ...base, elastic: { minReplicas: 2, maxReplicas: 4, nprocPerNode: 1 } });
    expect(customOf(task)).toEqual({
      workerReplicas: { replicas: 4 },
      elasticConfig: { rdzvBackend: 'c10d', minReplicas: 2, maxReplicas: 4, nprocPerNode: 1 },
    });
  });

  it('the container target carries the data directories rank 0 writes outputs to', () => {
    const task = pytorchTask({
      name: 'train',
      ...base,
      args: ['--lr', '{{.inputs.lr}}'],
      inputs: { lr: t.float() },
      outputs: { loss: t.float() },
      workers: { replicas: 1 },
    });
    const json = taskTemplateToJson(toTaskTemplate(task, { version: 'v1' })) as unknown as {
      container: { args: string[]; dataConfig: JsonObject };
    };
    expect(json.container.args).toEqual(['--lr', '{{.inputs.lr}}']);
    expect(json.container.dataConfig).toEqual({ enabled: true, inputPath: '/var/inputs', outputPath: '/var/outputs' });
  });
});

describe('reading templates', () => {
  it('reads its own version 1 custom back', () => {
    const task = pytorchTask({ name: 'train', ...base, workers: { replicas: 2, restartPolicy: 'OnFailure' } });
    const config = pytorch.configOf(toTaskTemplate(task, { version: 'v1' }));
    expect(config.workerReplicas?.replicas).toBe(2);
    expect(config.masterReplicas?.replicas).toBe(1);
  });

  it('reads a version 0 custom (workers + elastic_config) onto the v1 message', () => {
    const template = toTaskTemplate(pytorchTask({ name: 'old', ...base, workers: { replicas: 1 } }), { version: 'v1' });
    template.taskTypeVersion = 0;
    template.custom = {
      workers: 3,
      elastic_config: { rdzv_backend: 'c10d', min_replicas: 1, max_replicas: 3, nproc_per_node: 2 },
    } as never;
    const config = pytorch.configOf(template);
    expect(config.workerReplicas?.replicas).toBe(3);
    expect(config.masterReplicas).toBeUndefined();
    expect(config.elasticConfig).toMatchObject({ rdzvBackend: 'c10d', minReplicas: 1, maxReplicas: 3, nprocPerNode: 2 });
  });

  it('refuses another version with a typed error', () => {
    const template = toTaskTemplate(pytorchTask({ name: 'x', ...base, workers: { replicas: 1 } }), { version: 'v1' });
    template.taskTypeVersion = 7;
    expect(() => pytorch.configOf(template)).toThrow(/version 7/);
  });
});

describe('bad options name the field and the fix', () => {
  const cases: Array<[string, Record<string, unknown>, RegExp]> = [
    ['no workers', {}, /option 'workers' is required/],
    ['negative replicas', { workers: { replicas: -1 } }, /'workers.replicas' must be an integer of at least 0/],
    [
      'bad restart policy',
      { workers: { replicas: 1, restartPolicy: 'Sometimes' } },
      /'workers.restartPolicy' must be 'Never', 'OnFailure' or 'Always'/,
    ],
    [
      'bad quantity',
      { workers: { replicas: 1, resources: { requests: { mem: 'lots' } } } },
      /'workers.resources.requests.mem' must be a Kubernetes quantity/,
    ],
    ['master with elastic', { master: {}, elastic: { minReplicas: 1, maxReplicas: 2 } }, /'master' cannot be set with elastic/],
    ['max below min', { elastic: { minReplicas: 3, maxReplicas: 2 } }, /'elastic.maxReplicas' must be at least minReplicas/],
    [
      'bad clean pod policy',
      { workers: { replicas: 1 }, runPolicy: { cleanPodPolicy: 'Some' } },
      /'runPolicy.cleanPodPolicy' must be 'None', 'Running' or 'All'/,
    ],
    ['undeclared input in args', { workers: { replicas: 1 }, args: ['{{.inputs.nope}}'] }, /'args\[0\]' refers to \{\{.inputs.nope\}\}/],
  ];
  it.each(cases)('%s', (_label, extra, message) => {
    expect(() => pytorchTask({ name: 'bad', ...base, ...(extra as object) } as never)).toThrow(InvalidOptionError);
    expect(() => pytorchTask({ name: 'bad', ...base, ...(extra as object) } as never)).toThrow(message);
  });

  it('an output type the program cannot write as a file', () => {
    expect(() => pytorchTask({ name: 'bad', ...base, workers: { replicas: 1 }, outputs: { m: t.list(t.int()) } })).toThrow(
      /option 'outputs.m'/,
    );
  });
});
