import { parseArgs } from 'node:util';
import { AppError } from '../../src/shared/errors.ts';
import { httpStatusOf } from '../platform/http/error-envelope.ts';
import type { CliCommand, CliIo } from './cli-command.ts';
import { commands } from './commands.ts';

function usage(): string {
  const width = Math.max(...commands.map((command) => command.name.length));
  const lines = commands.map((command) => `  ${command.name.padEnd(width)}  ${command.summary}`);
  return [
    'Usage: partnerloop <command> [options]',
    '',
    'Commands:',
    ...lines,
    '',
    'partnerloop <command> --help for its options.',
  ].join('\n');
}

/** Runs one CLI invocation and returns the exit code; every failure is a single line on stderr. */
export async function runCli(argv: readonly string[], io: CliIo): Promise<number> {
  const [name, ...rest] = argv;
  if (name === undefined || name === '--help' || name === '-h' || name === 'help') {
    io.stdout.write(`${usage()}\n`);
    return name === undefined ? 2 : 0;
  }
  const command = commands.find((candidate) => candidate.name === name);
  if (!command) {
    io.stderr.write(`partnerloop: unknown command "${name}" (try: ${commands.map((c) => c.name).join(', ')})\n`);
    return 2;
  }
  if (rest.includes('--help') || rest.includes('-h')) {
    io.stdout.write(`${command.usage}\n`);
    return 0;
  }
  let parsed: ReturnType<typeof parseCommandArgs>;
  try {
    parsed = parseCommandArgs(command, rest);
  } catch (error) {
    io.stderr.write(`partnerloop ${name}: ${argumentErrorMessage(error)}\n`);
    return 2;
  }
  try {
    return (await command.run({ ...io, values: parsed.values, positionals: parsed.positionals })) ?? 0;
  } catch (error) {
    io.stderr.write(`partnerloop ${name}: ${failureMessage(error, io.env.LOG_LEVEL === 'debug')}\n`);
    // The same split as the HTTP edge's 4xx/5xx: 2 when the input or request was refused, 1 when we failed.
    return error instanceof AppError && httpStatusOf(error) < 500 ? 2 : 1;
  }
}

function parseCommandArgs(command: CliCommand, args: string[]) {
  const { values, positionals } = parseArgs({ args, options: command.options, allowPositionals: true, strict: true });
  const { min, max } = command.positionals;
  if (positionals.length < min) throw new UsageError(`missing argument; usage: ${command.usage.split('\n')[0]}`);
  if (positionals.length > max) throw new UsageError(`unexpected argument "${positionals[max]}"`);
  return { values: values as Record<string, string | boolean | undefined>, positionals };
}

class UsageError extends Error {}

function argumentErrorMessage(error: unknown): string {
  if (error instanceof UsageError) return error.message;
  // node:util parseArgs errors carry a code and a message such as "Unknown option '--x'. To specify a positional…"
  const message = error instanceof Error ? error.message : String(error);
  return message.split('. ')[0]?.replace(/'/g, '') ?? message;
}

function failureMessage(error: unknown, debug: boolean): string {
  if (error instanceof AppError) return error.message;
  const message = error instanceof Error ? error.message : String(error);
  return debug && error instanceof Error && error.stack ? error.stack : `unexpected error: ${message}`;
}

export async function main(argv: readonly string[]): Promise<number> {
  return runCli(argv, { stdout: process.stdout, stderr: process.stderr, env: process.env });
}
