import express, { type Request, type Router } from 'express';
import { z } from 'zod';
import {
  type ActivationSectionView,
  type ExportLinks,
  HOME_LISTS,
  HOME_LOOPS,
  HOME_SECTIONS,
  type HomeList,
  type HomeLoop,
  type HomePage,
  type HomeSection,
  type HomeSectionViews,
  type HomeSummary,
  type LeaderboardSectionView,
  type LiftSectionView,
  type ReconciliationSectionView,
  type RosterPartnerView,
  type RosterSectionView,
  type TodaySectionView,
} from '../../extensions/app/pages/operator-api.ts';
import type { RecordLinks } from '../../src/crm/crm-connector.ts';
import { recordsCsvLines } from '../../src/metrics/report-csv.ts';
import { NotFoundError, parseInput } from '../../src/shared/errors.ts';
import {
  actorOf,
  type SignedApiDeps,
  signedApi,
  tenantOf,
  userIdOf,
} from '../platform/http/hubspot-signature.middleware.ts';
import type { Tenant } from '../platform/store/tenants.repo.ts';
import type { LoopResultsRepository, StoredLoopResult } from './loop-results.repo.ts';
import type { OperatorHomeRepository } from './operator-home.repo.ts';
import {
  activationRows,
  cloudReconciliationView,
  LIST_LOOPS,
  LOOP_DESCRIPTIONS,
  liftPoint,
  nextRunAt,
  PARTNER_LISTS,
  pageOf,
  pageWindow,
  reconciliationCounts,
  rosterPoint,
  stampOf,
  storedListRows,
  withRosterActions,
} from './operator-home.ts';
import type { DailyResult, PeriodResult } from './operator-loops.ts';
import type { ExportLinkSigner } from './report-exports.ts';
import type { RosterActionsService } from './roster-actions.ts';

export interface OperatorHomeRoutesDeps extends SignedApiDeps {
  results: Pick<LoopResultsRepository, 'current' | 'recent' | 'latestStamps'>;
  home: OperatorHomeRepository;
  exports: ExportLinkSigner;
  roster: RosterActionsService;
  /** Where the tenant's records open in its CRM (the leaderboard links each partner). */
  links(tenantId: string): RecordLinks;
  /** The service's clock for "next run" (tests pin it). */
  clock?: () => Date;
}

/** Quarters and months the charts show. */
const LIFT_QUARTERS = 6;
const ACTIVATION_MONTHS = 2;

const listQuerySchema = z.object({
  period: z.string().min(1).max(20).optional(),
  offset: z.coerce.number().int().min(0).max(100_000).optional(),
  limit: z.coerce.number().int().min(1).max(1_000).optional(),
  format: z.enum(['json', 'csv']).default('json'),
});
const sectionSchema = z.enum(HOME_SECTIONS, { message: `section must be one of ${HOME_SECTIONS.join(', ')}` });
const listSchema = z.enum(HOME_LISTS, { message: `list must be one of ${HOME_LISTS.join(', ')}` });

const enc = encodeURIComponent;
const loopCsvPath = (loop: HomeLoop, period: string, list?: string) =>
  `/api/reports/loops/${loop}?period=${enc(period)}&format=csv${list === undefined ? '' : `&list=${enc(list)}`}`;
const trendCsvPath = (metric: string, period: 'month' | 'quarter', periods: number) =>
  `/api/reports/trend?metric=${metric}&period=${period}&periods=${periods}&format=csv`;

/**
 * The operator home's API (`/api/reports/home`, signed `hubspot.fetch`, tenant from the signed `portalId`):
 * - `GET /` — the tenant's state (a disconnected tenant gets its reason) and each loop's latest stamp and next run;
 * - `GET /sections/{section}` — one section of the page, its lists' first pages and pre-signed CSV links;
 * - `GET /lists/{list}?period=&offset=&limit=[&format=csv]` — further pages of a list (of the same stored period);
 * - `PUT /roster/{partnerId}` `{action: "reengage"|"archive"|null, note?}` — the roster lever (`pl_roster_action`).
 */
