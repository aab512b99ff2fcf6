/**
 * TaskTemplate → Pod, checked field by field and validated against the Kubernetes schema with
 * kubernetes-models.
 */

import { create } from '@bufbuild/protobuf';
import type { V1Pod } from '@kubernetes/client-node';
import { type AttemptContext, LOCAL_IMAGE, t, task, toTaskTemplate } from '@tflyte/core';
import { Secret_MountType } from '@tflyte/idl/core/security';
import { DataLoadingConfig_LiteralMapFormat, DataLoadingConfigSchema, type TaskTemplate } from '@tflyte/idl/core/tasks';
import { testAttemptContext, testLiteralMap } from '@tflyte/testing';
import { Pod } from 'kubernetes-models/v1/Pod';
import { describe, expect, it } from 'vitest';
import { containerTemplate } from '../test-fixtures/templates.ts';
import { buildPod, type PodBuildOptions, type PodLocations, type RolePodOptions, rolePodSpec } from './build-pod.ts';
import { hostDataLayout } from './host-data.ts';
import { podLocations } from './pod-locations.ts';

const echo = task({ inputs: { x: t.int() }, outputs: t.int() }, function echo({ x }) {
  return x;
});

function ctxFor(template: TaskTemplate, overrides: Partial<AttemptContext> = {}): AttemptContext {
  return testAttemptContext({
    template,
    generatedName: 'rabc-n0-1',
    attempt: 1,
    inputsUri: 'file:///state/runs/rabc/n0/1/inputs.pb',
    outputPrefix: 'file:///state/runs/rabc/n0/1',
    rawOutputPrefix: 'file:///state/runs/rabc/n0/1/raw',
    ...overrides,
  });
}

function build(template: TaskTemplate, options: PodBuildOptions = {}, overrides: Partial<AttemptContext> = {}): V1Pod {
  const ctx = ctxFor(template, overrides);
  const where: PodLocations = podLocations(ctx, { namespace: 'flyte', name: ctx.generatedName }, undefined, undefined);
  const pod = buildPod(ctx, where, options);
  // Schema-valid as the API server would see it.
  new Pod(JSON.parse(JSON.stringify(pod))).validate();
  return pod;
}

describe('buildPod from a function task', () => {
  const template = toTaskTemplate(echo, { image: 'registry.example/app:v1', project: 'p', domain: 'd', version: 'v7' });

  it('runs the entrypoint in a one-container pod named after the attempt, with every placeholder rendered', () => {
    const pod = build(template);
    expect(pod.metadata).toMatchObject({ name: 'rabc-n0-1', namespace: 'flyte' });
    expect(pod.spec?.restartPolicy).toBe('Never');
    const [c] = pod.spec!.containers;
    expect(c!.name).toBe('rabc-n0-1');
    expect(c!.image).toBe('registry.example/app:v1');
    expect(c!.args).toEqual([
      'tflyte',
      'execute',
      '--inputs',
      'file:///state/runs/rabc/n0/1/inputs.pb',
      '--output-prefix',
      'file:///state/runs/rabc/n0/1',
      '--raw-output-data-prefix',
      'file:///state/runs/rabc/n0/1/raw',
      '--checkpoint-path',
      'file:///state/runs/rabc/n0/1/raw/_flytecheckpoints',
      '--prev-checkpoint',
      'file:///state/runs/rabc/n0/0/raw/_flytecheckpoints',
      '--resolver',
      'tflyte.default_task_resolver',
      '--',
      'task-module',
      echo.site.module,
      'task-name',
      'echo',
    ]);
    expect(c!.terminationMessagePolicy).toBe('FallbackToLogsOnError');
    expect(c!.env).toEqual(
      expect.arrayContaining([
        { name: 'FLYTE_INTERNAL_EXECUTION_ID', value: 'rabc-n0' },
        { name: 'FLYTE_INTERNAL_EXECUTION_PROJECT', value: 'p' },
        { name: 'FLYTE_INTERNAL_EXECUTION_DOMAIN', value: 'd' },
        { name: 'FLYTE_ATTEMPT_NUMBER', value: '1' },
        { name: 'FLYTE_INTERNAL_TASK_NAME', value: echo.name },
        { name: 'FLYTE_INTERNAL_TASK_VERSION', value: 'v7' },
      ]),
    );
    expect(pod.metadata?.annotations).toMatchObject({
      primary_container_name: 'rabc-n0-1',
      'cluster-autoscaler.kubernetes.io/safe-to-evict': 'false',
    });
    expect(pod.metadata?.labels).toMatchObject({ 'tflyte.io/attempt': '1' });
  });

  it('renders no previous checkpoint on the first attempt', () => {
    const pod = build(template, {}, { attempt: 0, generatedName: 'rabc-n0-0', rawOutputPrefix: 'file:///state/runs/rabc/n0/0/raw' });
    const args = pod.spec!.containers[0]!.args!;
    expect(args[args.indexOf('--prev-checkpoint') + 1]).toBe('');
  });

  it('replaces the local placeholder image with the configured one', () => {
    const local = toTaskTemplate(echo, { image: LOCAL_IMAGE });
    expect(build(local, { image: 'ghcr.io/me/app:1' }).spec!.containers[0]!.image).toBe('ghcr.io/me/app:1');
    expect(build(local).spec!.containers[0]!.image).toBe(LOCAL_IMAGE);
  });
});

