/**
 * The run report: one HTML file with inline CSS and SVG drawn here, at generation time. No charting
 * library and no script: the page is complete as written, opens from disk or an artifact store
 * without network, prints, and renders the same in any browser. Sizes stay bounded however large
 * the run: a map grid draws at most MAX_CELLS cells (buckets of elements beyond that), the timeline
 * draws a map node as one bar, and value tables show their first rows.
 */
import { DECK_CSS, deckPage, escapeHtml as esc, type JsonValue } from '@tflyte/core';
import type { AttemptView, MapView, NodeView, Outcome, RunView } from './view.ts';

export const MAX_CELLS = 1000;
const MAX_TABLE_ROWS = 50;
const MAX_FAILURE_ROWS = 20;

const COLORS: Record<Outcome, string> = {
  succeeded: '#2da44e',
  failed: '#cf222e',
  cached: '#8250df',
  running: '#0969da',
  cancelled: '#6e7781',
  pending: '#d0d7de',
};

export function renderReport(view: RunView): string {
  const title = `Run ${view.runId} — ${view.entity}`;
  const maps = view.nodes.filter((n) => n.map !== undefined);
  return `<!doctype html>
<html lang="en"><head><meta charset="utf-8"><meta name="viewport" content="width=device-width, initial-scale=1">
<title>${esc(title)}</title><style>${CSS}</style></head>
<body>
<header><h1>${esc(view.entity)}</h1>
<p class="meta">run <code data-testid="run-id">${esc(view.runId)}</code> · <span class="status ${esc(view.status)}" data-testid="run-status">${esc(view.status)}</span> · started ${esc(new Date(view.start).toISOString())} · ${esc(duration(view.end - view.start))} · ${view.nodes.length} node${view.nodes.length === 1 ? '' : 's'}</p>
${view.hasHistory ? '' : '<p class="note" data-testid="no-history">This run was recorded without history: only attempts the state store kept (jobs of persisted backends) are shown.</p>'}
${legend()}</header>
<section><h2>Nodes</h2>${graph(view)}</section>
<section><h2>Timeline</h2>${timeline(view)}</section>
${maps.length === 0 ? '' : `<section><h2>Map tasks</h2>${maps.map(mapGrid).join('\n')}</section>`}
<section><h2>Details</h2>${view.nodes.map(details).join('\n')}</section>
</body></html>
`;
}

function legend(): string {
  return `<p class="legend">${(Object.keys(COLORS) as Outcome[]).map((o) => `<span><i style="background:${COLORS[o]}"></i>${o}</span>`).join('')}</p>`;
}

/** Layered left to right: a node's column is the longest chain of producers before it. */
function graph(view: RunView): string {
  const layer = new Map<string, number>();
  for (const n of view.nodes) {
    const preds = view.edges.filter(([, to]) => to === n.nodeId).map(([from]) => layer.get(from) ?? 0);
    layer.set(n.nodeId, preds.length === 0 ? 0 : Math.max(...preds) + 1);
  }
  const rows = new Map<number, number>();
  const pos = new Map<string, { x: number; y: number }>();
  const W = 190,
    H = 46,
    GX = 70,
    GY = 18;
  for (const n of view.nodes) {
    const l = layer.get(n.nodeId)!;
    const r = rows.get(l) ?? 0;
    rows.set(l, r + 1);
    pos.set(n.nodeId, { x: 10 + l * (W + GX), y: 10 + r * (H + GY) });
  }
  const width = 20 + (Math.max(0, ...layer.values()) + 1) * (W + GX) - GX;
  const height = 20 + Math.max(1, ...rows.values()) * (H + GY) - GY;
  const arrows = view.edges
    .map(([from, to]) => {
      const a = pos.get(from),
        b = pos.get(to);
      if (!a || !b) return '';
      return `<path class="edge" data-edge="${esc(from)}->${esc(to)}" d="M${a.x + W},${a.y + H / 2} C${a.x + W + GX / 2},${a.y + H / 2} ${b.x - GX / 2},${b.y + H / 2} ${b.x},${b.y + H / 2}" marker-end="url(#arrow)"/>`;
    })
    .join('');
  const boxes = view.nodes
    .map((n) => {
      const p = pos.get(n.nodeId)!;
      const sub = n.map
        ? `${n.map.total} elements`
        : n.outcome === 'cached'
          ? 'cache hit'
          : `${n.attempts.length} attempt${n.attempts.length === 1 ? '' : 's'}`;
      return `<g class="node" data-testid="graph-node" data-node="${esc(n.nodeId)}"><a href="#node-${esc(n.nodeId)}"><title>${esc(n.task)} (${esc(n.nodeId)}): ${n.outcome}</title>
<rect x="${p.x}" y="${p.y}" width="${W}" height="${H}" rx="6" fill="#fff" stroke="${COLORS[n.outcome]}" stroke-width="2"/>
<rect x="${p.x}" y="${p.y}" width="6" height="${H}" rx="3" fill="${COLORS[n.outcome]}"/>
<text x="${p.x + 14}" y="${p.y + 19}" class="label">${esc(clip(shortName(n.task), 24))}</text>
<text x="${p.x + 14}" y="${p.y + 36}" class="sub">${esc(n.nodeId)} · ${esc(sub)}</text></a></g>`;
    })
    .join('\n');
  return `<svg class="graph" width="${width}" height="${height}" viewBox="0 0 ${width} ${height}" role="img" aria-label="node graph">
<defs><marker id="arrow" viewBox="0 0 10 10" refX="10" refY="5" markerWidth="7" markerHeight="7" orient="auto"><path d="M0,0 L10,5 L0,10 z" fill="#57606a"/></marker></defs>
${arrows}${boxes}</svg>`;
}

