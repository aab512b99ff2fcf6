import { existsSync, mkdtempSync, readdirSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { fromBinary } from '@bufbuild/protobuf';
import { LaunchPlanSchema } from '@tflyte/idl/admin/launch_plan';
import { TaskSpecSchema } from '@tflyte/idl/admin/task';
import { WorkflowSpecSchema } from '@tflyte/idl/admin/workflow';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { main } from '../main.ts';
import { serialize } from './serialize.ts';
import { StockPropellerRefusalError } from './stock-propeller.ts';

const repo = resolve(import.meta.dirname, '../../../..');
const fixture = 'packages/cli/src/commands/stock-propeller.fixture.ts';
let out: string;

beforeEach(() => {
  out = mkdtempSync(join(tmpdir(), 'tflyte-serialize-'));
});
afterEach(() => rmSync(out, { recursive: true, force: true }));

async function refusal(file: string): Promise<StockPropellerRefusalError> {
  const error = await serialize({ file, out: join(out, 'pb'), format: 'pb' }, repo, () => {}).catch((e: unknown) => e);
  expect(error).toBeInstanceOf(StockPropellerRefusalError);
  // Nothing is written for a file with a refused task: no partial set to register.
  expect(existsSync(join(out, 'pb'))).toBe(false);
  return error as StockPropellerRefusalError;
}

/** Propeller's core/template rendering of `{{ .inputs.x }}`: the value's text pasted in place (ints and bools as Go's %v). */
function propellerRender(statement: string, inputs: Record<string, string>): string {
  return statement.replace(/\{\{\s*[.$]inputs\.([^}\s]+)\s*\}\}/gi, (_, name: string) => inputs[name] as string);
}

