/**
 * Propeller's workflow compiler rules, on the protos FlyteAdmin receives: identifiers complete and
 * node ids unique and well-formed (start-node and end-node reserved), every node input of the
 * referenced task bound exactly once and nothing else bound, promises naming an existing node's
 * output (or a workflow input on start-node) of a castable type, workflow outputs all bound, and
 * no dependency cycles. `tflyte register` runs them before sending anything; the FlyteAdmin test
 * server runs them on what it receives. Each problem names the node and variable.
 */
import { castable } from '@tflyte/core';
import type { Identifier } from '@tflyte/idl/core/identifier';
import type { TypedInterface } from '@tflyte/idl/core/interface';
import type { Binding, BindingData } from '@tflyte/idl/core/literals';
import type { LiteralType, PromiseAttribute } from '@tflyte/idl/core/types';
import type { Node, WorkflowTemplate } from '@tflyte/idl/core/workflow';
import { RemoteError } from './errors.ts';

const START = 'start-node';
const END = 'end-node';
// Node ids become Kubernetes label values and object name parts in propeller.
const NODE_ID = /^[a-z0-9]([-a-z0-9]*[a-z0-9])?$/;

export interface CompileContext {
  /** The interface of a task a node references, or undefined when it is not registered / not shipped. */
  readonly taskInterface: (id: Identifier) => TypedInterface | undefined;
  /** Templates of sub-workflows shipped with this one (WorkflowSpec.sub_workflows), by name and version. */
  readonly subWorkflows: readonly WorkflowTemplate[];
}

/** Every rule broken by `workflow`, as sentences; empty when it compiles. */
export function workflowProblems(workflow: WorkflowTemplate, context: CompileContext): string[] {
  const problems: string[] = [];
  const id = workflow.id;
  if (id === undefined) return ['the workflow template has no id'];
  for (const field of ['project', 'domain', 'name', 'version'] as const)
    if (id[field] === '') problems.push(`the workflow id has no ${field}`);
  const inputs = workflow.interface?.inputs?.variables ?? {};
  const outputs = workflow.interface?.outputs?.variables ?? {};
  const nodes = new Map<string, Node>();
  const interfaces = new Map<string, TypedInterface>();
  for (const node of workflow.nodes) {
    if (node.id === START || node.id === END) problems.push(`node id '${node.id}' is reserved`);
    else if (!NODE_ID.test(node.id)) problems.push(`node id '${node.id}' must be lower-case letters, digits and '-'`);
    if (nodes.has(node.id)) problems.push(`node id '${node.id}' is used twice`);
    nodes.set(node.id, node);
    const face = nodeInterface(node, context, problems);
    if (face) interfaces.set(node.id, face);
  }
  const outputType = (nodeId: string, variable: string): LiteralType | undefined =>
    nodeId === START ? inputs[variable]?.type : interfaces.get(nodeId)?.outputs?.variables[variable]?.type;

  const deps = new Map<string, Set<string>>();
  const checkBindings = (where: string, bindings: readonly Binding[], declared: Record<string, { type?: LiteralType }>, own: string) => {
    const seen = new Set<string>();
    const upstream = new Set<string>();
    for (const binding of bindings) {
      if (seen.has(binding.var)) problems.push(`${where}: '${binding.var}' is bound twice`);
      seen.add(binding.var);
      const variable = declared[binding.var];
      if (variable === undefined) {
        problems.push(`${where}: '${binding.var}' is not a variable of its interface`);
        continue;
      }
      if (binding.binding) checkData(where, binding.var, binding.binding, variable.type, upstream);
      else problems.push(`${where}: '${binding.var}' has an empty binding`);
    }
    for (const name of Object.keys(declared)) if (!seen.has(name)) problems.push(`${where}: input '${name}' is not bound`);
    deps.set(own, upstream);
  };
  const checkData = (where: string, variable: string, data: BindingData, type: LiteralType | undefined, upstream: Set<string>) => {
    const value = data.value;
    if (value.case === 'promise') {
      const ref = value.value;
      if (ref.nodeId !== START && !nodes.has(ref.nodeId)) {
        problems.push(`${where}: '${variable}' refers to node '${ref.nodeId}', which does not exist`);
        return;
      }
      if (ref.nodeId !== START) upstream.add(ref.nodeId);
      const whole = outputType(ref.nodeId, ref.var);
      const source = along(whole, ref.attrPath);
      if (whole !== undefined && source === undefined) {
        problems.push(`${where}: '${variable}' reads an attribute path of ${ref.nodeId}.${ref.var} that its type does not have`);
        return;
      }
      if (source === undefined) {
        if (ref.nodeId === START || interfaces.has(ref.nodeId))
          problems.push(`${where}: '${variable}' refers to ${ref.nodeId}.${ref.var}, which is not an output`);
        return;
      }
      if (type && !castable(source, type)) problems.push(`${where}: '${variable}' is bound to ${ref.nodeId}.${ref.var} of another type`);
    } else if (value.case === 'collection') {
      const element = type?.type.case === 'collectionType' ? type.type.value : undefined;
      for (const item of value.value.bindings) checkData(where, variable, item, element, upstream);
    } else if (value.case === 'map') {
      const element = type?.type.case === 'mapValueType' ? type.type.value : undefined;
      for (const item of Object.values(value.value.bindings)) checkData(where, variable, item, element, upstream);
    } else if (value.case === undefined) problems.push(`${where}: '${variable}' has an empty binding`);
  };

  for (const node of workflow.nodes) {
    const face = interfaces.get(node.id);
    if (face === undefined) continue;
    const declared = { ...(face.inputs?.variables ?? {}) };
    checkBindings(`node ${node.id}`, node.inputs, declared, node.id);
    for (const up of node.upstreamNodeIds) {
      if (!nodes.has(up)) problems.push(`node ${node.id}: upstream node '${up}' does not exist`);
      else deps.get(node.id)!.add(up);
    }
  }
  checkBindings('workflow outputs', workflow.outputs, outputs, END);
  const cycle = findCycle(deps);
  if (cycle) problems.push(`nodes form a cycle: ${cycle.join(' -> ')}`);
  return problems;
}

