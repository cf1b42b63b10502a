#!/usr/bin/env node
// The CLI runs the TypeScript sources through tsx: no build step between a checkout and `npx partnerloop`.
import { register } from 'tsx/esm/api';

register();
const { main } = await import('../sync/cli/main.ts');
process.exitCode = await main(process.argv.slice(2));
