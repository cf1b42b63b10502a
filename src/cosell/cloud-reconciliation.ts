import { z } from 'zod';
import {
  type DealFeatures,
  dealFeatures,
  type FeatureCache,
  type FeatureOptions,
  inferFamiliesFromNames,
  newFeatureCache,
} from '../dedupe/deal-features.ts';
import {
  dayNumber,
  normalizeCompanyName,
  normalizeDomain,
  productFamilies,
  relativeDifference,
} from '../dedupe/deal-normalization.ts';
import { compareIds } from '../dedupe/duplicate-clustering.ts';
import { DEFAULT_DEDUPE_OPTIONS } from '../dedupe/find-duplicates.ts';
import {
  assessPair,
  COMPARISON_LEVELS,
  type ComparisonField,
  DEFAULT_SCORING_SETTINGS,
  type MatchModel,
  probabilityOf,
  type ScoringSettings,
  type WeightTable,
} from '../dedupe/pair-scoring.ts';
import type { Period } from '../metrics/periods.ts';
import { csvLine } from '../metrics/report-csv.ts';
import { type Deal, isoDateSchema, isoDateTimeSchema } from '../model/deal.ts';
import { MOTION_TARGET_KINDS } from './motion-targets.ts';

/**
 * The weekly cross-cloud attribution reconciliation (SPEC §2.7, the weekly loop of §2.5): each programme's
 * opportunities are matched to CRM deals — the stored link first, then the deal id the cloud holds, then the dedupe
 * engine's account/amount/date matching — and every disagreement is listed for the operator. Pure: the adapters map
 * AWS ACE opportunities and Microsoft referrals into `CloudOpportunity`, the store supplies links and co-sell motions.
 */

/** The cloud programmes are the motion targets other than a partner's webhook (one list, in motion-targets.ts). */
export const cloudProgrammeSchema = z.enum(MOTION_TARGET_KINDS).exclude(['partner_webhook']);
export type CloudProgramme = z.infer<typeof cloudProgrammeSchema>;
export const CLOUD_PROGRAMMES: readonly CloudProgramme[] = cloudProgrammeSchema.options;

const PROGRAMME_LABELS: Readonly<Record<CloudProgramme, string>> = {
  aws_ace: 'AWS ACE',
  microsoft_referrals: 'Microsoft referrals',
};

export const CLOUD_OUTCOMES = ['open', 'won', 'lost'] as const;
export type CloudOutcome = (typeof CLOUD_OUTCOMES)[number];

/** A programme's opportunity in neutral form: the AWS and Microsoft adapters map into this at the edge. */
export const cloudOpportunitySchema = z.strictObject({
  programme: cloudProgrammeSchema,
  /** The programme's id (AWS opportunity id `O…`, Microsoft referral id). */
  id: z.string().min(1),
  /** Our CRM deal id as the cloud holds it (AWS `PartnerOpportunityIdentifier`, Microsoft `externalReferenceId`). */
  crmDealId: z.string().min(1).nullable(),
  customerName: z.string(),
  customerDomain: z.string().nullable(),
  title: z.string(),
  amount: z.number().finite().nullable(),
  /** ISO 4217, any case. */
  currency: z.string().nullable(),
  closeDate: isoDateSchema.nullable(),
  outcome: z.enum(CLOUD_OUTCOMES),
  /** The programme's own stage/status text ("Launched", "Active/Accepted"), for display only. */
  stage: z.string(),
  /** When the programme created it; null when the adapter does not know (its creation gap then counts for nothing). */
  createdAt: isoDateTimeSchema.nullable(),
  lastModifiedAt: isoDateTimeSchema,
});
export type CloudOpportunity = z.infer<typeof cloudOpportunitySchema>;

/** What the service stored when it created an opportunity for a deal, or linked an inbound referral to one. */
export const cloudLinkSchema = z.strictObject({
  programme: cloudProgrammeSchema,
  opportunityId: z.string().min(1),
  dealId: z.string().min(1),
});
export type CloudLink = z.infer<typeof cloudLinkSchema>;

export interface ReconciliationTolerance {
  /** Relative amount difference |a − b| / max(a, b) allowed; exactly this much is not drift. */
  amountPct: number;
  /** Close-date difference in days allowed; exactly this many days is not drift. */
  closeDateDays: number;
}

export const DEFAULT_RECONCILIATION_TOLERANCE: ReconciliationTolerance = { amountPct: 0.1, closeDateDays: 14 };

export interface SimilaritySettings {
  /** Posterior probability a similarity match needs: the dedupe engine's link threshold by default. */
  minConfidence: number;
  /**
   * The best candidate must beat every rival by this many bits (log2 odds) — on the opportunity's side (another deal)
   * and on the deal's side (another opportunity of the programme) — or the match is ambiguous and left to a person.
   */
  ambiguityMarginBits: number;
  /** The dedupe engine's vetoes and gaps; its model is adapted to cloud records (see `cloudMatchModel`). */
  scoring: ScoringSettings;
}

