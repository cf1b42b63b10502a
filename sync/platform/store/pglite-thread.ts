import { Worker } from 'node:worker_threads';

/** One statement's answer, as the store's callers read it. */
export interface PGliteResult<R = unknown> {
  rows: R[];
  affectedRows?: number;
}

type Answer = { id: number; ok: true; result: unknown } | { id: number; ok: false; error: Record<string, unknown> };

/** A result as the thread sends it: JSON columns still text, named (pglite-thread.worker.mjs, `answerOf`). */
interface SentResult {
  rows: Record<string, unknown>[];
  affectedRows?: number;
  json: string[];
  jsonArrays: string[];
}

function parsedArray(value: unknown): unknown {
  if (Array.isArray(value)) return value.map(parsedArray);
  return typeof value === 'string' ? JSON.parse(value) : value;
}

/** The rows as PGlite itself returns them: JSON columns parsed here, on the thread that reads them. */
function received(sent: SentResult): PGliteResult {
  const { rows, affectedRows, json, jsonArrays } = sent;
  if (json.length > 0 || jsonArrays.length > 0) {
    for (const row of rows) {
      for (const name of json) {
        const value = row[name];
        if (typeof value === 'string') row[name] = JSON.parse(value);
      }
      for (const name of jsonArrays) row[name] = parsedArray(row[name]);
    }
  }
  return affectedRows === undefined ? { rows } : { rows, affectedRows };
}

/**
 * The error as the database raised it: its message, Postgres' fields (`code`, `constraint`, …) and, after this
 * thread's own stack (where the call was awaited), the database thread's.
 */
function errorFrom(fields: Record<string, unknown>): Error {
  const { message, stack, ...rest } = fields;
  const error = Object.assign(new Error(String(message)), rest);
  if (typeof stack === 'string') error.stack = `${error.stack}\n  on the database thread: ${stack}`;
  return error;
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
    worker.on('messageerror', (error) =>
      fail(new Error(`an answer of the embedded database was unreadable: ${error}`)),
    );
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
      try {
        this.#worker.postMessage({ id, op, sql, params });
      } catch (error) {
        // A parameter that cannot cross (a function, a symbol): nothing was sent.
        this.#pending.delete(id);
        if (this.#pending.size === 0) this.#worker.unref();
        reject(error);
      }
    });
  }

  async query<R>(sql: string, params: readonly unknown[] = []): Promise<PGliteResult<R>> {
    return received(await this.#call<SentResult>('query', sql, params)) as PGliteResult<R>;
  }

  /** Parameterless SQL, possibly several statements (pg-boss' migrations): one result per statement. */
  async exec(sql: string): Promise<PGliteResult[]> {
    return (await this.#call<SentResult[]>('exec', sql)).map(received);
  }

  /** Closes the database (its files consistent on disk) and ends the thread. */
  async close(): Promise<void> {
    try {
      if (!this.#failure) await this.#call('close');
    } finally {
      await this.#worker.terminate();
    }
    this.#failure ??= new Error("the embedded database's thread has ended (the store was closed)");
  }
}
