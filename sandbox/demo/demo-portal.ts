import { SeededRandom } from '../../src/shared/seeded-random.ts';
import { DEMO_PIPELINES, type DemoPortal, type DemoTruth } from './demo-catalogue.ts';
import { DealBook } from './demo-deals.ts';
import { DuplicateSeeder } from './demo-duplicates.ts';
import { DAY_MS as DAY, HISTORY_DAYS, sampleCreatedAt } from './demo-history.ts';
import { generateRoster } from './demo-roster.ts';

/**
 * A believable partner-operations portal, generated from a seed. Pure: same options → same portal, no clock, no I/O,
 * so the sandbox, tests and benchmarks can share it.
 *
 * What is in it, in HubSpot's own vocabulary:
 * - companies: partner companies (`pl_is_partner=true`, `pl_partner_type` named | self_serve, a `region`) and
 *   customer companies with domains; a few namesakes and subsidiaries (hard negatives for dedupe);
 * - owners (sellers) across regions, each with a habit of tagging partners or not;
 * - deals over two pipelines with amounts, close dates, `lead_source` (incl. "partner"), `dealtype`
 *   (newbusiness / existingbusiness = expansion / renewal / churn), `products` (multi-select, `;`-separated),
 *   partner registrations (`partner_registration_*`), loss reasons (sometimes blank) and churn coded as won;
 * - deal→company associations: the customer (primary + unlabeled) and partners with a role label
 *   (sourced / influenced / cosell / reseller / referral) — or unlabeled when the seller did not say;
 * - duplicates of four kinds and hard negatives, named as in the labelled dedupe world (anomaly-kinds.ts), with the
 *   truth kept in `truth` for tests and benchmarks;
 * - nine quarters of history that make the Operator OS metrics believable (partners ramping up and fading, regional
 *   seller habits, a confounded partner lift).
 *
 * Where each part is made: the lists and the portal's shape in demo-catalogue.ts; the roster (owners, partners,
 * customers) in demo-roster.ts; deals and their associations in demo-deals.ts; duplicates and look-alikes in
 * demo-duplicates.ts; the history's decisions (timing, lifecycles, win model) in demo-history.ts. All draw from one
 * `SeededRandom` in a fixed order, so changing the order of draws changes every portal (demo-portal.golden.test.ts
 * pins one).
 */

// The catalogue and the portal's shape, for the sandbox, tests and benchmarks that import the demo from here.
export {
  CHILD_TO_PARENT_COMPANY,
  COMPANY_TO_COMPANY_UNLABELED,
  COMPANY_TO_DEAL_PRIMARY,
  COMPANY_TO_DEAL_UNLABELED,
  DEAL_TO_COMPANY_PRIMARY,
  DEAL_TO_COMPANY_UNLABELED,
  DEMO_PIPELINES,
  type DemoAssociation,
  type DemoOwner,
  type DemoPartnerRole,
  type DemoPipeline,
  type DemoPortal,
  type DemoRecord,
  type DemoStage,
  type DemoTruth,
  demoCustomGroups,
  demoCustomProperties,
  LEAD_SOURCES,
  PARENT_TO_CHILD_COMPANY,
  PARTNER_ROLE_LABELS,
  PARTNER_ROLES,
  PRODUCTS,
  REGIONS,
  type Region,
} from './demo-catalogue.ts';

export interface DemoPortalOptions {
  seed?: number;
  /** Number of deals (default 3,000). Scales to 100k+ in a few seconds. */
  deals?: number;
  portalId?: number;
  /** The day the portal is observed (YYYY-MM-DD); history spans the 820 days before it (demo-history.ts). */
  asOf?: string;
}

export const DEMO_PORTAL_DEFAULTS = { seed: 42, deals: 3_000, portalId: 48_151_623, asOf: '2026-06-30' } as const;

/** Share of the deals written that are a duplicate of a recent deal, and (above it) a look-alike of one. */
const DUPLICATE_SHARE = 0.03;
const LOOKALIKE_SHARE = 0.02;

export function generateDemoPortal(options: DemoPortalOptions = {}): DemoPortal {
  const seed = options.seed ?? DEMO_PORTAL_DEFAULTS.seed;
  const dealCount = Math.max(0, Math.floor(options.deals ?? DEMO_PORTAL_DEFAULTS.deals));
  const portalId = options.portalId ?? DEMO_PORTAL_DEFAULTS.portalId;
  const asOf = options.asOf ?? DEMO_PORTAL_DEFAULTS.asOf;
  const asOfMs = Date.parse(`${asOf}T00:00:00.000Z`);
  if (Number.isNaN(asOfMs)) throw new Error(`asOf must be a date YYYY-MM-DD, got "${asOf}"`);
  const historyStart = asOfMs - HISTORY_DAYS * DAY;
  const dice = new SeededRandom(seed);
  const truth: DemoTruth = {
    partnerIds: [],
    customerIds: [],
    duplicates: [],
    hardNegatives: [],
    attributionGaps: [],
    dormantPartnerIds: [],
    decayingPartnerIds: [],
  };

  const roster = generateRoster(dice, { dealCount, historyStart, asOfMs }, truth);
  const book = new DealBook(dice, roster, { historyStart, asOfMs }, truth);
  const seeder = new DuplicateSeeder(dice, book, roster, asOfMs, truth);

  // Mostly fresh deals; now and then a duplicate or a look-alike of one of the last 400 deals, as a CRM collects them.
  while (book.deals.length < dealCount) {
    const { drafts } = book;
    const recent =
      drafts.length > 20 ? drafts[drafts.length - 1 - dice.int(0, Math.min(drafts.length - 1, 400))] : undefined;
    const roll = dice.next();
    if (recent && roll < DUPLICATE_SHARE) {
      book.add(seeder.duplicateOf(recent));
      continue;
    }
    if (recent && roll < DUPLICATE_SHARE + LOOKALIKE_SHARE) {
      const related = seeder.hardNegativeOf(recent, dealCount - book.deals.length);
      if (related) {
        book.add(related);
        continue;
      }
    }
    const createdAt = sampleCreatedAt(dice, historyStart, asOfMs - 5 * DAY);
    book.add(book.fresh({ customer: book.pickCustomer(createdAt), createdAt }));
  }

  return {
    portalId,
    asOf,
    owners: roster.owners,
    pipelines: DEMO_PIPELINES,
    companies: roster.companies,
    deals: book.deals,
    associations: book.associations,
    truth,
  };
}
