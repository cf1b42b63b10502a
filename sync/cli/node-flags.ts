/**
 * The V8 flags every PartnerLoop process runs with. `bin/partnerloop.js` passes them in its shebang (so `npx
 * partnerloop …` and an installed `partnerloop` get them) and `npm start` on its command line; `node-flags.test.ts`
 * keeps the three in step. The benchmarks and the multi-process tests spawn the service and the CLI with them, so they
 * measure and test the process a user runs. They cannot go in `NODE_OPTIONS` (Node refuses V8 flags there) nor be set
 * once the process runs (`v8.setFlagsFromString('--single-threaded-gc')` after start aborts in V8's marker).
 *
 * `--single-threaded-gc`: V8 collects garbage on the thread that made it, without its helper threads. On the 2-core
 * machine the service shares with its database, the helpers' concurrent marking and parallel scavenges cost more CPU
 * than they saved: the second 100k reconcile on Postgres measured 10.6 s of CPU against 13.2 s (helpers 1.5 s against
 * 4.7 s, the event loop's thread 9.1 s against 8.5 s), the first 22.0 s against 23.7 s (README, Performance).
 */
export const NODE_FLAGS: readonly string[] = ['--single-threaded-gc'];