/** Every attempt on one time axis: queued (pale) then running (solid), coloured by how it ended. */
function timeline(view: RunView): string {
  const LEFT = 210,
    WIDTH = 760,
    ROW = 26;
  const span = Math.max(1, view.end - view.start);
  const x = (t: number) => LEFT + ((t - view.start) / span) * WIDTH;
  const rows: string[] = [];
  view.nodes.forEach((n, i) => {
    const y = 24 + i * ROW;
    const label = `<text x="4" y="${y + 15}" class="label">${esc(clip(`${n.nodeId} ${shortName(n.task)}`, 28))}</text>`;
    let bars = '';
    if (n.map !== undefined && n.start !== undefined) {
      const c = n.map.counts;
      bars = `<rect class="bar map" data-testid="attempt-bar" data-node="${esc(n.nodeId)}" data-outcome="${n.outcome}" x="${x(n.start)}" y="${y + 3}" width="${Math.max(2, x(n.end ?? view.end) - x(n.start))}" height="16" fill="${COLORS[n.outcome]}"><title>${esc(n.nodeId)}: ${n.map.total} elements (${c.succeeded} succeeded, ${c.failed} failed, ${c.cached} cached), ${duration((n.end ?? view.end) - n.start)}</title></rect>`;
    } else if (n.outcome === 'cached' && n.start !== undefined) {
      const cx = x(n.start);
      bars = `<path class="bar cached" data-testid="attempt-bar" data-node="${esc(n.nodeId)}" data-outcome="cached" d="M${cx},${y + 3} l8,8 l-8,8 l-8,-8 z" fill="${COLORS.cached}"><title>${esc(n.nodeId)}: cache hit</title></path>`;
    } else {
      bars = n.attempts.map((a) => attemptBar(n, a, x, y, view.end)).join('');
    }
    rows.push(`<g class="row">${label}${bars}</g>`);
  });
  const height = 34 + view.nodes.length * ROW;
  const ticks = Array.from({ length: 6 }, (_, i) => {
    const t = view.start + (span * i) / 5;
    return `<line x1="${x(t)}" x2="${x(t)}" y1="16" y2="${height}" class="tick"/><text x="${x(t)}" y="12" class="sub" text-anchor="middle">+${esc(duration(t - view.start))}</text>`;
  }).join('');
  return `<svg class="timeline" width="${LEFT + WIDTH + 40}" height="${height}" role="img" aria-label="attempt timeline">${ticks}${rows.join('\n')}</svg>`;
}