describe('buildPod resources and placement', () => {
  it('fills requests from limits or platform defaults, limits from requests, and never requests more than the limit', () => {
    const pod = build(containerTemplate({ requests: { cpu: '2', memory: '4Gi' }, limits: { cpu: '1' } }));
    expect(pod.spec!.containers[0]!.resources).toEqual({ requests: { cpu: '1', memory: '4Gi' }, limits: { cpu: '1', memory: '4Gi' } });
    expect(build(containerTemplate()).spec!.containers[0]!.resources).toEqual({
      requests: { cpu: '1000m', memory: '1024Mi' },
      limits: { cpu: '1000m', memory: '1024Mi' },
    });
    expect(build(containerTemplate(), { defaults: { cpu: '250m', memory: '256Mi' } }).spec!.containers[0]!.resources?.requests).toEqual({
      cpu: '250m',
      memory: '256Mi',
    });
  });

  it('requests GPUs as nvidia.com/gpu (request = limit), and ephemeral storage only when asked', () => {
    const pod = build(containerTemplate({ limits: { gpu: '2', ephemeralStorage: '10Gi' } }));
    expect(pod.spec!.containers[0]!.resources).toMatchObject({
      requests: { 'nvidia.com/gpu': '2', 'ephemeral-storage': '10Gi' },
      limits: { 'nvidia.com/gpu': '2', 'ephemeral-storage': '10Gi' },
    });
    expect(
      build(containerTemplate({ requests: { gpu: '1' } }), { defaults: { gpuResourceName: 'amd.com/gpu' } }).spec!.containers[0]!.resources
        ?.limits,
    ).toMatchObject({ 'amd.com/gpu': '1' });
  });

  it('places a GPU accelerator by node affinity and toleration, with its MIG partition', () => {
    const pod = build(
      containerTemplate({
        limits: { gpu: '1' },
        extendedResources: {
          gpuAccelerator: { device: 'nvidia-tesla-a100', partitionSizeValue: { case: 'partitionSize', value: '1g.5gb' } },
        },
      }),
    );
    expect(pod.spec?.affinity?.nodeAffinity?.requiredDuringSchedulingIgnoredDuringExecution?.nodeSelectorTerms).toEqual([
      {
        matchExpressions: [
          { key: 'k8s.amazonaws.com/accelerator', operator: 'In', values: ['nvidia-tesla-a100'] },
          { key: 'k8s.amazonaws.com/gpu-partition-size', operator: 'In', values: ['1g.5gb'] },
        ],
      },
    ]);
    expect(pod.spec?.tolerations).toEqual([
      { key: 'k8s.amazonaws.com/accelerator', operator: 'Equal', value: 'nvidia-tesla-a100', effect: 'NoSchedule' },
      { key: 'k8s.amazonaws.com/gpu-partition-size', operator: 'Equal', value: '1g.5gb', effect: 'NoSchedule' },
    ]);
    const whole = build(
      containerTemplate({
        extendedResources: { gpuAccelerator: { device: 'a100', partitionSizeValue: { case: 'unpartitioned', value: true } } },
      }),
      {
        gpu: { deviceNodeLabel: 'gpu.example/device', partitionSizeNodeLabel: 'gpu.example/mig' },
      },
    );
    expect(
      whole.spec?.affinity?.nodeAffinity?.requiredDuringSchedulingIgnoredDuringExecution?.nodeSelectorTerms[0]?.matchExpressions,
    ).toEqual([
      { key: 'gpu.example/device', operator: 'In', values: ['a100'] },
      { key: 'gpu.example/mig', operator: 'DoesNotExist' },
    ]);
  });

  it('mounts shared memory as a memory-backed emptyDir', () => {
    const pod = build(
      containerTemplate({
        extendedResources: { sharedMemory: { mountName: 'flyte-shared-memory', mountPath: '/dev/shm', sizeLimit: '2Gi' } },
      }),
    );
    expect(pod.spec?.volumes).toEqual([{ name: 'flyte-shared-memory', emptyDir: { medium: 'Memory', sizeLimit: '2Gi' } }]);
    expect(pod.spec!.containers[0]!.volumeMounts).toEqual([{ name: 'flyte-shared-memory', mountPath: '/dev/shm' }]);
  });

  it('adds interruptible tolerations and node selectors only to interruptible attempts', () => {
    const defaults = {
      tolerations: [{ key: 'team', operator: 'Equal', value: 'ml', effect: 'NoSchedule' }],
      nodeSelector: { pool: 'general' },
      interruptibleTolerations: [{ key: 'spot', operator: 'Exists', effect: 'NoSchedule' }],
      interruptibleNodeSelector: { lifecycle: 'spot' },
    };
    const onDemand = build(containerTemplate(), { defaults }, { interruptible: false });
    expect(onDemand.spec?.tolerations).toEqual(defaults.tolerations);
    expect(onDemand.spec?.nodeSelector).toEqual({ pool: 'general' });
    const spot = build(containerTemplate(), { defaults }, { interruptible: true });
    expect(spot.spec?.tolerations).toEqual([...defaults.tolerations, ...defaults.interruptibleTolerations]);
    expect(spot.spec?.nodeSelector).toEqual({ pool: 'general', lifecycle: 'spot' });
  });
});

