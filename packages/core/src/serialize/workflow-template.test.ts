/**
 * Workflows compile to flyteidl WorkflowTemplates as flytekit compiles @workflow: each call in the
 * body is a node, promises bind one node's outputs to another's inputs, plain values become
 * literal bindings, and what the body returns binds the workflow's outputs. Bodies that need a
 * task's value at compile time are refused, naming what they did.
 */
import { toJson } from '@bufbuild/protobuf';
import { LaunchPlanSchema } from '@tflyte/idl/admin/launch_plan';
import { WorkflowSpecSchema } from '@tflyte/idl/admin/workflow';
import { describe, expect, it } from 'vitest';
import { task } from '../task/function-task.ts';
import { t } from '../types/t.ts';
import { mapTask } from '../workflow/map-task.ts';
import { workflow } from '../workflow/workflow.ts';
import { WorkflowCompileError } from './compile-error.ts';
import type { CompiledWorkflow } from './workflow-template.ts';

const double = task({ inputs: { x: t.int() }, outputs: t.int() }, function double({ x }) {
  return 2 * x;
});
const add = task({ inputs: { a: t.int(), b: t.int().default(1) }, outputs: t.int() }, function add({ a, b }) {
  return a + b;
});
const stats = task({ inputs: { xs: t.list(t.int()) }, outputs: [t.int(), t.float()] }, function stats({ xs }) {
  return [xs.length, xs.reduce((s, v) => s + v, 0) / xs.length] as [number, number];
});
const notify = task({ inputs: { text: t.string() } }, function notify() {});

const options = { project: 'p', domain: 'd', version: 'v1' };
const compile = (wf: { kind: { workflow?: (o: typeof options) => Promise<CompiledWorkflow> } }) => wf.kind.workflow!(options);
const promise = (nodeId: string, v: string) => ({ promise: { nodeId, var: v } });
const int = (n: number) => ({ scalar: { primitive: { integer: String(n) } } });
const taskRef = (name: string) => ({
  referenceId: { resourceType: 'TASK', project: 'p', domain: 'd', name: `src.serialize.workflow-template.test.${name}`, version: 'v1' },
});

