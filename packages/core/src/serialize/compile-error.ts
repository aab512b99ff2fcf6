/** The error a workflow body that cannot be compiled to a static graph raises; `construct` says what the body did. */
import { TflyteError } from '../errors.ts';

export type WorkflowConstruct =
  | 'await'
  | 'arithmetic'
  | 'property'
  | 'multiple-outputs'
  | 'unbound-input'
  | 'type'
  | 'body-error'
  | 'not-a-task'
  | 'call';

/** A workflow body that cannot be compiled to a static graph; `construct` says what it did. */
export class WorkflowCompileError extends TflyteError {
  readonly workflow: string;
  readonly construct: WorkflowConstruct;
  constructor(workflow: string, construct: WorkflowConstruct, message: string, options?: { cause?: unknown }) {
    super('TFLYTE_WORKFLOW_NOT_STATIC', `workflow '${workflow}': ${message}`, options);
    this.workflow = workflow;
    this.construct = construct;
  }
}

export const STATIC_HINT = 'a workflow body runs once, at compile time, to build the graph; do this in a task and pass the promise along';