export function operatorHomeRouter(deps: OperatorHomeRoutesDeps): Router {
  const router = express.Router();
  const clock = deps.clock ?? (() => new Date());
  // A disconnected tenant may still load the page: it says so (with the reason) instead of failing.
  router.use(...signedApi(deps, { allowDisconnected: true }));

  router.get('/', async (_req, res) => {
    const tenant = tenantOf(res);
    if (tenant.status !== 'active') {
      res.json({
        status: 'disconnected',
        tenantId: tenant.id,
        portalId: tenant.externalId,
        disconnectedAt: tenant.disconnectedAt?.toISOString() ?? null,
        reason: tenant.disconnectReason,
      } satisfies HomeSummary);
      return;
    }
    const now = clock();
    const stamps = await deps.results.latestStamps(tenant.id);
    const loops = Object.fromEntries(
      HOME_LOOPS.map((loop) => {
        const stamp = stamps.get(loop);
        return [loop, stamp ? stampOf(stamp) : null];
      }),
    ) as Extract<HomeSummary, { status: 'active' }>['loops'];
    const schedule = Object.fromEntries(
      HOME_LOOPS.map((loop) => [
        loop,
        { description: LOOP_DESCRIPTIONS[loop], nextRunAt: nextRunAt(loop, now).toISOString() },
      ]),
    ) as Extract<HomeSummary, { status: 'active' }>['schedule'];
    res.json({
      status: 'active',
      tenantId: tenant.id,
      portalId: tenant.externalId,
      generatedAt: now.toISOString(),
      loops,
      schedule,
    } satisfies HomeSummary);
  });

  // Everything below reads or changes the tenant's data: an installed, connected portal only.
  router.use((_req, res, next) => {
    const tenant = tenantOf(res);
    if (tenant.status !== 'active') {
      next(new NotFoundError(`portal ${tenant.externalId} has disconnected PartnerLoop; reinstall it to see its data`));
      return;
    }
    next();
  });

  router.get('/sections/:section', async (req, res) => {
    const tenant = tenantOf(res);
    const section = parseInput(sectionSchema, req.params.section);
    const mint = (paths: Record<string, string>) => deps.exports.mint(tenant.externalId, userIdOf(res), paths);
    res.json(await SECTION_BUILDERS[section](deps, tenant, mint));
  });

  router.get('/lists/:list', async (req, res) => {
    const tenant = tenantOf(res);
    const list = parseInput(listSchema, req.params.list);
    const query = parseInput(listQuerySchema, req.query);
    const csv = query.format === 'csv';
    // A CSV export is the whole stored list; JSON is one page of it.
    const window = csv ? { offset: 0, limit: Number.MAX_SAFE_INTEGER } : pageWindow(query.offset, query.limit);
    const page = await listPage(deps, tenant, list, query.period, window);
    if (!csv) {
      res.json(page);
      return;
    }
    res.setHeader('content-type', 'text/csv; charset=utf-8');
    res.setHeader(
      'content-disposition',
      `attachment; filename="${`${list}${page.period ? `-${page.period}` : ''}.csv`.replace(/[^\w.-]/g, '_')}"`,
    );
    res.send(`${recordsCsvLines(page.rows as unknown as Record<string, unknown>[]).join('\n')}\n`);
  });

  router.put('/roster/:partnerId', async (req: Request, res) => {
    const tenant = tenantOf(res);
    res.json(await deps.roster.set(tenant.id, String(req.params.partnerId), req.body, actorOf(res)));
  });

  return router;
}

type Mint = (paths: Record<string, string>) => ExportLinks;
type SectionBuilder<S extends HomeSection> = (
  deps: OperatorHomeRoutesDeps,
  tenant: Tenant,
  mint: Mint,
) => Promise<HomeSectionViews[S]>;

const FIRST_PAGE = pageWindow(0, undefined);

