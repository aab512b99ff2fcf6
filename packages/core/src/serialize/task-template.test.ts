import { fromBinary } from '@bufbuild/protobuf';
import { TaskTemplateSchema } from '@tflyte/idl/core/tasks';
import { describe, expect, it } from 'vitest';
import { TflyteError } from '../errors.ts';
import { task } from '../task/function-task.ts';
import type { JsonObject } from '../types/flyte-type.ts';
import { t } from '../types/t.ts';
import { SDK_VERSION, taskTemplateToBinary, taskTemplateToJson, toTaskTemplate } from './task-template.ts';

const everything = task(
  {
    name: 'train',
    inputs: { epochs: t.int(), rate: t.float().describe('learning rate') },
    outputs: { loss: t.float(), model: t.file() },
    cache: { version: '2', serialize: true, ignoredInputs: ['rate'] },
    retries: 3,
    timeout: 'PT1H',
    interruptible: true,
    requests: { cpu: '500m', mem: '1Gi', gpu: 1, ephemeralStorage: '10Gi' },
    limits: { cpu: 2, mem: '2Gi', gpu: 1 },
    accelerator: { device: 'nvidia-tesla-a100', partition: '1g.5gb' },
    sharedMemory: '2Gi',
    env: { MODE: 'fast' },
    secretRequests: [{ group: 'aws', key: 'token', mountRequirement: 'env', envVar: 'AWS_TOKEN' }],
    tags: { team: 'ml' },
    labels: { team: 'ml' },
    annotations: { 'example.com/owner': 'ana' },
    podTemplateName: 'gpu-template',
    image: 'ghcr.io/acme/train:1',
    deprecated: 'use train2',
    version: 'v7',
  },
  async ({ epochs, rate }) => ({ loss: rate / epochs, model: { uri: '/tmp/model.bin' } }),
);

