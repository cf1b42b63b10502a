// The embedded database on its own thread (sync/platform/store/pglite-thread.ts): opens PGlite on `workerData.dataDir`
// and answers each request `{ id, op, sql, params }` with `{ id, ok, result }` or `{ id, ok: false, error }`, in the
// order they arrive (PGlite is one session; the main thread's SessionGate keeps transactions whole). Plain JavaScript
// so that the thread loads nothing but PGlite (no TypeScript loader, no hooks thread).
import { parentPort, workerData } from 'node:worker_threads';
import { PGlite } from '@electric-sql/pglite';

/** An error's own fields (Postgres' code, detail, constraint…) survive the trip; the structured clone drops them. */
function plainError(error) {
  if (!(error instanceof Error)) return { message: String(error) };
  const fields = {};
  for (const [key, value] of Object.entries(error)) {
    if (value === undefined || typeof value === 'function') continue;
    fields[key] = value;
  }
  return { ...fields, name: error.name, message: error.message, stack: error.stack };
}

let db;
try {
  db = await PGlite.create(workerData.dataDir);
} catch (error) {
  parentPort.postMessage({ id: 0, ok: false, error: plainError(error) });
}
if (db) {
  parentPort.postMessage({ id: 0, ok: true });
  let tail = Promise.resolve();
  parentPort.on('message', (request) => {
    tail = tail.then(async () => {
      try {
        let result;
        if (request.op === 'query') {
          const { rows, affectedRows } = await db.query(request.sql, request.params);
          result = { rows, affectedRows };
        } else if (request.op === 'exec') {
          result = (await db.exec(request.sql)).map(({ rows, affectedRows }) => ({ rows, affectedRows }));
        } else if (request.op === 'close') {
          await db.close();
          result = null;
        } else {
          throw new Error(`unknown request ${request.op}`);
        }
        parentPort.postMessage({ id: request.id, ok: true, result });
        if (request.op === 'close') parentPort.close();
      } catch (error) {
        parentPort.postMessage({ id: request.id, ok: false, error: plainError(error) });
      }
    });
  });
}
