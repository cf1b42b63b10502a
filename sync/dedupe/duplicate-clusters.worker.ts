// Duplicate clustering on a worker thread (sync/platform/workers/off-thread.ts).
import { answerFromWorker } from '../platform/workers/off-thread.ts';
import { clusterDeals } from './duplicate-clusters.ts';

await answerFromWorker(clusterDeals);
