/** A workflow's default launch plan, as flytekit creates one per workflow. */
import { create } from '@bufbuild/protobuf';
import { type LaunchPlan, LaunchPlanSchema } from '@tflyte/idl/admin/launch_plan';
import { ResourceType } from '@tflyte/idl/core/identifier';
import { ParameterMapSchema, ParameterSchema } from '@tflyte/idl/core/interface';
import { LiteralMapSchema } from '@tflyte/idl/core/literals';
import type { WorkflowTemplate } from '@tflyte/idl/core/workflow';
import type { TaskDefinition } from '../task/define-task.ts';

/** The workflow's default launch plan: its inputs as parameters (defaults kept, the rest required). */
export function defaultLaunchPlan(workflow: Omit<TaskDefinition, 'kind'>, template: WorkflowTemplate): LaunchPlan {
  const parameters = Object.fromEntries(
    Object.entries(workflow.inputs).map(([k, type]) => [
      k,
      create(ParameterSchema, {
        var: template.interface!.inputs!.variables[k],
        behavior:
          type.defaultValue === undefined
            ? { case: 'required', value: true }
            : { case: 'default', value: type.toLiteral(type.defaultValue.value, k) },
      }),
    ]),
  );
  return create(LaunchPlanSchema, {
    id: { ...template.id!, resourceType: ResourceType.LAUNCH_PLAN },
    spec: {
      workflowId: template.id,
      entityMetadata: {},
      defaultInputs: create(ParameterMapSchema, { parameters }),
      fixedInputs: create(LiteralMapSchema, {}),
      labels: {},
      annotations: {},
      rawOutputDataConfig: {},
    },
  });
}