describe('compileWorkflow', () => {
  it('writes nodes, promise and literal bindings, upstream ids and outputs as flytekit does', async () => {
    const pipeline = workflow({ inputs: { x: t.int() }, outputs: { total: t.int(), doubled: t.int() } }, function pipeline({ x }) {
      const d = double({ x });
      return { total: add({ a: d, b: 5 }), doubled: d };
    });
    const compiled = await compile(pipeline);
    expect(toJson(WorkflowSpecSchema, compiled.spec)).toEqual({
      template: {
        id: { resourceType: 'WORKFLOW', project: 'p', domain: 'd', name: 'src.serialize.workflow-template.test.pipeline', version: 'v1' },
        metadata: {},
        metadataDefaults: {},
        interface: {
          inputs: { variables: { x: { type: { simple: 'INTEGER' }, description: 'x' } } },
          outputs: {
            variables: {
              total: { type: { simple: 'INTEGER' }, description: 'total' },
              doubled: { type: { simple: 'INTEGER' }, description: 'doubled' },
            },
          },
        },
        nodes: [
          {
            id: 'n0',
            metadata: { name: 'double', retries: {} },
            inputs: [{ var: 'x', binding: promise('start-node', 'x') }],
            taskNode: taskRef('double'),
          },
          {
            id: 'n1',
            metadata: { name: 'add', retries: {} },
            inputs: [
              { var: 'a', binding: promise('n0', 'o0') },
              { var: 'b', binding: int(5) },
            ],
            upstreamNodeIds: ['n0'],
            taskNode: taskRef('add'),
          },
        ],
        // Declared order (total, doubled), as flytekit binds a workflow's outputs.
        outputs: [
          { var: 'total', binding: promise('n1', 'o0') },
          { var: 'doubled', binding: promise('n0', 'o0') },
        ],
      },
    });
    expect(compiled.tasks.map((t) => t.shortName)).toEqual(['double', 'add']);
  });

  it('runs no task while compiling', async () => {
    const ran: string[] = [];
    const noisy = task({ inputs: { x: t.int() }, outputs: t.int() }, function noisy({ x }) {
      ran.push('noisy');
      return x;
    });
    const wf = workflow({ inputs: { x: t.int() }, outputs: t.int() }, function quiet({ x }) {
      return noisy({ x: noisy({ x }) });
    });
    expect((await compile(wf)).spec.template!.nodes).toHaveLength(2);
    expect(ran).toEqual([]);
    expect(await wf({ x: 1 })).toBe(1); // a local call still runs the body
    expect(ran).toEqual(['noisy', 'noisy']);
  });

  it('binds defaults of unbound inputs, lists holding promises, and awaited outputs picked from a tuple', async () => {
    const wf = workflow({ inputs: { x: t.int() }, outputs: t.int() }, async function wf({ x }) {
      // A list may hold promises (Bindable types only the top level, hence the cast).
      const [count] = await stats({ xs: [x, double({ x }) as unknown as number, 3] });
      return add({ a: count });
    });
    const template = toJson(WorkflowSpecSchema, (await compile(wf)).spec) as { template: { nodes: Record<string, unknown>[] } };
    const [n0, n1, n2] = template.template.nodes;
    expect(n1!.inputs).toEqual([
      {
        var: 'xs',
        binding: { collection: { bindings: [promise('start-node', 'x'), promise('n0', 'o0'), int(3)] } },
      },
    ]);
    expect(n2!.inputs).toEqual([
      { var: 'a', binding: promise('n1', 'o0') },
      { var: 'b', binding: int(1) },
    ]);
    expect(n0!.id).toBe('n0');
  });

  it('binds a list element or a map value through an attribute path, as flytekit binds p[0] and p["k"]', async () => {
    const tally = task({ inputs: { xs: t.list(t.int()) }, outputs: t.map(t.int()) }, function tally({ xs }) {
      return { n: xs.length };
    });
    const wf = workflow({ inputs: { xs: t.list(t.int()) }, outputs: t.int() }, async function picked({ xs }) {
      const counts = await tally({ xs });
      return add({ a: xs[1]!, b: counts.n! });
    });
    const [, node] = (toJson(WorkflowSpecSchema, (await compile(wf)).spec) as { template: { nodes: Record<string, unknown>[] } }).template
      .nodes;
    expect(node!.inputs).toEqual([
      { var: 'a', binding: { promise: { nodeId: 'start-node', var: 'xs', attrPath: [{ intValue: 1 }] } } },
      { var: 'b', binding: { promise: { nodeId: 'n0', var: 'o0', attrPath: [{ stringValue: 'n' }] } } },
    ]);
    expect(node!.upstreamNodeIds).toEqual(['n0']);
  });

  it('orders a node after an awaited task without outputs (ordering without data)', async () => {
    const wf = workflow({ inputs: { x: t.int() }, outputs: t.int() }, async function wf({ x }) {
      await notify({ text: 'starting' });
      return double({ x });
    });
    const { spec } = await compile(wf);
    expect(spec.template!.nodes[1]!.upstreamNodeIds).toEqual(['n0']);
  });

  it('calls another workflow as a sub-workflow node and ships its template', async () => {
    const inner = workflow({ inputs: { x: t.int() }, outputs: t.int() }, function inner({ x }) {
      return double({ x });
    });
    const outer = workflow({ inputs: { x: t.int() }, outputs: t.int() }, function outer({ x }) {
      return add({ a: inner({ x }) });
    });
    const { spec, tasks } = await compile(outer);
    expect(spec.template!.nodes[0]!.target).toMatchObject({
      case: 'workflowNode',
      value: { reference: { case: 'subWorkflowRef', value: { name: 'src.serialize.workflow-template.test.inner' } } },
    });
    expect(spec.subWorkflows.map((w) => w.id!.name)).toEqual(['src.serialize.workflow-template.test.inner']);
    expect(tasks.map((t) => t.shortName).sort()).toEqual(['add', 'double']);
  });

  it('makes a default launch plan whose parameters keep defaults and require the rest', async () => {
    const wf = workflow({ inputs: { a: t.int(), b: t.int().default(7) }, outputs: t.int() }, function lp({ a, b }) {
      return add({ a, b });
    });
    const { launchPlan } = await compile(wf);
    expect(toJson(LaunchPlanSchema, launchPlan)).toMatchObject({
      id: { resourceType: 'LAUNCH_PLAN', name: 'src.serialize.workflow-template.test.lp', version: 'v1' },
      spec: {
        workflowId: { resourceType: 'WORKFLOW', name: 'src.serialize.workflow-template.test.lp' },
        defaultInputs: {
          parameters: {
            a: { var: { type: { simple: 'INTEGER' } }, required: true },
            b: { var: { type: { simple: 'INTEGER' } }, default: int(7) },
          },
        },
      },
    });
  });
});

