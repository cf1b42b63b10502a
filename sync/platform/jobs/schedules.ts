import cron, { type ScheduledTask } from 'node-cron';
import { periodContaining, periodKey as reportingPeriodKey } from '../../../src/metrics/periods.ts';
import type { Logger } from '../log/logger.ts';
import type { JobQueue } from './job-queue.ts';

export type Period = 'second' | 'minute' | 'hour' | 'day' | 'week' | 'month' | 'quarter';

export interface ScheduleDefinition {
  /** The cadence name; the `cadence.run` job fans its work out per tenant. */
  name: string;
  /** node-cron expression, evaluated in UTC. */
  cron: string;
  /** The period a tick belongs to: one run per schedule and period, however many replicas tick. */
  period: Period;
  description: string;
}

/** The operator loops of SPEC §2.5 and the nightly safety-net reconcile (all UTC). */
export const DEFAULT_SCHEDULES: readonly ScheduleDefinition[] = [
  {
    name: 'nightly',
    cron: '0 2 * * *',
    period: 'day',
    description: 'reconcile every tenant (safety net for lost webhooks)',
  },
  {
    name: 'frequent',
    cron: '*/10 * * * *',
    period: 'minute',
    description: 'Salesforce change polling (SystemModstamp since the checkpoint; no webhooks for a connected app)',
  },
  {
    name: 'hourly',
    cron: '17 * * * *',
    period: 'hour',
    description: 'co-sell sweep: aging flags to pl_cosell_status, stranded partner notifications re-sent',
  },
  {
    name: 'daily',
    cron: '0 6 * * *',
    period: 'day',
    description: 'co-sell queue: waiting motions, aging deals, dormant partners',
  },
  {
    name: 'weekly',
    cron: '0 7 * * 1',
    period: 'week',
    description: 'attribution reconciliation, pipeline sourced by partner motion',
  },
  { name: 'monthly', cron: '0 7 1 * *', period: 'month', description: 'seller activation, co-sell conversion' },
  { name: 'quarterly', cron: '0 7 1 1,4,7,10 *', period: 'quarter', description: 'partner-attached win-rate lift' },
];

/** The UTC period a moment falls in, as a stable key: `2026-11-21`, `2026-W47`, `2026-11`, `2026-Q4`, … */
export function periodKey(period: Period, at: Date): string {
  const iso = at.toISOString();
  switch (period) {
    case 'second':
      return iso.slice(0, 19);
    case 'minute':
      return iso.slice(0, 16);
    case 'hour':
      return iso.slice(0, 13);
    case 'day':
      return iso.slice(0, 10);
    case 'week':
    case 'month':
    case 'quarter':
      // The Operator OS periods: one definition of ISO weeks, months and quarters (src/metrics/periods.ts).
      return reportingPeriodKey(periodContaining(period, iso.slice(0, 10)));
  }
}

export const CADENCE_JOB = 'cadence.run';

/** How late a tick may still fire (a stalled event loop, a loaded host); never later than its own interval. */
export const MISSED_TICK_TOLERANCE_MS = 5 * 60_000;

/**
 * Cron callbacks only enqueue: `cadence.run` keyed by schedule and period. Every replica runs the same crons; the
 * key makes their enqueues one job, so each tick runs once across the fleet.
 */
export class Scheduler {
  readonly #tasks: ScheduledTask[] = [];

  constructor(
    private readonly schedules: readonly ScheduleDefinition[],
    private readonly queue: Pick<JobQueue, 'enqueue'>,
    private readonly logger: Logger,
  ) {
    for (const schedule of schedules) {
      if (!cron.validate(schedule.cron)) throw new Error(`schedule ${schedule.name}: invalid cron "${schedule.cron}"`);
    }
  }

  start(): void {
    for (const schedule of this.schedules) {
      const task = cron.schedule(
        schedule.cron,
        async (context) => {
          await this.tick(schedule.name, context.date).catch((error: unknown) =>
            this.logger.error({ err: error, schedule: schedule.name }, 'schedule tick could not enqueue'),
          );
        },
        {
          timezone: 'UTC',
          name: `partnerloop:${schedule.name}`,
          noOverlap: true,
          // node-cron skips a tick that fires more than 1 s late (its default): on a loaded host every replica can be
          // that late at once, and the period would have no run at all. The tick carries its own slot's date, so a
          // late enqueue still names the right period; a tick later than its interval is skipped by node-cron.
          missedExecutionTolerance: MISSED_TICK_TOLERANCE_MS,
        },
      );
      this.#tasks.push(task);
    }
  }

  /** What a cron callback does: enqueue the period's run (a no-op when another replica already did). */
  async tick(name: string, at: Date): Promise<string | null> {
    const schedule = this.schedules.find((candidate) => candidate.name === name);
    if (!schedule) throw new Error(`unknown schedule ${name}`);
    const period = periodKey(schedule.period, at);
    const id = await this.queue.enqueue(
      CADENCE_JOB,
      { cadence: name, periodKey: period },
      { key: `${name}:${period}` },
    );
    this.logger.debug({ schedule: name, period, enqueued: id !== null }, 'schedule tick');
    return id;
  }

  async stop(): Promise<void> {
    for (const task of this.#tasks.splice(0)) await task.stop();
  }
}