export const DEFAULT_SIMILARITY_SETTINGS: SimilaritySettings = {
  minConfidence: DEFAULT_DEDUPE_OPTIONS.matchThreshold,
  ambiguityMarginBits: 3,
  scoring: DEFAULT_SCORING_SETTINGS,
};

export interface ReconciliationInput {
  /** The CRM's deals (the interchange Deal). */
  deals: readonly Deal[];
  opportunities: readonly CloudOpportunity[];
  links: readonly CloudLink[];
  /** Deal id → the programmes it has an open or won co-sell motion with. */
  coSellDeals: ReadonlyMap<string, ReadonlySet<CloudProgramme>>;
  tolerance?: Partial<ReconciliationTolerance> | undefined;
  similarity?: Partial<SimilaritySettings> | undefined;
}

/** The programmes' side of one reconciliation, as the store holds it (the weekly loop adds the deals). */
export interface ProgrammeSide {
  /** The programmes the tenant connected. */
  programmes: CloudProgramme[];
  opportunities: CloudOpportunity[];
  links: CloudLink[];
  coSellDeals: ReadonlyMap<string, ReadonlySet<CloudProgramme>>;
}

/** In display and export order. */
export const MISMATCH_KINDS = [
  'cloud_only',
  'crm_only',
  'stage_drift',
  'closed_one_side',
  'close_date_drift',
  'amount_drift',
] as const;
export type MismatchKind = (typeof MISMATCH_KINDS)[number];

export type MatchPath = 'link' | 'crm_id' | 'similarity';

export interface CrmDealSnapshot {
  name: string;
  accountName: string;
  stage: string;
  outcome: CloudOutcome;
  closeDate: string | null;
  amount: number | null;
  currency: string | null;
}

export interface CloudOpportunitySnapshot {
  title: string;
  customerName: string;
  stage: string;
  outcome: CloudOutcome;
  closeDate: string | null;
  amount: number | null;
  currency: string | null;
}

export interface CloudMismatch {
  kind: MismatchKind;
  programme: CloudProgramme;
  /** Null for `cloud_only`. */
  dealId: string | null;
  /** Null for `crm_only`. */
  opportunityId: string | null;
  /** How the pair was matched (drift kinds); null for `cloud_only` / `crm_only`. */
  matchedBy: MatchPath | null;
  /** The similarity match's posterior; null for link and CRM-id matches and the unmatched kinds. */
  confidence: number | null;
  /**
   * `close_date_drift`: days from the CRM's close date to the cloud's (positive = the cloud is later).
   * `amount_drift`: the relative difference |a − b| / max(a, b), null when the currencies differ. Otherwise null.
   */
  drift: number | null;
  crm: CrmDealSnapshot | null;
  cloud: CloudOpportunitySnapshot | null;
  /**
   * Records of the other side that resembled this one but could not be matched unambiguously (deal ids for
   * `cloud_only`, opportunity ids for `crm_only`): where the operator looks first.
   */
  candidates: string[];
  /** One plain sentence for the operator. */
  message: string;
}

export interface CloudMatch {
  programme: CloudProgramme;
  opportunityId: string;
  dealId: string;
  matchedBy: MatchPath;
  /** The similarity match's posterior (0–1, three decimals); null for link and CRM-id matches. */
  confidence: number | null;
}

export interface ReconciliationStats {
  deals: number;
  /** Distinct opportunities (the same programme and id listed twice counts once: the latest modification wins). */
  opportunities: number;
  /** Opportunity–deal pairs the similarity matcher scored: grows with the opportunities, not deals × opportunities. */
  scoredPairs: number;
  /** Ids in `coSellDeals` that name no deal of `deals` (deleted or outside the set given): not reported. */
  unknownCoSellDeals: number;
}

export interface ReconciliationResult {
  /** By programme, then opportunity id. */
  matched: CloudMatch[];
  /** By kind (`MISMATCH_KINDS` order), programme, opportunity id, deal id. */
  mismatches: CloudMismatch[];
  counts: Record<MismatchKind, number> & { matched: number; opportunities: number };
  stats: ReconciliationStats;
}