function attemptBar(n: NodeView, a: AttemptView, x: (t: number) => number, y: number, runEnd: number): string {
  const end = a.end ?? runEnd;
  const run = a.runningAt ?? a.start;
  const tip = `${n.nodeId} attempt ${a.attempt} (${a.backend}): ${a.outcome}${a.error ? ` — ${a.error.kind} ${a.error.code}: ${a.error.message}` : ''}, ${duration(end - a.start)}`;
  const queued =
    run > a.start
      ? `<rect class="queued" x="${x(a.start)}" y="${y + 3}" width="${Math.max(1, x(run) - x(a.start))}" height="16" fill="${COLORS[a.outcome]}" opacity="0.35"/>`
      : '';
  return `<g data-testid="attempt-bar" data-node="${esc(n.nodeId)}" data-attempt="${a.attempt}" data-outcome="${a.outcome}"><title>${esc(tip)}</title>${queued}<rect class="bar" x="${x(run)}" y="${y + 3}" width="${Math.max(3, x(end) - x(run))}" height="16" fill="${COLORS[a.outcome]}"/>${n.attempts.length > 1 || a.outcome === 'failed' ? `<text x="${x(run) + 3}" y="${y + 15}" class="in-bar">${a.attempt}</text>` : ''}</g>`;
}

/** Elements as cells in index order; past MAX_CELLS each cell is a bucket, coloured by its worst outcome. */
function mapGrid(n: NodeView): string {
  const m = n.map as MapView;
  const bucket = Math.max(1, Math.ceil(m.total / MAX_CELLS));
  const cells = Math.ceil(m.total / bucket);
  const COLS = 50,
    SIZE = 14,
    GAP = 2;
  const order: Outcome[] = ['failed', 'cancelled', 'running', 'pending', 'cached', 'succeeded'];
  const rects: string[] = [];
  for (let c = 0; c < cells; c++) {
    const from = c * bucket,
      to = Math.min(m.total, from + bucket);
    const counts = new Map<Outcome, number>();
    for (let i = from; i < to; i++) counts.set(m.outcomes[i]!, (counts.get(m.outcomes[i]!) ?? 0) + 1);
    const worst = order.find((o) => counts.has(o)) ?? 'pending';
    const label =
      bucket === 1 ? `element ${from}: ${worst}` : `elements ${from}–${to - 1}: ${[...counts].map(([o, k]) => `${k} ${o}`).join(', ')}`;
    rects.push(
      `<rect class="cell" data-outcome="${worst}" x="${(c % COLS) * (SIZE + GAP)}" y="${Math.floor(c / COLS) * (SIZE + GAP)}" width="${SIZE}" height="${SIZE}" fill="${COLORS[worst]}"><title>${esc(label)}</title></rect>`,
    );
  }
  const w = Math.min(cells, COLS) * (SIZE + GAP),
    h = Math.ceil(cells / COLS) * (SIZE + GAP);
  const counts = (Object.keys(m.counts) as Outcome[]).filter((o) => m.counts[o] > 0);
  return `<div class="map" data-testid="map-grid" data-node="${esc(n.nodeId)}">
<h3>${esc(shortName(n.task))} <small>${esc(n.nodeId)} · <span data-testid="map-total">${m.total}</span> elements${bucket > 1 ? ` · <span data-testid="map-bucket">each cell is ${bucket} elements</span>` : ''}${m.retried > 0 ? ` · ${m.retried} retried` : ''}</small></h3>
<p class="counts">${counts.map((o) => `<span class="count" data-testid="map-count" data-outcome="${o}"><i style="background:${COLORS[o]}"></i>${o} <b>${m.counts[o]}</b></span>`).join(' ')}</p>
<svg width="${w}" height="${h}" role="img" aria-label="map elements">${rects.join('')}</svg>${mapFailures(m)}</div>`;
}

/** However many elements failed, one row per kind and code: how many, the first element, its message. */
function mapFailures(m: MapView): string {
  if (m.failures.length === 0) return '';
  const rows = m.failures
    .slice(0, MAX_FAILURE_ROWS)
    .map(
      (f) =>
        `<tr data-testid="map-failure"><td>${f.count}</td><td>${esc(f.kind)} <code>${esc(f.code)}</code></td><td>${f.firstElement}</td><td>${esc(clip(f.message, 200))}</td></tr>`,
    )
    .join('');
  const more =
    m.failures.length > MAX_FAILURE_ROWS
      ? `<tfoot><tr><td colspan="4">… ${m.failures.length - MAX_FAILURE_ROWS} more kinds of failure</td></tr></tfoot>`
      : '';
  return `<table class="attempts map-failures"><thead><tr><th>elements</th><th>failed with</th><th>first</th><th>first message</th></tr></thead><tbody>${rows}</tbody>${more}</table>`;
}

