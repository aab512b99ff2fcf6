/**
 * `tflyte report <run-id> [--out <file>]`: the run as one self-contained HTML file — its nodes and
 * their data edges, every attempt on one time axis, map tasks as grids, inputs and outputs, errors,
 * log links and decks. Default file: `tflyte-report-<run-id>.html` in the current directory.
 */
import { resolve } from 'node:path';
import { openSession } from '@tflyte/core';
import { writeRunReport } from '@tflyte/report';
import { parseArgv } from '../argv.ts';
import type { Io } from '../main.ts';
import { EXIT, UsageError } from '../usage-error.ts';

export async function report(args: readonly string[], io: Io): Promise<number> {
  const { options, positionals } = parseArgv('report', args, { out: 'string' }, 2);
  const [runId, extra] = positionals;
  if (runId === undefined || extra !== undefined)
    throw new UsageError("report: use 'tflyte report <run-id> [--out <file.html>]' ('tflyte runs --all' lists run ids)");
  const file = resolve(io.cwd, typeof options.out === 'string' ? options.out : `tflyte-report-${runId}.html`);
  const session = await openSession({ cwd: io.cwd });
  try {
    const view = writeRunReport(session, runId, file);
    io.err(
      `tflyte: report of run ${runId} (${view.nodes.length} nodes${view.hasHistory ? '' : ', recorded without history'}) written to ${file}`,
    );
    return EXIT.ok;
  } finally {
    session.close();
  }
}
