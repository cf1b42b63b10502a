import type { CliCommand } from './cli-command.ts';
import { dedupeCommand } from './dedupe.command.ts';
import { migrateCommand } from './migrate.command.ts';
import { reconcileCommand } from './reconcile.command.ts';
import { reportCommand } from './report.command.ts';
import { sandboxCommand } from './sandbox.command.ts';
import { scoreCommand } from './score.command.ts';
import { startCommand } from './start.command.ts';

/** Every `partnerloop` command, in the order `--help` lists them. */
export const commands: readonly CliCommand[] = [
  startCommand,
  migrateCommand,
  scoreCommand,
  dedupeCommand,
  reportCommand,
  sandboxCommand,
  reconcileCommand,
];
