/**
 * Benchmark: `npx tflyte run` of a function task against a plain script calling the same task, in a
 * project whose tflyte.config.ts registers a service plugin (Athena) the run does not use. Each
 * sample is one fresh `node` process started the way a user starts it (the CLI's bin, or
 * `node script.ts`); sides alternate; every run's printed output is checked. Reported: wall time
 * and the child's own CPU (user + system, read at its exit), medians with the spread.
 *
 *   node --conditions=@tflyte/source tools/src/bench/cli-startup.ts [runs]
 */
import { spawnSync } from 'node:child_process';
import { mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { join, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import { of, paired, type Sample, show, verdict } from './paired.ts';

const REPO = resolve(fileURLToPath(import.meta.url), '../../../..');
const BIN = join(REPO, 'packages/cli/bin/tflyte.js');

/** A user's project inside the workspace (so its packages resolve), with a config and a task module. */
function project(): string {
  const dir = mkdtempSync(join(REPO, 'tools/.bench-project-'));
  mkdirSync(join(dir, 'src'));
  writeFileSync(
    join(dir, 'tflyte.config.ts'),
    `import { defineConfig } from '@tflyte/core';\nimport { athenaPlugin } from '@tflyte/plugin-athena';\nexport default defineConfig({ plugins: [athenaPlugin()], stateDir: ${JSON.stringify(join(dir, '.tflyte'))} });\n`,
  );
  writeFileSync(
    join(dir, 'src/mean.ts'),
    `import { t, task } from '@tflyte/core';\nexport const mean = task({ inputs: { values: t.list(t.float()) }, outputs: t.float() }, function mean({ values }) {\n  return values.reduce((s, v) => s + v, 0) / values.length;\n});\n`,
  );
  writeFileSync(join(dir, 'src/script.ts'), `import { mean } from './mean.ts';\nconsole.log(await mean({ values: [1, 2, 3, 6] }));\n`);
  return dir;
}

/** Prints the process's own CPU time at exit, to stderr, for the parent to read. */
const CPU_AT_EXIT = `data:text/javascript,process.on('exit',()=>{const u=process.cpuUsage();process.stderr.write('\\ncpu-us '+(u.user+u.system)+'\\n')})`;

function sample(dir: string, side: 'script' | 'cli'): Sample {
  const args =
    side === 'cli'
      ? [`--import=${CPU_AT_EXIT}`, BIN, 'run', 'src/mean.ts', 'mean', '--values', '[1,2,3,6]']
      : ['--conditions=@tflyte/source', `--import=${CPU_AT_EXIT}`, 'src/script.ts'];
  const started = performance.now();
  const child = spawnSync(process.execPath, args, { cwd: dir, encoding: 'utf8' });
  const wallMs = performance.now() - started;
  if (child.status !== 0 || !/\b3\b/.test(child.stdout))
    throw new Error(`${side}: exit ${child.status}, stdout ${child.stdout}, stderr ${child.stderr.slice(-1500)}`);
  const cpu = /cpu-us (\d+)/.exec(child.stderr);
  return { wallMs, cpuMs: Number(cpu?.[1] ?? NaN) / 1000, peakRssMb: 0 };
}

export function runCliStartup(runs: number): { text: string; samples: Record<'script' | 'cli', Sample[]> } {
  const dir = project();
  try {
    sample(dir, 'cli'); // Fills Node's compile cache, as any second run of the command would find it.
    const samples = paired(['script', 'cli'] as const, runs, (side) => sample(dir, side));
    const row = (side: 'script' | 'cli') =>
      `    ${side.padEnd(7)} wall ${show(of(samples[side], 'wallMs'))} ms   cpu ${show(of(samples[side], 'cpuMs'))} ms`;
    const ratio = (field: 'wallMs' | 'cpuMs') => of(samples.cli, field).median / of(samples.script, field).median;
    return {
      samples,
      text: [
        `tflyte run of a function task vs node script.ts calling it (config registers Athena); ${runs} alternating runs per side, medians (min–max)`,
        row('script'),
        row('cli'),
        verdict('cli / script, CPU', ratio('cpuMs'), 1.5),
        verdict('cli / script, wall (shared machine)', ratio('wallMs'), 1.5),
      ].join('\n'),
    };
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
}

if (import.meta.main) console.log(runCliStartup(Number(process.argv[2] ?? 7)).text);