export function reconcileCloudProgrammes(input: ReconciliationInput): ReconciliationResult {
  const tolerance: ReconciliationTolerance = { ...DEFAULT_RECONCILIATION_TOLERANCE, ...input.tolerance };
  const similarity: SimilaritySettings = { ...DEFAULT_SIMILARITY_SETTINGS, ...input.similarity };

  const dealIndex = new Map<string, number>();
  input.deals.forEach((deal, index) => {
    if (!dealIndex.has(deal.id)) dealIndex.set(deal.id, index);
  });
  const dealOf = (id: string): Deal | undefined => {
    const index = dealIndex.get(id);
    return index === undefined ? undefined : input.deals[index];
  };
  const opportunities = latestOpportunities(input.opportunities);
  const linkedDeals = new Map<string, string[]>(); // programme + opportunity → deal ids
  const linkedOpportunities = new Map<string, string[]>(); // programme + deal → opportunity ids
  for (const link of input.links) {
    push(linkedDeals, pairKey(link.programme, link.opportunityId), link.dealId);
    push(linkedOpportunities, pairKey(link.programme, link.dealId), link.opportunityId);
  }
  for (const ids of [...linkedDeals.values(), ...linkedOpportunities.values()]) ids.sort(compareIds);

  const matches = new Map<CloudOpportunity, CloudMatch>();
  const holder = new Map<string, string>(); // programme + deal → the opportunity matched to it
  const match = (opportunity: CloudOpportunity, dealId: string, matchedBy: MatchPath, confidence: number | null) => {
    const { programme, id } = opportunity;
    matches.set(opportunity, { programme, opportunityId: id, dealId, matchedBy, confidence });
    holder.set(pairKey(programme, dealId), id);
  };
  const isFree = (programme: CloudProgramme, dealId: string) =>
    dealIndex.has(dealId) && !holder.has(pairKey(programme, dealId));

  // 1. Stored links, all of them before any other evidence: a link is a fact, the rest is inference.
  for (const opportunity of opportunities) {
    const dealId = linkedDeals
      .get(pairKey(opportunity.programme, opportunity.id))
      ?.find((id) => isFree(opportunity.programme, id));
    if (dealId !== undefined) match(opportunity, dealId, 'link', null);
  }
  // 2. The deal id the cloud holds for us, when it names a deal nobody else holds.
  for (const opportunity of opportunities) {
    if (matches.has(opportunity) || opportunity.crmDealId === null) continue;
    if (isFree(opportunity.programme, opportunity.crmDealId)) match(opportunity, opportunity.crmDealId, 'crm_id', null);
  }
  // 3. The dedupe engine's matching, for the rest.
  const unmatched = opportunities.filter((opportunity) => !matches.has(opportunity));
  const matcher = unmatched.length > 0 ? new SimilarityMatcher(input.deals, similarity) : null;
  const verdicts = new Map<CloudOpportunity, SimilarityVerdict>();
  const claims = new Map<string, string[]>(); // programme + deal → opportunities that resembled it, unmatched
  for (const programme of CLOUD_PROGRAMMES) {
    const own = unmatched.filter((opportunity) => opportunity.programme === programme);
    if (matcher === null || own.length === 0) continue;
    for (const verdict of matcher.decide(own, (dealId) => holder.get(pairKey(programme, dealId)) ?? null)) {
      if (verdict.accepted) match(verdict.opportunity, verdict.dealId as string, 'similarity', verdict.confidence);
      else {
        verdicts.set(verdict.opportunity, verdict);
        for (const dealId of verdict.claimedDealIds) push(claims, pairKey(programme, dealId), verdict.opportunity.id);
      }
    }
  }

  const mismatches: CloudMismatch[] = [];
  for (const opportunity of opportunities) {
    const found = matches.get(opportunity);
    if (found) {
      mismatches.push(...driftOf(found, dealOf(found.dealId) as Deal, opportunity, tolerance));
      continue;
    }
    const notes: string[] = [];
    const linkedIds = linkedDeals.get(pairKey(opportunity.programme, opportunity.id)) ?? [];
    for (const dealId of linkedIds) {
      const other = holder.get(pairKey(opportunity.programme, dealId));
      notes.push(
        other === undefined
          ? `its stored link points to deal ${dealId}, which is not in the CRM`
          : `its stored link points to deal ${dealId}, which is matched to opportunity ${other}`,
      );
    }
    if (opportunity.crmDealId !== null && !linkedIds.includes(opportunity.crmDealId)) {
      const other = holder.get(pairKey(opportunity.programme, opportunity.crmDealId));
      notes.push(
        other === undefined
          ? `it names CRM deal ${opportunity.crmDealId}, which does not exist`
          : `it names CRM deal ${opportunity.crmDealId}, which is matched to opportunity ${other}`,
      );
    }
    const verdict = verdicts.get(opportunity);
    if (verdict?.note) notes.push(verdict.note);
    mismatches.push({
      kind: 'cloud_only',
      programme: opportunity.programme,
      dealId: null,
      opportunityId: opportunity.id,
      matchedBy: null,
      confidence: null,
      drift: null,
      crm: null,
      cloud: cloudSnapshot(opportunity),
      candidates: verdict?.candidates ?? [],
      message: sentence(
        `${PROGRAMME_LABELS[opportunity.programme]} opportunity ${opportunity.id} ${quoted(opportunity.title)} for ${
          opportunity.customerName || 'an unnamed customer'
        } has no matching CRM deal`,
        notes.length > 0 ? notes : ['no CRM deal of that customer resembles it'],
      ),
    });
  }

  const matchOf = new Map([...matches.values()].map((found) => [pairKey(found.programme, found.opportunityId), found]));
  let unknownCoSellDeals = 0;
  for (const [dealId, programmes] of input.coSellDeals) {
    const deal = dealOf(dealId);
    if (deal === undefined) {
      unknownCoSellDeals += 1;
      continue;
    }
    for (const programme of CLOUD_PROGRAMMES) {
      if (!programmes.has(programme) || holder.has(pairKey(programme, dealId))) continue;
      const notes: string[] = [];
      for (const opportunityId of linkedOpportunities.get(pairKey(programme, dealId)) ?? []) {
        const other = matchOf.get(pairKey(programme, opportunityId));
        notes.push(
          other === undefined
            ? `its linked opportunity ${opportunityId} is not listed by the programme`
            : `its linked opportunity ${opportunityId} is matched to deal ${other.dealId}`,
        );
      }
      const claimants = [...new Set(claims.get(pairKey(programme, dealId)) ?? [])].sort(compareIds);
      if (claimants.length > 0) {
        notes.push(
          `${plural(claimants, 'opportunity', 'opportunities')} ${claimants.length === 1 ? 'resembles' : 'resemble'} it`,
        );
      }
      mismatches.push({
        kind: 'crm_only',
        programme,
        dealId,
        opportunityId: null,
        matchedBy: null,
        confidence: null,
        drift: null,
        crm: crmSnapshot(deal),
        cloud: null,
        candidates: claimants,
        message: sentence(
          `Deal ${dealId} ${quoted(deal.name)} is marked co-sell with ${PROGRAMME_LABELS[programme]} but has no opportunity there`,
          notes,
        ),
      });
    }
  }

  mismatches.sort(compareMismatches);
  const matched = [...matches.values()].sort(
    (a, b) => compareProgrammes(a.programme, b.programme) || compareIds(a.opportunityId, b.opportunityId),
  );
  const counts = Object.fromEntries(MISMATCH_KINDS.map((kind) => [kind, 0])) as Record<MismatchKind, number>;
  for (const mismatch of mismatches) counts[mismatch.kind] += 1;
  return {
    matched,
    mismatches,
    counts: { ...counts, matched: matched.length, opportunities: opportunities.length },
    stats: {
      deals: input.deals.length,
      opportunities: opportunities.length,
      scoredPairs: matcher?.scoredPairs ?? 0,
      unknownCoSellDeals,
    },
  };
}

