import type { Deal, DealInput } from '../model/deal.ts';
import { dealSchema } from '../model/deal.ts';
import type {
  CloudLink,
  CloudOpportunity,
  CloudProgramme,
  MatchPath,
  MismatchKind,
  ReconciliationInput,
} from './cloud-reconciliation.ts';

/**
 * A reconciliation world for tests and size checks: accounts, each playing one scenario (a clean match through each
 * path, each kind of mismatch, hard negatives), for both programmes in turn, padded with background deals of the same
 * accounts. It records what the reconciliation must find — every seeded mismatch and match, and nothing else.
 */

export interface ExpectedMismatch {
  kind: MismatchKind;
  programme: CloudProgramme;
  dealId: string | null;
  opportunityId: string | null;
}

export interface ExpectedMatch {
  programme: CloudProgramme;
  opportunityId: string;
  dealId: string;
  matchedBy: MatchPath;
}

export interface ReconciliationWorld {
  input: ReconciliationInput & { coSellDeals: Map<string, Set<CloudProgramme>> };
  expectedMismatches: ExpectedMismatch[];
  expectedMatches: ExpectedMatch[];
  /** Which scenario each account plays (account index → scenario name). */
  scenarios: string[];
}

export interface WorldOptions {
  accounts: number;
  /**
   * Extra deals per account: the first closes inside the matching window with another product and amount (scored,
   * rejected), the rest years earlier (outside the window, never scored).
   */
  backgroundDeals?: number;
}

const SYLLABLES = ['ka', 'lo', 'mi', 'ra', 'ten', 'vor', 'zu', 'bel', 'dri', 'sam'];
const INDUSTRIES = ['Systems', 'Logistics', 'Health', 'Foods', 'Robotics', 'Energy'];

/** A distinct company name per index ("Kalomira Systems"). */
function companyName(index: number): string {
  let word = '';
  let rest = index;
  for (let k = 0; k < 4; k += 1) {
    word += SYLLABLES[rest % 10];
    rest = Math.floor(rest / 10);
  }
  const base = `${word[0]?.toUpperCase()}${word.slice(1)}${rest > 0 ? String(rest) : ''}`;
  return `${base} ${INDUSTRIES[index % INDUSTRIES.length]}`;
}

export function addDays(day: string, days: number): string {
  return new Date(Date.parse(`${day}T00:00:00Z`) + days * 86_400_000).toISOString().slice(0, 10);
}

class Account {
  readonly name: string;
  readonly domain: string;
  readonly amount: number;
  readonly close: string;
  readonly created: string;
  readonly programme: CloudProgramme;
  readonly other: CloudProgramme;

  constructor(
    readonly index: number,
    programme: CloudProgramme,
    private readonly world: WorldBuilder,
  ) {
    this.name = companyName(index);
    this.domain = `${this.name.split(' ')[0]?.toLowerCase()}.example`;
    this.amount = 20_000 + (index % 97) * 1_000;
    this.close = addDays('2026-03-02', index % 150);
    this.created = `${addDays(this.close, -60)}T09:00:00Z`;
    this.programme = programme;
    this.other = programme === 'aws_ace' ? 'microsoft_referrals' : 'aws_ace';
  }

  deal(suffix: string, overrides: Partial<DealInput> = {}): Deal {
    const deal = dealSchema.parse({
      id: `d${this.index}-${suffix}`,
      name: `${this.name} - Analytics`,
      account: { id: `acc${this.index}`, name: `${this.name} Inc`, domain: this.domain },
      amount: this.amount,
      currency: 'USD',
      closeDate: this.close,
      createdAt: this.created,
      stage: 'presentationscheduled',
      isClosed: false,
      isWon: false,
      type: 'new_business',
      ownerId: `u${this.index % 7}`,
      region: 'NA',
      products: ['Analytics Pro'],
      partners: [{ partnerId: `p${this.index % 11}`, role: 'sourced' }],
      ...overrides,
    });
    this.world.deals.push(deal);
    return deal;
  }

  /** The programme's record of the account's deal, as a seller retyped it there. */
  opportunity(suffix: string, overrides: Partial<CloudOpportunity> = {}): CloudOpportunity {
    const programme = overrides.programme ?? this.programme;
    const opportunity: CloudOpportunity = {
      programme,
      id: programme === 'aws_ace' ? `O${this.index}${suffix}` : `ref-${this.index}-${suffix}`,
      crmDealId: null,
      customerName: `${this.name.toUpperCase()}, INC.`,
      customerDomain: `https://www.${this.domain}/`,
      title: `${this.name} Analytics rollout`,
      amount: this.amount,
      currency: 'USD',
      closeDate: this.close,
      outcome: 'open',
      stage: programme === 'aws_ace' ? 'Qualified' : 'Active/Accepted',
      createdAt: `${addDays(this.close, -58)}T12:00:00Z`,
      lastModifiedAt: `${addDays(this.close, -10)}T12:00:00Z`,
      ...overrides,
    };
    this.world.opportunities.push(opportunity);
    return opportunity;
  }

