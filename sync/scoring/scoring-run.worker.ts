// The scoring run on a worker thread (sync/platform/workers/off-thread.ts).
import { answerFromWorker } from '../platform/workers/off-thread.ts';
import { scoringRunOver } from './scoring-run.ts';

await answerFromWorker(scoringRunOver);
