import type { JsonValue } from '@tflyte/core';
import { describe, expect, it } from 'vitest';
import { duration, MAX_CELLS, renderReport } from './render.ts';
import type { AttemptView, MapFailureView, NodeView, Outcome, RunView } from './view.ts';

function node(nodeId: string, overrides: Partial<NodeView> = {}): NodeView {
  return {
    nodeId,
    task: `wf.${nodeId}`,
    taskType: 'python-task',
    outcome: 'succeeded',
    start: 1_000,
    end: 2_000,
    attempts: [],
    map: undefined,
    inputs: undefined,
    outputs: undefined,
    error: undefined,
    logs: [],
    decks: [],
    ...overrides,
  };
}

function view(nodes: NodeView[], overrides: Partial<RunView> = {}): RunView {
  return {
    runId: 'r1',
    entity: 'wf.pipeline',
    status: 'succeeded',
    createdAt: 1_000,
    updatedAt: 3_000,
    hasHistory: true,
    nodes,
    edges: [],
    start: 1_000,
    end: 3_000,
    ...overrides,
  };
}

function mapNode(outcomes: Outcome[], failures: MapFailureView[] = []): NodeView {
  const counts: Record<Outcome, number> = { succeeded: 0, failed: 0, cached: 0, running: 0, cancelled: 0, pending: 0 };
  for (const o of outcomes) counts[o]++;
  return node('n1', { map: { total: outcomes.length, counts, outcomes, retried: 0, attempts: outcomes.length, failures } });
}

const attempt = (n: number, overrides: Partial<AttemptView> = {}): AttemptView => ({
  attempt: n,
  backend: 'pods',
  start: 1_000,
  runningAt: undefined,
  end: 1_500,
  outcome: 'succeeded',
  error: undefined,
  ...overrides,
});

const count = (html: string, pattern: RegExp): number => html.match(new RegExp(pattern.source, 'g'))?.length ?? 0;
/** The titles (hover text) of the map grid's cells, in order. */
const cellTitles = (html: string): string[] => [...html.matchAll(/<rect class="cell"[^>]*><title>([^<]*)<\/title>/g)].map((m) => m[1]!);

describe('renderReport: map grids', () => {
  it('draws one cell per element up to MAX_CELLS elements', () => {
    const html = renderReport(view([mapNode(Array.from({ length: MAX_CELLS }, () => 'succeeded'))]));
    expect(count(html, /<rect class="cell"/)).toBe(1000);
    expect(html).not.toContain('data-testid="map-bucket"');
    expect(cellTitles(html)[999]).toBe('element 999: succeeded');
  });

  it('past MAX_CELLS draws buckets of consecutive elements, so 1001 elements take 501 cells of two', () => {
    const html = renderReport(view([mapNode(Array.from({ length: 1001 }, () => 'succeeded'))]));
    expect(count(html, /<rect class="cell"/)).toBe(501);
    expect(html).toContain('<span data-testid="map-bucket">each cell is 2 elements</span>');
    expect(cellTitles(html).at(-1)).toBe('elements 1000–1000: 1 succeeded');
  });

  it('stays at 1000 cells for 10,000 elements, colours a bucket by its worst element, and keeps exact counts', () => {
    const outcomes: Outcome[] = Array.from({ length: 10_000 }, (_, i) => (i === 4_321 ? 'failed' : i >= 9_990 ? 'cached' : 'succeeded'));
    const html = renderReport(view([mapNode(outcomes)]));
    expect(count(html, /<rect class="cell"/)).toBe(1000);
    expect(html).toContain('each cell is 10 elements');
    const cells = [...html.matchAll(/<rect class="cell" data-outcome="(\w+)"/g)].map((m) => m[1]);
    expect(cells[432]).toBe('failed');
    expect(cells.filter((o) => o === 'failed')).toHaveLength(1);
    expect(cells[999]).toBe('cached');
    expect(cellTitles(html)[432]).toBe('elements 4320–4329: 9 succeeded, 1 failed');
    const counts = Object.fromEntries(
      [...html.matchAll(/data-testid="map-count" data-outcome="(\w+)">.*?<b>(\d+)<\/b>/g)].map((m) => [m[1], Number(m[2])]),
    );
    expect(counts).toEqual({ succeeded: 9_989, failed: 1, cached: 10 });
    // The grid's size is bounded by the cell count, not the element count.
    expect(html.length).toBeLessThan(200_000);
  });

  it('lists a map’s failures once per kind and code, however many elements failed, and at most 20 kinds', () => {
    const failures: MapFailureView[] = Array.from({ length: 25 }, (_, i) => ({
      kind: 'user',
      code: `USER:E${i}`,
      message: `<row ${i}>`,
      count: 100 - i,
      firstElement: i,
    }));
    const html = renderReport(
      view([
        mapNode(
          Array.from({ length: 2_000 }, () => 'failed'),
          failures,
        ),
      ]),
    );
    const rows = [...html.matchAll(/<tr data-testid="map-failure">(.*?)<\/tr>/g)].map((m) => m[1]);
    expect(rows).toHaveLength(20);
    expect(rows[0]).toBe('<td>100</td><td>user <code>USER:E0</code></td><td>0</td><td>&lt;row 0&gt;</td>');
    expect(html).toContain('… 5 more kinds of failure');
    expect(renderReport(view([mapNode(['succeeded'])]))).not.toContain('map-failure');
  });

  it('draws a map node as one bar on the timeline, whatever its size', () => {
    const html = renderReport(view([node('n0', { attempts: [attempt(1)] }), mapNode(Array.from({ length: 5_000 }, () => 'succeeded'))]));
    expect(count(html, /data-testid="attempt-bar"/)).toBe(2);
    expect(html).toMatch(/<rect class="bar map" data-testid="attempt-bar" data-node="n1"/);
  });
});

