import type { ParseArgsConfig } from 'node:util';

export type CliOptions = NonNullable<ParseArgsConfig['options']>;

export interface CliIo {
  stdout: NodeJS.WritableStream;
  stderr: NodeJS.WritableStream;
  /** Environment the command sees (process.env in production, a fixture in tests). */
  env: NodeJS.ProcessEnv;
}

export interface CliContext<V = Record<string, string | boolean | undefined>> extends CliIo {
  values: V;
  positionals: string[];
}

/**
 * One `partnerloop <name>` command. Flags are parsed strictly (an unknown flag is a one-line error); `run` returns
 * the exit code, or throws an AppError that the CLI prints as one line.
 */
export interface CliCommand {
  name: string;
  summary: string;
  usage: string;
  options: CliOptions;
  /** How many positional arguments the command takes. */
  positionals: { min: number; max: number };
  run(context: CliContext): Promise<number | undefined>;
}
