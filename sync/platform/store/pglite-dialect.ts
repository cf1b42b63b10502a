import {
  CompiledQuery,
  type DatabaseConnection,
  type Dialect,
  type Driver,
  type Kysely,
  PostgresAdapter,
  PostgresIntrospector,
  PostgresQueryCompiler,
  type QueryResult,
} from 'kysely';
import type { PGliteThread } from './pglite-thread.ts';

/**
 * PGlite is one Postgres session, and its thread runs statements in the order they are sent (pglite-thread.ts). A
 * transaction holds the session from its `begin` until its `commit` or `rollback` (`acquire`), so that it never
 * swallows another caller's statements; a statement outside any transaction (a Kysely query, a pg-boss call) only
 * takes its turn to be *sent* (`send`), and does not wait for the statements before it to finish: the thread works
 * through a queue while this one goes on serving requests.
 */
export class SessionGate {
  #tail: Promise<void> = Promise.resolve();

  /** The session for a transaction, once every caller before has been served; call the release when it ends. */
  async acquire(): Promise<() => void> {
    let release!: () => void;
    const next = new Promise<void>((resolve) => {
      release = resolve;
    });
    const previous = this.#tail;
    this.#tail = previous.then(() => next);
    await previous;
    return release;
  }

  /**
   * One self-contained unit (a statement, or a text of several run at once): sent in its turn and the turn passed on
   * at once. `post` must send synchronously (PGliteThread's calls do) and returns the answer's promise.
   */
  async send<T>(post: () => Promise<T>): Promise<T> {
    const release = await this.acquire();
    let answer: Promise<T>;
    try {
      answer = post();
    } finally {
      release();
    }
    return answer;
  }
}

/** One caller's use of the session: its statements wait their turn, unless it holds the session (a transaction). */
class PGliteConnection implements DatabaseConnection {
  /** Set from the transaction's `begin` until its end. */
  release: (() => void) | undefined;

  constructor(
    private readonly pg: PGliteThread,
    private readonly gate: SessionGate,
  ) {}

  async executeQuery<R>(compiled: CompiledQuery): Promise<QueryResult<R>> {
    const run = () => this.pg.query<R>(compiled.sql, [...compiled.parameters]);
    const result = await (this.release ? run() : this.gate.send(run));
    const affected = result.affectedRows;
    return affected === undefined ? { rows: result.rows } : { rows: result.rows, numAffectedRows: BigInt(affected) };
  }

  // biome-ignore lint/correctness/useYield: streaming is not supported on PGlite; Kysely requires the method
  async *streamQuery<R>(): AsyncIterableIterator<QueryResult<R>> {
    throw new Error('streamQuery is not supported on PGlite');
  }

  /** Ends holding the session (after `commit` or `rollback`, or a connection given back mid-transaction). */
  endHold(): void {
    this.release?.();
    this.release = undefined;
  }
}

class PGliteDriver implements Driver {
  constructor(
    private readonly pg: PGliteThread,
    private readonly gate: SessionGate,
  ) {}

  async init(): Promise<void> {
    // The store opens the thread ready (PGliteThread.open).
  }

  async acquireConnection(): Promise<DatabaseConnection> {
    return new PGliteConnection(this.pg, this.gate);
  }

  async beginTransaction(connection: DatabaseConnection): Promise<void> {
    const session = connection as PGliteConnection;
    session.release = await this.gate.acquire();
    await session.executeQuery(CompiledQuery.raw('begin'));
  }

  async commitTransaction(connection: DatabaseConnection): Promise<void> {
    await this.#end(connection as PGliteConnection, 'commit');
  }

  async rollbackTransaction(connection: DatabaseConnection): Promise<void> {
    await this.#end(connection as PGliteConnection, 'rollback');
  }

  async #end(session: PGliteConnection, statement: 'commit' | 'rollback'): Promise<void> {
    try {
      await session.executeQuery(CompiledQuery.raw(statement));
    } finally {
      session.endHold();
    }
  }

  async releaseConnection(connection: DatabaseConnection): Promise<void> {
    (connection as PGliteConnection).endHold();
  }

  async destroy(): Promise<void> {
    // The PGlite instance is owned (and closed) by the store, not by Kysely.
  }
}

export class PGliteDialect implements Dialect {
  constructor(
    private readonly pg: PGliteThread,
    private readonly gate: SessionGate,
  ) {}

  createAdapter() {
    return new PostgresAdapter();
  }

  createDriver(): Driver {
    return new PGliteDriver(this.pg, this.gate);
  }

  createQueryCompiler() {
    return new PostgresQueryCompiler();
  }

  // biome-ignore lint/suspicious/noExplicitAny: Kysely's own signature
  createIntrospector(db: Kysely<any>) {
    return new PostgresIntrospector(db);
  }
}
