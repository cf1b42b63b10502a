import { Worker } from 'node:worker_threads';

/** One statement's answer, as the store's callers read it. */
export interface PGliteResult<R = unknown> {
  rows: R[];
  affectedRows?: number;
}

type Answer = { id: number; ok: true; result: unknown } | { id: number; ok: false; error: Record<string, unknown> };

/** The error as the database raised it: its message, and Postgres' fields (`code`, `constraint`, …) kept. */
function errorFrom(fields: Record<string, unknown>): Error {
  const { message, stack: _stack, ...rest } = fields;
  return Object.assign(new Error(String(message)), rest);
}

/**
 * The embedded database (PGlite) on a thread of its own (`pglite-thread.worker.mjs`): its statements run there, so a
 * long one (a reconcile's bulk load, a report) no longer stops this thread from serving card requests and webhook
 * acknowledgements, and the two run on both cores at once. The same calls as PGlite's own (`query`, `exec`,
 * `close`); statements run in the order sent, as on the one session PGlite is. Rows and parameters cross by
 * structured clone (dates, bytes and JSON values as they are). If the thread dies, every call then fails with why.
 */
export class PGliteThread {
  readonly #worker: Worker;
  readonly #pending = new Map<number, { resolve: (value: unknown) => void; reject: (error: Error) => void }>();
  #next = 1;
  #failure: Error | undefined;

  private constructor(worker: Worker) {
    this.#worker = worker;
    worker.on('message', (answer: Answer) => {
      const waiting = this.#pending.get(answer.id);
      if (!waiting) return;
      this.#pending.delete(answer.id);
      if (this.#pending.size === 0) worker.unref();
      if (answer.ok) waiting.resolve(answer.result);
      else waiting.reject(errorFrom(answer.error));
    });
    const fail = (error: Error) => {
      this.#failure ??= error;
      for (const waiting of this.#pending.values()) waiting.reject(this.#failure);
      this.#pending.clear();
    };
    worker.on('error', (error) => fail(new Error(`the embedded database's thread failed: ${error.message}`)));
    worker.on('exit', (code) => fail(new Error(`the embedded database's thread has ended (exit code ${code})`)));
  }

  /** Opens the database in `dataDir` (`memory://` for one in memory) on a new thread, once it is ready. */
  static async open(dataDir: string): Promise<PGliteThread> {
    const worker = new Worker(new URL('./pglite-thread.worker.mjs', import.meta.url), { workerData: { dataDir } });
    const thread = new PGliteThread(worker);
    const ready = new Promise((resolve, reject) => thread.#pending.set(0, { resolve, reject }));
    try {
      await ready;
    } catch (error) {
      await worker.terminate();
      throw error;
    }
    return thread;
  }

  #call<T>(op: 'query' | 'exec' | 'close', sql?: string, params?: readonly unknown[]): Promise<T> {
    if (this.#failure) return Promise.reject(this.#failure);
    const id = this.#next++;
    return new Promise<T>((resolve, reject) => {
      // The thread keeps the process alive only while a statement is under way: an idle store never holds up an exit.
      if (this.#pending.size === 0) this.#worker.ref();
      this.#pending.set(id, { resolve: resolve as (value: unknown) => void, reject });
      this.#worker.postMessage({ id, op, sql, params });
    });
  }

  query<R>(sql: string, params: readonly unknown[] = []): Promise<PGliteResult<R>> {
    return this.#call('query', sql, params);
  }

  /** Parameterless SQL, possibly several statements (pg-boss' migrations): one result per statement. */
  exec(sql: string): Promise<PGliteResult[]> {
    return this.#call('exec', sql);
  }

  /** Closes the database (its files consistent on disk) and ends the thread. */
  async close(): Promise<void> {
    if (!this.#failure) await this.#call('close');
    await this.#worker.terminate();
    this.#failure ??= new Error("the embedded database's thread has ended (the store was closed)");
  }
}
