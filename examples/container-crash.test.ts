// `npx tflyte run` of a container task, killed with SIGKILL while its container runs, then the same
// command run again: the second command resumes the run and re-attaches to the container the first
// one started (it outlives the killed process), reads its outputs once it exits, and removes it.
// The runtime saw one container, and none is left.
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { ContainerRuntime, probeContainerRuntime } from '@tflyte/plugin-container';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { buildEllipseImage } from './container/image.ts';
import { ELLIPSE_IMAGE } from './container.ts';
import { killGroup, tflyteRun } from './test-support/tflyte-bin.ts';

const PLUGIN = new URL('../packages/plugin-container/src/index.ts', import.meta.url).href;
const CORE = new URL('../packages/core/src/index.ts', import.meta.url).href;
const probe = await probeContainerRuntime();

describe.skipIf(!probe.available)('npx tflyte run of a container task, killed with SIGKILL and run again', () => {
  let project: string;
  let runtime: ContainerRuntime;
  beforeAll(async () => {
    await buildEllipseImage();
    runtime = await ContainerRuntime.detect();
    project = mkdtempSync(join(tmpdir(), 'tflyte-container-crash-'));
    writeFileSync(
      join(project, 'tflyte.config.ts'),
      `import { containerPlugin } from ${JSON.stringify(PLUGIN)};\nexport default { plugins: [containerPlugin()] };\n`,
    );
    // Slow enough to be killed mid-run, and its output proves it ran to the end.
    writeFileSync(
      join(project, 'slow.ts'),
      `import { t } from ${JSON.stringify(CORE)};\nimport { containerTask } from ${JSON.stringify(PLUGIN)};\n` +
        `export const slowDouble = containerTask({ name: 'slowDouble', image: ${JSON.stringify(ELLIPSE_IMAGE)}, ` +
        `inputs: { x: t.int() }, outputs: { y: t.int() }, outputDataDir: '/var/outputs', ` +
        `command: ['sh', '-c', 'sleep 4; echo $(( {{.inputs.x}} * 2 )) > /var/outputs/y'] });\n`,
    );
  });
  afterAll(() => rmSync(project, { recursive: true, force: true }));

  it('re-attaches to the one container, prints its output and leaves none behind', { timeout: 180_000 }, async () => {
    const seen = new Set<string>();
    const look = async () => {
      const containers = await runtime.listContainers();
      for (const c of containers) seen.add(c.id);
      return containers;
    };
    const first = tflyteRun(['slow.ts', 'slowDouble', '--x', '21'], { cwd: project });
    try {
      while (!(await look()).some((c) => c.state === 'running')) {
        if (first.child.exitCode !== null) throw new Error(`tflyte exited before the container ran:\n${first.stderr}`);
        await new Promise((resolve) => setTimeout(resolve, 100));
      }
    } finally {
      await killGroup(first);
    }
    // The container outlives the killed command.
    expect((await look()).map((c) => c.state)).toEqual(['running']);

    const second = tflyteRun(['slow.ts', 'slowDouble', '--x', '21'], { cwd: project });
    const watching = setInterval(() => void look(), 200);
    await second.exited;
    clearInterval(watching);
    expect(second.stderr).toMatch(/resuming run/);
    expect(JSON.parse(second.stdout)).toEqual({ y: 42 });
    expect(seen.size).toBe(1);
    expect(await runtime.listContainers()).toEqual([]);
  });
});
