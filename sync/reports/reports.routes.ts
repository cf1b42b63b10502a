import { randomUUID } from 'node:crypto';
import express, { type Response, type Router } from 'express';
import { z } from 'zod';
import { type CloudMismatch, mismatchesCsv } from '../../src/cosell/cloud-reconciliation.ts';
import { PERIOD_METRIC_KEYS } from '../../src/metrics/operator-metrics.ts';
import { periodCsvRows, REPORT_CSV_HEADER, recordsCsvLines } from '../../src/metrics/report-csv.ts';
import { isoDateSchema } from '../../src/model/deal.ts';
import { InvalidInputError, NotFoundError, parseInput } from '../../src/shared/errors.ts';
import { actorOf, type SignedApiDeps, signedApi, tenantOf } from '../platform/http/hubspot-signature.middleware.ts';
import type { JobQueue } from '../platform/jobs/job-queue.ts';
import type { TenantsRepository } from '../platform/store/tenants.repo.ts';
import {
  type LoopResultsRepository,
  OPERATOR_LOOPS,
  type OperatorLoop,
  type StoredLoopResult,
} from './loop-results.repo.ts';
import { LOOP_JOBS } from './operator-loop.job.ts';
import { STORED_LISTS } from './operator-loops.ts';

export interface ReportsRoutesDeps extends SignedApiDeps {
  tenants: TenantsRepository;
  results: LoopResultsRepository;
  enqueue: JobQueue['enqueue'];
}

/** The metrics a periodic result holds (SPEC §2.5 keys), for `/trend`. */
export const TREND_METRICS = PERIOD_METRIC_KEYS;

const PERIOD_LOOPS = { week: 'weekly', month: 'monthly', quarter: 'quarterly' } as const;

const formatSchema = z.enum(['json', 'csv']).default('json');
const loopSchema = z.enum(OPERATOR_LOOPS, { message: `loop must be one of ${OPERATOR_LOOPS.join(', ')}` });
// Not strict: HubSpot appends portalId, userId, userEmail and appId to every `hubspot.fetch` query.
const loopQuerySchema = z.object({
  period: z.string().min(1).max(20).optional(),
  version: z.coerce.number().int().positive().optional(),
  format: formatSchema,
  /** With format=csv on a loop that holds lists: which list (e.g. `queue`, `reconciliation`, `reengage`). */
  list: z.string().min(1).max(40).optional(),
});
const trendQuerySchema = z.object({
  metric: z.enum(TREND_METRICS, { message: `metric must be one of ${TREND_METRICS.join(', ')}` }),
  period: z.enum(['week', 'month', 'quarter']).default('quarter'),
  periods: z.coerce.number().int().min(1).max(52).default(6),
  format: formatSchema,
});
const runBodySchema = z
  .strictObject({ asOf: isoDateSchema.optional(), reason: z.string().trim().min(1).max(500).optional() })
  .default({});

/**
 * The operator API (signed `hubspot.fetch`, tenant from the signed `portalId` only), over the stored loop results:
 * - `GET /loops` — the current result of every loop;
 * - `GET /loops/{loop}?period=KEY&version=N&format=json|csv&list=NAME` — one loop's latest or given period/version;
 * - `GET /loops/{loop}/versions?period=KEY` — every version of a period, with why it was recomputed;
 * - `GET /trend?metric=lift&period=quarter&periods=6&format=json|csv` — a metric over the last N stored periods;
 * - `POST /loops/{loop}/run` `{asOf?, reason?}` — recompute now (queued; 202 with the job id).
 */