// ---------------------------------------------------------------------------------------------------------------
// Drift of a matched pair
// ---------------------------------------------------------------------------------------------------------------

/** Tolerance comparisons are inclusive; the epsilon keeps "exactly at the tolerance" exact despite binary fractions. */
const EPSILON = 1e-9;

function driftOf(
  found: CloudMatch,
  deal: Deal,
  opportunity: CloudOpportunity,
  tolerance: ReconciliationTolerance,
): CloudMismatch[] {
  const label = PROGRAMME_LABELS[found.programme];
  const subject = `Deal ${deal.id} ${quoted(deal.name)}`;
  const where = `${label} (opportunity ${opportunity.id}, ${quoted(opportunity.stage)})`;
  const row = (kind: MismatchKind, drift: number | null, message: string): CloudMismatch => ({
    kind,
    programme: found.programme,
    dealId: deal.id,
    opportunityId: opportunity.id,
    matchedBy: found.matchedBy,
    confidence: found.confidence,
    drift,
    crm: crmSnapshot(deal),
    cloud: cloudSnapshot(opportunity),
    candidates: [],
    message: `${message}.`,
  });
  const rows: CloudMismatch[] = [];

  const crmOutcome = outcomeOf(deal);
  if (crmOutcome !== opportunity.outcome) {
    const kind = crmOutcome === 'open' || opportunity.outcome === 'open' ? 'closed_one_side' : 'stage_drift';
    rows.push(
      row(
        kind,
        null,
        `${subject} is ${describeOutcome(crmOutcome, deal.stage)} in the CRM but ${opportunity.outcome} in ${where}`,
      ),
    );
  }

  const crmDay = dayNumber(deal.closeDate);
  const cloudDay = dayNumber(opportunity.closeDate);
  if (crmDay !== null && cloudDay !== null && Math.abs(cloudDay - crmDay) > tolerance.closeDateDays) {
    const days = cloudDay - crmDay;
    rows.push(
      row(
        'close_date_drift',
        days,
        `${subject} closes ${deal.closeDate} in the CRM but ${opportunity.closeDate} in ${where}: ${Math.abs(days)} days ${
          days > 0 ? 'later' : 'earlier'
        }, beyond the ${tolerance.closeDateDays}-day tolerance`,
      ),
    );
  }

  if (deal.amount !== null && opportunity.amount !== null) {
    const crmCurrency = deal.currency?.toUpperCase() ?? null;
    const cloudCurrency = opportunity.currency?.toUpperCase() ?? null;
    const crmAmount = money(deal.amount, crmCurrency);
    const cloudAmount = money(opportunity.amount, cloudCurrency);
    if (crmCurrency !== null && cloudCurrency !== null && crmCurrency !== cloudCurrency) {
      rows.push(
        row(
          'amount_drift',
          null,
          `${subject} is priced in ${crmCurrency} in the CRM but in ${cloudCurrency} in ${where}: ${crmAmount} against ${cloudAmount}`,
        ),
      );
    } else {
      const difference = amountDifference(deal.amount, opportunity.amount);
      if (difference > tolerance.amountPct + EPSILON) {
        rows.push(
          row(
            'amount_drift',
            round(difference, 4),
            `${subject} is ${crmAmount} in the CRM but ${cloudAmount} in ${where}: ${percent(difference)} apart, beyond the ${percent(
              tolerance.amountPct,
            )} tolerance`,
          ),
        );
      }
    }
  }
  return rows;
}

