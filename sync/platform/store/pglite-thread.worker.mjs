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

/** json and jsonb; their arrays. */
const JSON_TYPES = new Set([114, 3802]);
const JSON_ARRAY_TYPES = new Set([199, 3807]);
const asText = (text) => text;

/**
 * One result for the trip: JSON values stay the text Postgres sent (a structured clone of a text is a copy of its
 * bytes; of the objects parsed from it, a walk of every value on both threads, several times the cost of parsing),
 * and the answer names the columns the main thread parses (`json`, and `jsonArrays` of such texts).
 */
function answerOf({ rows, affectedRows, fields }) {
  const json = fields.filter((f) => JSON_TYPES.has(f.dataTypeID)).map((f) => f.name);
  const jsonArrays = fields.filter((f) => JSON_ARRAY_TYPES.has(f.dataTypeID)).map((f) => f.name);
  return { rows, affectedRows, json, jsonArrays };
}

let db;
try {
  db = await PGlite.create(workerData.dataDir, { parsers: { 114: asText, 3802: asText } });
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
          result = answerOf(await db.query(request.sql, request.params));
        } else if (request.op === 'exec') {
          try {
            result = (await db.exec(request.sql)).map(answerOf);
          } catch (error) {
            // A text of several statements that failed after its own BEGIN (pg-boss' locked setup, whose races fail
            // on purpose) would leave the one session in an aborted transaction for every statement queued behind it.
            // No Kysely transaction is open here (the main thread's gate holds `exec` outside them): roll it back.
            if (db.isInTransaction()) await db.exec('rollback');
            throw error;
          }
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