  link(opportunity: CloudOpportunity | string, dealId: string, programme: CloudProgramme = this.programme): void {
    const opportunityId = typeof opportunity === 'string' ? opportunity : opportunity.id;
    this.world.links.push({ programme, opportunityId, dealId });
  }

  coSell(deal: Deal, programme: CloudProgramme = this.programme): void {
    const programmes = this.world.coSellDeals.get(deal.id) ?? new Set<CloudProgramme>();
    programmes.add(programme);
    this.world.coSellDeals.set(deal.id, programmes);
  }

  matched(opportunity: CloudOpportunity, deal: Deal, matchedBy: MatchPath): void {
    this.world.expectedMatches.push({
      programme: opportunity.programme,
      opportunityId: opportunity.id,
      dealId: deal.id,
      matchedBy,
    });
  }

  expect(
    kind: MismatchKind,
    deal: Deal | null,
    opportunity: CloudOpportunity | null,
    programme = this.programme,
  ): void {
    this.world.expectedMismatches.push({
      kind,
      programme: opportunity?.programme ?? programme,
      dealId: deal?.id ?? null,
      opportunityId: opportunity?.id ?? null,
    });
  }
}

class WorldBuilder {
  deals: Deal[] = [];
  opportunities: CloudOpportunity[] = [];
  links: CloudLink[] = [];
  coSellDeals = new Map<string, Set<CloudProgramme>>();
  expectedMismatches: ExpectedMismatch[] = [];
  expectedMatches: ExpectedMatch[] = [];
}