describe('renderReport: the timeline', () => {
  it('draws every attempt, its queued part paler than its running part, and numbers retries', () => {
    const html = renderReport(
      view([
        node('n0', {
          attempts: [
            attempt(1, {
              start: 1_000,
              runningAt: 1_200,
              end: 1_500,
              outcome: 'failed',
              error: { kind: 'system', code: 'OOMKilled', message: 'oom' },
            }),
            attempt(2, { start: 1_600, runningAt: 1_600, end: 2_000 }),
          ],
        }),
        node('n1', { outcome: 'cached', start: 2_100, end: 2_100 }),
      ]),
    );
    const bars = [...html.matchAll(/data-testid="attempt-bar" data-node="(\w+)"(?: data-attempt="(\d+)")? data-outcome="(\w+)"/g)].map(
      (m) => [m[1], m[2], m[3]],
    );
    expect(bars).toEqual([
      ['n0', '1', 'failed'],
      ['n0', '2', 'succeeded'],
      ['n1', undefined, 'cached'],
    ]);
    expect(count(html, /<rect class="queued"/)).toBe(1);
    expect(html).toContain('n0 attempt 1 (pods): failed — system OOMKilled: oom, 500 ms');
    // Each attempt of a retried node is numbered in its bar, as the backend numbers them (from 0 or 1).
    expect([...html.matchAll(/class="in-bar">(\d+)<\/text>/g)].map((m) => m[1])).toEqual(['1', '2']);
  });
});