/** The dedupe engine's relative difference, made total: equal amounts (zero included) differ by nothing. */
function amountDifference(a: number, b: number): number {
  if (a === b) return 0;
  return relativeDifference(Math.abs(a), Math.abs(b)) ?? 0;
}

function outcomeOf(deal: Deal): CloudOutcome {
  return deal.isClosed ? (deal.isWon ? 'won' : 'lost') : 'open';
}

function describeOutcome(outcome: CloudOutcome, stage: string): string {
  return outcome === 'open' ? `open (${quoted(stage)})` : outcome;
}

function crmSnapshot(deal: Deal): CrmDealSnapshot {
  return {
    name: deal.name,
    accountName: deal.account.name,
    stage: deal.stage,
    outcome: outcomeOf(deal),
    closeDate: deal.closeDate,
    amount: deal.amount,
    currency: deal.currency,
  };
}

function cloudSnapshot(opportunity: CloudOpportunity): CloudOpportunitySnapshot {
  return {
    title: opportunity.title,
    customerName: opportunity.customerName,
    stage: opportunity.stage,
    outcome: opportunity.outcome,
    closeDate: opportunity.closeDate,
    amount: opportunity.amount,
    currency: opportunity.currency === null ? null : opportunity.currency.toUpperCase(),
  };
}

// ---------------------------------------------------------------------------------------------------------------
// Similarity: the dedupe engine's features, vetoes and level weights, applied to cloud opportunity × CRM deal
// ---------------------------------------------------------------------------------------------------------------

/**
 * The dedupe model for a cloud record. A cloud opportunity carries no partner registrations (those are the CRM's),
 * so the registrants levels say nothing and weigh 0; without a creation time the creation-gap levels weigh 0 too
 * (the dedupe features read a missing time as "far", which would count its absence as evidence against).
 */
export function cloudMatchModel(base: MatchModel, hasCreatedAt: boolean): MatchModel {
  const neutral = (field: ComparisonField) =>
    Object.fromEntries(COMPARISON_LEVELS[field].map((level) => [level, 0])) as WeightTable[typeof field];
  return {
    interceptBits: base.interceptBits,
    bits: {
      ...base.bits,
      registrants: neutral('registrants') as WeightTable['registrants'],
      ...(hasCreatedAt ? {} : { created: neutral('created') as WeightTable['created'] }),
    },
  };
}

/** The opportunity as the dedupe engine's Deal: a synthetic account id, so only domain and name can tie accounts. */
function asDeal(opportunity: CloudOpportunity): Deal {
  return {
    id: `${opportunity.programme}:${opportunity.id}`,
    name: opportunity.title,
    account: {
      id: `cloud:${opportunity.programme}:${opportunity.id}`,
      name: opportunity.customerName,
      domain: opportunity.customerDomain,
    },
    amount: opportunity.amount,
    currency: opportunity.currency === null ? null : opportunity.currency.toUpperCase(),
    closeDate: opportunity.closeDate,
    createdAt: opportunity.createdAt ?? '',
    stage: opportunity.stage,
    isClosed: opportunity.outcome !== 'open',
    isWon: opportunity.outcome === 'won',
    type: null,
    ownerId: null,
    region: null,
    leadSource: null,
    products: [],
    partners: [],
    lossReason: null,
  };
}

interface SimilarityVerdict {
  opportunity: CloudOpportunity;
  accepted: boolean;
  dealId: string | null;
  confidence: number | null;
  /** Deal ids shown to the operator when not accepted. */
  candidates: string[];
  /** Deals this opportunity resembled confidently (for the deal's `crm_only` row). */
  claimedDealIds: string[];
  note: string | null;
}

interface ScoredPair {
  opportunity: number;
  deal: number;
  weight: number;
}

interface Block {
  /** Dated members by close day, and their close days alongside for the binary search. */
  dated: number[];
  closeDays: number[];
  undated: number[];
}

/**
 * Blocking as the incremental dedupe pass does it (`dealMatchKeys`): a deal is a candidate for an opportunity when
 * they share the registrable domain or the normalized company name; inside a block only deals whose close dates lie
 * within the engine's far-apart gap are scored (the veto would reject the others). Cost: per opportunity, the deals
 * of its account in its time window; never deals × opportunities.
 */
class SimilarityMatcher {
  scoredPairs = 0;
  /** Full features, computed only for deals some opportunity is compared with (most deals never are). */
  private readonly features: Array<DealFeatures | undefined>;
  private readonly closeDays: Array<number | null>;
  private readonly knownFamilies: string[];
  private readonly blocks = new Map<string, Block>();
  private readonly seen: Int32Array;
  private stamp = 0;
  private readonly featureOptions: FeatureOptions & { cache: FeatureCache };
  private readonly withCreated: ScoringSettings;
  private readonly withoutCreated: ScoringSettings;

