import { type ChildProcess, spawn } from 'node:child_process';
import { fileURLToPath } from 'node:url';
import { NODE_FLAGS } from '../../sync/cli/node-flags.ts';

const root = fileURLToPath(new URL('../..', import.meta.url));

export interface ChildService {
  child: ChildProcess;
  /** stdout and stderr, interleaved as they arrived. */
  output(): string;
  /** stderr alone. */
  errors(): string;
  waitFor(pattern: RegExp, timeoutMs?: number): Promise<RegExpMatchArray>;
  exited: Promise<number | null>;
}

/**
 * Runs a TypeScript entry point (through tsx, as the CLI does, with the V8 flags `bin/partnerloop.js` runs with) in a
 * child process and follows its stdout.
 */
export function spawnTs(entry: string, env: NodeJS.ProcessEnv, args: readonly string[] = []): ChildService {
  const child = spawn(process.execPath, [...NODE_FLAGS, '--import', 'tsx', entry, ...args], {
    cwd: root,
    env: { ...process.env, LOG_LEVEL: 'warn', ...env },
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  let output = '';
  let errors = '';
  const listeners = new Set<() => void>();
  const onData = (chunk: Buffer) => {
    output += chunk.toString('utf8');
    for (const listener of listeners) listener();
  };
  child.stdout?.on('data', onData);
  child.stderr?.on('data', (chunk: Buffer) => {
    errors += chunk.toString('utf8');
    onData(chunk);
  });
  const exited = new Promise<number | null>((resolve) => child.once('exit', (code) => resolve(code)));
  return {
    child,
    output: () => output,
    errors: () => errors,
    exited,
    waitFor(pattern, timeoutMs = 30_000) {
      return new Promise((resolve, reject) => {
        const check = () => {
          const match = output.match(pattern);
          if (match) {
            cleanup();
            resolve(match);
          }
        };
        const timer = setTimeout(() => {
          cleanup();
          reject(new Error(`timed out waiting for ${pattern}; output so far:\n${output}`));
        }, timeoutMs);
        const cleanup = () => {
          clearTimeout(timer);
          listeners.delete(check);
        };
        listeners.add(check);
        check();
      });
    },
  };
}
