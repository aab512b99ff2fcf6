import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { openSession, withRunner } from '@tflyte/core';
import { containerPlugin, probeContainerRuntime } from '@tflyte/plugin-container';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { buildEllipseImage } from './container/image.ts';
import { calculateEllipseAreaShell } from './container.ts';

const probe = await probeContainerRuntime();

describe.skipIf(!probe.available)('examples/container', () => {
  let scratch: string;
  beforeAll(async () => {
    await buildEllipseImage();
    scratch = await mkdtemp(join(tmpdir(), 'tflyte-example-container-'));
  });
  afterAll(async () => {
    if (scratch !== undefined) await rm(scratch, { recursive: true, force: true });
  });

  it('computes the area of a 3×4 ellipse in a real container, called directly', async () => {
    const { area, metadata } = await calculateEllipseAreaShell({ a: 3, b: 4 });
    expect(area).toBeCloseTo(Math.PI * 12, 12);
    expect(metadata).toBe('[from shell rawcontainer] area of an ellipse with semi-axes 3 and 4');
  });

  it('runs the same task through the executor with the container plugin registered', async () => {
    const session = await openSession({ cwd: scratch, config: { plugins: [containerPlugin()], stateDir: join(scratch, 'state') } });
    try {
      const result = await withRunner(session.runner(), () => calculateEllipseAreaShell({ a: 0.5, b: 2e-5 }));
      expect(result.area).toBeCloseTo(Math.PI * 1e-5, 15);
      // {{.inputs.b}} is rendered as Go's %v prints 2e-5.
      expect(result.metadata).toBe('[from shell rawcontainer] area of an ellipse with semi-axes 0.5 and 2e-05');
    } finally {
      session.close();
    }
  });

  it('is named by module and export, as Flyte names tasks', () => {
    expect(calculateEllipseAreaShell.name).toBe('examples.container.calculateEllipseAreaShell');
  });
});