  constructor(
    private readonly deals: readonly Deal[],
    private readonly settings: SimilaritySettings,
  ) {
    // Blocking keys and product families go through the feature cache under the keys `dealFeatures` uses, so a deal's
    // features, when needed, reuse them.
    const cache = newFeatureCache();
    this.featureOptions = { registrationRoles: DEFAULT_DEDUPE_OPTIONS.registrationRoles, cache };
    this.features = new Array(deals.length);
    this.closeDays = deals.map((deal) => dayNumber(deal.closeDate));
    const families = new Set<string>();
    deals.forEach((deal, index) => {
      const company = cachedValue(cache.companies, deal.account.name, () => normalizeCompanyName(deal.account.name));
      const raw = deal.account.domain;
      const domain = raw === null ? null : cachedValue(cache.domains, raw, () => normalizeDomain(raw));
      const listed = cachedValue(cache.families, deal.products.join('\u0000'), () => productFamilies(deal.products));
      for (const family of listed) families.add(family);
      for (const key of blockKeys(domain, company.core)) {
        let block = this.blocks.get(key);
        if (block === undefined) {
          block = { dated: [], closeDays: [], undated: [] };
          this.blocks.set(key, block);
        }
        (this.closeDays[index] === null ? block.undated : block.dated).push(index);
      }
    });
    // As the dedupe engine does: a deal without products counts as those its name mentions among the listed ones.
    this.knownFamilies = [...families].sort();
    for (const block of this.blocks.values()) {
      block.dated.sort((a, b) => (this.closeDays[a] as number) - (this.closeDays[b] as number) || a - b);
      block.closeDays = block.dated.map((index) => this.closeDays[index] as number);
    }
    this.seen = new Int32Array(deals.length).fill(-1);
    const scoring = settings.scoring;
    this.withCreated = { ...scoring, model: cloudMatchModel(scoring.model, true) };
    this.withoutCreated = { ...scoring, model: cloudMatchModel(scoring.model, false) };
  }

  /** The deals an opportunity is compared with, each once, in a stable order. */
  private candidatesOf(opportunity: DealFeatures): number[] {
    this.stamp += 1;
    const radius = this.settings.scoring.maxCloseDateGapDays;
    const found: number[] = [];
    const take = (deal: number) => {
      if (this.seen[deal] === this.stamp) return;
      this.seen[deal] = this.stamp;
      found.push(deal);
    };
    for (const key of blockKeys(opportunity.domain, opportunity.accountCore)) {
      const block = this.blocks.get(key);
      if (block === undefined) continue;
      if (opportunity.closeDay === null) {
        for (const deal of block.dated) take(deal);
      } else {
        const until = opportunity.closeDay + radius;
        for (let k = lowerBound(block.closeDays, opportunity.closeDay - radius); k < block.dated.length; k += 1) {
          if ((block.closeDays[k] as number) > until) break;
          take(block.dated[k] as number);
        }
      }
      for (const deal of block.undated) take(deal);
    }
    return found;
  }

  /** Computes the features of candidate deals not seen yet, in one batch (family inference works on a batch). */
  private computeFeatures(candidates: ReadonlyArray<readonly number[]>): void {
    const fresh: DealFeatures[] = [];
    for (const list of candidates) {
      for (const index of list) {
        if (this.features[index] !== undefined) continue;
        const feature = dealFeatures(this.deals[index] as Deal, index, this.featureOptions);
        this.features[index] = feature;
        fresh.push(feature);
      }
    }
    inferFamiliesFromNames(fresh, this.knownFamilies);
  }

