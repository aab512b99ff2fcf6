/**
 * SVG line plots for docs/performance.md: one series per side, log-scaled x (n), linear y, the
 * median of each point drawn with its min–max spread as a bar. No dependencies: the figures are a
 * few dozen points.
 *
 *   node --conditions=@tflyte/source tools/src/bench/plot.ts [n …]   (runs the map bench, writes docs/perf-map-*.svg)
 */
import { writeFileSync } from 'node:fs';
import { join, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import { runMapFanout } from './map-fanout.ts';
import { of, type Spread } from './paired.ts';

export interface Series {
  readonly name: string;
  readonly color: string;
  readonly points: readonly { readonly x: number; readonly y: Spread }[];
}

export function linePlot(title: string, xLabel: string, yLabel: string, series: readonly Series[]): string {
  const [w, h, left, right, top, bottom] = [640, 360, 70, 20, 40, 50];
  const xs = series.flatMap((s) => s.points.map((p) => p.x));
  const yMax = Math.max(...series.flatMap((s) => s.points.map((p) => p.y.max))) * 1.1;
  const [lx0, lx1] = [Math.log10(Math.min(...xs)), Math.log10(Math.max(...xs))];
  const px = (x: number) => left + ((Math.log10(x) - lx0) / (lx1 - lx0 || 1)) * (w - left - right);
  const py = (y: number) => h - bottom - (y / yMax) * (h - top - bottom);
  const parts: string[] = [
    `<svg xmlns="http://www.w3.org/2000/svg" width="${w}" height="${h}" viewBox="0 0 ${w} ${h}" font-family="sans-serif" font-size="12">`,
    `<title>${title}</title>`,
    `<rect width="${w}" height="${h}" fill="white"/>`,
    `<text x="${w / 2}" y="20" text-anchor="middle" font-size="14">${title}</text>`,
    `<line x1="${left}" y1="${h - bottom}" x2="${w - right}" y2="${h - bottom}" stroke="black"/>`,
    `<line x1="${left}" y1="${top}" x2="${left}" y2="${h - bottom}" stroke="black"/>`,
    `<text x="${w / 2}" y="${h - 10}" text-anchor="middle">${xLabel}</text>`,
    `<text x="15" y="${h / 2}" text-anchor="middle" transform="rotate(-90 15 ${h / 2})">${yLabel}</text>`,
  ];
  for (const x of [...new Set(xs)]) {
    parts.push(`<text x="${px(x)}" y="${h - bottom + 16}" text-anchor="middle">${x.toLocaleString('en')}</text>`);
  }
  for (let i = 0; i <= 4; i++) {
    const y = (yMax / 4) * i;
    parts.push(`<text x="${left - 6}" y="${py(y) + 4}" text-anchor="end">${y >= 100 ? y.toFixed(0) : y.toFixed(1)}</text>`);
    parts.push(`<line x1="${left}" y1="${py(y)}" x2="${w - right}" y2="${py(y)}" stroke="#ddd"/>`);
  }
  series.forEach((s, i) => {
    const path = s.points.map((p, j) => `${j === 0 ? 'M' : 'L'}${px(p.x).toFixed(1)},${py(p.y.median).toFixed(1)}`).join(' ');
    parts.push(`<path d="${path}" fill="none" stroke="${s.color}" stroke-width="2"/>`);
    for (const p of s.points) {
      parts.push(`<line x1="${px(p.x)}" y1="${py(p.y.min)}" x2="${px(p.x)}" y2="${py(p.y.max)}" stroke="${s.color}"/>`);
      parts.push(`<circle cx="${px(p.x)}" cy="${py(p.y.median)}" r="3" fill="${s.color}"/>`);
    }
    parts.push(`<rect x="${left + 10}" y="${top + 6 + i * 18}" width="12" height="3" fill="${s.color}"/>`);
    parts.push(`<text x="${left + 28}" y="${top + 11 + i * 18}">${s.name}</text>`);
  });
  parts.push('</svg>');
  return `${parts.join('\n')}\n`;
}

if (import.meta.main) {
  const sizes = process.argv
    .slice(2)
    .filter((a) => /^\d+$/.test(a))
    .map(Number);
  const { text, results } = runMapFanout(sizes.length > 0 ? sizes : [1000, 10_000, 100_000, 1_000_000], 3);
  console.log(text);
  const docs = resolve(fileURLToPath(import.meta.url), '../../../../docs');
  const series = (field: 'cpuMs' | 'peakRssMb', scale = 1): Series[] =>
    (['pool', 'executor'] as const).map((side, i) => ({
      name: side === 'pool' ? 'promise pool on the same Literals' : 'mapTask through the executor',
      color: i === 0 ? '#1f77b4' : '#d62728',
      points: results.map((r) => {
        const s = of(r.samples[side], field);
        return { x: r.n, y: { median: s.median / scale, min: s.min / scale, max: s.max / scale } };
      }),
    }));
  writeFileSync(
    join(docs, 'perf-map-cpu.svg'),
    linePlot('map task: CPU time against n', 'elements (n, log scale)', 'CPU time (s)', series('cpuMs', 1000)),
  );
  writeFileSync(
    join(docs, 'perf-map-memory.svg'),
    linePlot('map task: peak RSS against n', 'elements (n, log scale)', 'peak RSS (MB)', series('peakRssMb')),
  );
  writeFileSync(join(docs, 'perf-map.json'), `${JSON.stringify(results, null, 1)}\n`);
}
