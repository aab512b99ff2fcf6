/**
 * The runs of one state directory, as `tflyte run` identifies them: which task (and version) ran on
 * which inputs, and whether the run finished. A run whose process died while it was `running` is
 * unfinished; running the same command again resumes it under the same run id, so the executor
 * re-attaches to its live jobs instead of submitting them again.
 */
import { readFileSync } from 'node:fs';
import { hostname } from 'node:os';
import { join } from 'node:path';
import type { DatabaseSync, SQLOutputValue } from 'node:sqlite';
import { StateCorruptError } from '../errors.ts';
import { rowChecksum } from '../store/checksum.ts';
import { asCorruption, openDatabase, transaction } from '../store/open-database.ts';
import { STATE_DB_FILE } from '../store/state-store.ts';
import type { RunIdentity } from './run-identity.ts';

/** `running` until the process that runs it records how it ended; `abandoned` by `tflyte runs abandon`. */
export type RunStatus = 'running' | 'succeeded' | 'failed' | 'cancelled' | 'abandoned';

export interface RunRecord extends RunIdentity {
  readonly runId: string;
  /** The module that defines the task, absolute, and the name it was run by, to resume it. */
  readonly file: string;
  readonly exportName: string;
  readonly status: RunStatus;
  /** `<host>:<pid>` of the process that last ran it. */
  readonly owner: string;
  readonly createdAt: number;
  readonly updatedAt: number;
}

export type NewRun = Omit<RunRecord, 'status' | 'owner' | 'createdAt' | 'updatedAt'>;

export interface RunJournal {
  /** Records that this process runs `run` now (a new run, or one it resumes). */
  begin(run: NewRun, now: number): RunRecord;
  end(runId: string, status: Exclude<RunStatus, 'running'>, now: number): void;
  get(runId: string): RunRecord | undefined;
  /** Unfinished runs of this identity whose process is gone, newest first. */
  resumable(identity: RunIdentity): readonly RunRecord[];
  /** Runs, newest first; `unfinished` keeps only the `running` ones. */
  list(options?: { readonly unfinished?: boolean; readonly limit?: number }): readonly RunRecord[];
  close(): void;
}

const COLUMNS = [
  'run_id',
  'entity',
  'file',
  'export_name',
  'version',
  'inputs_hash',
  'inputs',
  'status',
  'owner',
  'created_at',
  'updated_at',
] as const;

/** This process, as run owners name it. */
export const THIS_PROCESS = `${hostname()}:${process.pid}`;

/** Whether the process that owns a run may still be running it (same host and a live pid). */
export function ownerAlive(owner: string): boolean {
  if (owner === THIS_PROCESS) return true;
  const colon = owner.lastIndexOf(':');
  if (owner.slice(0, colon) !== hostname()) return true; // another machine: cannot tell, assume it is.
  const pid = Number(owner.slice(colon + 1));
  if (!Number.isInteger(pid) || pid <= 0) return false;
  try {
    process.kill(pid, 0);
  } catch (error) {
    return (error as NodeJS.ErrnoException).code === 'EPERM';
  }
  return !isZombie(pid);
}

/** A killed process its parent has not reaped yet still answers signal 0; on Linux its state says it is dead. */
function isZombie(pid: number): boolean {
  try {
    const stat = readFileSync(`/proc/${pid}/stat`, 'utf8');
    // `pid (comm) S …`: comm may contain spaces and parentheses, so read the state after the last ')'.
    return stat.slice(stat.lastIndexOf(')') + 2, stat.lastIndexOf(')') + 3) === 'Z';
  } catch {
    return false;
  }
}

export function openRunJournal(stateDir: string): RunJournal {
  const path = join(stateDir, STATE_DB_FILE);
  return createRunJournal(openDatabase(path), path);
}

function createRunJournal(db: DatabaseSync, path: string): RunJournal {
  const guarded = <T>(fn: () => T): T => {
    try {
      return fn();
    } catch (error) {
      throw asCorruption(path, error);
    }
  };
  const fields = (r: RunRecord): (string | number)[] => [
    r.runId,
    r.entity,
    r.file,
    r.exportName,
    r.version,
    r.inputsHash,
    r.inputs,
    r.status,
    r.owner,
    r.createdAt,
    r.updatedAt,
  ];
  const write = (r: RunRecord): void => {
    const values = fields(r);
    db.prepare(`INSERT OR REPLACE INTO runs (${COLUMNS.join(', ')}, checksum) VALUES (${COLUMNS.map(() => '?').join(', ')}, ?)`).run(
      ...values,
      rowChecksum('runs', values),
    );
  };
  const toRun = (row: Record<string, SQLOutputValue>): RunRecord => {
    const stored = COLUMNS.map((c) => row[c] ?? null) as (string | number | null)[];
    if (rowChecksum('runs', stored) !== row['checksum'])
      throw new StateCorruptError(path, `runs row ${String(row['run_id'])}: checksum mismatch`);
    return {
      runId: String(row['run_id']),
      entity: String(row['entity']),
      file: String(row['file']),
      exportName: String(row['export_name']),
      version: String(row['version']),
      inputsHash: String(row['inputs_hash']),
      inputs: String(row['inputs']),
      status: String(row['status']) as RunStatus,
      owner: String(row['owner']),
      createdAt: Number(row['created_at']),
      updatedAt: Number(row['updated_at']),
    };
  };
  const select = (runId: string): RunRecord | undefined => {
    const row = db.prepare('SELECT * FROM runs WHERE run_id = ?').get(runId);
    return row === undefined ? undefined : toRun(row);
  };

  return {
    begin(run, now) {
      return guarded(() =>
        transaction(db, () => {
          const existing = select(run.runId);
          const record: RunRecord = {
            ...run,
            status: 'running',
            owner: THIS_PROCESS,
            createdAt: existing?.createdAt ?? now,
            updatedAt: now,
          };
          write(record);
          return record;
        }),
      );
    },
    end(runId, status, now) {
      guarded(() =>
        transaction(db, () => {
          const existing = select(runId);
          if (existing !== undefined) write({ ...existing, status, updatedAt: now });
        }),
      );
    },
    get: (runId) => guarded(() => select(runId)),
    resumable: (identity) =>
      guarded(() =>
        db
          .prepare(
            "SELECT * FROM runs WHERE entity = ? AND version = ? AND inputs_hash = ? AND status = 'running' ORDER BY updated_at DESC, run_id",
          )
          .all(identity.entity, identity.version, identity.inputsHash)
          .map(toRun)
          .filter((r) => !ownerAlive(r.owner)),
      ),
    list: (options = {}) =>
      guarded(() =>
        db
          .prepare(
            `SELECT * FROM runs ${options.unfinished === true ? "WHERE status = 'running'" : ''} ORDER BY updated_at DESC, run_id LIMIT ?`,
          )
          .all(options.limit ?? 20)
          .map(toRun),
      ),
    close() {
      if (db.isOpen) db.close();
    },
  };
}