/** Throws a RemoteError listing every problem, so nothing is sent that FlyteAdmin would refuse. */
export function assertWorkflowCompiles(workflow: WorkflowTemplate, context: CompileContext): void {
  const problems = workflowProblems(workflow, context);
  if (problems.length > 0) {
    throw new RemoteError('REMOTE_COMPILE', `workflow '${workflow.id?.name ?? '?'}' does not compile:\n  - ${problems.join('\n  - ')}`);
  }
}

function nodeInterface(node: Node, context: CompileContext, problems: string[]): TypedInterface | undefined {
  const target = node.target;
  switch (target.case) {
    case 'taskNode': {
      const ref = target.value.reference.case === 'referenceId' ? target.value.reference.value : undefined;
      const face = ref && context.taskInterface(ref);
      if (!face) problems.push(`node ${node.id}: task '${ref?.name ?? '?'}' version '${ref?.version ?? '?'}' is not registered`);
      return face;
    }
    case 'workflowNode': {
      const ref = target.value.reference.value;
      const sub = context.subWorkflows.find((w) => w.id?.name === ref?.name && w.id?.version === ref?.version);
      if (!sub) problems.push(`node ${node.id}: sub-workflow '${ref?.name ?? '?'}' is not shipped with the workflow`);
      return sub?.interface;
    }
    case 'arrayNode': {
      const inner = target.value.node;
      const face = inner ? nodeInterface(inner, context, problems) : undefined;
      if (!inner) problems.push(`node ${node.id}: the array node has no sub-node`);
      if (!face) return undefined;
      // Mapped inputs and the output become lists; bound inputs keep their type.
      const bound = new Set(target.value.boundInputs);
      const list = (t: LiteralType | undefined) => ({ type: t && ({ type: { case: 'collectionType', value: t } } as LiteralType) });
      const vars = (m: Record<string, { type?: LiteralType }> | undefined, mapped: (k: string) => boolean) =>
        Object.fromEntries(Object.entries(m ?? {}).map(([k, v]) => [k, mapped(k) ? list(v.type) : v]));
      return {
        inputs: { variables: vars(face.inputs?.variables, (k) => !bound.has(k)) },
        outputs: { variables: vars(face.outputs?.variables, () => true) },
      } as TypedInterface;
    }
    default:
      problems.push(`node ${node.id}: ${target.case ?? 'no'} target is not supported here`);
      return undefined;
  }
}

/** The type at an attribute path: a list's element by index, a map's value by key; undefined past anything else. */
function along(type: LiteralType | undefined, path: readonly PromiseAttribute[]): LiteralType | undefined {
  let at = type;
  for (const step of path) {
    if (at?.type.case === 'collectionType' && step.value.case === 'intValue') at = at.type.value;
    else if (at?.type.case === 'mapValueType' && step.value.case === 'stringValue') at = at.type.value;
    else return undefined;
  }
  return at;
}

function findCycle(deps: ReadonlyMap<string, ReadonlySet<string>>): string[] | undefined {
  const state = new Map<string, 'open' | 'done'>();
  const path: string[] = [];
  const visit = (n: string): string[] | undefined => {
    if (state.get(n) === 'done') return undefined;
    if (state.get(n) === 'open') return [...path.slice(path.indexOf(n)), n];
    state.set(n, 'open');
    path.push(n);
    for (const d of deps.get(n) ?? []) {
      const found = visit(d);
      if (found) return found;
    }
    path.pop();
    state.set(n, 'done');
    return undefined;
  };
  for (const n of deps.keys()) {
    const found = visit(n);
    if (found) return found;
  }
  return undefined;
}