function details(n: NodeView): string {
  const error = n.error
    ? `<div class="error" data-testid="node-error"><b>${esc(n.error.kind.toUpperCase())}</b> <code>${esc(n.error.code)}</code> ${esc(n.error.message)}</div>`
    : '';
  const logs = n.logs.length
    ? `<p class="logs">Logs: ${n.logs.map((l) => `<a href="${esc(l.uri)}" data-testid="log-link">${esc(l.name)}</a>`).join(' · ')}</p>`
    : '';
  const attempts = n.attempts.length
    ? `<table class="attempts"><thead><tr><th>attempt</th><th>backend</th><th>outcome</th><th>queued</th><th>ran</th><th>error</th></tr></thead><tbody>${n.attempts
        .map(
          (a) =>
            `<tr><td>${a.attempt}</td><td>${esc(a.backend)}</td><td><span class="status ${a.outcome}">${a.outcome}</span></td><td>${a.runningAt ? esc(duration(a.runningAt - a.start)) : ''}</td><td>${a.end ? esc(duration(a.end - (a.runningAt ?? a.start))) : ''}</td><td>${a.error ? `${esc(a.error.kind)} <code>${esc(a.error.code)}</code> ${esc(clip(a.error.message, 200))}` : ''}</td></tr>`,
        )
        .join('')}</tbody></table>`
    : '';
  const decks = n.decks.length
    ? `<h4>Deck</h4><iframe class="deck" data-testid="deck" sandbox="allow-scripts" title="deck of ${esc(n.nodeId)}" srcdoc="${esc(deckPage(n.decks, n.task))}"></iframe>`
    : '';
  return `<details class="node-details" id="node-${esc(n.nodeId)}" open><summary><span class="status ${n.outcome}">${n.outcome}</span> <b>${esc(shortName(n.task))}</b> <small>${esc(n.nodeId)} · ${esc(n.task)}${n.taskType ? ` · ${esc(n.taskType)}` : ''}${n.start !== undefined && n.end !== undefined ? ` · ${esc(duration(n.end - n.start))}` : ''}</small></summary>
${error}${logs}${attempts}
${n.inputs ? `<h4>Inputs</h4>${values(n.inputs)}` : ''}${n.outputs ? `<h4>Outputs</h4>${values(n.outputs)}` : ''}${decks}</details>`;
}

function values(record: Readonly<Record<string, JsonValue>>): string {
  const entries = Object.entries(record);
  if (entries.length === 0) return '<p class="sub">(none)</p>';
  return `<dl class="values">${entries.map(([k, v]) => `<dt>${esc(k)}</dt><dd>${value(v)}</dd>`).join('')}</dl>`;
}

/** By shape: lists of records as tables, file/directory/dataset references as links, the rest as text. */
function value(v: JsonValue): string {
  if (isRef(v))
    return `<a class="ref" data-testid="ref-link" href="${esc(href(v.uri))}">${esc(v.uri)}</a>${typeof v['format'] === 'string' && v['format'] ? ` <small>${esc(v['format'])}</small>` : ''}`;
  if (Array.isArray(v) && v.length > 0 && v.every((r) => r !== null && typeof r === 'object' && !Array.isArray(r) && !isRef(r))) {
    const rows = v as { [k: string]: JsonValue }[];
    const cols = [...new Set(rows.slice(0, MAX_TABLE_ROWS).flatMap((r) => Object.keys(r)))];
    const body = rows
      .slice(0, MAX_TABLE_ROWS)
      .map((r) => `<tr>${cols.map((c) => `<td>${esc(text(r[c]))}</td>`).join('')}</tr>`)
      .join('');
    const more =
      rows.length > MAX_TABLE_ROWS
        ? `<tfoot><tr><td colspan="${cols.length}">… ${rows.length - MAX_TABLE_ROWS} more rows (${rows.length} in all)</td></tr></tfoot>`
        : '';
    return `<table class="records" data-testid="records-table"><thead><tr>${cols.map((c) => `<th>${esc(c)}</th>`).join('')}</tr></thead><tbody>${body}</tbody>${more}</table>`;
  }
  if (Array.isArray(v) && v.some(isRef))
    return `<ul>${v
      .slice(0, MAX_TABLE_ROWS)
      .map((x) => `<li>${value(x)}</li>`)
      .join('')}</ul>`;
  return `<code class="value">${esc(clip(text(v), 2000))}</code>`;
}

