/** `tflyte plugins`: the plugins the project's executor has, one per line. */
import { openSession } from '@tflyte/core';
import type { Io } from '../main.ts';

export async function listPlugins(io: Io): Promise<void> {
  const session = await openSession({ cwd: io.cwd });
  try {
    const rows = session.registry.list().map((p) => [p.taskType, `v${p.taskTypeVersion}`, p.packageName, p.backend.name]);
    const header = ['TASK TYPE', 'VERSION', 'PACKAGE', 'BACKEND'];
    const widths = header.map((h, i) => Math.max(h.length, ...rows.map((r) => r[i]!.length)));
    for (const row of [header, ...rows])
      io.out(
        row
          .map((cell, i) => cell.padEnd(widths[i]!))
          .join('  ')
          .trimEnd(),
      );
    const backends = Object.entries(session.config.config.backends ?? {});
    for (const [type, backend] of backends) io.out(`(task type '${type}' runs on ${backend.name}, from ${session.config.path})`);
  } finally {
    session.close();
  }
}
