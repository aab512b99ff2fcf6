/**
 * The SQL engine behind the warehouse test servers: an in-memory DuckDB instance. Admin work
 * (seeding, inspection, schema creation) is queued on one connection; each query gets its own
 * connection so that stopping its job interrupts it.
 */

import type { DuckDBConnection } from '@duckdb/node-api';
import { DuckDBInstance, quotedIdentifier } from '@duckdb/node-api';
import { TflyteError } from '@tflyte/core';

export class DuckDbEngine {
  readonly #instance: DuckDBInstance;
  readonly #admin: DuckDBConnection;
  readonly #server: string;
  readonly #running = new Set<Promise<unknown>>();
  readonly #connections = new Set<DuckDBConnection>();
  // One DuckDB connection must not run two statements at once; admin work is queued.
  #adminQueue: Promise<unknown> = Promise.resolve();
  #closed = false;

  private constructor(instance: DuckDBInstance, admin: DuckDBConnection, server: string) {
    this.#instance = instance;
    this.#admin = admin;
    this.#server = server;
  }

  /** `server` names the test server in errors after close (`the Athena test server`). */
  static async create(server = 'the test server'): Promise<DuckDbEngine> {
    const instance = await DuckDBInstance.create(':memory:');
    return new DuckDbEngine(instance, await instance.connect(), server);
  }

  /** Runs SQL directly (seeding, inspection), returning the last statement's rows as JS objects. */
  sql(text: string): Promise<Record<string, unknown>[]> {
    return this.admin(async (c) => (await c.runAndReadAll(text)).getRowObjectsJS());
  }

  /** How many statements `sql` holds; 1 when it does not parse (the parse error surfaces at run time). */
  countStatements(sql: string): Promise<number> {
    return this.admin(async (c) => (await c.extractStatements(sql)).count).catch(() => 1);
  }

  /** `CREATE SCHEMA IF NOT EXISTS` (a warehouse database or dataset is a DuckDB schema). */
  async ensureSchema(name: string): Promise<void> {
    await this.admin((c) => c.run(`CREATE SCHEMA IF NOT EXISTS ${quotedIdentifier(name)}`));
  }

  /** Runs `work` on the queued admin connection. */
  async admin<T>(work: (c: DuckDBConnection) => Promise<T>): Promise<T> {
    this.assertOpen();
    const next = this.#adminQueue.then(() => work(this.#admin));
    this.#adminQueue = next.catch(() => undefined);
    return next;
  }

  /**
   * Runs `work` on a connection of its own; `signal` interrupts the statement DuckDB is running
   * (work should check `signal.aborted` between statements too, since an interrupt only hits the
   * current one).
   */
  async withConnection<T>(work: (c: DuckDBConnection) => Promise<T>, signal?: AbortSignal): Promise<T> {
    this.assertOpen();
    const connection = await this.#instance.connect();
    this.#connections.add(connection);
    const interrupt = (): void => connection.interrupt();
    signal?.addEventListener('abort', interrupt, { once: true });
    const outcome = work(connection);
    this.#running.add(outcome);
    try {
      return await outcome;
    } finally {
      this.#running.delete(outcome);
      signal?.removeEventListener('abort', interrupt);
      this.#connections.delete(connection);
      connection.closeSync();
    }
  }

  /** Interrupts running queries, waits for them, and closes DuckDB. Idempotent. */
  async close(): Promise<void> {
    if (this.#closed) return;
    this.#closed = true;
    for (const c of this.#connections) c.interrupt();
    await Promise.allSettled([...this.#running, this.#adminQueue]);
    this.#admin.closeSync();
    this.#instance.closeSync();
  }

  /** Throws a TFLYTE_CONFIG error once the engine is closed, for servers that refuse work synchronously. */
  assertOpen(): void {
    if (this.#closed) throw new TflyteError('TFLYTE_CONFIG', `${this.#server} is closed; start a new one`);
  }
}