describe('buildPod metadata, env and secrets', () => {
  it('merges labels and annotations: configured defaults, then the task metadata, then tflyte’s own', () => {
    const pod = build(containerTemplate({ labels: { team: 'data' }, annotations: { note: 'x' } }), {
      defaults: { labels: { team: 'platform', env: 'prod' }, annotations: { 'cluster-autoscaler.kubernetes.io/safe-to-evict': 'true' } },
    });
    expect(pod.metadata?.labels).toMatchObject({ team: 'data', env: 'prod', 'tflyte.io/task-name': 'test.task' });
    expect(pod.metadata?.annotations).toMatchObject({ note: 'x', 'cluster-autoscaler.kubernetes.io/safe-to-evict': 'true' });
  });

  it('sets default env under the task’s own, and service account and scheduler when configured', () => {
    const pod = build(containerTemplate({ env: { MODE: 'task' } }), {
      defaults: {
        env: { MODE: 'default', REGION: 'eu' },
        serviceAccountName: 'flyte',
        schedulerName: 'volcano',
        imagePullPolicy: 'IfNotPresent',
      },
    });
    const env = pod.spec!.containers[0]!.env!;
    expect(env.filter((e) => e.name === 'MODE')).toEqual([{ name: 'MODE', value: 'task' }]);
    expect(env).toContainEqual({ name: 'REGION', value: 'eu' });
    expect(pod.spec).toMatchObject({ serviceAccountName: 'flyte', schedulerName: 'volcano' });
    expect(pod.spec!.containers[0]!.imagePullPolicy).toBe('IfNotPresent');
  });

  it('mounts secrets as env vars (secretKeyRef) or files under /etc/flyte/secrets', () => {
    const pod = build(
      containerTemplate({
        secrets: [
          { group: 'aws', key: 'token', mountRequirement: Secret_MountType.ENV_VAR },
          { group: 'db', key: 'password', mountRequirement: Secret_MountType.ENV_VAR, envVar: 'DB_PASSWORD' },
          { group: 'tls', key: 'cert.pem', mountRequirement: Secret_MountType.FILE },
          { group: 'tls', key: 'key.pem' },
        ],
      }),
    );
    const c = pod.spec!.containers[0]!;
    expect(c.env).toEqual(
      expect.arrayContaining([
        { name: '_FSEC_AWS_TOKEN', valueFrom: { secretKeyRef: { name: 'aws', key: 'token' } } },
        { name: 'DB_PASSWORD', valueFrom: { secretKeyRef: { name: 'db', key: 'password' } } },
        { name: 'FLYTE_SECRETS_ENV_PREFIX', value: '_FSEC_' },
        { name: 'FLYTE_SECRETS_DEFAULT_DIR', value: '/etc/flyte/secrets' },
      ]),
    );
    expect(pod.spec?.volumes).toEqual([
      {
        name: 'secret-tls',
        secret: {
          secretName: 'tls',
          items: [
            { key: 'cert.pem', path: 'cert.pem' },
            { key: 'key.pem', path: 'key.pem' },
          ],
        },
      },
    ]);
    expect(c.volumeMounts).toEqual([{ name: 'secret-tls', mountPath: '/etc/flyte/secrets/tls', readOnly: true }]);
  });

  it('refuses an env-var secret without a key', () => {
    expect(() => build(containerTemplate({ secrets: [{ group: 'aws', mountRequirement: Secret_MountType.ENV_VAR }] }))).toThrow(
      expect.objectContaining({ failure: expect.objectContaining({ code: 'BadTaskFormat' }) }),
    );
  });
});