  /**
   * One programme's unmatched opportunities against the deals. A pair is accepted when it is confident and each is the
   * other's clear best (one-to-one; a deal `heldBy` another opportunity of the programme is not available).
   */
  decide(opportunities: readonly CloudOpportunity[], heldBy: (dealId: string) => string | null): SimilarityVerdict[] {
    const { minConfidence, ambiguityMarginBits } = this.settings;
    const minWeight = Math.log2(minConfidence / (1 - minConfidence));
    // Pairs weaker than this can neither be accepted nor rival an acceptable one.
    const floor = minWeight - ambiguityMarginBits;
    const options = { registrationRoles: DEFAULT_DEDUPE_OPTIONS.registrationRoles, cache: newFeatureCache() };
    const features = opportunities.map((opportunity, index) => dealFeatures(asDeal(opportunity), index, options));
    // Titles naming a product the CRM sells count as that product, as the engine does for deals without products.
    inferFamiliesFromNames(features, this.knownFamilies);

    const candidates = features.map((feature) => this.candidatesOf(feature));
    this.computeFeatures(candidates);

    const byOpportunity: ScoredPair[][] = opportunities.map(() => []);
    const byDeal = new Map<number, ScoredPair[]>();
    features.forEach((feature, o) => {
      const settings =
        (opportunities[o] as CloudOpportunity).createdAt === null ? this.withoutCreated : this.withCreated;
      for (const deal of candidates[o] as number[]) {
        this.scoredPairs += 1;
        const assessment = assessPair(feature, this.features[deal] as DealFeatures, settings);
        if (assessment.veto !== null || assessment.weight < floor) continue;
        const pair = { opportunity: o, deal, weight: assessment.weight };
        (byOpportunity[o] as ScoredPair[]).push(pair);
        const list = byDeal.get(deal);
        if (list) list.push(pair);
        else byDeal.set(deal, [pair]);
      }
    });
    const dealId = (index: number) => (this.deals[index] as Deal).id;
    const opportunityId = (index: number) => (opportunities[index] as CloudOpportunity).id;
    const strongest = (x: ScoredPair, y: ScoredPair) =>
      y.weight - x.weight ||
      compareIds(dealId(x.deal), dealId(y.deal)) ||
      compareIds(opportunityId(x.opportunity), opportunityId(y.opportunity));
    for (const list of byOpportunity) list.sort(strongest);
    for (const list of byDeal.values()) list.sort(strongest);

    return opportunities.map((opportunity, o): SimilarityVerdict => {
      const pairs = byOpportunity[o] as ScoredPair[];
      const claimedDealIds = pairs.filter((pair) => pair.weight >= minWeight).map((pair) => dealId(pair.deal));
      const verdict = (fields: Pick<SimilarityVerdict, 'candidates' | 'note'>): SimilarityVerdict => ({
        opportunity,
        accepted: false,
        dealId: null,
        confidence: null,
        claimedDealIds,
        ...fields,
      });
      const best = pairs[0];
      if (best === undefined || best.weight < minWeight) return verdict({ candidates: [], note: null });
      const bestId = dealId(best.deal);
      const rivalDeals = pairs.slice(1).filter((pair) => pair.weight >= best.weight - ambiguityMarginBits);
      if (rivalDeals.length > 0) {
        const candidates = [bestId, ...rivalDeals.map((pair) => dealId(pair.deal))].sort(compareIds);
        return verdict({ candidates, note: `${plural(candidates, 'deal', 'deals')} resemble it about equally` });
      }
      const held = heldBy(bestId);
      if (held !== null) {
        return verdict({
          candidates: [bestId],
          note: `it resembles deal ${bestId}, which is matched to opportunity ${held}`,
        });
      }
      // A rival on the deal's side is another opportunity for which this deal is a plausible best too; one that
      // clearly prefers another deal does not stand in the way (and the pair stays one-to-one either way).
      const rivalOpportunities = (byDeal.get(best.deal) ?? []).filter(
        (pair) =>
          pair.opportunity !== o &&
          pair.weight >= best.weight - ambiguityMarginBits &&
          pair.weight >=
            ((byOpportunity[pair.opportunity] as ScoredPair[])[0] as ScoredPair).weight - ambiguityMarginBits,
      );
      if (rivalOpportunities.length > 0) {
        const others = rivalOpportunities.map((pair) => opportunityId(pair.opportunity)).sort(compareIds);
        return verdict({
          candidates: [bestId],
          note: `it resembles deal ${bestId}, which resembles ${plural(others, 'opportunity', 'opportunities')} as much`,
        });
      }
      return {
        opportunity,
        accepted: true,
        dealId: bestId,
        confidence: round(probabilityOf(best.weight), 3),
        candidates: [],
        claimedDealIds,
        note: null,
      };
    });
  }
}

/** The `d:` and `n:` keys of `dealMatchKeys` from normalized values (a synthetic account id never ties clouds). */
function blockKeys(domain: string | null, accountCore: string): string[] {
  const keys: string[] = [];
  if (domain !== null) keys.push(`d:${domain}`);
  if (accountCore !== '') keys.push(`n:${accountCore}`);
  return keys;
}

/** The feature cache's lookup (`deal-features.ts` keeps its own private). */
function cachedValue<V>(map: Map<string, V>, key: string, compute: () => V): V {
  const hit = map.get(key);
  if (hit !== undefined || map.has(key)) return hit as V;
  const value = compute();
  map.set(key, value);
  return value;
}

function lowerBound(sorted: readonly number[], value: number): number {
  let low = 0;
  let high = sorted.length;
  while (low < high) {
    const mid = (low + high) >>> 1;
    if ((sorted[mid] as number) < value) low = mid + 1;
    else high = mid;
  }
  return low;
}

// ---------------------------------------------------------------------------------------------------------------
// Export
// ---------------------------------------------------------------------------------------------------------------

/** The export's columns, stable: operators build spreadsheets on them. */
export const CLOUD_MISMATCH_CSV_COLUMNS = [
  'period_start',
  'period_end',
  'kind',
  'programme',
  'deal_id',
  'opportunity_id',
  'matched_by',
  'confidence',
  'drift',
  'crm_deal_name',
  'crm_account',
  'crm_stage',
  'crm_outcome',
  'crm_close_date',
  'crm_amount',
  'crm_currency',
  'cloud_title',
  'cloud_customer',
  'cloud_stage',
  'cloud_outcome',
  'cloud_close_date',
  'cloud_amount',
  'cloud_currency',
  'candidates',
  'message',
] as const;

/**
 * The mismatches as CSV (RFC 4180, CRLF-free `\n` lines like the other reports): a header, then one row per mismatch
 * in the result's order. Text a customer or partner typed (titles, names, stages) cannot start a spreadsheet formula:
 * a leading `=`, `+`, `-`, `@` is prefixed with `'`.
 */