describe('TaskTemplate serialization', () => {
  it('maps every option to its flyteidl field (golden proto3 JSON, reviewed field by field)', () => {
    const json = taskTemplateToJson(toTaskTemplate(everything, { project: 'flytesnacks', domain: 'development' }));
    expect(json).toEqual({
      // core/identifier.proto: resource_type TASK = 1; name = <module>.<function>
      id: {
        resourceType: 'TASK',
        project: 'flytesnacks',
        domain: 'development',
        name: 'src.serialize.task-template.test.train',
        version: 'v7',
      },
      // function tasks use the pod plugin's registered type
      type: 'container',
      metadata: {
        discoverable: true, // cache set
        runtime: { type: 'FLYTE_SDK', version: SDK_VERSION, flavor: 'typescript' },
        timeout: '3600s',
        retries: { retries: 3 },
        discoveryVersion: '2',
        deprecatedErrorMessage: 'use train2',
        interruptible: true,
        cacheSerializable: true,
        tags: { team: 'ml' },
        podTemplateName: 'gpu-template',
        cacheIgnoreInputVars: ['rate'],
        generatesDeck: false,
        metadata: { labels: { team: 'ml' }, annotations: { 'example.com/owner': 'ana' } },
      },
      interface: {
        inputs: {
          variables: {
            // flytekit describes an undocumented variable by its own name (transform_variable_map)
            epochs: { type: { simple: 'INTEGER' }, description: 'epochs' },
            rate: { type: { simple: 'FLOAT' }, description: 'learning rate' },
          },
        },
        outputs: {
          variables: {
            loss: { type: { simple: 'FLOAT' }, description: 'loss' },
            model: { type: { blob: {} }, description: 'model' }, // format "" and SINGLE are proto3 defaults
          },
        },
      },
      container: {
        image: 'ghcr.io/acme/train:1',
        args: [
          'tflyte',
          'execute',
          '--inputs',
          '{{.input}}',
          '--output-prefix',
          '{{.outputPrefix}}',
          '--raw-output-data-prefix',
          '{{.rawOutputDataPrefix}}',
          '--checkpoint-path',
          '{{.checkpointOutputPrefix}}',
          '--prev-checkpoint',
          '{{.prevCheckpointPrefix}}',
          '--resolver',
          'tflyte.default_task_resolver',
          '--',
          'task-module',
          'src.serialize.task-template.test',
          'task-name',
          'train',
        ],
        // flytekit's order (_get_container_definition): ephemeral storage, cpu, gpu, memory
        resources: {
          requests: [
            { name: 'EPHEMERAL_STORAGE', value: '10Gi' },
            { name: 'CPU', value: '500m' },
            { name: 'GPU', value: '1' },
            { name: 'MEMORY', value: '1Gi' },
          ],
          limits: [
            { name: 'CPU', value: '2' },
            { name: 'GPU', value: '1' },
            { name: 'MEMORY', value: '2Gi' },
          ],
        },
        env: [{ key: 'MODE', value: 'fast' }],
      },
      securityContext: {
        secrets: [{ group: 'aws', key: 'token', mountRequirement: 'ENV_VAR', envVar: 'AWS_TOKEN' }],
      },
      extendedResources: {
        gpuAccelerator: { device: 'nvidia-tesla-a100', partitionSize: '1g.5gb' },
        sharedMemory: { mountPath: '/dev/shm', mountName: 'flyte-shared-memory', sizeLimit: '2Gi' },
      },
    });
  });

  it('writes bytes that decode to the same template', () => {
    const template = toTaskTemplate(everything);
    expect(fromBinary(TaskTemplateSchema, taskTemplateToBinary(template))).toEqual(template);
  });

  it('leaves unset options unset: no cache, no timeout, interruptible inherited', () => {
    const plain = task({ name: 'plain', inputs: { x: t.int() }, outputs: t.int(), image: 'img:1' }, ({ x }) => x);
    const json = taskTemplateToJson(toTaskTemplate(plain, { version: 'v1' })) as { metadata: Record<string, unknown> };
    expect(json.metadata).toEqual({
      runtime: { type: 'FLYTE_SDK', version: SDK_VERSION, flavor: 'typescript' },
      retries: {},
      generatesDeck: false,
    });
  });

  it('switches to a k8sPod target with the primary container merged when a pod template is set', () => {
    const podded = task(
      {
        name: 'podded',
        outputs: t.int(),
        image: 'img:1',
        requests: { cpu: '1' },
        env: { A: 'task' },
        podTemplate: {
          primaryContainerName: 'main',
          labels: { tier: 'gpu' },
          podSpec: {
            containers: [
              {
                name: 'main',
                image: 'ignored',
                env: [
                  { name: 'A', value: 'template' },
                  { name: 'B', value: 'b' },
                ],
              },
              { name: 'sidecar', image: 'envoy' },
            ],
            tolerations: [{ key: 'gpu', operator: 'Exists' }],
          },
        },
      },
      () => 1,
    );
    const json = taskTemplateToJson(toTaskTemplate(podded, { version: 'v1' })) as Record<string, any>;
    expect(json.container).toBeUndefined();
    expect(json.config).toEqual({ primary_container_name: 'main' });
    expect(json.k8sPod.primaryContainerName).toBe('main');
    expect(json.k8sPod.metadata).toEqual({ labels: { tier: 'gpu' } });
    const [main, sidecar] = json.k8sPod.podSpec.containers;
    // The template's own image wins over the task's, as in flytekit.
    expect(main).toMatchObject({ name: 'main', image: 'ignored', command: [], resources: { requests: { cpu: '1' }, limits: {} } });
    expect(main.args.slice(0, 2)).toEqual(['tflyte', 'execute']);
    expect(main.env).toEqual([
      { name: 'A', value: 'task' },
      { name: 'A', value: 'template' },
      { name: 'B', value: 'b' },
    ]);
    expect(sidecar).toEqual({ name: 'sidecar', image: 'envoy' });
    expect(json.k8sPod.podSpec.tolerations).toEqual([{ key: 'gpu', operator: 'Exists' }]);
  });

  // Golden values from flytekit's tests/flytekit/unit/core/test_python_auto_container.py::test_pod_template
  // (task_with_pod_template) and ::test_minimum_pod_template.
  describe("pod template merge, on flytekit's own test cases", () => {
    // flytekit's case names it notPrimary, which Kubernetes refuses (not a DNS-1123 label) and tflyte refuses at definition.
    const notPrimary: JsonObject = { name: 'not-primary' };
    const flytekitTemplate = {
      primaryContainerName: 'primary',
      labels: { lKeyA: 'lValA', lKeyB: 'lValB' },
      annotations: { aKeyA: 'aValA', aKeyB: 'aValB' },
      podSpec: {
        containers: [
          notPrimary,
          {
            name: 'primary',
            image: 'repo/primaryImage:0.0.0',
            command: 'placeholderCommand',
            args: 'placeholderArgs',
            resources: { limits: { cpu: '999', gpu: '999' } },
            env: [
              { name: 'eKeyC', value: 'eValC' },
              { name: 'eKeyD', value: 'eValD' },
            ],
          },
        ],
        volumes: [{ name: 'volume' }],
      },
    };

    it('task_with_pod_template: template image, task resources replacing the template wholesale, task env first', () => {
      const withTemplate = task(
        {
          name: 'task_with_pod_template',
          outputs: t.int(),
          image: 'repo/image:0.0.0',
          // flytekit's case limits gpu to 2 beside a request of 1, which Kubernetes refuses for an extended
          // resource and tflyte refuses at definition; the same GPU count on both sides keeps the case.
          requests: { cpu: '3', gpu: 1 },
          limits: { cpu: '6', gpu: 1 },
          env: { FOO: 'bar', eKeyA: 'eValA', eKeyB: 'vKeyB' },
          podTemplate: flytekitTemplate,
          podTemplateName: 'podTemplateA',
          retries: 3,
        },
        () => 1,
      );
      const json = taskTemplateToJson(toTaskTemplate(withTemplate, { version: 'v1' })) as Record<string, any>;
      expect(json.container).toBeUndefined();
      expect(json.k8sPod.metadata).toEqual({ labels: { lKeyA: 'lValA', lKeyB: 'lValB' }, annotations: { aKeyA: 'aValA', aKeyB: 'aValB' } });
      const primary = json.k8sPod.podSpec.containers[1];
      expect(primary.image).toBe('repo/primaryImage:0.0.0');
      expect(primary.command).toEqual([]);
      expect(primary.args.slice(-4)).toEqual(['task-module', withTemplate.site.module, 'task-name', 'task_with_pod_template']);
      // Not {"cpu":"6","gpu":"999","nvidia.com/gpu":"1"}: propeller would make that a GPU limit of 999.
      expect(primary.resources.requests).toEqual({ cpu: '3', gpu: '1' });
      expect(primary.resources.limits).toEqual({ cpu: '6', gpu: '1' });
      expect(primary.env).toEqual([
        { name: 'FOO', value: 'bar' },
        { name: 'eKeyA', value: 'eValA' },
        { name: 'eKeyB', value: 'vKeyB' },
        { name: 'eKeyC', value: 'eValC' },
        { name: 'eKeyD', value: 'eValD' },
      ]);
      expect(json.k8sPod.podSpec.containers[0]).toEqual({ name: 'not-primary' });
      expect(json.k8sPod.podSpec.volumes[0]).toEqual({ name: 'volume' });
      expect(json.metadata.podTemplateName).toBe('podTemplateA');
      expect(json.metadata.retries).toEqual({ retries: 3 });
      expect(json.config).toEqual({ primary_container_name: 'primary' });
    });

    it("task_with_minimum_pod_template: a primary container appended with the task's image", () => {
      const minimum = task(
        {
          name: 'x',
          outputs: t.int(),
          image: 'repo/image:0.0.0',
          podTemplate: { primaryContainerName: 'primary', labels: { lKeyA: 'lValA' }, annotations: { aKeyA: 'aValA' }, podSpec: {} },
          podTemplateName: 'A',
        },
        () => 1,
      );
      const json = taskTemplateToJson(toTaskTemplate(minimum, { version: 'v1' })) as Record<string, any>;
      expect(json.k8sPod.metadata).toEqual({ labels: { lKeyA: 'lValA' }, annotations: { aKeyA: 'aValA' } });
      const [primary] = json.k8sPod.podSpec.containers;
      expect(primary).toMatchObject({ name: 'primary', image: 'repo/image:0.0.0', command: [] });
      expect(primary.resources).toBeUndefined();
      expect(json.config).toEqual({ primary_container_name: 'primary' });
      expect(json.metadata.podTemplateName).toBe('A');
    });
  });

  it('marks an unpartitioned accelerator and unbounded shared memory', () => {
    const gpu = task(
      { name: 'gpu', outputs: t.int(), image: 'img:1', accelerator: { device: 'nvidia-l4', unpartitioned: true }, sharedMemory: true },
      () => 1,
    );
    const json = taskTemplateToJson(toTaskTemplate(gpu, { version: 'v1' })) as Record<string, unknown>;
    expect(json.extendedResources).toEqual({
      gpuAccelerator: { device: 'nvidia-l4', unpartitioned: true },
      sharedMemory: { mountPath: '/dev/shm', mountName: 'flyte-shared-memory' },
    });
  });

  it('requires an image when serializing, naming the fix', () => {
    const noImage = task({ name: 'noImage', outputs: t.int() }, () => 1);
    expect(() => toTaskTemplate(noImage, { version: 'v1' })).toThrow(TflyteError);
    expect(() => toTaskTemplate(noImage, { version: 'v1' })).toThrow(/set \{ image: '…' \}.*--image/);
    expect(toTaskTemplate(noImage, { version: 'v1', image: 'default:1' }).target.value).toMatchObject({ image: 'default:1' });
  });

  it('versions a task by the git commit of its code by default', () => {
    const unversioned = task({ name: 'unversioned', outputs: t.int(), image: 'img:1' }, () => 1);
    expect(toTaskTemplate(unversioned).id?.version).toMatch(/^[0-9a-f]{40}$|^[0-9a-f]{32}$/);
  });
});
