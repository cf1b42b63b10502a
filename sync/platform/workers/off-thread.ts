import { Worker } from 'node:worker_threads';

const TSX_API = import.meta.resolve('tsx/esm/api');

/**
 * Runs one CPU-heavy pure computation on a worker thread, so the thread that serves HTTP (card requests, webhook
 * acknowledgements) stays free while it works. `entry` is a module (a `*.worker.ts` beside the computation) that
 * answers its `workerData` with one message (see `answerFromWorker`). The input and the answer cross by structured
 * clone: pass only what the computation reads. A new thread per run: the runs this serves take seconds, a thread
 * starts in tens of milliseconds.
 */
export function runOffThread<I, O>(entry: URL, input: I): Promise<O> {
  return new Promise<O>((resolve, reject) => {
    // The sources are TypeScript run through tsx (bin/partnerloop.js): the thread registers it, then loads the entry.
    const worker = new Worker(
      `import(${JSON.stringify(TSX_API)}).then(({ register }) => { register(); return import(${JSON.stringify(entry.href)}); })`,
      { eval: true, workerData: input },
    );
    let answered = false;
    worker.once('message', (message: { ok: true; value: O } | { ok: false; error: string }) => {
      answered = true;
      if (message.ok) resolve(message.value);
      else reject(new Error(message.error));
    });
    worker.once('error', reject);
    worker.once('exit', (code) => {
      if (!answered) reject(new Error(`worker ${entry.pathname.split('/').at(-1)} exited ${code} without an answer`));
    });
  });
}

/** Below this many items a computation is quick enough to stay on the calling thread (webhook passes, small portals). */
const OFF_THREAD_MIN_ITEMS = 5_000;

/**
 * `compute(input)` inline when it covers fewer than 5,000 items (`size`), otherwise on a worker thread running
 * `entry` (which must answer with the same `compute`).
 */
export function computeBySize<I, O>(entry: URL, input: I, size: number, compute: (input: I) => O): Promise<O> {
  return size < OFF_THREAD_MIN_ITEMS ? Promise.resolve(compute(input)) : runOffThread<I, O>(entry, input);
}

/** The worker side: computes its answer from `workerData` and posts it (or the error's message) once. */
export async function answerFromWorker<I, O>(compute: (input: I) => O | Promise<O>): Promise<void> {
  const { parentPort, workerData } = await import('node:worker_threads');
  try {
    parentPort?.postMessage({ ok: true, value: await compute(workerData as I) });
  } catch (error) {
    parentPort?.postMessage({ ok: false, error: error instanceof Error ? error.message : String(error) });
  }
}
