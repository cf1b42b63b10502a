import { PassThrough } from 'node:stream';
import { runCli } from '../../sync/cli/main.ts';

/** Runs `partnerloop <argv>` in-process with captured stdout/stderr and the given environment. */
export async function cli(argv: string[], env: NodeJS.ProcessEnv = {}) {
  const stdout = new PassThrough();
  const stderr = new PassThrough();
  let out = '';
  let err = '';
  stdout.on('data', (chunk) => {
    out += chunk;
  });
  stderr.on('data', (chunk) => {
    err += chunk;
  });
  const code = await runCli(argv, { stdout, stderr, env });
  return { code, stdout: out, stderr: err };
}
