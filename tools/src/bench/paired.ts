/**
 * Paired comparisons for the benches: each side runs in a fresh Node process (so its time, CPU and
 * peak memory are its own and nothing warmed up by the other side is shared), the sides alternate
 * (A B, then B A, …) so drift in the machine's load hits both alike, and the report is medians with
 * the spread. A side prints one JSON Sample as its last stdout line, after checking every result.
 */
import { spawnSync } from 'node:child_process';

export interface Sample {
  readonly wallMs: number;
  /** User + system CPU of the measured part: the fairer figure on a shared machine. */
  readonly cpuMs: number;
  readonly peakRssMb: number;
  /** Extra figures a side reports (calls made, fds open, …). */
  readonly extra?: Readonly<Record<string, number>>;
}

export interface Spread {
  readonly median: number;
  readonly min: number;
  readonly max: number;
}

/** Runs `script --side <side> ...args` in a fresh process and reads its Sample. */
export function runSide(script: string, side: string, args: readonly (string | number)[], nodeFlags: readonly string[] = []): Sample {
  const child = spawnSync(process.execPath, ['--conditions=@tflyte/source', ...nodeFlags, script, '--side', side, ...args.map(String)], {
    encoding: 'utf8',
    maxBuffer: 16 << 20,
  });
  if (child.status !== 0) throw new Error(`${side} side of ${script} failed (exit ${child.status}): ${child.stderr.slice(-2000)}`);
  return JSON.parse(child.stdout.trim().split('\n').pop()!) as Sample;
}

/** `rounds` samples of every side, alternating the order each round. */
export function paired<S extends string>(sides: readonly S[], rounds: number, run: (side: S) => Sample): Record<S, Sample[]> {
  const samples = Object.fromEntries(sides.map((side) => [side, [] as Sample[]])) as Record<S, Sample[]>;
  for (let round = 0; round < rounds; round++) {
    const order = round % 2 === 0 ? sides : [...sides].reverse();
    for (const side of order) samples[side].push(run(side));
  }
  return samples;
}

export function spread(values: readonly number[]): Spread {
  const sorted = [...values].sort((a, b) => a - b);
  const mid = sorted.length >> 1;
  const median = sorted.length % 2 === 1 ? sorted[mid]! : (sorted[mid - 1]! + sorted[mid]!) / 2;
  return { median, min: sorted[0]!, max: sorted.at(-1)! };
}

export const of = (samples: readonly Sample[], field: 'wallMs' | 'cpuMs' | 'peakRssMb'): Spread => spread(samples.map((s) => s[field]));

export function show(s: Spread, digits = 0): string {
  return `${s.median.toFixed(digits)} (${s.min.toFixed(digits)}–${s.max.toFixed(digits)})`;
}

/** `ratio 1.23x  target <= 1.5x  met` — the verdict line every comparison ends with. */
export function verdict(label: string, value: number, target: number, unit = 'x'): string {
  return `  ${label.padEnd(44)} ${value.toFixed(2)}${unit}   target <= ${target}${unit}   ${value <= target ? 'met' : 'NOT MET'}`;
}

/** What a side measures: wall and CPU from `start()` to the returned function's call, and peak RSS. */
export function measure(): (extra?: Record<string, number>) => void {
  const wall = performance.now();
  const cpu = process.cpuUsage();
  return (extra) => {
    const used = process.cpuUsage(cpu);
    const sample: Sample = {
      wallMs: performance.now() - wall,
      cpuMs: (used.user + used.system) / 1000,
      peakRssMb: process.resourceUsage().maxRSS / 1024,
      ...(extra === undefined ? {} : { extra }),
    };
    process.stdout.write(`${JSON.stringify(sample)}\n`);
  };
}

/** `--quick` anywhere on the command line of `npm run bench -- --quick`. */
export const quick = (): boolean => process.argv.includes('--quick');

/** The side a child was started for, and its arguments; undefined in the parent. */
export function sideArgs(): { side: string; args: string[] } | undefined {
  const at = process.argv.indexOf('--side');
  if (at < 0) return undefined;
  return { side: process.argv[at + 1]!, args: process.argv.slice(at + 2) };
}