export function mismatchesCsv(
  result: Pick<ReconciliationResult, 'mismatches'>,
  period?: Pick<Period, 'start' | 'end'>,
): string {
  const lines = [csvLine(CLOUD_MISMATCH_CSV_COLUMNS)];
  for (const mismatch of result.mismatches) {
    const { crm, cloud } = mismatch;
    lines.push(
      csvLine([
        period?.start ?? null,
        period?.end ?? null,
        mismatch.kind,
        mismatch.programme,
        text(mismatch.dealId),
        text(mismatch.opportunityId),
        mismatch.matchedBy,
        mismatch.confidence,
        mismatch.drift,
        text(crm?.name),
        text(crm?.accountName),
        text(crm?.stage),
        crm?.outcome ?? null,
        crm?.closeDate ?? null,
        crm?.amount ?? null,
        crm?.currency ?? null,
        text(cloud?.title),
        text(cloud?.customerName),
        text(cloud?.stage),
        cloud?.outcome ?? null,
        cloud?.closeDate ?? null,
        cloud?.amount ?? null,
        text(cloud?.currency),
        text(mismatch.candidates.join(';')),
        text(mismatch.message),
      ]),
    );
  }
  return `${lines.join('\n')}\n`;
}

function text(value: string | null | undefined): string | null {
  if (value === null || value === undefined) return null;
  return /^[=+\-@\t\r]/.test(value) ? `'${value}` : value;
}

// ---------------------------------------------------------------------------------------------------------------
// Helpers
// ---------------------------------------------------------------------------------------------------------------

function pairKey(programme: CloudProgramme, id: string): string {
  return `${programme}\u0000${id}`;
}

function push<K, V>(map: Map<K, V[]>, key: K, value: V): void {
  const list = map.get(key);
  if (list) list.push(value);
  else map.set(key, [value]);
}

/** One record per programme and id (overlapping polls list one twice): the latest modification, in id order. */
function latestOpportunities(opportunities: readonly CloudOpportunity[]): CloudOpportunity[] {
  const latest = new Map<string, CloudOpportunity>();
  for (const opportunity of opportunities) {
    const key = pairKey(opportunity.programme, opportunity.id);
    const known = latest.get(key);
    if (known === undefined || Date.parse(opportunity.lastModifiedAt) >= Date.parse(known.lastModifiedAt)) {
      latest.set(key, opportunity);
    }
  }
  return [...latest.values()].sort((a, b) => compareProgrammes(a.programme, b.programme) || compareIds(a.id, b.id));
}

function compareMismatches(a: CloudMismatch, b: CloudMismatch): number {
  return (
    MISMATCH_KINDS.indexOf(a.kind) - MISMATCH_KINDS.indexOf(b.kind) ||
    compareProgrammes(a.programme, b.programme) ||
    compareIds(a.opportunityId ?? '', b.opportunityId ?? '') ||
    compareIds(a.dealId ?? '', b.dealId ?? '')
  );
}

function sentence(main: string, notes: readonly string[]): string {
  return notes.length === 0 ? `${main}.` : `${main}: ${notes.join('; ')}.`;
}

function quoted(value: string): string {
  return `“${value}”`;
}

function plural(ids: readonly string[], one: string, many: string): string {
  if (ids.length === 1) return `${one} ${ids[0]}`;
  return `${many} ${ids.slice(0, -1).join(', ')} and ${ids[ids.length - 1]}`;
}

const AMOUNT_FORMAT = new Intl.NumberFormat('en-US', { maximumFractionDigits: 2 });

function money(amount: number, currency: string | null): string {
  return currency === null ? AMOUNT_FORMAT.format(amount) : `${AMOUNT_FORMAT.format(amount)} ${currency}`;
}

function percent(fraction: number): string {
  return `${round(fraction * 100, 1)}%`;
}

function round(value: number, digits: number): number {
  const scale = 10 ** digits;
  return Math.round(value * scale) / scale;
}

/** Programmes in `CLOUD_PROGRAMMES` order (no locale involved). */
function compareProgrammes(a: CloudProgramme, b: CloudProgramme): number {
  return CLOUD_PROGRAMMES.indexOf(a) - CLOUD_PROGRAMMES.indexOf(b);
}

/**
 * The CRM deal an inbound programme opportunity is (an accepted AWS referral, say): the deal id it names, else the
 * dedupe engine's unambiguous match — the same evidence the weekly reconciliation uses, so accepting an invitation
 * never makes a deal the reconciliation would then call a duplicate. Null: no deal is this one.
 */
export function matchInboundOpportunity(
  opportunity: CloudOpportunity,
  deals: readonly Deal[],
  similarity?: Partial<SimilaritySettings>,
): { dealId: string; matchedBy: MatchPath; confidence: number | null } | null {
  const result = reconcileCloudProgrammes({
    deals,
    // An inbound record was created when the programme offered it to us, not when the customer's project began: its
    // creation date says nothing about which deal it is.
    opportunities: [{ ...opportunity, createdAt: null }],
    links: [],
    coSellDeals: new Map(),
    similarity,
  });
  const found = result.matched[0];
  return found ? { dealId: found.dealId, matchedBy: found.matchedBy, confidence: found.confidence } : null;
}