describe('map tasks in a workflow', () => {
  const scale = task({ inputs: { x: t.int(), k: t.int() }, outputs: t.int() }, function scale({ x, k }) {
    return k * x;
  });
  const scaled = mapTask(scale, { concurrency: 4, minSuccessRatio: 0.5, bound: { k: 2 } });

  // mapTask describes its ArrayNode through kind.array (the map-task module sets it).
  it('become ArrayNodes: the task as the sub-node, parallelism, success ratio and bound inputs', async () => {
    const wf = workflow({ inputs: { xs: t.list(t.int()) }, outputs: t.list(t.optional(t.int())) }, function mapped({ xs }) {
      return scaled({ x: xs });
    });
    const { spec, tasks } = await compile(wf);
    const [node] = (toJson(WorkflowSpecSchema, spec) as { template: { nodes: Record<string, unknown>[] } }).template.nodes;
    expect(node).toEqual({
      id: 'n0',
      metadata: { name: 'map_scale', retries: {} },
      inputs: [
        { var: 'k', binding: int(2) },
        { var: 'x', binding: promise('start-node', 'xs') },
      ],
      arrayNode: {
        node: { id: 'n0-n0', metadata: { name: 'scale', retries: {} }, taskNode: taskRef('scale') },
        parallelism: 4,
        minSuccessRatio: 0.5,
        isOriginalSubNodeInterface: false,
        boundInputs: ['k'],
      },
    });
    expect(tasks.map((t) => t.shortName)).toEqual(['scale']);
  });
});

describe('bodies that are not a static graph are refused, naming the construct', () => {
  const refused = async (body: (inputs: { x: number; xs: number[] }) => unknown, construct: string, message: RegExp) => {
    const wf = workflow({ name: 'refused', inputs: { x: t.int(), xs: t.list(t.int()) }, outputs: t.int() }, body as never);
    const error = await compile(wf).then(
      () => undefined,
      (e: unknown) => e,
    );
    expect(error).toBeInstanceOf(WorkflowCompileError);
    expect(error).toMatchObject({ code: 'TFLYTE_WORKFLOW_NOT_STATIC', construct });
    expect((error as Error).message).toMatch(message);
  };

  it('arithmetic on an input', () => refused(({ x }) => double({ x: x + 1 }), 'arithmetic', /computes with .* workflow input 'x'/));

  it('branching on an awaited result', () =>
    refused(
      async ({ x }) => {
        const d = await double({ x });
        if (d) return add({ a: 1 });
        return add({ a: 2 });
      },
      'await',
      /awaits the result of double \(node n0\) and uses it in ordinary code/,
    ));

  it('comparing an awaited result', () =>
    refused(async ({ x }) => ((await double({ x })) > 3 ? 1 : 2), 'arithmetic', /computes with .* n0\.o0 \(output of double\)/));

  it('reading a property of a promise', () =>
    refused(({ xs }) => double({ x: xs.length }), 'property', /reads 'length' of workflow input 'xs'/));

  it('an input left unbound', () =>
    refused(() => (double as (i: object) => unknown)({}), 'unbound-input', /input 'x' \(int\) is not bound/));

  it('a promise of the wrong type', () =>
    refused(
      ({ x }) => stats({ xs: x as unknown as number[] }),
      'type',
      /input 'xs' is list<int>|input 'xs' is .*collection|input 'xs' is .* but is bound to workflow input 'x'/,
    ));

  it('passing a call with several outputs as one value', () =>
    refused(({ xs }) => double({ x: stats({ xs }) as unknown as number }), 'multiple-outputs', /has outputs o0, o1; await the call/));
});