describe('tflyte serialize on a stock propeller (warehouse tasks)', () => {
  it("writes an Athena task whose inputs propeller's renderer pastes as valid SQL literals", async () => {
    const [path] = await serialize({ file: 'packages/cli/src/test-fixtures/athena.ts', out, format: 'pb' }, repo, () => {});
    const template = fromBinary(TaskSpecSchema, readFileSync(path as string)).template;
    expect(template?.type).toBe('presto');
    const statement = template?.custom?.statement as string;
    expect(propellerRender(statement, { above: '-3' })).toBe('SELECT count(*) AS n FROM numbers WHERE n > -3');
  });

  it('refuses tasks whose inputs propeller pastes unquoted, leaves unrendered or cannot render, naming each input and the connector route', async () => {
    const error = await refusal(fixture);
    const byTask = Object.fromEntries(error.refused.map((r) => [r.task.split('.').pop(), r.problems.join('\n')]));
    expect(Object.keys(byTask).sort()).toEqual(['atLeast', 'byRegion', 'fromTable', 'offset']);
    expect(byTask.byRegion).toMatch(/input 'region' \(string\) is pasted into the SQL as raw, unquoted text.*injects SQL/);
    expect(byTask.fromTable).toMatch(/\{\{ \.inputs\.table \| identifier \}\} is not a reference propeller's renderer knows/);
    expect(byTask.atLeast).toMatch(/input 'min' \(an optional or union\) cannot be rendered/);
    expect(byTask.offset).toMatch(/input 'delta' follows a '-'.*'--5'/);
    expect(byTask.offset).toMatch(/output 'rows' is never produced/);
    expect(error.message).toContain("serve the plugin with 'tflyte connector serve'");
    expect(error.message).toContain('connectorForTaskTypes: {presto: <connector id>}');
    expect(error.message).toContain('--connector-task-types presto');
    expect(error.code).toBe('TFLYTE_USAGE');
  });

  it('writes the same tasks unchanged when the cluster routes their type to a connector', async () => {
    const written = await serialize({ file: fixture, out, format: 'json', connectorTaskTypes: ['presto'] }, repo, () => {});
    expect(readdirSync(out)).toHaveLength(5);
    const byRegion = written.find((p) => p.includes('byRegion')) as string;
    const spec = JSON.parse(readFileSync(byRegion, 'utf8'));
    expect(spec.template.custom.statement).toBe('SELECT id FROM orders WHERE region = {{ .inputs.region }}');
  });

  it('takes the routed task types from the command line, as the refusal says', async () => {
    const lines: string[] = [];
    const io = { cwd: repo, out: (l: string) => lines.push(l), err: (l: string) => lines.push(l), env: process.env, isTTY: false };
    expect(await main(['serialize', fixture, '--out', join(out, 'refused'), '--format', 'json'], io)).toBe(2);
    expect(existsSync(join(out, 'refused'))).toBe(false);
    expect(
      await main(['serialize', fixture, '--out', join(out, 'routed'), '--format', 'json', '--connector-task-types', 'presto'], io),
    ).toBe(0);
    expect(readdirSync(join(out, 'routed'))).toHaveLength(5);
  });

  it('refuses a Snowflake task: raw pasting, and no outputs from propeller', async () => {
    const [refused] = (await refusal('examples/snowflake.ts')).refused;
    expect(refused?.taskType).toBe('snowflake');
    expect(refused?.problems).toEqual(
      expect.arrayContaining([
        expect.stringMatching(/input 'region' \(string\) is pasted/),
        expect.stringMatching(/input 'minAmount' \(float\) is pasted as Go's %v text/),
        expect.stringMatching(/output 'results' is never produced: propeller's Snowflake plugin writes no outputs/),
      ]),
    );
  });

  it("writes a BigQuery task's value references as the @name parameters propeller's BigQuery plugin binds", async () => {
    const file = 'packages/cli/src/commands/stock-propeller-bigquery.fixture.ts';
    const [path] = await serialize({ file, out, format: 'json' }, repo, () => {});
    const { template } = JSON.parse(readFileSync(path as string, 'utf8'));
    expect(template.sql.statement).toBe(
      'SELECT id, amount FROM `example-project.sales.orders` WHERE region = @region AND amount >= @minAmount',
    );
    // Routed to a connector, tflyte's own backend gets its own form back.
    const [routed] = await serialize(
      { file, out: join(out, 'routed'), format: 'json', connectorTaskTypes: ['bigquery_query_job_task'] },
      repo,
      () => {},
    );
    expect(JSON.parse(readFileSync(routed as string, 'utf8')).template.sql.statement).toContain('region = {{ .inputs.region }}');
  });

  it('refuses a BigQuery task with an output propeller never writes', async () => {
    const [refused] = (await refusal('examples/bigquery.ts')).refused;
    expect(refused?.taskType).toBe('bigquery_query_job_task');
    expect(refused?.problems).toEqual([
      expect.stringMatching(/output 'rows' is never produced: propeller's BigQuery plugin writes only 'results'/),
    ]);
  });

  it('refuses a Hive task: Flyte 1.16 has no Hive plugin and its Athena plugin claims the type', async () => {
    const [refused] = (await refusal('examples/hive.ts')).refused;
    expect(refused?.problems).toEqual([expect.stringMatching(/no Hive plugin.*would run the query on Athena/)]);
  });
});

describe('tflyte serialize of a workflow', () => {
  it('writes the tasks its nodes run, then its WorkflowSpec (_2) and default LaunchPlan (_3), as pyflyte names them', async () => {
    const written = await serialize(
      { file: 'examples/workflows.ts', out, format: 'pb', version: 'v1', image: 'ghcr.io/example/app:1' },
      repo,
      () => {},
    );
    const names = written.map((p) => p.slice(out.length + 1));
    expect(names.filter((n) => n.endsWith('_1.pb'))).toHaveLength(3);
    const [workflowFile] = names.filter((n) => n.endsWith('_2.pb'));
    const [planFile] = names.filter((n) => n.endsWith('_3.pb'));
    expect(workflowFile).toBe('3_examples.workflows.spread_2.pb');
    expect(planFile).toBe('4_examples.workflows.spread_3.pb');
    const workflow = fromBinary(WorkflowSpecSchema, readFileSync(join(out, workflowFile!))).template!;
    expect(workflow.id?.name).toBe('examples.workflows.spread');
    expect(workflow.nodes.length).toBe(4);
    const plan = fromBinary(LaunchPlanSchema, readFileSync(join(out, planFile!)));
    expect(plan.spec?.workflowId?.name).toBe('examples.workflows.spread');
  });
});