async function rosterPage(
  deps: OperatorHomeRoutesDeps,
  tenantId: string,
  page: HomePage<Omit<RosterPartnerView, 'rosterAction'>>,
): Promise<HomePage<RosterPartnerView>> {
  const actions = await deps.home.rosterActions(
    tenantId,
    page.rows.map((row) => row.partnerId),
  );
  return { ...page, rows: withRosterActions(page.rows, actions) };
}

/** One page of a stored list (or of the leaderboard), partner rows with their roster decision. */
async function listPage(
  deps: OperatorHomeRoutesDeps,
  tenant: Tenant,
  list: HomeList,
  period: string | undefined,
  window: { offset: number; limit: number },
): Promise<HomePage<unknown>> {
  if (list === 'leaderboard') {
    const board = await deps.home.leaderboard(tenant.id, window, deps.links(tenant.id).partner);
    return {
      list,
      period: board.asOf,
      rows: board.rows,
      total: board.total,
      offset: window.offset,
      limit: window.limit,
    };
  }
  const loop = LIST_LOOPS[list];
  const stored = await deps.results.current(tenant.id, loop, period);
  if (!stored) throw new NotFoundError(`no ${loop} result ${period === undefined ? 'yet' : `for ${period}`}`);
  const page = pageOf(list, stored.periodKey, storedListRows(list, stored.result), window);
  return PARTNER_LISTS.has(list)
    ? rosterPage(deps, tenant.id, page as HomePage<Omit<RosterPartnerView, 'rosterAction'>>)
    : page;
}

const today: SectionBuilder<'today'> = async (deps, tenant, mint) => {
  const stored = await deps.results.current<DailyResult>(tenant.id, 'daily');
  if (!stored) {
    return {
      section: 'today',
      stamp: null,
      counts: null,
      queue: null,
      agingDeals: null,
      decayingPartners: null,
      attributionExceptions: null,
      invitations: null,
      exports: mint({}),
    } satisfies TodaySectionView;
  }
  const key = stored.periodKey;
  const page = <L extends 'queue' | 'agingDeals' | 'decayingPartners' | 'attributionExceptions' | 'invitations'>(
    list: L,
  ) => pageOf(list, key, storedListRows(list, stored.result), FIRST_PAGE);
  return {
    section: 'today',
    stamp: stampOf(stored),
    counts: stored.result.counts,
    queue: page('queue') as TodaySectionView['queue'],
    agingDeals: page('agingDeals') as TodaySectionView['agingDeals'],
    decayingPartners: await rosterPage(
      deps,
      tenant.id,
      page('decayingPartners') as HomePage<Omit<RosterPartnerView, 'rosterAction'>>,
    ),
    attributionExceptions: page('attributionExceptions') as TodaySectionView['attributionExceptions'],
    // Results stored before invitations were listed have none to show.
    invitations: stored.result.invitations ? (page('invitations') as TodaySectionView['invitations']) : null,
    exports: mint({
      queue: loopCsvPath('daily', key, 'queue'),
      agingDeals: loopCsvPath('daily', key, 'agingDeals'),
      decayingPartners: loopCsvPath('daily', key, 'decayingPartners'),
      attributionExceptions: loopCsvPath('daily', key, 'attributionExceptions'),
    }),
  };
};

const reconciliation: SectionBuilder<'reconciliation'> = async (deps, tenant, mint) => {
  const stored = await deps.results.current<PeriodResult>(tenant.id, 'weekly');
  const counts = reconciliationCounts(stored?.result);
  if (!stored) {
    return {
      section: 'reconciliation',
      stamp: null,
      ...counts,
      rows: null,
      pipelineSourced: null,
      cloud: null,
      exports: mint({}),
    } satisfies ReconciliationSectionView;
  }
  const key = stored.periodKey;
  return {
    section: 'reconciliation',
    stamp: stampOf(stored),
    ...counts,
    rows: pageOf(
      'reconciliation',
      key,
      storedListRows('reconciliation', stored.result),
      FIRST_PAGE,
    ) as ReconciliationSectionView['rows'],
    pipelineSourced: stored.result.pipelineSourced ?? null,
    cloud: cloudReconciliationView(stored.result, key, FIRST_PAGE),
    exports: mint({
      reconciliation: loopCsvPath('weekly', key, 'reconciliation'),
      ...(stored.result.weekly?.cloud ? { cloudMismatches: loopCsvPath('weekly', key, 'cloudMismatches') } : {}),
      sourcedByPartner: loopCsvPath('weekly', key, 'sourcedByPartner'),
      weekMetrics: loopCsvPath('weekly', key),
    }),
  };
};

