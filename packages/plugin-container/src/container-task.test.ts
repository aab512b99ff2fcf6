import { fromBinary } from '@bufbuild/protobuf';
import { InvalidOptionError, SDK_VERSION, t, taskTemplateToBinary, taskTemplateToJson, toTaskTemplate } from '@tflyte/core';
import { TaskTemplateSchema } from '@tflyte/idl/core/tasks';
import { describe, expect, expectTypeOf, it } from 'vitest';
import { containerTasks } from './container-plugin.ts';
import { containerTask } from './container-task.ts';

// flytesnacks' raw_container.py, the issue's `run_script` seed.
const ellipseAreaShell = containerTask({
  name: 'ellipseAreaShell',
  inputDataDir: '/var/inputs',
  outputDataDir: '/var/outputs',
  inputs: { a: t.float(), b: t.float() },
  outputs: { area: t.float(), metadata: t.string() },
  image: 'ghcr.io/flyteorg/rawcontainers-shell:v2',
  command: ['./calculate-ellipse-area.sh', '{{.inputs.a}}', '{{.inputs.b}}', '/var/outputs'],
});

/**
 * What flytekit 1.16 serializes for that ContainerTask with SerializationSettings(project="p",
 * domain="d", version="v"), as MessageToDict writes it (derived from flytekit's
 * core/container_task.py, core/utils.py _get_container_definition, core/base_task.py
 * to_taskmetadata_model and tools/translator.py).
 */
const FLYTEKIT = {
  id: { resourceType: 'TASK', project: 'p', domain: 'd', name: 'ellipse-area-metadata-shell', version: 'v' },
  type: 'raw-container',
  metadata: {
    runtime: { type: 'FLYTE_SDK', version: '1.16.24', flavor: 'python' },
    retries: {},
    generatesDeck: false,
    metadata: {},
  },
  interface: {
    inputs: { variables: { a: { type: { simple: 'FLOAT' }, description: 'a' }, b: { type: { simple: 'FLOAT' }, description: 'b' } } },
    outputs: {
      variables: {
        area: { type: { simple: 'FLOAT' }, description: 'area' },
        metadata: { type: { simple: 'STRING' }, description: 'metadata' },
      },
    },
  },
  container: {
    image: 'ghcr.io/flyteorg/rawcontainers-shell:v2',
    command: ['./calculate-ellipse-area.sh', '{{.inputs.a}}', '{{.inputs.b}}', '/var/outputs'],
    resources: {},
    // format JSON is the enum's zero value, so proto3 JSON leaves it out; io_strategy stays unset.
    dataConfig: { enabled: true, inputPath: '/var/inputs', outputPath: '/var/outputs' },
  },
};

type Json = Record<string, unknown>;

describe('containerTask serialization', () => {
  it("matches flytekit's TaskTemplate for the seed example field by field, apart from the README's deliberate differences", () => {
    const ours = taskTemplateToJson(toTaskTemplate(ellipseAreaShell, { project: 'p', domain: 'd', version: 'v' })) as Json;
    const expected = structuredClone(FLYTEKIT) as Json & typeof FLYTEKIT;
    // 1. Names are `<module>.<export name>` (how tflyte finds a task again), not a free-form string.
    expected.id.name = 'src.container-task.test.ellipseAreaShell';
    // 2. The SDK that wrote the template.
    expected.metadata.runtime = { type: 'FLYTE_SDK', version: SDK_VERSION, flavor: 'typescript' };
    // 3. core leaves an empty K8sObjectMetadata unset.
    delete (expected.metadata as Json).metadata;

    expect(Object.keys(ours).sort()).toEqual(Object.keys(expected).sort());
    for (const field of Object.keys(expected)) expect(ours[field], field).toEqual(expected[field]);
  });

  it('writes bytes that decode to the same template', () => {
    const template = toTaskTemplate(ellipseAreaShell, { version: 'v' });
    expect(fromBinary(TaskTemplateSchema, taskTemplateToBinary(template))).toEqual(template);
  });

  it('serializes args, env, resources, the metadata format, the IO strategy and a host network request', () => {
    const task = containerTask({
      name: 'fetch',
      image: 'curlimages/curl:8',
      inputs: { url: t.string() },
      outputs: { body: t.file() },
      command: ['sh', '-c'],
      args: ['curl -o /data/out/body {{ .Inputs.url }}'],
      inputDataDir: '/data/in/',
      outputDataDir: '/data/out',
      metadataFormat: 'YAML',
      ioStrategy: { downloadMode: 'DOWNLOAD_STREAM', uploadMode: 'UPLOAD_EAGER' },
      network: 'host',
      env: { MODE: 'fast' },
      limits: { cpu: '500m', mem: '128Mi' },
      retries: 2,
    });
    const json = taskTemplateToJson(toTaskTemplate(task, { version: 'v' })) as Json & { container: Json; metadata: Json };
    expect(json.container).toEqual({
      image: 'curlimages/curl:8',
      command: ['sh', '-c'],
      args: ['curl -o /data/out/body {{ .Inputs.url }}'],
      resources: {
        limits: [
          { name: 'CPU', value: '500m' },
          { name: 'MEMORY', value: '128Mi' },
        ],
      },
      env: [{ key: 'MODE', value: 'fast' }],
      dataConfig: {
        enabled: true,
        inputPath: '/data/in',
        outputPath: '/data/out',
        format: 'YAML',
        ioStrategy: { downloadMode: 'DOWNLOAD_STREAM', uploadMode: 'UPLOAD_EAGER' },
      },
    });
    expect(json.config).toEqual({ 'tflyte.network': 'host' });
    expect(json.metadata.retries).toEqual({ retries: 2 });
    // The backend reads the same setting back through the plugin definition.
    expect(containerTasks.configOf(toTaskTemplate(task, { version: 'v' }))).toEqual({ network: 'host' });
    expect(
      containerTasks.configOf(toTaskTemplate(containerTask({ name: 'plain', image: 'busybox', command: ['true'] }), { version: 'v' })),
    ).toEqual({ network: 'none' });
  });

  it('types a call by the declared inputs and outputs', () => {
    expectTypeOf(ellipseAreaShell).parameter(0).toEqualTypeOf<{ a: number | PromiseLike<number>; b: number | PromiseLike<number> }>();
    expectTypeOf(ellipseAreaShell).returns.resolves.toEqualTypeOf<{ area: number; metadata: string }>();
    const noOutputs = containerTask({ name: 'touch', image: 'busybox', command: ['true'] });
    expectTypeOf(noOutputs).returns.resolves.toEqualTypeOf<void>();
  });
});

