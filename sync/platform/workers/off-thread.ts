import { createHash } from 'node:crypto';
import { fileURLToPath } from 'node:url';
import { Worker } from 'node:worker_threads';
import type { Deal } from '../../../src/model/deal.ts';
import { hashDeals } from '../../../src/model/deal-digest.ts';

interface Bundle {
  url: URL;
  /** A digest of the bundled code: what the entry computes changes only when it does. */
  version: string;
}

/** Each entry's bundle, built once per process (`bundleOf`). */
const bundles = new Map<string, Promise<Bundle>>();

/**
 * The entry and every module it imports as one JavaScript module (esbuild, in memory), as the `data:` URL a thread
 * loads: no TypeScript loader, no loader thread and no module-by-module resolution per run (they cost more CPU than
 * a scoring run's own work at 10k deals). Built on first use; a failed build is tried again next time.
 */
function bundleOf(entry: URL): Promise<Bundle> {
  let bundle = bundles.get(entry.href);
  if (!bundle) {
    bundle = (async () => {
      const { build } = await import('esbuild');
      const result = await build({
        entryPoints: [fileURLToPath(entry)],
        bundle: true,
        platform: 'node',
        format: 'esm',
        target: 'node20',
        write: false,
        logLevel: 'silent',
        // Only the main thread builds bundles; the import below stays lazy and never runs in a worker.
        external: ['esbuild'],
      });
      const code = result.outputFiles[0]?.text ?? '';
      return {
        url: new URL(`data:text/javascript;base64,${Buffer.from(code).toString('base64')}`),
        version: createHash('sha256').update(code).digest('hex'),
      };
    })();
    bundles.set(entry.href, bundle);
    bundle.catch(() => bundles.delete(entry.href));
  }
  return bundle;
}

/**
 * A digest of the code a worker entry runs (every module it imports): a result stored with it was computed by the
 * same code exactly when the digests are equal.
 */
export async function codeVersion(entry: URL): Promise<string> {
  return (await bundleOf(entry)).version;
}

/**
 * The young generation of a computation's thread (V8's default is 16 MB semi-spaces): the runs build millions of
 * short-lived objects, and a larger nursery lets most die there instead of being copied and promoted.
 */
const WORKER_YOUNG_GENERATION_MB = 192;

/**
 * Runs one CPU-heavy pure computation on a worker thread, so the thread that serves HTTP (card requests, webhook
 * acknowledgements) stays free while it works. `entry` is a module (a `*.worker.ts` beside the computation) that
 * answers its `workerData` with one message (see `answerFromWorker`). The input and the answer cross by structured
 * clone: pass only what the computation reads. A new thread per run: the runs this serves take seconds, a thread
 * starts in tens of milliseconds.
 */
export async function runOffThread<I, O>(entry: URL, input: I): Promise<O> {
  const bundle = await bundleOf(entry);
  return new Promise<O>((resolve, reject) => {
    const worker = new Worker(bundle.url, {
      workerData: input,
      resourceLimits: { maxYoungGenerationSizeMb: WORKER_YOUNG_GENERATION_MB },
    });
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
  return runsOffThread(size) ? runOffThread<I, O>(entry, input) : Promise.resolve(compute(input));
}

/** Whether `computeBySize` runs a computation over `size` items on a worker thread. */
export function runsOffThread(size: number): boolean {
  return size >= OFF_THREAD_MIN_ITEMS;
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

/**
 * A digest of a large computation's input — the code `entry` runs, its `settings` and its deals in order (each by its
 * own digest, `hashDeals`) — so a pass over the same input as the one a stored result came from can keep that result
 * (equal digests, equal results: the computation is a pure function of them). Undefined below the size that runs on a
 * worker thread, where computing again is cheap.
 */
export async function computationInputDigest(
  entry: URL,
  settings: unknown,
  deals: readonly Deal[],
): Promise<string | undefined> {
  if (!runsOffThread(deals.length)) return undefined;
  const hash = createHash('sha256').update(await codeVersion(entry));
  hash.update(JSON.stringify(settings));
  await hashDeals(hash, deals);
  return hash.digest('hex');
}