const activation: SectionBuilder<'activation'> = async (deps, tenant, mint) => {
  const months = await deps.results.recent<PeriodResult>(tenant.id, 'monthly', ACTIVATION_MONTHS);
  return {
    section: 'activation',
    months: months.map((stored) => ({ stamp: stampOf(stored), rows: activationRows(stored.result) })),
    exports: mint(
      months.length === 0 ? {} : { activation: trendCsvPath('sellerActivation', 'month', ACTIVATION_MONTHS) },
    ),
  } satisfies ActivationSectionView;
};

const lift: SectionBuilder<'lift'> = async (deps, tenant, mint) => {
  const quarters = await deps.results.recent<PeriodResult>(tenant.id, 'quarterly', LIFT_QUARTERS);
  return {
    section: 'lift',
    quarters: quarters.map((stored) => ({ ...liftPoint(stored), stamp: stampOf(stored) })),
    exports: mint(quarters.length === 0 ? {} : { lift: trendCsvPath('lift', 'quarter', LIFT_QUARTERS) }),
  } satisfies LiftSectionView;
};

const roster: SectionBuilder<'roster'> = async (deps, tenant, mint) => {
  const quarters = await deps.results.recent<PeriodResult>(tenant.id, 'quarterly', LIFT_QUARTERS);
  const latest: StoredLoopResult<PeriodResult> | undefined = quarters.at(-1);
  if (!latest) {
    return {
      section: 'roster',
      quarters: [],
      stamp: null,
      reengage: null,
      archive: null,
      exports: mint({}),
    } satisfies RosterSectionView;
  }
  const key = latest.periodKey;
  const partnerPage = (list: 'reengage' | 'archive') =>
    rosterPage(
      deps,
      tenant.id,
      pageOf(list, key, storedListRows(list, latest.result), FIRST_PAGE) as HomePage<
        Omit<RosterPartnerView, 'rosterAction'>
      >,
    );
  return {
    section: 'roster',
    quarters: quarters.map((stored) => ({ ...rosterPoint(stored), stamp: stampOf(stored) })),
    stamp: stampOf(latest),
    reengage: await partnerPage('reengage'),
    archive: await partnerPage('archive'),
    exports: mint({
      producing: trendCsvPath('producingPartnerRate', 'quarter', LIFT_QUARTERS),
      dormant: trendCsvPath('dormantRoster', 'quarter', LIFT_QUARTERS),
      reengage: loopCsvPath('quarterly', key, 'reengage'),
      archive: loopCsvPath('quarterly', key, 'archive'),
    }),
  };
};

const leaderboard: SectionBuilder<'leaderboard'> = async (deps, tenant, mint) => {
  const board = await deps.home.leaderboard(tenant.id, FIRST_PAGE, deps.links(tenant.id).partner);
  return {
    section: 'leaderboard',
    asOf: board.asOf,
    computedAt: board.computedAt,
    rows: { list: 'leaderboard', period: board.asOf, rows: board.rows, total: board.total, ...FIRST_PAGE },
    exports: mint(board.total === 0 ? {} : { leaderboard: '/api/reports/home/lists/leaderboard?format=csv' }),
  } satisfies LeaderboardSectionView;
};

const SECTION_BUILDERS: { [S in HomeSection]: SectionBuilder<S> } = {
  today,
  reconciliation,
  activation,
  lift,
  roster,
  leaderboard,
};