describe('containerTask validation at definition time', () => {
  const base = { name: 'check', image: 'busybox', inputs: { a: t.float(), f: t.file() }, command: ['sh', '-c'] } as const;
  const optionError = (define: () => unknown): InvalidOptionError => {
    try {
      define();
    } catch (error) {
      expect(error).toBeInstanceOf(InvalidOptionError);
      return error as InvalidOptionError;
    }
    throw new Error('expected an InvalidOptionError');
  };

  it('rejects a {{.inputs.x}} naming an undeclared input, naming the field', () => {
    const inCommand = optionError(() => containerTask({ ...base, command: ['echo', '{{ .inputs.c }}'] }));
    expect(inCommand.option).toBe('command[1]');
    expect(inCommand.message).toContain('{{.inputs.c}}, which is not an input of this task; inputs are: a, f');
    const inArgs = optionError(() => containerTask({ ...base, args: ['echo {{.Inputs.a}} {{$inputs.z}}'] }));
    expect(inArgs.option).toBe('args[0]');
  });

  it('rejects a template over a file or directory input and tells the path to use instead', () => {
    const error = optionError(() => containerTask({ ...base, args: ['cat {{.inputs.f}}'] }));
    expect(error.message).toContain("write its path in the container, '/var/inputs/f', instead");
  });

  it('accepts only inputs and outputs a raw container can exchange as files', () => {
    expect(optionError(() => containerTask({ ...base, inputs: { xs: t.list(t.int()) } as never })).option).toBe('inputs.xs');
    const output = optionError(() => containerTask({ ...base, outputs: { o: t.optional(t.int()) } as never }));
    expect(output.option).toBe('outputs.o');
    expect(output.message).toContain('use t.int(), t.float(), t.string(), t.bool(), t.datetime(), t.duration(), t.file() or t.directory()');
    expect(optionError(() => containerTask({ ...base, outputs: { 'my-out': t.int() } })).option).toBe('outputs.my-out');
  });

  it('requires an image and a command, and absolute, separate data directories', () => {
    expect(optionError(() => containerTask({ ...base, image: '' })).option).toBe('image');
    expect(optionError(() => containerTask({ ...base, command: 'echo hi' as never })).option).toBe('command');
    expect(optionError(() => containerTask({ ...base, inputDataDir: 'var/inputs' })).option).toBe('inputDataDir');
    expect(optionError(() => containerTask({ ...base, inputDataDir: '/data', outputDataDir: '/data/out' })).option).toBe('outputDataDir');
    expect(optionError(() => containerTask({ ...base, metadataFormat: 'XML' as never })).option).toBe('metadataFormat');
    expect(optionError(() => containerTask({ ...base, network: 'bridge' as never })).option).toBe('network');
    expect(optionError(() => containerTask({ ...base, entrypoint: 'x' } as never)).option).toBe('entrypoint');
  });
});
