/** A recorded run of a session's state directory as a report file: what `tflyte report` does. */
import { mkdirSync, writeFileSync } from 'node:fs';
import { dirname } from 'node:path';
import { type Session, StateConflictError } from '@tflyte/core';
import { readRunHistory } from './history.ts';
import { renderReport } from './render.ts';
import { buildRunView, type RunView } from './view.ts';

export function runView(session: Session, runId: string): RunView {
  const run = session.runs.get(runId);
  if (run === undefined)
    throw new StateConflictError(`no run '${runId}' is recorded in ${session.store.path}; 'tflyte runs --all' lists them`);
  return buildRunView(run, readRunHistory(session.config.stateDir, runId), session.store);
}

/** Writes the report of `runId` to `file` and returns what it showed. */
export function writeRunReport(session: Session, runId: string, file: string): RunView {
  const view = runView(session, runId);
  mkdirSync(dirname(file), { recursive: true });
  writeFileSync(file, renderReport(view));
  return view;
}
