// A worker for the off-thread runner's own test: says which thread it ran on, or fails when asked.
import { isMainThread } from 'node:worker_threads';
import { answerFromWorker } from '../../platform/workers/off-thread.ts';

await answerFromWorker((input: { fail: boolean }) => {
  if (input.fail) throw new Error('probe failed as asked');
  return { mainThread: isMainThread };
});