describe('renderReport: nodes and their details', () => {
  it('draws each node once and an arrow per data edge', () => {
    const html = renderReport(
      view([node('n0'), node('n1'), node('n2')], {
        edges: [
          ['n0', 'n1'],
          ['n1', 'n2'],
          ['n0', 'n2'],
        ],
      }),
    );
    expect(count(html, /data-testid="graph-node"/)).toBe(3);
    expect([...html.matchAll(/data-edge="([^"]+)"/g)].map((m) => m[1])).toEqual(['n0->n1', 'n1->n2', 'n0->n2']);
  });

  it('shows an error with its kind and code, and the log links', () => {
    const html = renderReport(
      view([
        node('n0', {
          outcome: 'failed',
          error: { kind: 'user', code: 'SYNTAX_ERROR', message: 'line 1: unexpected FROM' },
          logs: [{ name: 'Athena console', uri: 'https://console.example/q/1' }],
        }),
      ]),
    );
    expect(html).toContain(
      '<div class="error" data-testid="node-error"><b>USER</b> <code>SYNTAX_ERROR</code> line 1: unexpected FROM</div>',
    );
    expect(html).toContain('<a href="https://console.example/q/1" data-testid="log-link">Athena console</a>');
  });

  it('says when a run was recorded without history', () => {
    expect(renderReport(view([], { hasHistory: false }))).toContain('data-testid="no-history"');
    expect(renderReport(view([]))).not.toContain('data-testid="no-history"');
  });
});

describe('renderReport: values by type', () => {
  const rendered = (outputs: Record<string, JsonValue>) => renderReport(view([node('n0', { outputs })]));

  it('shows a list of records as a table of the first 50 rows, with the columns of every record and a count of the rest', () => {
    const rows = Array.from({ length: 75 }, (_, i): JsonValue => (i === 1 ? { id: i, extra: 'x' } : { id: i, name: `r${i}` }));
    const html = rendered({ o0: rows });
    expect(html).toContain('<table class="records" data-testid="records-table"><thead><tr><th>id</th><th>name</th><th>extra</th></tr>');
    expect(count(html, /<tbody>/)).toBe(1);
    expect(count(html.slice(html.indexOf('records-table')), /<tr><td>/)).toBe(50);
    expect(html).toContain('<tr><td>1</td><td></td><td>x</td></tr>');
    expect(html).toContain('… 25 more rows (75 in all)');
  });

  it('links file, directory and dataset references, local paths as file:// links', () => {
    const html = rendered({
      report: { uri: 's3://bucket/out/report.csv', format: 'csv' },
      local: { uri: '/tmp/run/out.parquet' },
      parts: [{ uri: 'gs://b/p0' }, { uri: 'gs://b/p1' }],
    });
    expect(html).toContain(
      '<a class="ref" data-testid="ref-link" href="s3://bucket/out/report.csv">s3://bucket/out/report.csv</a> <small>csv</small>',
    );
    expect(html).toContain('href="file:///tmp/run/out.parquet"');
    expect(html).toContain('<ul><li><a class="ref" data-testid="ref-link" href="gs://b/p0">gs://b/p0</a></li><li>');
  });

  it('shows other values as escaped text, cut at 2000 characters', () => {
    const html = rendered({ text: '<img src=x onerror=alert(1)>', big: 'y'.repeat(5_000), n: 42, obj: { a: [1, 2] } });
    expect(html).toContain('<code class="value">&lt;img src=x onerror=alert(1)&gt;</code>');
    expect(html).not.toContain('<img src=x');
    expect(html).toContain(`<code class="value">${'y'.repeat(1999)}…</code>`);
    expect(html).toContain('<code class="value">42</code>');
    expect(html).toContain('<code class="value">{&quot;a&quot;:[1,2]}</code>');
  });
});

describe('renderReport: one self-contained file', () => {
  it('has no script and fetches nothing, and escapes names and messages', () => {
    const html = renderReport(
      view(
        [node('n0', { task: 'wf.<script>alert(1)</script>', error: { kind: 'user', code: 'E', message: '<b>x</b>' }, outcome: 'failed' })],
        {
          entity: 'wf.<i>pipeline</i>',
        },
      ),
    );
    expect(html).not.toMatch(/<script|\s(src|href)="(https?:)?\/\//);
    expect(html).toContain('<h1>wf.&lt;i&gt;pipeline&lt;/i&gt;</h1>');
    expect(html).toContain('&lt;b&gt;x&lt;/b&gt;');
  });

  it('embeds each node’s decks as one sandboxed frame: scripts may run in it, but in an origin of its own', () => {
    const html = renderReport(
      view([
        node('n0', {
          decks: [
            { name: 'default', html: '<h1>Loaded</h1>' },
            { name: 'Charts', html: '<script>draw()</script>' },
          ],
        }),
      ]),
    );
    const frames = [
      ...html.matchAll(/<iframe class="deck" data-testid="deck" sandbox="([^"]*)" title="[^"]*" srcdoc="([^"]*)"><\/iframe>/g),
    ];
    expect(frames).toHaveLength(1);
    // allow-same-origin would let the deck's scripts read the report (and anything else of its origin).
    expect(frames[0]![1]).toBe('allow-scripts');
    const page = frames[0]![2]!.replaceAll('&quot;', '"').replaceAll('&lt;', '<').replaceAll('&gt;', '>').replaceAll('&amp;', '&');
    expect(page).toMatch(/^<!doctype html>/);
    expect(page).toContain('<label for="deck-0">default</label>');
    expect(page).toContain('<section class="deck" data-deck="Charts"><script>draw()</script></section>');
    expect(renderReport(view([node('n0')]))).not.toContain('<iframe');
  });
});

describe('duration', () => {
  it('reads as ms, seconds, minutes or hours by size', () => {
    expect([duration(0), duration(999.4), duration(1_500), duration(61_000), duration(3_600_000 + 5 * 60_000)]).toEqual([
      '0 ms',
      '999 ms',
      '1.5 s',
      '1 min 1 s',
      '1 h 5 min',
    ]);
  });
});