export function reportsRouter(deps: ReportsRoutesDeps): Router {
  const router = express.Router();
  router.use(...signedApi(deps));

  router.get('/loops', async (_req, res) => {
    const tenantId = tenantOf(res).id;
    const loops: Record<string, unknown> = {};
    for (const loop of OPERATOR_LOOPS) loops[loop] = present(await deps.results.current(tenantId, loop)) ?? null;
    res.json({ tenantId, loops });
  });

  router.get('/loops/:loop', async (req, res) => {
    const tenantId = tenantOf(res).id;
    const loop = parseInput(loopSchema, req.params.loop);
    const query = parseInput(loopQuerySchema, req.query);
    const stored =
      query.version !== undefined
        ? await deps.results.version(tenantId, loop, required(query.period, 'period'), query.version)
        : await deps.results.current(tenantId, loop, query.period);
    if (!stored) throw new NotFoundError(noResult(loop, query.period, query.version));
    if (query.format === 'json') {
      res.json(present(stored));
      return;
    }
    sendCsv(res, `${loop}-${stored.periodKey}${query.list ? `-${query.list}` : ''}.csv`, loopCsv(stored, query.list));
  });

  router.get('/loops/:loop/versions', async (req, res) => {
    const tenantId = tenantOf(res).id;
    const loop = parseInput(loopSchema, req.params.loop);
    const { period } = parseInput(z.object({ period: z.string().min(1).max(20) }), req.query);
    const versions = await deps.results.versions(tenantId, loop, period);
    if (versions.length === 0) throw new NotFoundError(noResult(loop, period));
    res.json({ loop, periodKey: period, versions });
  });

  router.get('/trend', async (req, res) => {
    const tenantId = tenantOf(res).id;
    const query = parseInput(trendQuerySchema, req.query);
    const loop = PERIOD_LOOPS[query.period];
    const stored = await deps.results.recent<Record<string, unknown>>(tenantId, loop, query.periods);
    const points = stored.map((s) => ({
      periodKey: s.periodKey,
      period: s.period,
      version: s.version,
      value: s.result[query.metric] ?? null,
    }));
    if (query.format === 'json') {
      res.json({ metric: query.metric, period: query.period, points });
      return;
    }
    const lines = [REPORT_CSV_HEADER, ...points.flatMap((p) => periodCsvRows(p.period, { [query.metric]: p.value }))];
    sendCsv(res, `${query.metric}-${query.period}.csv`, lines);
  });

  router.post('/loops/:loop/run', async (req, res) => {
    const tenantId = tenantOf(res).id;
    const loop = parseInput(loopSchema, req.params.loop);
    const body = parseInput(runBodySchema, req.body ?? {});
    const reason = body.reason ?? `requested by ${actorOf(res)}`;
    const jobId = await deps.enqueue(
      LOOP_JOBS[loop],
      {
        tenantId,
        periodKey: `manual:${randomUUID()}`,
        asOf: body.asOf ?? new Date().toISOString().slice(0, 10),
        reason,
      },
      { key: `${LOOP_JOBS[loop]}:${tenantId}:manual:${randomUUID()}` },
    );
    res.status(202).json({ loop, jobId, reason });
  });

  return router;
}

function present(stored: StoredLoopResult | undefined) {
  if (!stored) return undefined;
  const { tenantId: _tenantId, ...rest } = stored;
  return rest;
}

function required(value: string | undefined, name: string): string {
  if (value === undefined) throw new InvalidInputError(`invalid request: ${name} is required with version`);
  return value;
}

function noResult(loop: OperatorLoop, period?: string, version?: number): string {
  const which = period === undefined ? 'yet' : `for ${period}${version === undefined ? '' : ` version ${version}`}`;
  return `no ${loop} result ${which}`;
}

/**
 * A loop result as CSV: the period's metrics as rows (the report's CSV), or one of its lists as a table. The daily
 * loop has only lists (`queue` by default).
 */
function loopCsv(stored: StoredLoopResult, list: string | undefined): string[] {
  const result = stored.result as Record<string, unknown>;
  const lists = listsOf(result);
  const wanted = list ?? (stored.loop === 'daily' ? 'queue' : undefined);
  if (wanted === undefined) {
    const { period: _p, weekly: _w, quarterly: _q, ...metrics } = result;
    return [REPORT_CSV_HEADER, ...periodCsvRows(stored.period, metrics)];
  }
  const rows = lists[wanted];
  if (!rows) {
    throw new NotFoundError(`the ${stored.loop} result has no list "${wanted}"`, { details: Object.keys(lists) });
  }
  // The cross-cloud mismatches keep the engine's stable export columns (operators build spreadsheets on them).
  if (wanted === 'cloudMismatches') {
    return mismatchesCsv({ mismatches: rows as unknown as CloudMismatch[] }, stored.period)
      .trimEnd()
      .split('\n');
  }
  return recordsCsvLines(rows);
}

/** The exportable lists of a stored result, by name. */
function listsOf(result: Record<string, unknown>): Record<string, Record<string, unknown>[]> {
  const lists: Record<string, Record<string, unknown>[]> = {};
  for (const [name, rowsOf] of Object.entries(STORED_LISTS)) {
    const rows = rowsOf(result);
    if (rows) lists[name] = rows as unknown as Record<string, unknown>[];
  }
  return lists;
}

function sendCsv(res: Response, filename: string, lines: readonly string[]) {
  res.setHeader('content-type', 'text/csv; charset=utf-8');
  res.setHeader('content-disposition', `attachment; filename="${filename.replace(/[^\w.-]/g, '_')}"`);
  res.send(`${lines.join('\n')}\n`);
}
