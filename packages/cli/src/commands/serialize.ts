/**
 * `tflyte serialize <file.ts>`: one admin TaskSpec (TaskTemplate + description) per exported task,
 * named as flytekit names them (`{idx}_{name}_1.pb`), ready for `flytectl register files`.
 */
import { mkdirSync, writeFileSync } from 'node:fs';
import { join, resolve } from 'node:path';
import { create, toBinary, toJsonString } from '@bufbuild/protobuf';
import { toTaskTemplate } from '@tflyte/core';
import { DescriptionEntitySchema } from '@tflyte/idl/admin/description_entity';
import { LaunchPlanSchema } from '@tflyte/idl/admin/launch_plan';
import { TaskSpecSchema } from '@tflyte/idl/admin/task';
import { WorkflowSpecSchema } from '@tflyte/idl/admin/workflow';
import { loadModule } from '../load-entity.ts';
import { UsageError } from '../usage-error.ts';
import { forStockPropeller } from './stock-propeller.ts';

export interface SerializeArgs {
  readonly file: string;
  readonly out: string;
  readonly format: 'pb' | 'json';
  readonly image?: string;
  readonly version?: string;
  readonly project?: string;
  readonly domain?: string;
  /**
   * Task types the cluster routes to a connector (propeller's `connectorForTaskTypes`), e.g. one served
   * by `tflyte connector serve`: their tasks are written as they are. Every other warehouse task must run
   * correctly on propeller's built-in plugin, or serialize refuses it (stock-propeller.ts).
   */
  readonly connectorTaskTypes?: readonly string[];
}

export async function serialize(args: SerializeArgs, cwd: string, print: (line: string) => void): Promise<string[]> {
  const module = await loadModule(args.file, cwd);
  const at = {
    ...(args.version ? { version: args.version } : {}),
    ...(args.project ? { project: args.project } : {}),
    ...(args.domain ? { domain: args.domain } : {}),
  };
  // Workflows (with their default launch plans) and the tasks their nodes run, as pyflyte serialize writes them.
  const workflows = [];
  for (const entity of module.tasks.values()) if (entity.kind.workflow) workflows.push(await entity.kind.workflow(at));
  const tasks = [...module.tasks.values()].filter((task) => !task.kind.composite);
  for (const w of workflows)
    for (const task of w.tasks) if (!tasks.some((t) => t.name === task.name)) tasks.push(task as (typeof tasks)[number]);
  if (tasks.length === 0) throw new UsageError(`${args.file} exports no tasks to serialize`);
  const built = tasks.map((task) =>
    toTaskTemplate(task, {
      ...(args.image ? { image: args.image } : {}),
      ...(args.version ? { version: args.version } : {}),
      ...(args.project ? { project: args.project } : {}),
      ...(args.domain ? { domain: args.domain } : {}),
    }),
  );
  // Every task is checked before any file is written, so a refused task leaves no partial output to register.
  const templates = forStockPropeller(built, new Set(args.connectorTaskTypes ?? []));
  const outDir = resolve(cwd, args.out);
  mkdirSync(outDir, { recursive: true });
  const width = String(tasks.length + 2 * workflows.length - 1).length;
  const written: string[] = [];
  tasks.forEach((task, idx) => {
    const spec = create(TaskSpecSchema, {
      template: templates[idx],
      ...(task.options.docs ? { description: create(DescriptionEntitySchema, { shortDescription: task.options.docs }) } : {}),
    });
    const name = `${String(idx).padStart(width, '0')}_${task.name}_1.${args.format}`;
    const path = join(outDir, name);
    writeFileSync(
      path,
      args.format === 'pb' ? toBinary(TaskSpecSchema, spec) : `${toJsonString(TaskSpecSchema, spec, { prettySpaces: 2 })}\n`,
    );
    written.push(path);
    print(path);
  });
  // As pyflyte names them: `_2` an admin WorkflowSpec, `_3` its default LaunchPlan, after the tasks.
  workflows.forEach((w, i) => {
    const idx = tasks.length + 2 * i;
    const files = [
      [`${String(idx).padStart(width, '0')}_${w.spec.template!.id!.name}_2`, WorkflowSpecSchema, w.spec],
      [`${String(idx + 1).padStart(width, '0')}_${w.launchPlan.id!.name}_3`, LaunchPlanSchema, w.launchPlan],
    ] as const;
    for (const [base, schema, message] of files) {
      const path = join(outDir, `${base}.${args.format}`);
      const m = message as never;
      writeFileSync(path, args.format === 'pb' ? toBinary(schema, m) : `${toJsonString(schema, m, { prettySpaces: 2 })}\n`);
      written.push(path);
      print(path);
    }
  });
  return written;
}