/** Each scenario plays on one account; `a.programme` alternates between the programmes across the world. */
export const RECONCILIATION_SCENARIOS: ReadonlyArray<{ name: string; play: (a: Account) => void }> = [
  {
    name: 'clean match through the stored link',
    play: (a) => {
      const deal = a.deal('1');
      const opportunity = a.opportunity('a', { title: 'Completely different wording' });
      a.link(opportunity, deal.id);
      a.coSell(deal);
      a.matched(opportunity, deal, 'link');
    },
  },
  {
    name: 'clean match through the deal id the cloud holds',
    play: (a) => {
      const deal = a.deal('1');
      const opportunity = a.opportunity('a', { crmDealId: deal.id, customerName: 'Someone else entirely' });
      a.coSell(deal);
      a.matched(opportunity, deal, 'crm_id');
    },
  },
  {
    name: 'clean match by similarity (retyped name, www domain, amount and date a little off)',
    play: (a) => {
      const deal = a.deal('1');
      const opportunity = a.opportunity('a', { amount: a.amount * 1.004, closeDate: addDays(a.close, 3) });
      a.coSell(deal);
      a.matched(opportunity, deal, 'similarity');
    },
  },
  {
    name: 'clean match by similarity without a customer domain, no co-sell motion (inbound referral)',
    play: (a) => {
      const deal = a.deal('1');
      const opportunity = a.opportunity('a', { customerDomain: null, customerName: `The ${a.name} Incorporated` });
      a.matched(opportunity, deal, 'similarity');
    },
  },
  {
    name: 'clean match by similarity although the deal id the cloud holds is unknown',
    play: (a) => {
      const deal = a.deal('1');
      const opportunity = a.opportunity('a', { crmDealId: `gone${a.index}` });
      a.coSell(deal);
      a.matched(opportunity, deal, 'similarity');
    },
  },
  {
    name: 'this year’s renewal matched, last year’s renewal vetoed',
    play: (a) => {
      a.deal('0', {
        name: `${a.name} Renewal 2025`,
        type: 'renewal',
        closeDate: addDays(a.close, -100),
        isClosed: true,
        isWon: true,
        stage: 'closedwon',
      });
      const current = a.deal('1', { name: `${a.name} Renewal 2026`, type: 'renewal' });
      const opportunity = a.opportunity('a', { title: `${a.name} renewal FY2026` });
      a.coSell(current);
      a.matched(opportunity, current, 'similarity');
    },
  },
  {
    name: 'one deal co-sold with both programmes: linked in one, found by similarity in the other',
    play: (a) => {
      const deal = a.deal('1');
      const first = a.opportunity('a');
      a.link(first, deal.id);
      const second = a.opportunity('b', { programme: a.other, title: 'Analytics platform co-sell' });
      a.coSell(deal);
      a.coSell(deal, a.other);
      a.matched(first, deal, 'link');
      a.matched(second, deal, 'similarity');
    },
  },
  {
    name: 'tolerance edges: amount exactly 10 % and close date exactly 14 days apart',
    play: (a) => {
      const deal = a.deal('1', { amount: 100_000 });
      const opportunity = a.opportunity('a', { amount: 90_000, closeDate: addDays(a.close, 14) });
      a.link(opportunity, deal.id);
      a.coSell(deal);
      a.matched(opportunity, deal, 'link');
    },
  },
  {
    name: 'cloud only: a customer the CRM does not have deals for this quarter',
    play: (a) => {
      const opportunity = a.opportunity('a', { amount: a.amount * 3 + 1_111 });
      a.expect('cloud_only', null, opportunity);
    },
  },
  {
    name: 'cloud only: the stored link points to a deleted deal',
    play: (a) => {
      const opportunity = a.opportunity('a', { amount: a.amount * 3 + 2_222, closeDate: addDays(a.close, 20) });
      a.link(opportunity, `deleted${a.index}`);
      a.expect('cloud_only', null, opportunity);
    },
  },
  {
    name: 'crm only: marked co-sell, nothing in the cloud',
    play: (a) => {
      const deal = a.deal('1');
      a.coSell(deal);
      a.expect('crm_only', deal, null);
    },
  },
  {
    name: 'crm only: the linked opportunity is no longer listed',
    play: (a) => {
      const deal = a.deal('1');
      a.link(a.programme === 'aws_ace' ? `O${a.index}zz` : `ref-${a.index}-zz`, deal.id);
      a.coSell(deal);
      a.expect('crm_only', deal, null);
    },
  },
  {
    name: 'stage drift: won in the CRM, lost in the cloud',
    play: (a) => {
      const deal = a.deal('1', { isClosed: true, isWon: true, stage: 'closedwon' });
      const opportunity = a.opportunity('a', { outcome: 'lost', stage: 'Closed Lost' });
      a.link(opportunity, deal.id);
      a.coSell(deal);
      a.matched(opportunity, deal, 'link');
      a.expect('stage_drift', deal, opportunity);
    },
  },
  {
    name: 'closed on one side: won in the CRM, open in the cloud',
    play: (a) => {
      const deal = a.deal('1', { isClosed: true, isWon: true, stage: 'closedwon' });
      const opportunity = a.opportunity('a');
      a.link(opportunity, deal.id);
      a.coSell(deal);
      a.matched(opportunity, deal, 'link');
      a.expect('closed_one_side', deal, opportunity);
    },
  },
  {
    name: 'closed on one side: open in the CRM, lost in the cloud',
    play: (a) => {
      const deal = a.deal('1');
      const opportunity = a.opportunity('a', { crmDealId: deal.id, outcome: 'lost', stage: 'Closed Lost' });
      a.coSell(deal);
      a.matched(opportunity, deal, 'crm_id');
      a.expect('closed_one_side', deal, opportunity);
    },
  },
  {
    name: 'close date drift: 30 days later in the cloud',
    play: (a) => {
      const deal = a.deal('1');
      const opportunity = a.opportunity('a', { closeDate: addDays(a.close, 30) });
      a.link(opportunity, deal.id);
      a.coSell(deal);
      a.matched(opportunity, deal, 'link');
      a.expect('close_date_drift', deal, opportunity);
    },
  },
  {
    name: 'amount drift: 25 % more in the cloud',
    play: (a) => {
      const deal = a.deal('1');
      const opportunity = a.opportunity('a', { amount: a.amount * 1.25 });
      a.link(opportunity, deal.id);
      a.coSell(deal);
      a.matched(opportunity, deal, 'link');
      a.expect('amount_drift', deal, opportunity);
    },
  },
  {
    name: 'amount drift: another currency in the cloud',
    play: (a) => {
      const deal = a.deal('1');
      const opportunity = a.opportunity('a', { currency: 'eur' });
      a.link(opportunity, deal.id);
      a.coSell(deal);
      a.matched(opportunity, deal, 'link');
      a.expect('amount_drift', deal, opportunity);
    },
  },
  {
    name: 'three drifts on one pair matched by the cloud’s deal id',
    play: (a) => {
      const deal = a.deal('1', { isClosed: true, isWon: true, stage: 'closedwon' });
      const opportunity = a.opportunity('a', {
        crmDealId: deal.id,
        closeDate: addDays(a.close, -20),
        amount: a.amount * 0.8,
      });
      a.coSell(deal);
      a.matched(opportunity, deal, 'crm_id');
      a.expect('closed_one_side', deal, opportunity);
      a.expect('close_date_drift', deal, opportunity);
      a.expect('amount_drift', deal, opportunity);
    },
  },
  {
    name: 'close date drift on a pair found by similarity',
    play: (a) => {
      const deal = a.deal('1');
      const opportunity = a.opportunity('a', { closeDate: addDays(a.close, 25) });
      a.coSell(deal);
      a.matched(opportunity, deal, 'similarity');
      a.expect('close_date_drift', deal, opportunity);
    },
  },
  {
    name: 'the stored link wins over a more similar deal of the same account',
    play: (a) => {
      const linked = a.deal('1', { amount: 100_000 });
      a.deal('2', { name: `${a.name} - Analytics phase 2`, amount: 130_000 });
      const opportunity = a.opportunity('a', { amount: 130_000 });
      a.link(opportunity, linked.id);
      a.coSell(linked);
      a.matched(opportunity, linked, 'link');
      a.expect('amount_drift', linked, opportunity);
    },
  },
  {
    name: 'hard negative: same company, another project and amount',
    play: (a) => {
      a.deal('1');
      const opportunity = a.opportunity('a', {
        title: `${a.name} data platform migration`,
        amount: a.amount * 8,
        closeDate: addDays(a.close, 70),
      });
      a.expect('cloud_only', null, opportunity);
    },
  },
  {
    name: 'hard negative: a namesake company with its own domain',
    play: (a) => {
      a.deal('1');
      const opportunity = a.opportunity('a', { customerDomain: `${a.name.split(' ')[0]?.toLowerCase()}-group.io` });
      a.expect('cloud_only', null, opportunity);
    },
  },
  {
    name: 'ambiguous: two similar CRM deals for one opportunity',
    play: (a) => {
      const first = a.deal('1');
      a.deal('2', { name: `${a.name} Analytics (partner registration)`, ownerId: 'u99' });
      const opportunity = a.opportunity('a');
      a.coSell(first);
      a.expect('cloud_only', null, opportunity);
      a.expect('crm_only', first, null);
    },
  },
  {
    name: 'ambiguous: two similar opportunities for one deal',
    play: (a) => {
      const deal = a.deal('1');
      const first = a.opportunity('a');
      const second = a.opportunity('b', { title: `${a.name} analytics` });
      a.coSell(deal);
      a.expect('cloud_only', null, first);
      a.expect('cloud_only', null, second);
      a.expect('crm_only', deal, null);
    },
  },
  {
    name: 'a second opportunity resembling a deal already linked to another',
    play: (a) => {
      const deal = a.deal('1');
      const linked = a.opportunity('a');
      const copy = a.opportunity('b');
      a.link(linked, deal.id);
      a.coSell(deal);
      a.matched(linked, deal, 'link');
      a.expect('cloud_only', null, copy);
    },
  },
];