describe('buildPod with pod templates', () => {
  const withSidecar = task(
    {
      inputs: { x: t.int() },
      outputs: t.int(),
      podTemplate: {
        primaryContainerName: 'main',
        labels: { from: 'template' },
        podSpec: {
          containers: [
            { name: 'main', env: [{ name: 'KEEP', value: '1' }] },
            { name: 'sidecar', image: 'envoy:1', args: ['--port', '9000'] },
          ],
          nodeSelector: { disk: 'ssd' },
        },
      },
    },
    function withSidecar({ x }) {
      return x;
    },
  );

  it('keeps the task’s pod spec and decorates its primary container (with the task’s image, as the template names none)', () => {
    const pod = build(toTaskTemplate(withSidecar, { image: 'app:1' }));
    expect(pod.spec?.containers.map((c) => c.name)).toEqual(['main', 'sidecar']);
    const main = pod.spec!.containers[0]!;
    expect(main.image).toBe('app:1');
    expect(main.args?.[3]).toBe('file:///state/runs/rabc/n0/1/inputs.pb');
    expect(main.env).toContainEqual({ name: 'KEEP', value: '1' });
    expect(main.env).toContainEqual({ name: 'FLYTE_ATTEMPT_NUMBER', value: '1' });
    expect(pod.spec!.containers[1]).toEqual({ name: 'sidecar', image: 'envoy:1', args: ['--port', '9000'] });
    expect(pod.spec?.nodeSelector).toEqual({ disk: 'ssd' });
    expect(pod.metadata?.labels).toMatchObject({ from: 'template' });
    expect(pod.metadata?.annotations?.primary_container_name).toBe('main');
  });

  it('lays the task over a base pod template: `default` for every container, `primary` for the primary', () => {
    const pod = build(toTaskTemplate(withSidecar, { image: 'app:1' }), {
      podTemplate: {
        metadata: { labels: { base: 'yes' } },
        spec: {
          containers: [
            { name: 'default', image: 'unused', env: [{ name: 'FROM_BASE', value: 'all' }] },
            { name: 'primary', image: 'unused', securityContext: { runAsNonRoot: true } },
          ],
          priorityClassName: 'batch',
          tolerations: [{ key: 'base', operator: 'Exists' }],
        },
      },
    });
    const [main, sidecar] = pod.spec!.containers;
    expect(main!.env).toContainEqual({ name: 'FROM_BASE', value: 'all' });
    expect(main!.securityContext).toEqual({ runAsNonRoot: true });
    expect(sidecar!.env).toEqual([{ name: 'FROM_BASE', value: 'all' }]);
    expect(sidecar!.securityContext).toBeUndefined();
    expect(sidecar!.image).toBe('envoy:1');
    expect(pod.spec).toMatchObject({ priorityClassName: 'batch', tolerations: [{ key: 'base', operator: 'Exists' }] });
    expect(pod.metadata?.labels).toMatchObject({ base: 'yes', from: 'template' });
  });

  it('refuses shared memory on a pod spec (serialized elsewhere) whose primary container already mounts /dev/shm', () => {
    const shm = task(
      {
        inputs: {},
        outputs: t.int(),
        sharedMemory: '1Gi',
        podTemplate: { primaryContainerName: 'main', podSpec: { containers: [{ name: 'main', image: 'i' }] } },
      },
      function shm() {
        return 1;
      },
    );
    const template = toTaskTemplate(shm, { image: 'app:1' });
    if (template.target.case !== 'k8sPod') throw new Error('expected a pod target');
    const podSpec = template.target.value.podSpec as unknown as { containers: Array<Record<string, unknown>>; volumes?: unknown[] };
    podSpec.containers[0]!.volumeMounts = [{ name: 'dshm', mountPath: '/dev/shm' }];
    podSpec.volumes = [{ name: 'dshm', emptyDir: { medium: 'Memory' } }];
    expect(() => build(template)).toThrow(
      expect.objectContaining({
        failure: expect.objectContaining({ code: 'BadTaskFormat' }),
        message: expect.stringMatching(/already mounts volume 'dshm' at \/dev\/shm .*sharedMemory mounts one there too/),
      }),
    );
  });

  it('refuses a pod spec without its primary container, and targets that are not containers', () => {
    const template = toTaskTemplate(withSidecar, { image: 'app:1' });
    if (template.target.case === 'k8sPod') template.target.value.primaryContainerName = 'missing';
    expect(() => build(template)).toThrow(
      expect.objectContaining({
        failure: expect.objectContaining({ code: 'BadTaskFormat' }),
        message: expect.stringMatching(/primary container 'missing'/),
      }),
    );
    const sql = containerTemplate();
    sql.target = { case: 'sql', value: { $typeName: 'flyteidl.core.Sql', statement: 'select 1', dialect: 0 } };
    expect(() => build(sql)).toThrow(expect.objectContaining({ failure: expect.objectContaining({ code: 'BadTaskFormat' }) }));
  });
});

