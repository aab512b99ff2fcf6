import { spawnSync } from 'node:child_process';
import { mkdirSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { toBinary } from '@bufbuild/protobuf';
import { openSession, toLiteralMap, toTaskTemplate, withRunner } from '@tflyte/core';
import { LiteralMapSchema } from '@tflyte/idl/core/literals';
import { recordRun, summarizeRun, writeRunReport } from '@tflyte/report';
import { inkPixels, launchChromium, screenshotWholePage } from '@tflyte/report/testing';
import { afterAll, describe, expect, it } from 'vitest';
import { main } from '../packages/cli/src/main.ts';
import { load, scoreRows, strictRows } from './report.ts';

const repo = resolve(import.meta.dirname, '..');
// Screenshots land here for CI to keep (the folder's .gitignore keeps them out of git).
const artifacts = join(repo, 'examples', 'report-artifacts');
const dirs: string[] = [];
afterAll(() => {
  for (const d of dirs) rmSync(d, { recursive: true, force: true });
});

/**
 * Runs a workflow of examples/report.ts as `tflyte run` does (a session, its runner), recording the
 * run's history; a run that fails is finished as failed and its error returned as the result.
 */
async function recordedRun(n: number, inDir?: string, exportName: 'scoreRows' | 'strictRows' = 'scoreRows') {
  const dir = inDir ?? mkdtempSync(join(tmpdir(), 'tflyte-report-'));
  if (inDir === undefined) dirs.push(dir);
  writeFileSync(join(dir, 'tflyte.config.ts'), 'export default { plugins: [] };\n');
  const session = await openSession({ cwd: dir, config: { plugins: [], stateDir: join(dir, '.tflyte') } });
  const entity = exportName === 'scoreRows' ? scoreRows : strictRows;
  try {
    const { runId } = session.startRun({
      task: entity,
      file: join(repo, 'examples/report.ts'),
      exportName,
      inputs: toLiteralMap(entity.inputs, { n }),
    });
    let onEvent: ((e: never) => void) | undefined;
    const runner = session.runner({ runId, onEvent: (e) => onEvent?.(e as never) });
    const recorder = recordRun({ stateDir: session.config.stateDir, runId, runner });
    onEvent = recorder.onEvent;
    let result: number | Error;
    try {
      result = await withRunner(recorder.runner, () => entity({ n }));
      await session.finishRun(runId, 'succeeded');
    } catch (error) {
      if (exportName === 'scoreRows') throw error;
      result = error as Error;
      await session.finishRun(runId, 'failed');
    }
    return { dir, session, runId, result };
  } catch (error) {
    session.close();
    throw error;
  }
}

describe('examples/report: the run report in a real browser', () => {
  it('shows the nodes, every attempt and the map grid with the right counts', async () => {
    const { dir, session, runId, result } = await recordedRun(2500);
    const file = join(dir, 'report.html');
    try {
      const view = writeRunReport(session, runId, file);
      // What tflyte runs lists: load, total and two publish attempts, and every map element's (2 retried).
      expect(summarizeRun(view)).toMatchObject({ runId, nodes: 4, attempts: 1 + 2502 + 1 + 2, cacheHits: 0, hasHistory: true });
    } finally {
      session.close();
    }
    expect(result).toBe(Array.from({ length: 2500 }, (_, i) => ((i * 7) % 13) * 2).reduce((a, b) => a + b, 0));
    const html = readFileSync(file, 'utf8');
    expect(html).not.toMatch(/<script|\s(src|href)="https?:/);

    const launched = await launchChromium();
    if ('skip' in launched) {
      console.log(`skipped the browser part: ${launched.skip}`);
      return;
    }
    try {
      const page = await launched.browser.newPage();
      await page.setViewportSize({ width: 1280, height: 900 });
      await page.goto(`file://${file}`);
      expect(await page.locator('[data-testid=run-id]').first().textContent()).toBe(runId);
      const names = await page.locator('[data-testid=graph-node] text.label').allTextContents();
      expect(names).toEqual(['load', 'score', 'total', 'publish']);
      expect(await page.locator('path.edge').count()).toBe(3);
      // load, total: one attempt each; the map node: one aggregate bar; publish: a failed attempt, then its retry.
      expect(await page.locator('[data-testid=attempt-bar]').count()).toBe(5);
      expect(await page.locator('[data-testid=attempt-bar][data-node=n0]').first().getAttribute('data-outcome')).toBe('succeeded');
      const publishBars = page.locator('[data-testid=attempt-bar][data-node=n3]');
      expect([await publishBars.nth(0).getAttribute('data-outcome'), await publishBars.nth(1).getAttribute('data-outcome')]).toEqual([
        'failed',
        'succeeded',
      ]);
      expect(await publishBars.nth(0).isVisible()).toBe(true);
      expect(await page.locator('#node-n3 table.attempts tbody tr').allTextContents()).toEqual([
        expect.stringMatching(/^0in-process functionfailed.*user USER:Error .*publishing 29984: the endpoint timed out$/),
        expect.stringMatching(/^1in-process functionsucceeded/),
      ]);
      expect(await page.locator('[data-testid=map-total]').first().textContent()).toBe('2500');
      expect(await page.locator('[data-testid=map-count][data-outcome=succeeded] b').allTextContents()).toEqual(['2500']);
      expect(await page.locator('[data-testid=map-bucket]').first().textContent()).toBe('each cell is 3 elements');
      expect(await page.locator('[data-testid=map-grid] rect.cell').count()).toBe(834);
      expect(await page.locator('[data-testid=map-grid] small').allTextContents()).toEqual([expect.stringContaining('2 retried')]);
      const frame = page.frameLocator('iframe[data-testid=deck]');
      expect(await frame.locator('h1').allTextContents()).toEqual(['Loaded']);
      // The deck's tabs work inside the sandbox: the Sample tab shows its table, and back.
      expect(await frame.locator('[data-deck=Sample] table').isVisible()).toBe(false);
      await frame.locator('label[for=deck-1]').click();
      expect(await frame.locator('[data-deck=Sample] table').isVisible()).toBe(true);
      expect(await frame.locator('h1').isVisible()).toBe(false);
      await frame.locator('label[for=deck-0]').click();
      mkdirSync(artifacts, { recursive: true });
      const png = await screenshotWholePage(page, { path: join(artifacts, 'run-report.png') });
      // The deck is drawn, not only loaded: its frame has a size and its heading shows as ink in the
      // saved screenshot, where a blank frame (an offscreen frame left unpainted) has none.
      const deck = page.locator('iframe[data-testid=deck]').first();
      const box = await deck.boundingBox();
      expect(box!.width).toBeGreaterThan(600);
      expect(box!.height).toBeGreaterThan(300);
      expect(await inkPixels(page, png, box!)).toBeGreaterThan(200);
      await deck.screenshot({ path: join(artifacts, 'run-report-deck.png') });
    } finally {
      await launched.close();
    }
  });

  it('stays readable at 10,000 map elements: counts and at most 1000 cells', async () => {
    const { dir, session, runId } = await recordedRun(10_000);
    const file = join(dir, 'report.html');
    try {
      const view = writeRunReport(session, runId, file);
      expect(view.nodes[1]!.map!.counts.succeeded).toBe(10_000);
      expect(view.nodes[1]!.map!.retried).toBe(10);
    } finally {
      session.close();
    }
    const launched = await launchChromium();
    if ('skip' in launched) {
      console.log(`skipped the browser part: ${launched.skip}`);
      return;
    }
    try {
      const page = await launched.browser.newPage();
      await page.goto(`file://${file}`);
      expect(await page.locator('[data-testid=map-grid] rect.cell').count()).toBe(1000);
      expect(await page.locator('[data-testid=map-bucket]').first().textContent()).toBe('each cell is 10 elements');
      expect(await page.locator('[data-testid=map-count][data-outcome=succeeded] b').allTextContents()).toEqual(['10000']);
      // Readable means it fits the eye: 20 rows of 50 cells, not 10,000 rows.
      const grid = await page.locator('[data-testid=map-grid] svg').first().boundingBox();
      expect(grid!.width).toBeLessThanOrEqual(800);
      expect(grid!.height).toBeLessThanOrEqual(320);
      mkdirSync(artifacts, { recursive: true });
      await screenshotWholePage(page, { path: join(artifacts, 'run-report-10000.png') });
    } finally {
      await launched.close();
    }
  }, 120_000);

  it('shows the cache hit of a second run of the same inputs', async () => {
    const first = await recordedRun(40);
    first.session.close();
    const { dir, session, runId, result } = await recordedRun(40, first.dir);
    const file = join(dir, 'cached.html');
    try {
      const view = writeRunReport(session, runId, file);
      expect(summarizeRun(view)).toMatchObject({ nodes: 4, attempts: 40 + 1 + 1, cacheHits: 1 });
    } finally {
      session.close();
    }
    expect(runId).not.toBe(first.runId);
    expect(result).toBe(first.result);
    const launched = await launchChromium();
    if ('skip' in launched) {
      console.log(`skipped the browser part: ${launched.skip}`);
      return;
    }
    try {
      const page = await launched.browser.newPage();
      await page.goto(`file://${file}`);
      expect(await page.locator('[data-testid=graph-node][data-node=n0] text.sub').allTextContents()).toEqual(['n0 · cache hit']);
      expect(await page.locator('[data-testid=attempt-bar][data-node=n0]').first().getAttribute('data-outcome')).toBe('cached');
      // The map's elements are not cached: they ran again.
      expect(await page.locator('[data-testid=map-count] b').allTextContents()).toEqual(['40']);
      expect(await page.locator('[data-testid=map-count]').first().getAttribute('data-outcome')).toBe('succeeded');
      // Nothing ran for the cached load, so it wrote no deck.
      expect(await page.locator('#node-n0 iframe').count()).toBe(0);
      mkdirSync(artifacts, { recursive: true });
      await screenshotWholePage(page, { path: join(artifacts, 'run-report-cached.png') });
    } finally {
      await launched.close();
    }
  });

  it('shows a failed run: the map’s refused elements grouped by kind and code, and the failed node’s error', async () => {
    const { dir, session, runId, result } = await recordedRun(100, undefined, 'strictRows');
    const file = join(dir, 'failed.html');
    try {
      writeRunReport(session, runId, file);
    } finally {
      session.close();
    }
    expect(result).toBeInstanceOf(Error);
    const launched = await launchChromium();
    if ('skip' in launched) {
      console.log(`skipped the browser part: ${launched.skip}`);
      return;
    }
    try {
      const page = await launched.browser.newPage();
      await page.goto(`file://${file}`);
      expect(await page.locator('[data-testid=run-status]').first().textContent()).toBe('failed');
      // The map's results, nulls for refused rows included, are what requireAll took.
      expect(await page.locator('[data-testid=graph-node] text.label').allTextContents()).toEqual(['load', 'strictScore', 'requireAll']);
      expect(await page.locator('path.edge').count()).toBe(2);
      expect(await page.locator('path.edge').nth(1).getAttribute('data-edge')).toBe('n1->n2');
      // Rows 11, 24, … 89 hold the value 12: seven elements refused, all the same way.
      expect(await page.locator('[data-testid=map-count][data-outcome=failed] b').allTextContents()).toEqual(['7']);
      expect(await page.locator('[data-testid=map-grid] rect.cell[data-outcome=failed]').count()).toBe(7);
      expect(await page.locator('[data-testid=map-failure]').allTextContents()).toEqual([
        expect.stringMatching(/^7user USER:RangeError11.*row 11: value 12 is out of range/),
      ]);
      expect(await page.locator('[data-testid=graph-node][data-node=n1] rect').first().getAttribute('stroke')).toBe('#2da44e');
      const error = page.locator('#node-n2 [data-testid=node-error]').first();
      expect(await error.isVisible()).toBe(true);
      expect(await error.textContent()).toBe('USER USER:NonRetryableError 7 of 100 rows were refused');
      expect(await page.locator('[data-testid=attempt-bar][data-node=n2]').first().getAttribute('data-outcome')).toBe('failed');
      mkdirSync(artifacts, { recursive: true });
      await screenshotWholePage(page, { path: join(artifacts, 'run-report-failed.png') });
    } finally {
      await launched.close();
    }
  });

  it('tflyte report <run> writes the file, tflyte runs show --json prints the run with its nodes, tflyte runs --all --json lists it', async () => {
    const { dir, session, runId } = await recordedRun(20);
    session.close();
    const out: string[] = [];
    const err: string[] = [];
    const io = { cwd: dir, out: (l: string) => out.push(l), err: (l: string) => err.push(l), env: {}, isTTY: false };
    expect(await main(['report', runId, '--out', 'r.html'], io)).toBe(0);
    expect(readFileSync(join(dir, 'r.html'), 'utf8')).toContain(`<code data-testid="run-id">${runId}</code>`);
    out.length = 0;
    expect(await main(['runs', 'show', runId, '--json'], io)).toBe(0);
    const shown = JSON.parse(out.join('\n')) as { runId: string; nodes: { nodeId: string; outcome: string; map?: { total: number } }[] };
    expect(shown.runId).toBe(runId);
    expect(shown.nodes.map((n) => [n.nodeId, n.outcome])).toEqual([
      ['n0', 'succeeded'],
      ['n1', 'succeeded'],
      ['n2', 'succeeded'],
      ['n3', 'succeeded'],
    ]);
    expect(shown.nodes[1]!.map!.total).toBe(20);
    out.length = 0;
    expect(await main(['runs', '--all', '--json'], io)).toBe(0);
    expect(JSON.parse(out.join('\n'))).toEqual([
      expect.objectContaining({ runId, task: scoreRows.name, status: 'succeeded', nodes: 4, attempts: 24, cacheHits: 0, hasHistory: true }),
    ]);
    // The table says the same: started, duration, attempts (the map's 20 elements among them), cache hits.
    out.length = 0;
    expect(await main(['runs', '--all'], io)).toBe(0);
    expect(out[0]).toMatch(/^RUN ID\s+STATUS\s+STARTED\s+DURATION\s+ATTEMPTS\s+CACHE HITS\s+LIVE JOBS\s+TASK$/);
    expect(out[1]).toMatch(
      new RegExp(`^${runId}\\s+succeeded\\s+\\d{4}-\\d\\d-\\d\\dT\\S+\\s+.+?\\s+24\\s+0\\s+0\\s+${scoreRows.name.replaceAll('.', '\\.')} `),
    );
    expect(await main(['report', 'no-such-run'], io)).toBe(2);
    expect(err.at(-1)).toMatch(/no run 'no-such-run'/);
  });
});

describe('examples/report: the deck on a cluster', () => {
  it('tflyte execute writes deck.html under the output prefix, and the TaskTemplate says the task generates one', () => {
    const template = toTaskTemplate(load, { image: 'img:1', version: 'v1' });
    expect(template.metadata?.generatesDeck).toBe(true);
    if (template.target.case !== 'container') throw new Error('expected a container target');
    const dir = mkdtempSync(join(tmpdir(), 'tflyte-deck-'));
    dirs.push(dir);
    writeFileSync(join(dir, 'inputs.pb'), toBinary(LiteralMapSchema, toLiteralMap(load.inputs, { n: 3 })));
    const args = template.target.value.args.map((a) =>
      a
        .replace('{{.input}}', join(dir, 'inputs.pb'))
        .replace('{{.outputPrefix}}', `file://${join(dir, 'out')}`)
        .replace('{{.rawOutputDataPrefix}}', join(dir, 'raw'))
        .replace(/\{\{\.(checkpointOutputPrefix|prevCheckpointPrefix)\}\}/, ''),
    );
    const child = spawnSync(process.execPath, ['--conditions=@tflyte/source', join(repo, 'packages/cli/src/main.ts'), ...args.slice(1)], {
      cwd: load.site.root,
      encoding: 'utf8',
    });
    expect(child.stderr).toBe('');
    expect(child.status).toBe(0);
    // flytekit's _output_deck: <output_metadata_prefix>/deck.html, beside outputs.pb.
    const deck = readFileSync(join(dir, 'out', 'deck.html'), 'utf8');
    expect(deck).toMatch(/^<!doctype html>/);
    expect(deck).toContain('<h1>Loaded</h1>');
    expect(deck).toContain('<label for="deck-1">Sample</label>');
    expect(readFileSync(join(dir, 'out', 'outputs.pb')).length).toBeGreaterThan(0);
  });
});