function background(a: Account, count: number): void {
  for (let k = 0; k < count; k += 1) {
    if (k === 0) {
      a.deal(`bg${k}`, {
        name: `${a.name} Payments add-on`,
        type: 'expansion',
        products: ['Payments'],
        amount: a.amount * 4 + 7_000,
        closeDate: addDays(a.close, 45),
      });
    } else {
      a.deal(`bg${k}`, {
        name: `${a.name} Analytics ${2023 - k}`,
        amount: a.amount + k * 500,
        closeDate: addDays(a.close, -400 * k),
        isClosed: true,
        isWon: k % 2 === 0,
        stage: k % 2 === 0 ? 'closedwon' : 'closedlost',
      });
    }
  }
}

export function buildReconciliationWorld(options: WorldOptions): ReconciliationWorld {
  const world = new WorldBuilder();
  const scenarios: string[] = [];
  const count = RECONCILIATION_SCENARIOS.length;
  for (let index = 0; index < options.accounts; index += 1) {
    const scenario = RECONCILIATION_SCENARIOS[index % count] as (typeof RECONCILIATION_SCENARIOS)[number];
    const programme: CloudProgramme = Math.floor(index / count) % 2 === 0 ? 'aws_ace' : 'microsoft_referrals';
    const account = new Account(index, programme, world);
    scenario.play(account);
    background(account, options.backgroundDeals ?? 0);
    scenarios.push(scenario.name);
  }
  return {
    input: {
      deals: world.deals,
      opportunities: world.opportunities,
      links: world.links,
      coSellDeals: world.coSellDeals,
    },
    expectedMismatches: world.expectedMismatches,
    expectedMatches: world.expectedMatches,
    scenarios,
  };
}