describe('buildPod for raw containers with a DataLoadingConfig', () => {
  it('mounts the attempt’s data directories at inputPath and outputPath, and renders {{.inputs.x}} as Go prints them', () => {
    const dataConfig = create(DataLoadingConfigSchema, {
      enabled: true,
      inputPath: '/var/inputs',
      outputPath: '/var/outputs',
      format: DataLoadingConfig_LiteralMapFormat.JSON,
    });
    const template = containerTemplate({
      inputs: { a: 'float', n: 'integer' },
      command: ['./area.sh', '{{.inputs.a}}', '{{ .Inputs.n }}', '/var/outputs'],
      dataConfig,
    });
    const ctx = ctxFor(template, { inputs: testLiteralMap({ a: 2e-5, n: 3n }) });
    const data = hostDataLayout(ctx, dataConfig);
    const pod = buildPod(ctx, podLocations(ctx, { namespace: 'flyte', name: ctx.generatedName }, undefined, data));
    new Pod(JSON.parse(JSON.stringify(pod))).validate();
    expect(pod.spec!.containers[0]!.command).toEqual(['./area.sh', '2e-05', '3', '/var/outputs']);
    expect(pod.spec?.volumes).toEqual([
      { name: 'tflyte-inputs', hostPath: { path: '/state/runs/rabc/n0/1/data/inputs', type: 'Directory' } },
      { name: 'tflyte-outputs', hostPath: { path: '/state/runs/rabc/n0/1/data/outputs', type: 'Directory' } },
    ]);
    expect(pod.spec!.containers[0]!.volumeMounts).toEqual([
      { name: 'tflyte-inputs', mountPath: '/var/inputs', readOnly: true },
      { name: 'tflyte-outputs', mountPath: '/var/outputs' },
    ]);
  });

  it('refuses data directories that are not on the executor’s disk', () => {
    const config = create(DataLoadingConfigSchema, { enabled: true, inputPath: '/var/inputs', outputPath: '/var/outputs' });
    expect(() => hostDataLayout({ outputPrefix: 's3://bucket/runs/r/n0/0' }, config)).toThrow(
      expect.objectContaining({ failure: expect.objectContaining({ code: 'UnsupportedDataLoading' }) }),
    );
  });
});

