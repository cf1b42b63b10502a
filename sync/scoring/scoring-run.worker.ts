// The scoring run on a worker thread (sync/platform/workers/off-thread.ts).
import { answerFromWorker } from '../platform/workers/off-thread.ts';
import { computeScoringRun } from './scoring-run.ts';

await answerFromWorker(computeScoringRun);