function isRef(v: JsonValue | undefined): v is { uri: string; [k: string]: JsonValue } {
  return (
    v !== null &&
    typeof v === 'object' &&
    !Array.isArray(v) &&
    typeof v['uri'] === 'string' &&
    Object.keys(v).every((k) => k === 'uri' || k === 'format')
  );
}

function href(uri: string): string {
  return /^[a-z][a-z0-9+.-]*:/i.test(uri) ? uri : `file://${uri}`;
}

function text(v: JsonValue | undefined): string {
  if (v === undefined || v === null) return '';
  return typeof v === 'string' ? v : JSON.stringify(v);
}

function shortName(task: string): string {
  return task.slice(task.lastIndexOf('.') + 1);
}

function clip(s: string, n: number): string {
  return s.length > n ? `${s.slice(0, n - 1)}…` : s;
}

export function duration(ms: number): string {
  if (ms < 1000) return `${Math.round(ms)} ms`;
  if (ms < 60_000) return `${(ms / 1000).toFixed(1)} s`;
  if (ms < 3_600_000) return `${Math.floor(ms / 60_000)} min ${Math.round((ms % 60_000) / 1000)} s`;
  return `${Math.floor(ms / 3_600_000)} h ${Math.round((ms % 3_600_000) / 60_000)} min`;
}

const CSS = `${DECK_CSS.replace(/\.decks[^}]*}/g, '')}
body{padding:16px 24px;max-width:1200px}
h1{font-size:22px;margin:0 0 4px} h2{font-size:17px;margin:24px 0 8px;border-bottom:1px solid #d0d7de;padding-bottom:4px} h3{font-size:15px;margin:12px 0 4px} h4{margin:12px 0 4px;font-size:13px}
.meta,.sub,small{color:#57606a} .note{background:#fff8c5;padding:6px 10px;border-radius:6px}
.legend span,.counts .count{display:inline-flex;align-items:center;margin-right:14px;font-size:13px}
.legend i,.counts i{display:inline-block;width:11px;height:11px;border-radius:2px;margin-right:5px} .counts b{margin-left:4px}
svg text.label{font-size:13px;fill:#1f2328} svg text.sub{font-size:11px;fill:#57606a} svg text.in-bar{font-size:10px;fill:#fff}
svg .edge{fill:none;stroke:#57606a;stroke-width:1.5} svg .tick{stroke:#eaeef2}
.status{display:inline-block;padding:0 7px;border-radius:10px;color:#fff;font-size:12px;background:#6e7781}
.status.succeeded{background:#2da44e}.status.failed{background:#cf222e}.status.cached{background:#8250df}.status.running{background:#0969da}.status.cancelled,.status.abandoned{background:#6e7781}
.error{background:#ffebe9;border:1px solid #ff818266;padding:6px 10px;border-radius:6px;margin:6px 0;white-space:pre-wrap}
table.attempts,table.records{border-collapse:collapse;font-size:13px;margin:4px 0} table.attempts td,table.attempts th,table.records td,table.records th{border:1px solid #d0d7de;padding:3px 8px;text-align:left} th{background:#f6f8fa}
.node-details{border:1px solid #d0d7de;border-radius:6px;padding:8px 12px;margin:8px 0} summary{cursor:pointer}
dl.values{display:grid;grid-template-columns:max-content 1fr;gap:4px 12px;margin:4px 0} dt{font-weight:600} dd{margin:0;overflow:auto;min-width:0} code.value{white-space:pre-wrap;overflow-wrap:anywhere}
iframe.deck{width:100%;height:320px;min-height:120px;resize:vertical;overflow:auto;border:1px solid #d0d7de;border-radius:6px}
.map{margin-bottom:16px}
`;