describe('rolePodSpec: one role of a CRD job', () => {
  const template = toTaskTemplate(echo, { image: 'registry.example/app:v1', project: 'p', domain: 'd', version: 'v7' });
  const defaults = {
    interruptibleTolerations: [{ key: 'spot', operator: 'Exists', effect: 'NoSchedule' }],
    interruptibleNodeSelector: { lifecycle: 'spot' },
  };
  const role = (options: Omit<RolePodOptions, 'locations'>, overrides: Partial<AttemptContext> = {}) => {
    const ctx = ctxFor(template, overrides);
    const spec = rolePodSpec(ctx, { locations: podLocations(ctx, { namespace: 'flyte', name: 'job' }, undefined, undefined), ...options });
    new Pod(
      JSON.parse(JSON.stringify({ apiVersion: 'v1', kind: 'Pod', metadata: { name: 'x', ...spec.metadata }, spec: spec.spec })),
    ).validate();
    return spec;
  };

  it('renames the primary container, replaces its image and resources, and adds the role’s env and label, over the base template’s primary', () => {
    const podTemplate = { spec: { containers: [{ name: 'primary', workingDir: '/app' }] } };
    const driver = role({
      platform: { defaults, podTemplate },
      role: 'driver',
      primaryContainerName: 'spark-kubernetes-driver',
      image: 'registry.example/spark:3.5',
      resources: { requests: { cpu: '1', memory: '2Gi' }, limits: { memory: '4Gi' } },
      env: { SPARK_ROLE: 'driver', FLYTE_ATTEMPT_NUMBER: 'overridden' },
    });
    expect(driver.primaryContainerName).toBe('spark-kubernetes-driver');
    const [c] = driver.spec.containers;
    expect(c).toMatchObject({ name: 'spark-kubernetes-driver', image: 'registry.example/spark:3.5', workingDir: '/app' });
    expect(c!.resources).toEqual({ requests: { cpu: '1', memory: '2Gi' }, limits: { cpu: '1', memory: '4Gi' } });
    expect(c!.env).toEqual(
      expect.arrayContaining([
        { name: 'SPARK_ROLE', value: 'driver' },
        { name: 'FLYTE_ATTEMPT_NUMBER', value: 'overridden' },
      ]),
    );
    // The entrypoint still reads the attempt's inputs.
    expect(c!.args).toContain('file:///state/runs/rabc/n0/1/inputs.pb');
    expect(driver.metadata.labels).toMatchObject({ 'tflyte.io/role': 'driver', 'tflyte.io/attempt': '1' });
    expect(driver.metadata.annotations).toMatchObject({ primary_container_name: 'spark-kubernetes-driver' });
  });

  it('keeps a role off preemptible nodes when it says so, whatever the attempt', () => {
    const executor = role({ platform: { defaults } }, { interruptible: true });
    expect(executor.spec.tolerations).toEqual(defaults.interruptibleTolerations);
    expect(executor.spec.nodeSelector).toEqual({ lifecycle: 'spot' });
    const driver = role({ platform: { defaults }, interruptible: false }, { interruptible: true });
    expect(driver.spec.tolerations).toBeUndefined();
    expect(driver.spec.nodeSelector).toBeUndefined();
  });

  it("lays the role's own overlay over its pod last: pod fields and primary container fields win, env by name under the role's, tolerations joined, other containers added", () => {
    const overlay = {
      primaryContainerName: 'main',
      metadata: { labels: { team: 'ml' }, annotations: { 'example.com/owner': 'ml' } },
      podSpec: {
        priorityClassName: 'high',
        tolerations: [{ key: 'dedicated', operator: 'Equal', value: 'spark', effect: 'NoSchedule' }],
        nodeSelector: { pool: 'spark' },
        containers: [
          {
            name: 'main',
            workingDir: '/job',
            env: [
              { name: 'FROM_OVERLAY', value: 'yes' },
              { name: 'ROLE', value: 'overlay' },
            ],
          },
          { name: 'sidecar', image: 'registry.example/side:1' },
        ],
      },
    };
    const driver = role({ platform: { defaults }, role: 'driver', env: { ROLE: 'driver' }, overlay }, { interruptible: true });
    expect(driver.spec.priorityClassName).toBe('high');
    expect(driver.spec.containers.map((c) => c.name)).toEqual(['rabc-n0-1', 'sidecar']);
    const [primary] = driver.spec.containers;
    expect(primary).toMatchObject({ image: 'registry.example/app:v1', workingDir: '/job' });
    expect(primary!.env).toEqual(
      expect.arrayContaining([
        { name: 'FROM_OVERLAY', value: 'yes' },
        { name: 'ROLE', value: 'driver' },
        { name: 'FLYTE_ATTEMPT_NUMBER', value: '1' },
      ]),
    );
    expect(driver.spec.tolerations).toEqual([...defaults.interruptibleTolerations, ...overlay.podSpec.tolerations]);
    expect(driver.spec.nodeSelector).toEqual({ lifecycle: 'spot', pool: 'spark' });
    expect(driver.metadata.labels).toMatchObject({ team: 'ml', 'tflyte.io/role': 'driver' });
    expect(driver.metadata.annotations).toMatchObject({ 'example.com/owner': 'ml', primary_container_name: 'rabc-n0-1' });
  });

  it('lets an operator restart its replicas', () => {
    expect(role({ restartPolicy: 'OnFailure' }).spec.restartPolicy).toBe('OnFailure');
    expect(role({}).spec.restartPolicy).toBe('Never');
  });
});
