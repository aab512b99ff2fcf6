/**
 * `tflyte render <file.ts> <task> [--input value ...]`: prints, as YAML, the Kubernetes object the
 * task's configured backend would create for a run with these inputs — the pod, SparkApplication or
 * PyTorchJob — without creating anything or uploading the inputs. Every Kubernetes backend renders
 * (they all build on @tflyte/kubernetes' resource backend); other backends create no objects to show.
 */
import { join } from 'node:path';
import { pathToFileURL } from 'node:url';
import {
  type AttemptContext,
  type Backend,
  LOCAL_IMAGE,
  newRunId,
  openSession,
  systemClock,
  toLiteralMap,
  toTaskTemplate,
} from '@tflyte/core';
import { stringify } from 'yaml';
import { parseArgv } from '../argv.ts';
import { taskHelp } from '../help.ts';
import { parseInputFlags } from '../input-flags.ts';
import { findEntity, loadModule } from '../load-entity.ts';
import type { Io } from '../main.ts';
import { EXIT, UsageError } from '../usage-error.ts';

export const RENDER_HELP = `Usage: tflyte render <file.ts> <task> [--<input> <value> ...] [--inputs-file f.json] [--interruptible] [--image <ref>] [--version <v>]

Prints the Kubernetes object the task's backend would create for these inputs (a pod,
SparkApplication or PyTorchJob), as YAML, without creating it. The backend is the one
tflyte.config.ts configures for the task's type; namespaces and pod templates are read from
the cluster only when the configuration needs them.`;

/** What every Kubernetes backend offers (a ResourceBackend of @tflyte/kubernetes). */
interface RenderingBackend {
  readonly name: string;
  render(ctx: AttemptContext): Promise<unknown>;
}

function renders(backend: Backend): backend is Backend & RenderingBackend {
  return typeof (backend as Partial<RenderingBackend>).render === 'function';
}

export async function render(args: readonly string[], io: Io): Promise<number> {
  const spec = { help: 'boolean', 'inputs-file': 'string', interruptible: 'boolean', version: 'string', image: 'string' } as const;
  const { options, positionals, rest } = parseArgv('render', args, spec, 2);
  const [file, name] = positionals;
  if (!file || !name) {
    if (options.help) {
      io.out(RENDER_HELP);
      return EXIT.ok;
    }
    throw new UsageError('render: expected <file.ts> <task>, e.g. tflyte render examples/spark.ts wordCount --text words.txt');
  }
  const module = await loadModule(file, io.cwd);
  const task = findEntity(module, file, name);
  if (rest.includes('--help') || options.help) {
    io.out(taskHelp(task, file));
    return EXIT.ok;
  }
  if (task.kind.composite)
    throw new UsageError(`render: '${name}' is a workflow; render prints the object of one task, e.g. one of the tasks it calls`);
  const inputs = parseInputFlags(task, rest, io.cwd, options['inputs-file'] as string | undefined);
  const version = options.version as string | undefined;
  // As `tflyte run` records it: tasks without an image of their own get the local placeholder, which backends may replace.
  const template = toTaskTemplate(task, {
    image: (options.image as string | undefined) ?? LOCAL_IMAGE,
    ...(version === undefined ? {} : { version }),
  });
  const session = await openSession({ cwd: io.cwd });
  try {
    const backend =
      session.config.config.backends?.[template.type] ?? session.registry.resolve(template.type, template.taskTypeVersion).backend;
    if (!renders(backend)) {
      throw new UsageError(
        `render: task type '${template.type}' runs on backend '${backend.name}', which creates no Kubernetes objects; render shows what Kubernetes backends (kubernetesPod(), sparkPlugin(), pytorchPlugin({ kubernetes })) would create`,
      );
    }
    // The first attempt of a new run, placed where the executor would place it.
    const runId = newRunId();
    const prefix = pathToFileURL(join(session.config.stateDir, 'runs', runId, 'n0', '0')).href;
    const ctx: AttemptContext = {
      template,
      inputs: toLiteralMap(task.inputs, inputs),
      generatedName: `${runId}-n0-0`,
      idempotencyToken: `${runId}-n0-0`,
      attempt: 0,
      inputsUri: `${prefix}/inputs.pb`,
      outputPrefix: prefix,
      rawOutputPrefix: `${prefix}/raw`,
      interruptible: Boolean(options.interruptible) || task.options.interruptible === true,
      signal: new AbortController().signal,
      clock: systemClock,
    };
    const object = await backend.render(ctx);
    io.out(stringify(object, { lineWidth: 0 }).replace(/\n$/, ''));
    return EXIT.ok;
  } finally {
    session.close();
  }
}
