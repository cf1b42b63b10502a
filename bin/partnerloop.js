#!/usr/bin/env -S node --single-threaded-gc
// The V8 flags on the line above are sync/cli/node-flags.ts's NODE_FLAGS (why: there); `npm start` passes the same.
// The CLI runs the TypeScript sources through tsx: no build step between a checkout and `npx partnerloop`.
import { register } from 'tsx/esm/api';

register();
const { main } = await import('../sync/cli/main.ts');
process.exitCode = await main(process.argv.slice(2));
